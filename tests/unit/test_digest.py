"""Composing and rendering the digest (pure): every section, empty ones skipped, long ones split."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.domain.digest import compose_balance, compose_digest
from bot.domain.digest_trend import change
from bot.standin.limits import check_message
from bot.views.digest_blocks import SHOW_PER_SECTION, pipeline_line, render_digest
from bot.views.digest_chart import ChartData, alt_text, chart_data
from models.digest_trend import TrendRows
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


# --- week over week, the pipeline, what needs a decision (issue 14) ------------------------------


def weekly_bounds(count: int = 12) -> tuple[datetime, ...]:
    return tuple(END - timedelta(weeks=count - n) for n in range(count + 1))


def trend_rows(new: dict[int, tuple[int, int]], moves: dict[int, tuple[int, ...]] | None = None, **kw) -> TrendRows:
    """TrendRows from {period: (problem-first, technology-first)} and
    {period: (triaged, accepted, shipped, opened, closed)}."""
    rows = []
    for period, (problem_first, technology_first) in new.items():
        rows += [(period, "problem", problem_first), (period, "technology", technology_first)]
    moved = [(period, *values) for period, values in (moves or {}).items()]
    return TrendRows(bounds=weekly_bounds(), new=rows, moves=moved, **kw)


def headline_fields(digest) -> dict[str, str]:
    """{"New": "14 (▲ 5)", …} from the rendered first message."""
    first = render_digest(digest)[0].as_kwargs()["blocks"]
    fields = next(b["fields"] for b in first if b.get("fields"))
    return dict(f["text"].replace("*", "").split("\n", 1) for f in fields)


def test_each_headline_count_says_how_it_moved_since_the_period_before() -> None:
    rows = trend_rows(
        {10: (6, 3), 11: (10, 4)},
        {10: (5, 3, 1, 9, 2), 11: (4, 3, 0, 14, 3)},
    )
    digest = compose(inputs(new_count=14, triaged=4, accepted=3, shipped=0, open_total=40, trend=rows))
    assert headline_fields(digest) == {
        "New": "14 (▲ 5)",
        "Triaged": "4 (▼ 1)",
        "Accepted": "3 (same)",
        "Shipped": "0 (▼ 1)",
        "Open in total": "40 (▲ 11)",  # 14 became open this week, 3 were closed
    }
    assert headline_fields(compose(inputs(new_count=2))) == {  # no trend read: the bare counts
        "New": "2",
        "Triaged": "0",
        "Accepted": "0",
        "Shipped": "0",
        "Open in total": "0",
    }


def test_the_last_period_of_the_trend_is_the_headline_and_the_listed_shiny_objects() -> None:
    shiny = idea(1, origin="technology", problem="Let's use blockchain for invoices", business_value="")
    rows = trend_rows({11: (1, 1)}, {11: (9, 9, 9, 0, 0)})  # moves of the last period are the headline's
    digest = compose(inputs(new_ideas=[shiny, idea(2)], new_count=2, triaged=1, accepted=1, shipped=0, trend=rows))
    last = digest.trend[-1]
    assert (last.new, last.triaged, last.accepted, last.shipped) == (2, 1, 1, 0)
    assert (last.shiny_problem_first, last.shiny_technology_first) == (0, 1)
    assert len(digest.trend) == 12 and digest.trend[0].start == END - timedelta(weeks=12)


def test_earlier_periods_shiny_objects_are_found_by_the_same_rule() -> None:
    fields = dict(
        origin="technology",
        problem="We need Kubernetes for all of our services",
        affected="Engineering",
        business_value="",
        evidence="",
        problem_is_solution=1,  # SQLite's boolean
        gate_quote="",
    )
    fine = {**fields, "business_value": "Deploys take 45 minutes and cost us 2 outages a month", "origin": "problem"}
    rows = trend_rows({3: (1, 2)}, shiny_fields=[(3, fields), (3, fields), (3, fine)], shiny_limit=2000)
    digest = compose(inputs(trend=rows))
    assert (digest.trend[3].shiny_technology_first, digest.trend[3].shiny_problem_first) == (2, 0)
    assert not any("On the chart" in n for n in digest.notes)
    cut = trend_rows({3: (1, 2)}, shiny_fields=[(3, fields), (3, fields)], shiny_limit=2)
    assert any("first 2 new ideas of each earlier week" in n for n in compose(inputs(trend=cut)).notes)


def test_the_balance_says_whether_the_problem_first_share_rose_or_fell() -> None:
    rising = trend_rows({n: (n, 6) for n in range(12)})  # 2..7 problem-first a week against 6
    balance = [("problem", "invent", 50), ("technology", "invent", 50)]
    text = text_of(compose(inputs(balance=balance, trend=rising)))
    assert "The problem-first share rose over the last 12 weeks: 29% in the first 6, 59% in the last 6" in text
    falling = trend_rows({n: (11 - n, 6) for n in range(12)})
    assert "share fell over the last 12 weeks" in text_of(compose(inputs(balance=balance, trend=falling)))
    steady = trend_rows({n: (3, 3) for n in range(12)})
    assert "share held steady over the last 12 weeks: 50% in the first 6, 50%" in text_of(
        compose(inputs(balance=balance, trend=steady))
    )
    too_few = trend_rows({0: (1, 0), 11: (3, 3)})  # one idea in the first half: no claim either way
    assert "problem-first share" not in text_of(compose(inputs(balance=balance, trend=too_few)))


def test_the_pipeline_counts_each_stage_the_ideas_reached() -> None:
    rows = [("new", 20), ("needs_problem", 4), ("under_review", 6), ("accepted", 5), ("in_progress", 3)]
    rows += [("shipped", 2), ("parked", 7), ("declined", 3)]
    pipeline = compose(inputs(pipeline=rows)).pipeline
    assert pipeline.stages() == (
        ("Submitted", 50),
        ("Triaged", 30),
        ("Accepted", 10),
        ("In progress", 5),
        ("Shipped", 2),
        ("Parked", 7),
        ("Declined", 3),
    )
    assert (
        "Pipeline, last 90 days:* 50 submitted → 30 triaged → 10 accepted → 5 in progress → 2 shipped · 7 parked · "
        "3 declined" in text_of(compose(inputs(pipeline=rows)))
    )
    assert compose(inputs()).pipeline is None and "Pipeline" not in text_of(compose(inputs()))


def test_what_needs_a_decision_is_one_section_with_the_three_oldest_and_the_gaps_each_linked_once() -> None:
    waiting = [idea(n, status="new", status_changed_at=NOW - timedelta(days=40 - n)) for n in range(1, 6)]
    gaps = [idea(10, status="accepted", sponsor_id="U0000SPON1"), idea(11, status="in_progress")]
    digest = compose(inputs(stale=waiting, stale_count=9, gaps=gaps, gaps_count=2), stale_after_days=7)
    text = text_of(digest)
    assert text.count("What needs a decision") == 1
    section = text[text.index("What needs a decision") :]
    assert "Waiting for triage more than 7 days: 9* · the 3 oldest" in section and "…and 6 more" in section
    for n, days in ((1, 39), (2, 38), (3, 37)):
        assert f"<https://standin.slack.com/archives/C1/p{n}|IDEA-{n}: Idea {n}> · New for {days} days" in section
    assert "IDEA-4" not in text and "IDEA-5" not in text  # only the three oldest
    assert "IDEA-10: Idea 10> · Accepted · no tech partner" in section
    assert "IDEA-11: Idea 11> · In progress · no business sponsor and no tech partner" in section
    for ref in ("IDEA-1:", "IDEA-2:", "IDEA-3:", "IDEA-10:", "IDEA-11:"):
        assert text.count(ref) == 1, ref  # no idea listed twice
    headers = [
        b["text"]["text"] for m in render_digest(digest) for b in m.as_kwargs()["blocks"] if b["type"] == "header"
    ]
    assert not any(h.startswith(("⏳", ":hourglass:", ":handshake:")) for h in headers)  # the old sections are gone
    assert headers.index(":point_right: What needs a decision") == 1  # right after the title


def test_the_chart_shows_the_same_numbers_as_the_text() -> None:
    shiny = idea(1, origin="technology", problem="Let's use blockchain for invoices", business_value="")
    rows = trend_rows({n: (n + 1, 2) for n in range(11)} | {11: (1, 1)}, {n: (1, n % 3, 0, 2, 1) for n in range(11)})
    pipeline = [("new", 30), ("accepted", 4), ("shipped", 1), ("parked", 2), ("declined", 5)]
    digest = compose(
        inputs(
            new_ideas=[shiny, idea(2)],
            new_count=2,
            triaged=1,
            accepted=1,
            shipped=0,
            open_total=12,
            trend=rows,
            pipeline=pipeline,
            balance=[("problem", "invent", 30), ("technology", "adopt", 12)],
        )
    )
    chart = chart_data(digest)
    fields = headline_fields(digest)
    assert fields["New"].startswith(f"{chart.new[-1]} ") and fields["Accepted"].startswith(f"{chart.accepted[-1]} ")
    assert f"({change(chart.new[-1], chart.new[-2])})" in fields["New"]
    assert f"({change(chart.accepted[-1], chart.accepted[-2])})" in fields["Accepted"]
    assert chart.shiny[-1] == digest.shiny_total == 1
    text = text_of(digest)
    assert pipeline_line(digest.pipeline).replace("*", "") in text.replace("*", "")
    for label, count in chart.pipeline:
        assert f"{count:,} {label.lower()}" in text
    assert chart.periods == tuple(f"{b:%-d %b}" for b in weekly_bounds()[:-1])
    words = alt_text(chart)
    assert len(words) <= 1000
    assert "This week: 2 new (1 problem-first, 1 technology-first), 1 shiny object, 1 accepted." in words
    assert "where the 42 ideas submitted in the last 90 days are now: 12 triaged, 5 accepted" in words
    assert ChartData.from_dict(json.loads(json.dumps(chart.to_dict()))) == chart  # survives the outbox
