"""Usage as bars of block characters: messages or tokens per day, and per model.

Bars made of eighth blocks (▏▎▍▌▋▊▉█) read at a glance, take the theme's colours, need no
dependency, and stay plain characters that a copy-paste and a snapshot test see as they are; a
plotting library (textual-plotext) would add axes and legends that a dozen bars do not need, and a
dependency to keep in step with the pinned Textual. Each bar carries its exact number."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

from workshop_tui.domain.text import strip_terminal_controls
from workshop_tui.services.usage import UsageSummary

EIGHTHS = " ▏▎▍▌▋▊▉"
NAME_MAX = 16
NUMBER_WIDTH = 9
MIN_BAR = 4


def bar(value: int, maximum: int, width: int) -> str:
    """`value` as a bar of `width` cells at most, in eighths of a cell; at least a sliver when above 0."""
    if maximum <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, round(value / maximum * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[rest] if rest else "")


def _bars(title: str, rows: list[tuple[str, int]], width: int) -> list[Content]:
    names = [strip_terminal_controls(name)[:NAME_MAX] for name, _ in rows]
    name_width = max((len(n) for n in names), default=0)
    bar_width = max(MIN_BAR, width - name_width - NUMBER_WIDTH - 2)
    top = max((value for _, value in rows), default=0)
    lines = [Content.styled(title, "bold")]
    for name, (_, value) in zip(names, rows, strict=True):
        drawn = bar(value, top, bar_width)
        lines.append(Content.assemble(name.ljust(name_width), " ", (drawn, "$primary"),
                                      " " * (bar_width - len(drawn) + 1), (f"{value:,}".rjust(NUMBER_WIDTH), "")))
    return lines


def usage_lines(summary: UsageSummary, measure: str = "tokens", width: int = 60) -> Content:
    """The chart in `width` cells: one bar per day of the range, then one per model."""
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    per_model: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in summary.by_day_model:
        for totals in (per_day[row.day], per_model[row.model]):
            totals[0] += row.messages
            totals[1] += row.tokens
    index = 1 if measure == "tokens" else 0
    days = [(f"{day:%a %d %b}", per_day[day][index] if day in per_day else 0) for day in summary.days()]
    models = sorted(((model, totals[index]) for model, totals in per_model.items()), key=lambda m: (-m[1], m[0]))
    lines = [*_bars(f"{measure.capitalize()} per day (UTC)", days, width), Content("")]
    lines += _bars(f"{measure.capitalize()} per model", models, width) if models else [
        Content.styled("No messages in this range.", "$text-muted")]
    return Content("\n").join(lines)


class UsageChart(Static):
    DEFAULT_CSS = "UsageChart { height: auto; padding: 0 1; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.summary: UsageSummary | None = None
        self.measure = "tokens"

    def show(self, summary: UsageSummary | None = None) -> None:
        self.summary = summary or self.summary
        if self.summary is not None:
            self.update(usage_lines(self.summary, self.measure, max(20, self.content_size.width or 60)))

    def toggle_measure(self) -> None:
        self.measure = "messages" if self.measure == "tokens" else "tokens"
        self.show()

    def on_resize(self, event: Resize) -> None:
        self.show()
