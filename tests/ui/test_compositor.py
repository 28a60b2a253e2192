"""The places' compositor draws a partial update exactly as Textual's own does, asking fewer widgets."""

from __future__ import annotations

import io
import random

from rich.console import Console
from textual._compositor import Compositor
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from workshop_tui.ui.compositor import PartialCompositor

SIZE = (60, 16)


class Place(Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self._compositor = PartialCompositor()

    def compose(self) -> ComposeResult:
        yield Static("top bar", id="top")
        with Horizontal():
            yield Static("Chat\nModels\nPrompts", id="side")
            with Vertical(id="body"):
                yield Static("a reply that grows\n" * 4, id="reply")
                yield Static("composer [not markup]", id="composer", markup=False)
        yield Footer()


class Demo(App[None]):
    CSS = "#side { width: 12; } #top { height: 1; } #reply { height: 1fr; } #composer { height: 3; }"

    def on_mount(self) -> None:
        self.push_screen(Place())


def drawn(update: object) -> str:
    console = Console(width=SIZE[0], height=SIZE[1], file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", legacy_windows=False)
    console.print(update, end="")
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_the_textual_names_it_relies_on_are_there() -> None:
    assert isinstance(Compositor.visible_widgets, property)
    assert callable(Compositor._get_renders)


async def test_partial_updates_draw_the_same_as_textuals_and_ask_only_the_widgets_they_touch() -> None:
    app = Demo()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        partial = screen._compositor
        assert isinstance(partial, PartialCompositor)
        plain = Compositor()
        plain.reflow(screen, partial.size)
        reply = screen.query_one("#reply").region
        cases = [
            {reply},  # a reply's new lines
            {Region(reply.x, reply.bottom - 1, 5, 1)},  # a few cells
            {Region(0, 3, SIZE[0], 2)},  # across the sidebar and the body
            {reply, screen.query_one("#composer").region},  # two apart
        ]
        rng = random.Random(5)
        for _ in range(40):  # and anywhere else, one to three regions at a time
            cases.append({Region(x, y, rng.randint(1, SIZE[0] - x), rng.randint(1, SIZE[1] - y))
                          for x, y in ((rng.randrange(SIZE[0]), rng.randrange(SIZE[1]))
                                       for _ in range(rng.randint(1, 3)))})
        original = Widget.render_lines
        for regions in cases:
            asked: list[str] = []

            def counting(widget: Widget, crop: Region, asked: list[str] = asked) -> object:
                asked.append(widget.id or type(widget).__name__)
                return original(widget, crop)

            drawings = []
            for compositor in (partial, plain):
                compositor._dirty_regions.clear()
                compositor._dirty_regions.update(regions)
                Widget.render_lines = counting  # type: ignore[method-assign]
                try:
                    drawings.append(drawn(compositor.render_update(screen_stack=[screen])))
                finally:
                    Widget.render_lines = original  # type: ignore[method-assign]
                if compositor is partial:
                    ours = list(asked)
            assert drawings[0] == drawings[1] and drawings[0], regions
            if regions == {reply}:
                assert "top" not in ours and "side" not in ours and "Footer" not in ours, ours
                assert "top" in asked and "Footer" in asked  # Textual's asks them all
