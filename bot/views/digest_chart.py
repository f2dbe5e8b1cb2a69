"""The digest's chart: its numbers (pure, from the composed `Digest`), its alt text, and the PNG.

`chart_data(digest)` takes the chart's numbers from the same `Digest` the text is rendered
from; `alt_text(chart)` says what the chart shows in words (Slack's limit: 1000 characters);
`render_chart(chart)` draws it, 1200×675 pixels, with matplotlib's Agg backend. matplotlib is
imported inside the drawing functions only, and the outbox draws through `python -m
bot.views.digest_chart` (see `main`), so `ideabot run` itself never loads it.

Left: new ideas a period over the last periods, stacked by what sparked them (problem-first at
the bottom, technology-first on top), shiny objects hatched within their part, the total written
above each bar, and a line for ideas accepted. Right: the pipeline of the last 90 days as bars,
the count on each bar (inside when it fits, else just after it). Colours are from the Okabe–Ito
palette, which people with the common colour-vision deficiencies can tell apart.
"""

from __future__ import annotations

import dataclasses
import io
import json
import sys
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bot.domain.digest import Digest

WIDTH_PX, HEIGHT_PX, DPI = 1200, 675, 100
ALT_TEXT_MAX = 1000  # files.getUploadURLExternal refuses longer alt text (alt_txt_too_large)
# Okabe–Ito colours
BLUE, ORANGE, GREY, INK = "#0072B2", "#E69F00", "#999999", "#222222"


@dataclass(frozen=True)
class ChartData:
    """Everything the chart shows, as plain values (it travels in the outbox item as JSON)."""

    period: str  # the digest's period, e.g. "16 – 22 Nov 2026"
    noun: str  # what a period is: "week", "month", …
    periods: tuple[str, ...]  # each period's first day, e.g. "26 Oct"
    problem_first: tuple[int, ...]
    technology_first: tuple[int, ...]
    shiny_problem_first: tuple[int, ...]
    shiny_technology_first: tuple[int, ...]
    accepted: tuple[int, ...]
    pipeline: tuple[tuple[str, int], ...]  # (stage, ideas): the funnel, then parked and declined
    pipeline_days: int
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The chart's title."""
        return f"Ideas digest · {self.period}"

    @property
    def new(self) -> tuple[int, ...]:
        """New ideas a period."""
        return tuple(p + t for p, t in zip(self.problem_first, self.technology_first, strict=True))

    @property
    def shiny(self) -> tuple[int, ...]:
        """Shiny objects a period."""
        return tuple(p + t for p, t in zip(self.shiny_problem_first, self.shiny_technology_first, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChartData:
        """Back from `to_dict()` (lists become tuples again)."""
        values = dict(data)
        for name in ("periods", "problem_first", "technology_first", "shiny_problem_first", "shiny_technology_first"):
            values[name] = tuple(values[name])
        values["accepted"] = tuple(values["accepted"])
        values["pipeline"] = tuple((str(label), int(count)) for label, count in values["pipeline"])
        values["notes"] = tuple(values.get("notes") or ())
        return cls(**values)


def chart_data(digest: Digest) -> ChartData:
    """The chart's numbers, from the composed digest (the text's own numbers)."""
    from bot.domain.digest import period_label  # here: the outbox, which only draws charts, never loads the digest
    from bot.domain.digest_trend import period_noun

    zone = ZoneInfo(digest.timezone)
    trend = digest.trend
    full = trend[-2] if len(trend) > 1 else None
    noun = period_noun(full.start, full.end) if full else period_noun(digest.period_start, digest.period_end)
    pipeline = digest.pipeline
    return ChartData(
        period=period_label(digest),
        noun=noun,
        periods=tuple(f"{p.start.astimezone(zone):%-d %b}" for p in trend),
        problem_first=tuple(p.problem_first for p in trend),
        technology_first=tuple(p.technology_first for p in trend),
        shiny_problem_first=tuple(p.shiny_problem_first for p in trend),
        shiny_technology_first=tuple(p.shiny_technology_first for p in trend),
        accepted=tuple(p.accepted for p in trend),
        pipeline=pipeline.stages() if pipeline else (),
        pipeline_days=pipeline.window_days if pipeline else 90,
        notes=tuple(n for n in digest.notes if n.startswith("On the chart")),
    )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' * (count != 1)}"


def alt_text(chart: ChartData) -> str:
    """The chart in words, for screen readers and for anyone whose Slack shows no image."""
    n, noun = len(chart.periods), chart.noun
    parts = [f"Chart for the ideas digest of {chart.period}."]
    total = sum(chart.new)
    if total:
        parts.append(
            f"Left: new ideas a {noun} over the last {_plural(n, noun)}, split into problem-first (front-end "
            "driven) and technology-first (back-end driven), shiny objects hatched, and a line for ideas accepted."
        )
        parts.append(
            f"This {noun}: {chart.new[-1]:,} new ({chart.problem_first[-1]:,} problem-first, "
            f"{chart.technology_first[-1]:,} technology-first), {_plural(chart.shiny[-1], 'shiny object')}, "
            f"{chart.accepted[-1]:,} accepted."
        )
        busiest = max(range(n), key=lambda i: (chart.new[i], i))
        parts.append(
            f"All {_plural(n, noun)}: {total:,} new, {sum(chart.problem_first) / total:.0%} problem-first, "
            f"{_plural(sum(chart.shiny), 'shiny object')}, {sum(chart.accepted):,} accepted; the busiest {noun} "
            f"began {chart.periods[busiest]} ({chart.new[busiest]:,} new)."
        )
    else:
        parts.append(f"Left: no new ideas in the last {_plural(n, noun)}.")
    if chart.pipeline:
        stages = dict(chart.pipeline)
        funnel = ", ".join(f"{count:,} {label.lower()}" for label, count in chart.pipeline[1:5])
        parts.append(
            f"Right: where the {_plural(stages['Submitted'], 'idea')} submitted in the last {chart.pipeline_days} "
            f"days are now: {funnel}; {stages['Parked']:,} parked, {stages['Declined']:,} declined."
        )
    else:
        parts.append(f"Right: no ideas were submitted in the last {chart.pipeline_days} days.")
    parts += chart.notes
    text = " ".join(parts)
    return text if len(text) <= ALT_TEXT_MAX else text[: ALT_TEXT_MAX - 1].rstrip() + "…"


# --- drawing (matplotlib, imported here and nowhere else) ------------------------------------------


def short_number(count: int, *, whole_below: int = 10_000) -> str:
    """A count as written on a bar: 950, 4,812, 12k, 1.2M (whole up to `whole_below`)."""
    if count < whole_below:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count / 1000:.0f}k"
    return f"{count / 1_000_000:.1f}M"


def _tick_labels(periods: tuple[str, ...]) -> list[str]:
    """Day numbers, with the month under the first of each month shown: compact enough for 12 bars on a phone."""
    labels, month = [], ""
    for period in periods:
        day, _, this_month = period.partition(" ")
        labels.append(f"{day}\n{this_month}" if this_month != month else day)
        month = this_month
    return labels


def _say_empty(ax: Axes, words: str) -> None:
    ax.text(0.5, 0.5, words, transform=ax.transAxes, ha="center", va="center", fontsize=16, color=INK)


def _draw_trend(ax: Axes, chart: ChartData) -> None:
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    n = len(chart.periods)
    ax.set_title(f"New ideas a {chart.noun}, by what sparked them", loc="left", fontsize=17, pad=12)
    x = list(range(n))
    ax.set_xticks(x, _tick_labels(chart.periods), fontsize=13)
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_xlabel(f"{chart.noun} beginning", fontsize=13, color="#555555")
    if not sum(chart.new) and not sum(chart.accepted):
        _say_empty(ax, f"No new ideas in the last {n} {chart.noun}s")
        ax.set_yticks([])
        return
    plain_problem = [p - s for p, s in zip(chart.problem_first, chart.shiny_problem_first, strict=True)]
    plain_technology = [t - s for t, s in zip(chart.technology_first, chart.shiny_technology_first, strict=True)]
    layers = (
        (plain_problem, BLUE, ""),
        (chart.shiny_problem_first, BLUE, "//"),
        (chart.shiny_technology_first, ORANGE, "//"),
        (plain_technology, ORANGE, ""),
    )
    bottom = [0] * n
    for heights, colour, hatch in layers:
        ax.bar(x, heights, bottom=bottom, width=0.72, color=colour, hatch=hatch, hatchcolor="white", linewidth=0)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.plot(x, chart.accepted, color=INK, marker="o", markersize=7, linewidth=2.5, zorder=3)
    top = max([*chart.new, *chart.accepted, 1])
    ax.set_ylim(0, top * 1.16)
    for i, total in enumerate(chart.new):
        if total:
            ax.text(i, total + top * 0.015, short_number(total), ha="center", va="bottom", fontsize=13, color=INK)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: short_number(int(value))))
    ax.tick_params(axis="y", labelsize=13, length=0)
    ax.set_ylabel("ideas", fontsize=14)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)
    handles = [
        Patch(color=BLUE, label="problem-first"),
        Patch(color=ORANGE, label="technology-first"),
        Patch(facecolor=GREY, hatch="//", hatchcolor="white", linewidth=0, label="shiny object"),
        ax.lines[-1],
    ]
    handles[-1].set_label("accepted")
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(-0.1, -0.25),
        ncol=4,
        frameon=False,
        fontsize=13,
        handlelength=1.5,
        columnspacing=1.2,
        borderaxespad=0,
    )


def _draw_pipeline(ax: Axes, chart: ChartData) -> None:
    ax.set_title(f"Pipeline, last {chart.pipeline_days} days", loc="left", fontsize=17, pad=12)
    if not chart.pipeline:
        _say_empty(ax, f"No ideas submitted\nin the last {chart.pipeline_days} days")
        ax.set_axis_off()
        return
    labels = [label for label, _ in chart.pipeline]
    counts = [count for _, count in chart.pipeline]
    y = [0, 1, 2, 3, 4, 5.35, 6.35][: len(counts)]  # a gap before the side exits (parked, declined)
    colours = [BLUE] * 5 + [GREY] * 2
    ax.barh(y, counts, color=colours[: len(counts)], height=0.72)
    ax.set_yticks(y, labels, fontsize=14)
    ax.invert_yaxis()
    widest = max([*counts, 1])
    ax.set_xlim(0, widest * 1.02)
    ax.set_xticks([])
    ax.tick_params(axis="y", length=0)
    for spine in ("bottom", "left"):
        ax.spines[spine].set_visible(False)
    _label_bars(ax, y, counts)


def _label_bars(ax: Axes, y: list[float], counts: list[int]) -> None:
    """Write each count inside its bar's end if it fits there, else just after the bar."""
    left, right = ax.get_xlim()
    ax.set_xlim(left, right + (right - left) * 0.14)  # room for a count written after the longest bar
    renderer = ax.figure.canvas.get_renderer()
    left, right = ax.get_xlim()
    scale = ax.get_window_extent(renderer).width / (right - left)  # pixels per idea
    for position, count in zip(y, counts, strict=True):
        label = f" {short_number(count, whole_below=1_000_000)} "
        text = ax.text(count, position, label, va="center", ha="right", fontsize=14, color="white", weight="bold")
        if text.get_window_extent(renderer).width + 4 > count * scale:
            text.set(ha="left", color=INK, fontweight="normal")


def build_figure(chart: ChartData) -> Figure:
    """The chart as a matplotlib figure (no pyplot: nothing global, safe in a worker thread)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(1, 2, width_ratios=(1.6, 1), left=0.085, right=0.975, top=0.8, bottom=0.25, wspace=0.3)
    trend, pipeline = figure.add_subplot(grid[0]), figure.add_subplot(grid[1])
    for ax in (trend, pipeline):
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
    figure.suptitle(chart.title, x=0.02, y=0.965, ha="left", fontsize=22, fontweight="bold", color=INK)
    _draw_trend(trend, chart)
    _draw_pipeline(pipeline, chart)
    if chart.notes:  # under the pipeline, where the legend leaves room
        note = textwrap.fill(" ".join(chart.notes), 60)
        figure.text(0.975, 0.03, note, fontsize=11, color="#555555", ha="right", va="bottom")
    return figure


def render_chart(chart: ChartData) -> bytes:
    """The chart as a PNG, WIDTH_PX × HEIGHT_PX."""
    buffer = io.BytesIO()
    build_figure(chart).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def main() -> None:
    """`python -m bot.views.digest_chart`: a chart's numbers (JSON) on standard input, its PNG on standard output.

    The outbox draws charts this way (bot/delivery/digest_upload.py), so matplotlib's memory goes with the
    process that drew it and the bot's own stays what it was.
    """
    chart = ChartData.from_dict(json.loads(sys.stdin.buffer.read()))
    sys.stdout.buffer.write(render_chart(chart))


if __name__ == "__main__":
    main()
