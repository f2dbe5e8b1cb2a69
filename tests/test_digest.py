"""Composing and rendering the digest (pure): every section, empty ones skipped, long ones split."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.digest import SHOW_PER_SECTION, compose_balance, compose_digest, render_digest
from bot.standin.webapi import check_message
from models.store import DigestInputs
from models.tables import Activity, Idea

END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
START = END - timedelta(days=7)
NOW = END


def idea(n: int, **kw) -> Idea:
    fields = dict(
        id=n,
        title=f"Idea {n}",
        affected="Support agents",
        problem="Agents re-enter orders twice a day",
        business_value="Saves two hours a day",
        evidence="",
        origin="problem",
        kind="invent",
        submitter_id="U0000USER1",
        status="new",
        card_permalink=f"https://standin.slack.com/archives/C1/p{n}",
        created_at=START + timedelta(days=1),
        status_changed_at=START + timedelta(days=1),
    )
    fields.update(kw)
    return Idea(**fields)


def move(i: Idea, to: str, *, frm: str = "new", reason: str = "", actor: str = "U0000LEAD1") -> tuple[Activity, Idea]:
    return Activity(
        idea_id=i.id,
        actor_id=actor,
        action="status",
        from_value=frm,
        to_value=to,
        reason=reason,
        created_at=START + timedelta(days=2),
    ), i


def inputs(**kw) -> DigestInputs:
    base = dict(
        new_ideas=[],
        new_count=0,
        moves=[],
        moves_count=0,
        triaged=0,
        accepted=0,
        shipped=0,
        stale=[],
        stale_count=0,
        supported=[],
        balance=[],
        gaps=[],
        gaps_count=0,
        open_total=0,
    )
    base.update(kw)
    return DigestInputs(**base)


def compose(data: DigestInputs, **kw):
    return compose_digest(data, period_start=START, period_end=END, now=NOW, **kw)


def text_of(digest) -> str:
    return json.dumps([m.as_kwargs() for m in render_digest(digest)], ensure_ascii=False)


def test_an_empty_period_is_a_short_quiet_digest() -> None:
    messages = render_digest(compose(inputs(open_total=3)))
    assert len(messages) == 1
    text = json.dumps(messages[0].as_kwargs())
    assert "A quiet period" in text and "*Open in total*\\n3" in text
    for section in (
        "Shiny objects",
        "Waiting for triage",
        "Moved this period",
        "Most supported",
        "Balance",
        "Partnership gaps",
    ):
        assert section not in text  # empty sections are skipped


def test_headline_and_moves() -> None:
    a, b, c = idea(1), idea(2), idea(3)
    moves = [
        move(a, "under_review"),
        move(a, "accepted", frm="under_review"),
        move(b, "needs_problem"),
        move(c, "shipped", frm="in_progress"),
    ]
    digest = compose(
        inputs(
            new_ideas=[a, b], new_count=2, moves=moves, moves_count=24, triaged=3, accepted=1, shipped=1, open_total=9
        )
    )
    h = digest.headline
    assert (h.new, h.triaged, h.accepted, h.shipped, h.open_total) == (2, 3, 1, 1, 9)
    text = text_of(digest)
    assert "Moved this period" in text and "*Accepted* by <@U0000LEAD1>" in text and "…and 20 more" in text


def test_shiny_objects_are_listed_with_their_reasons() -> None:
    shiny = idea(
        1,
        title="Blockchain invoices",
        origin="technology",
        problem="Let's use blockchain for invoices",
        business_value="",
        problem_is_solution=True,
        gate_quote="Let's use blockchain for invoices",
    )
    fine = idea(2)
    digest = compose(inputs(new_ideas=[shiny, fine], new_count=2))
    assert [i.id for i, _ in digest.shiny] == [1]
    text = text_of(digest)
    assert "Shiny objects" in text and "started from a technology" in text and "no business value stated" in text
    assert "the problem names a solution" in text and "Idea 2" not in text


def test_stale_ideas_show_how_long_they_wait() -> None:
    old = idea(1, status="new", status_changed_at=NOW - timedelta(days=12))
    digest = compose(inputs(stale=[old], stale_count=1), stale_after_days=7)
    assert digest.stale == [(old, 12)]
    assert "Waiting for triage more than 7 days" in text_of(digest) and "for 12 days" in text_of(digest)


def test_most_supported_and_partnership_gaps() -> None:
    a = idea(1, status="accepted", sponsor_id="U0000SPON1", partner_id="")
    b = idea(2, status="in_progress", sponsor_id="", partner_id="")
    digest = compose(inputs(supported=[(a, 5), (b, 0)], gaps=[a, b], gaps_count=2))
    assert digest.supported == [(a, 5)]
    text = text_of(digest)
    assert "5 supporters" in text
    assert "no tech partner" in text and "no business sponsor and no tech partner" in text


def test_balance_warns_when_nobody_invents() -> None:
    rows = [("problem", "adopt", 8), ("technology", "adopt", 3), ("problem", "invent", 1)]
    balance = compose_balance(rows, warn_below=0.2, window_days=90)
    assert (balance.total, balance.problem_first, balance.invent) == (12, 9, 1)
    assert "Only adopting, never inventing: 8%" in balance.warning
    assert compose_balance([("problem", "invent", 6)], warn_below=0.2, window_days=90).warning == ""
    assert compose_balance([("problem", "adopt", 3)], warn_below=0.2, window_days=90).warning == ""  # too few
    text = text_of(compose(inputs(balance=rows), invent_share_warning=0.2))
    assert "75% problem-first" in text and "8% invent" in text and "Only adopting" in text


def test_a_long_digest_is_split_within_slacks_limits() -> None:
    long = "<!channel> " + "x" * 400
    many = [
        idea(
            n,
            title=long,
            origin="technology",
            problem="We need Kubernetes everywhere now",
            business_value="",
            problem_is_solution=True,
            gate_quote=long,
            status="new",
            status_changed_at=NOW - timedelta(days=30),
        )
        for n in range(1, 201)
    ]
    moves = [move(i, "declined", reason=long * 3) for i in many]
    digest = compose(
        inputs(
            new_ideas=many,
            new_count=200,
            moves=moves,
            moves_count=200,
            stale=many,
            stale_count=200,
            supported=[(i, 3) for i in many[:5]],
            balance=[("technology", "adopt", 200)],
            gaps=[idea(n, status="accepted") for n in range(1, 60)],
            gaps_count=59,
        )
    )
    messages = render_digest(digest)
    assert len(messages) >= 2
    for message in messages:
        kwargs = message.as_kwargs()
        assert len(kwargs["blocks"]) <= 50
        assert check_message(kwargs) == "", check_message(kwargs)
    text = json.dumps([m.as_kwargs() for m in messages], ensure_ascii=False)
    assert f"…and {200 - SHOW_PER_SECTION} more" in text
    assert "<!channel>" not in text
    assert "Continued in the thread" in json.dumps(messages[0].as_kwargs())
    assert messages[1].text.startswith("Ideas digest, part 2 of")
