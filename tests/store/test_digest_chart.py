"""The digest's chart drawn from real stores: no data, one idea, a flood of shiny objects, 100,000 ideas.

Each is composed by the scheduler from a real database (the same composition as the text), drawn,
decoded as a PNG, and checked for what a reader sees: the size, the colours, texts that neither
overlap nor leave the image, and the same numbers as the database holds.
"""

from __future__ import annotations

import dataclasses
import io
import random
from datetime import UTC, datetime, timedelta
from itertools import combinations

import pytest
from matplotlib.text import Text
from PIL import Image
from sqlalchemy import func, insert, select

from bot.config import Settings
from bot.delivery.scheduler import DigestScheduler, trend_bounds
from bot.domain.ideas import IdeaDraft, Kind, Origin
from bot.views.digest_chart import (
    BLUE,
    GREY,
    HEIGHT_PX,
    ORANGE,
    WIDTH_PX,
    alt_text,
    build_figure,
    chart_data,
    render_chart,
)
from models.store import GateFlags, Store
from models.tables import Activity, Idea
from tests.databases import database_url
from tests.processes import python_prints

NOW = datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)  # just after a Monday 09:00 digest


@pytest.fixture
async def store(tmp_path):
    store = Store.from_url(database_url(tmp_path / "chart.db"))
    await store.create_schema()
    yield store
    await store.close()


def scheduler(store: Store) -> DigestScheduler:
    settings = Settings(database_url="sqlite+aiosqlite://", ideas_channel="C0000IDEAS")
    return DigestScheduler(settings=settings, store=store, wake_outbox=lambda: None, clock=lambda: NOW)


async def composed(store: Store):
    digests = scheduler(store)
    period = digests.last_period()
    assert period is not None
    return await digests.compose(period), period


def idea_row(n: int, created: datetime, **kw) -> dict:
    row = dict(
        title=f"Idea {n}",
        affected="Support agents",
        problem="Agents re-key 40 orders a day from email into the ERP",
        business_value="Saves about 3 agent hours a day",
        evidence="",
        solution="",
        origin="problem",
        kind="invent",
        submitter_id=f"U{n % 500:08d}",
        status="new",
        created_at=created,
        updated_at=created,
        status_changed_at=created,
    )
    row.update(kw)
    return row


SHINY = dict(origin="technology", problem="Let's put every supplier contract on a blockchain", business_value="")


async def insert_rows(store: Store, ideas: list[dict], activities: list[dict] = ()) -> None:
    async with store.engine.begin() as conn:
        for start in range(0, len(ideas), 5000):
            await conn.execute(insert(Idea.__table__), ideas[start : start + 5000])
        if activities:
            await conn.execute(insert(Activity.__table__), list(activities))


def pixels(png: bytes) -> tuple[Image.Image, set[tuple[int, int, int]]]:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image, {rgb for _count, rgb in image.convert("RGB").getcolors(maxcolors=1 << 20)}


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def drawn_texts(figure) -> list[Text]:
    """The texts the renderer actually draws (tick labels outside the view are never drawn)."""
    renderer = figure.canvas.get_renderer()
    drawn: dict[int, Text] = {}
    draw_text = renderer.draw_text

    def record(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if mtext is not None and s.strip():
            drawn[id(mtext)] = mtext
        return draw_text(gc, x, y, s, prop, angle, ismath, mtext)

    renderer.draw_text = record
    try:
        figure.draw(renderer)
    finally:
        renderer.draw_text = draw_text
    return list(drawn.values())


def check_layout(chart) -> None:
    """Every text drawn is at least 11 pt, inside the image, and overlaps no other; bars use the palette."""
    figure = build_figure(chart)
    renderer = figure.canvas.get_renderer()
    boxes = []
    for text in drawn_texts(figure):
        box = text.get_window_extent(renderer)
        assert text.get_fontsize() >= 11, text.get_text()
        assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= WIDTH_PX + 1 and box.y1 <= HEIGHT_PX + 1, text.get_text()
        boxes.append((text.get_text(), box))
    assert boxes
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        assert not box_a.overlaps(box_b), (a, b)
    for ax in figure.axes:
        for patch in ax.patches:
            if patch.get_height() and patch.get_width():
                colour = "#{:02X}{:02X}{:02X}".format(*(round(c * 255) for c in patch.get_facecolor()[:3]))
                assert colour in (BLUE, ORANGE, GREY), colour  # Okabe–Ito, told apart with colour-vision deficiencies


def check_png(chart) -> set[tuple[int, int, int]]:
    """Check the PNG and the layout; the colours inside the left-hand chart's axes (no legend, no titles)."""
    png = render_chart(chart)
    image, _ = pixels(png)
    assert image.format == "PNG" and image.size == (WIDTH_PX, HEIGHT_PX)
    check_layout(chart)
    box = build_figure(chart).axes[0].get_window_extent()
    inside = image.convert("RGB").crop((int(box.x0), int(HEIGHT_PX - box.y1), int(box.x1), int(HEIGHT_PX - box.y0)))
    return {colour for _count, colour in inside.getcolors(maxcolors=1 << 20)}


async def test_a_brand_new_workspace_with_no_ideas(store: Store) -> None:
    digest, _ = await composed(store)
    chart = chart_data(digest)
    assert chart.new == (0,) * 12 and chart.pipeline == ()
    colours = check_png(chart)
    assert rgb(BLUE) not in colours and rgb(ORANGE) not in colours  # no bars at all
    assert "no new ideas in the last 12 weeks" in alt_text(chart) and "no ideas were submitted" in alt_text(chart)


async def test_a_workspace_with_one_idea(store: Store) -> None:
    draft = IdeaDraft(
        title="Refunds bounce between teams",
        affected="Customers asking for a refund",
        problem="Refund requests wait four days because finance and support each think the other owns them",
        origin=Origin.PROBLEM,
        kind=Kind.INVENT,
    )
    await store.add_idea(draft=draft, submitter_id="U0000USER1", view_id="V1", flags=GateFlags())
    digests = scheduler(store)
    digests.clock = lambda: datetime.now(UTC)
    digest = await digests.compose(digests.current_period())
    chart = chart_data(digest)
    assert (chart.problem_first[-1], sum(chart.new), chart.pipeline[0]) == (1, 1, ("Submitted", 1))
    colours = check_png(chart)
    assert rgb(BLUE) in colours and rgb(ORANGE) not in colours
    assert "This week: 1 new (1 problem-first, 0 technology-first), 0 shiny objects, 0 accepted." in alt_text(chart)


@pytest.mark.parametrize(("flood", "counted"), [(1500, 1500), (2600, 2000)])
async def test_a_week_with_thousands_of_shiny_objects(store: Store, flood: int, counted: int) -> None:
    period = scheduler(store).last_period()
    bounds = trend_bounds(scheduler(store).trigger, period.start, period.end)
    week = bounds[5] + timedelta(hours=3)
    rows = [idea_row(n, week + timedelta(seconds=n), **SHINY) for n in range(flood)]
    rows += [idea_row(flood + n, bounds[n] + timedelta(days=2)) for n in range(12)]  # one ordinary idea a week
    await insert_rows(store, rows)
    digest, _ = await composed(store)
    chart = chart_data(digest)
    assert chart.technology_first[5] == flood and chart.shiny_technology_first[5] == counted
    assert chart.problem_first == (1,) * 12 and sum(chart.shiny) == counted
    cut = any("first 2,000 new ideas of each earlier week" in note for note in chart.notes)
    assert cut is (flood > counted)
    colours = check_png(chart)
    assert rgb(ORANGE) in colours  # the flood; the other weeks' bars are under a pixel, their totals are written
    assert f"the busiest week began {chart.periods[5]} ({flood + 1:,} new)" in alt_text(chart)


async def test_a_hundred_thousand_ideas(store: Store) -> None:
    rng = random.Random(7)
    statuses = ["new", "needs_problem", "under_review", "accepted", "in_progress", "shipped", "parked", "declined"]
    rows, moves = [], []
    for n in range(1, 100_001):
        created = NOW - timedelta(seconds=rng.uniform(0, 730 * 86400))
        status = rng.choice(statuses)
        shiny = rng.random() < 0.2
        rows.append(idea_row(n, created, status=status, **(SHINY if shiny else {})))
        if status == "accepted" and rng.random() < 0.5:
            moved = created + timedelta(days=rng.uniform(0, 10))
            if moved < NOW:
                moves.append(
                    dict(
                        idea_id=n,
                        actor_id="L",
                        action="status",
                        from_value="new",
                        to_value="accepted",
                        created_at=moved,
                    )
                )
    await insert_rows(store, [{"id": i + 1, **row} for i, row in enumerate(rows)], moves)
    digest, period = await composed(store)
    chart = chart_data(digest)
    bounds = trend_bounds(scheduler(store).trigger, period.start, period.end)
    async with store.engine.connect() as conn:
        created = (col_between(Idea.created_at, bounds[0], bounds[-1]),)
        in_trend = (await conn.execute(select(func.count()).select_from(Idea).where(*created))).scalar()
        since = period.end - timedelta(days=90)
        recent = (col_between(Idea.created_at, since, period.end), Idea.status != "merged")
        in_window = (await conn.execute(select(func.count()).select_from(Idea).where(*recent))).scalar()
        accepted = (
            await conn.execute(
                select(func.count(func.distinct(Activity.idea_id))).where(
                    col_between(Activity.created_at, bounds[0], bounds[-1]), Activity.to_value == "accepted"
                )
            )
        ).scalar()
    assert sum(chart.new) == in_trend > 1000  # about 1,600 ideas in 12 weeks
    assert dict(chart.pipeline)["Submitted"] == in_window and sum(chart.accepted) == accepted > 0
    assert 0.1 < sum(chart.shiny) / sum(chart.new) < 0.3  # every earlier week's shiny objects found by the rule
    assert chart.new[-1] == digest.headline.new and chart.accepted[-1] == digest.headline.accepted
    check_png(chart)


def col_between(column, start: datetime, end: datetime):
    return (column >= start) & (column < end)


async def test_the_digest_reads_a_fixed_number_of_queries_whatever_the_data(store: Store) -> None:
    from sqlalchemy import event

    statements: list[str] = []

    @event.listens_for(store.engine.sync_engine, "before_cursor_execute")
    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    async def queries() -> int:
        statements.clear()
        await composed(store)
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))

    empty = await queries()
    period = scheduler(store).last_period()
    bounds = trend_bounds(scheduler(store).trigger, period.start, period.end)
    await insert_rows(store, [idea_row(n, bounds[n % 12] + timedelta(hours=n)) for n in range(600)])
    assert await queries() == empty <= 16


def test_starting_ideabot_does_not_load_matplotlib() -> None:
    """The modules `ideabot run` imports, the chart's own included, leave matplotlib unloaded."""
    code = (
        "import sys\n"
        "import bot.cli, bot.runtime.server, bot.delivery.scheduler, bot.delivery.outbox, bot.views.digest_chart\n"
        "import bot.delivery.digest_upload, bot.delivery.deliverer\n"
        "print('matplotlib' in sys.modules, any(m.startswith('matplotlib') for m in sys.modules))\n"
        "from bot.views.digest_chart import ChartData, render_chart\n"
    )
    assert python_prints(code) == ["False", "False"]
    drawn = (
        code
        + "render_chart(ChartData('x', 'week', (), (), (), (), (), (), (), 90))\nprint('matplotlib' in sys.modules)\n"
    )
    assert python_prints(drawn) == ["False", "False", "True"]  # drawing is what loads it


async def test_a_chart_is_drawn_by_a_process_of_its_own_and_a_broken_one_is_given_up() -> None:
    from bot.delivery.digest_upload import ChartUnusable, draw
    from bot.views.digest_chart import ChartData

    good = ChartData("16 – 22 Nov 2026", "week", ("9 Nov", "16 Nov"), (3, 4), (1, 2), (0, 1), (1, 1), (1, 2), (), 90)
    image, _ = pixels(await draw(good))
    assert image.size == (WIDTH_PX, HEIGHT_PX)
    broken = dataclasses.replace(good, technology_first=(1,))  # one period short: matplotlib can't stack it
    with pytest.raises(ChartUnusable, match="could not be drawn: ValueError"):
        await draw(broken)
