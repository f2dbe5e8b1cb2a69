"""the same problem in other words, and not merely the same topic."""

from __future__ import annotations

import pytest

from bot.similar import Candidate, SimilarIndex, content_words, find_similar

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


@pytest.mark.parametrize(("existing", "new"), SAME)
def test_the_same_problem_in_other_words_is_found(existing: str, new: str) -> None:
    match = find_similar(new, [Candidate.of(7, existing)])
    assert match is not None and match.idea_id == 7


@pytest.mark.parametrize(("existing", "new"), DIFFERENT)
def test_a_different_problem_on_the_same_topic_is_not_matched(existing: str, new: str) -> None:
    assert find_similar(new, [Candidate.of(7, existing)]) is None


def test_the_best_of_several_candidates_wins_and_self_is_excluded() -> None:
    existing, new = SAME[0]
    candidates = [Candidate.of(1, DIFFERENT[1][1]), Candidate.of(2, existing), Candidate.of(3, new)]
    assert find_similar(new, candidates, exclude_id=3).idea_id == 2


def test_a_bounded_index_forgets_its_oldest_ideas_as_new_ones_arrive() -> None:
    index = SimilarIndex(limit=2)
    for idea_id, (existing, _) in enumerate(SAME[:3], start=1):
        index.put(idea_id, content_words(existing))
    assert list(index.words) == [2, 3]
    assert index.find(SAME[0][1]) is None  # idea 1 named that problem, and is gone
    assert index.find(SAME[2][1]).idea_id == 3


def test_short_texts_match_nothing() -> None:
    assert find_similar("slow", [Candidate.of(1, "slow")]) is None


def test_content_words_drop_stop_words_and_stem() -> None:
    assert content_words("The invoices are being paid twice") == content_words("invoice paid twice")
