"""Similar ideas by meaning: the same problem in other words is named, a different problem on the same
topic is not; the index names at most three, best first, and forgets closed ideas."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from bot.domain.similar import content_words
from bot.judgment.embed import embedder, model_folder
from bot.judgment.similar import MAX_NAMED, SIMILAR_SCORE, MeaningIndex, idea_text
from tests.gate_sets import DATA

SAME = [
    (
        "customers call us to ask where their order is, 40 calls a day",
        "online customers keep calling support to ask where their order is, about 40 calls daily",
    ),
    (
        "new hires wait three days for their laptop and accounts and sit idle",
        "new starters sit idle for their first three days waiting for a laptop and accounts",
    ),
    (
        "we pay some supplier invoices twice because they arrive by email and by post",
        "supplier invoices arriving by both post and email get paid twice",
    ),
    (
        "pickers can't see which bins are empty so they walk the whole aisle",
        "warehouse pickers walk whole aisles because they can't see empty bins",
    ),
    (
        "patients no-show for physio appointments and the therapist sits idle",
        "therapists sit idle when patients no-show for their physio appointments",
    ),
]

DIFFERENT = [
    (
        "customers call us to ask where their order is, 40 calls a day",
        "customers cannot change their delivery address after ordering",
    ),
    (
        "new hires wait three days for their laptop and accounts",
        "leavers keep access to SaaS tools for weeks after they leave",
    ),
    (
        "reps can't find the latest case studies before customer calls",
        "reps send quotes with the wrong discounts that finance rejects",
    ),
    (
        "we throw away produce every week because orders are guessed",
        "delivery and dine-in tickets print in one queue and food arrives cold",
    ),
    (
        "teachers copy marks from paper registers into the MIS on Sundays",
        "parents find out about absences only at the end of term",
    ),
]


def index_of(*texts: str) -> MeaningIndex:
    model = embedder()
    index = MeaningIndex(model.dims)
    index.put_many(list(range(1, len(texts) + 1)), model.vectors(list(texts)))
    return index


@pytest.mark.parametrize(("existing", "new"), SAME)
def test_the_same_problem_in_other_words_is_found(existing: str, new: str) -> None:
    matches = index_of(existing).search(embedder().vector(new))
    assert [m.idea_id for m in matches] == [1] and matches[0].score >= SIMILAR_SCORE


@pytest.mark.parametrize(("existing", "new"), DIFFERENT)
def test_a_different_problem_on_the_same_topic_is_not_matched(existing: str, new: str) -> None:
    assert index_of(existing).search(embedder().vector(new)) == []


def test_at_most_three_are_named_best_first_and_self_is_excluded() -> None:
    same = [existing for existing, _ in SAME]
    index = index_of(SAME[0][0], SAME[0][1], SAME[0][0] + " again", SAME[0][0] + " every day", *same[1:])
    matches = index.search(embedder().vector(SAME[0][1]), exclude=2)
    assert len(matches) == MAX_NAMED and 2 not in [m.idea_id for m in matches]
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert {m.idea_id for m in matches} == {1, 3, 4}


def test_a_discarded_idea_is_named_no_more_and_the_rest_stay_findable() -> None:
    index = index_of(*(existing for existing, _ in SAME))
    index.discard(1)
    index.discard(1)  # twice is harmless
    assert len(index) == len(SAME) - 1 and 1 not in index
    assert index.search(embedder().vector(SAME[0][1])) == []
    for idea_id, (_, new) in enumerate(SAME[1:], start=2):
        assert [m.idea_id for m in index.search(embedder().vector(new))] == [idea_id]


def test_putting_an_idea_again_replaces_its_vector() -> None:
    index = index_of(SAME[0][0])
    index.put(1, embedder().vector(SAME[1][0]))
    assert len(index) == 1
    assert index.search(embedder().vector(SAME[0][1])) == []
    assert [m.idea_id for m in index.search(embedder().vector(SAME[1][1]))] == [1]


def test_the_index_grows_and_scores_in_blocks() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(20000, embedder().dims)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = MeaningIndex(embedder().dims)
    index.put_many(list(range(20000)), vectors)
    assert len(index) == 20000 and index.nbytes >= 20000 * embedder().dims * 2
    found = index.search(vectors[12345], min_score=0.99)
    assert [m.idea_id for m in found] == [12345]


def test_empty_text_is_similar_to_nothing() -> None:
    assert not embedder().vector("").any()
    assert index_of(SAME[0][0]).search(embedder().vector("")) == []


def test_idea_text_joins_title_and_problem() -> None:
    assert idea_text("  Order  calls ", "Customers\ncall") == "Order calls. Customers call"
    assert idea_text("", "Customers call") == "Customers call"


def test_vectors_are_wordllamas_own_and_loading_neither_logs_nor_downloads() -> None:
    """Pins the reading of WordLlama's files to WordLlama's own inference (in a separate process:
    importing wordllama configures the root logger)."""
    texts = [SAME[0][0], "Multiple users can book the same room for overlapping time slots", "ok"]
    ours = embedder().vectors(texts)
    probe = f"""
import json, logging, sys
from safetensors import safe_open
from tokenizers import Tokenizer
from wordllama import WordLlamaInference
folder = {str(model_folder())!r}
with safe_open(folder + "/weights/l2_supercat_256.safetensors", "np") as f:
    table = f.get_tensor("embedding.weight")
model = WordLlamaInference(table, Tokenizer.from_file(folder + "/tokenizers/l2_supercat_tokenizer_config.json"))
print(json.dumps(model.embed({texts!r}, norm=True).tolist()))
"""
    theirs = json.loads(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    )
    assert np.allclose(ours, np.array(theirs), atol=1e-5)
    quiet = subprocess.run(
        [
            sys.executable,
            "-c",
            "import logging, sys\nfrom bot.judgment.embed import embedder\nembedder().vector('x')\n"
            "print(len(logging.getLogger().handlers), 'wordllama' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin", "HF_HUB_OFFLINE": "1", "NO_PROXY": "*"},
    )
    assert quiet.stdout.split() == ["0", "False"]


def test_content_words_drop_stop_words_and_stem() -> None:
    assert content_words("The invoices are being paid twice") == content_words("invoice paid twice")


def test_the_mapped_weights_are_what_safetensors_reads() -> None:
    from safetensors import safe_open

    from bot.judgment.embed import WEIGHTS, map_tensor

    with safe_open(str(model_folder() / WEIGHTS), framework="np") as weights:
        expected = weights.get_tensor("embedding.weight")
    mapped = map_tensor(model_folder() / WEIGHTS, "embedding.weight")
    assert mapped.dtype == expected.dtype and mapped.shape == expected.shape
    assert np.array_equal(mapped, expected)


def test_the_pieces_are_the_tokenizers_librarys_on_every_labelled_text() -> None:
    from tokenizers import Tokenizer

    from bot.judgment.embed import TOKENIZER, Pieces

    reference = Tokenizer.from_file(str(model_folder() / TOKENIZER))
    reference.no_padding()
    reference.no_truncation()
    pieces = Pieces(model_folder() / TOKENIZER, max_tokens=10**9)
    texts = ["İstanbul şube 🙂", "<" * 30, "a\x00b", "日本語", "  two  spaces ", "", "tab\there", "new\nline"]
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            sides = [row] if "text" in row else [row[k] for k in ("a", "b") if k in row]  # labels only: none
            texts += [text for side in sides for text in (side.get("title", ""), side["text"])]
    assert len(texts) > 2500
    wrong = [t for t in texts if pieces.ids(t) != reference.encode(t, add_special_tokens=False).ids]
    assert wrong == []
    assert len(Pieces(model_folder() / TOKENIZER, max_tokens=5).ids("one two three four five six seven")) == 5


def test_the_index_knows_which_text_each_vector_is_of() -> None:
    from bot.judgment.similar import text_key

    index = MeaningIndex(embedder().dims)
    first, second = (idea_text("Calls", existing) for existing, _ in SAME[:2])
    index.put_many([1, 2], embedder().vectors([first, second]), [text_key(first), text_key(second)])
    assert index.holds(1, text_key(first)) and not index.holds(1, text_key(second)) and not index.holds(3, 0)
    index.discard(1)  # idea 2 takes its row, with its own key
    assert index.holds(2, text_key(second)) and not index.holds(1, text_key(first))


async def test_an_idea_searched_for_before_it_is_stored_is_not_embedded_again(monkeypatch) -> None:
    from bot.judgment.embed import Embedder
    from bot.judgment.similar import text_key
    from bot.judgment.similar_ideas import SimilarIdeas
    from models.tables import Idea

    class NoIdeas:
        async def open_idea_texts(self, *, after_id: int, limit: int) -> list:
            return []

        async def changed_idea_texts(self, *, since) -> tuple[list, list]:
            return [], []

    similar = SimilarIdeas(NoIdeas())
    (problem, _), (other, _) = SAME[:2]
    assert await similar.search(title="Calls", problem=problem) == []
    embedded: list[list[str]] = []
    vectors = Embedder.vectors
    monkeypatch.setattr(Embedder, "vectors", lambda self, texts: embedded.append(texts) or vectors(self, texts))
    similar.put([Idea(id=1, title="Calls", problem=problem), Idea(id=2, title="Calls", problem=other)])
    assert embedded == [[idea_text("Calls", other)]]  # the searched one's vector was kept
    assert similar.index is not None and similar.index.holds(1, text_key(idea_text("Calls", problem)))
    assert similar.index.holds(2, text_key(idea_text("Calls", other)))
    assert [m.idea_id for m in await similar.search(title="Calls", problem=problem)][:1] == [1]
