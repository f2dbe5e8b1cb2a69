"""Print the problem gate's figures on the labelled sets: `python bench/gate.py [-v]`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.gate_sets import DEV, HOLDOUT, evaluate, load


def main() -> None:
    verbose = "-v" in sys.argv
    for name, path in (("held-out", HOLDOUT), ("dev (tuned on)", DEV)):
        figures, wrong = evaluate(load(path))
        print(
            f"{name:<15} genuine problems passed first time: {figures.problems_passed}/{figures.problems} "
            f"({figures.pass_rate:.1%})   solution-only/content-free coached: "
            f"{figures.non_problems_stopped}/{figures.non_problems} ({figures.stop_rate:.1%})"
        )
        if verbose and name.startswith("dev"):
            for row in wrong:
                print(f"   wrong ({row['label']}): {row['text'][:110]!r}")


if __name__ == "__main__":
    main()
