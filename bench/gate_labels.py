"""How consistent the gate's labels are, and what that says about the gate: `python bench/gate_labels.py`.

`tests/data/relabel_gate.jsonl` holds three fresh labellings of the real writing (each by a
labeller who read only `LABELLING.md` and the texts, blind to the labels and to each other). This
prints, for the project's shared set (`gate_real`) and for the sets gathered for issue 12:

1. how often the labellers agree with each other and with the committed label;
2. the learned gate's held-out figures on every row, and on the rows where all agree (the set the
   gate is judged on kept only rows that three labellings agreed on);
3. the labellers' majority taken as a gate's verdict: what a reader of the guide reaches.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.judgment import train  # noqa: E402
from bot.judgment.gate import CLASSES, gate_model  # noqa: E402

RELABELS = ROOT / "tests" / "data" / "relabel_gate.jsonl"
SHARED = "gate_real.jsonl"


def load_relabels() -> dict[str, dict[str, str]]:
    """Row id -> {labeller: label}."""
    rows = [json.loads(line) for line in RELABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {row["id"]: row["labels"] for row in rows}


def majority(labels: dict[str, str]) -> str | None:
    """The label most labellers gave, if at least two agree."""
    label, count = Counter(labels.values()).most_common(1)[0]
    return label if count >= 2 else None


def share(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / max(1, total):.1%})"


def rates(labels: list[str], verdicts: list[str]) -> str:
    """Problems passed and the others coached, with the confusion counts."""
    fig = train.figures(labels, verdicts)
    table = "  ".join(f"{true}→" + "/".join(str(fig["confusion"][true][v]) for v in CLASSES) for true in CLASSES)
    return (
        f"n={fig['rows']:<4} problems passed {fig['problems_passed']:.1%}  others coached "
        f"{fig['others_coached']:.1%}   (true→problem/solution/vague: {table})"
    )


def agreement(name: str, rows: list[dict], fresh: dict[str, dict[str, str]], votes: dict[str, str | None]) -> None:
    rows = [r for r in rows if r["id"] in fresh]
    who = sorted({k for r in rows for k in fresh[r["id"]]})
    print(f"\n{name}: {len(rows)} rows labelled afresh by {len(who)}")
    for a in who:
        print(f"  {a} vs committed label  {share(sum(fresh[r['id']][a] == r['label'] for r in rows), len(rows))}")
    for a, b in combinations(who, 2):
        same = sum(fresh[r["id"]][a] == fresh[r["id"]][b] for r in rows)
        print(f"  {a} vs {b}               {share(same, len(rows))}")
    unanimous = sum(len(set(fresh[r["id"]].values())) == 1 for r in rows)
    print(f"  all fresh labellings agree      {share(unanimous, len(rows))}")
    agreed = sum(votes[r["id"]] == r["label"] for r in rows)
    print(f"  their majority = committed      {share(agreed, len(rows))}")
    moves = Counter((r["label"], votes[r["id"]]) for r in rows if votes[r["id"]] != r["label"])
    print("  where not (committed → majority): " + ", ".join(f"{a}→{b} {n}" for (a, b), n in moves.most_common()))


def main() -> None:
    fresh = load_relabels()
    votes = {row_id: majority(labels) for row_id, labels in fresh.items()}
    real = train.real_rows()
    shared_ids = {r["id"] for r in train.load_rows(SHARED)}
    agreement("shared set (gate_real, the project's labels)", [r for r in real if r["id"] in shared_ids], fresh, votes)
    agreement("sets gathered for issue 12", [r for r in real if r["id"] not in shared_ids], fresh, votes)

    model = gate_model()
    held_ids = set(model.about["held_out_ids"])
    held = [r for r in real if str(r["id"]) in held_ids and r["id"] in fresh]
    verdicts = train.verdicts_at([model.judge(*train.read_row(r)).probabilities for r in held], model.threshold)
    clear = [len(set(fresh[r["id"]].values()) | {r["label"]}) == 1 for r in held]
    print("\nthe learned gate on the held-out real rows (never trained on)")
    print("  every row                  " + rates([r["label"] for r in held], verdicts))
    kept = [(r["label"], v) for r, v, c in zip(held, verdicts, clear, strict=True) if c]
    print("  all labellings agree       " + rates([label for label, _ in kept], [v for _, v in kept]))
    print("\nthe fresh labellers' majority as the verdict, against the committed label (every real row)")
    rows = [r for r in real if votes.get(r["id"])]
    print("  every row                  " + rates([r["label"] for r in rows], [votes[r["id"]] for r in rows]))


if __name__ == "__main__":
    main()
