"""A compositor that redraws only the widgets a partial update touches.

For a partial update (a reply's new lines, a blinking cursor) Textual's compositor asks every
widget whose *clip* overlaps the changed area for its lines, and then keeps only those inside it.
A widget's clip is its container's visible area, so in a place every widget of the screen (the top
bar, the sidebar, the conversation list, the composer, the footer) was asked for all its lines at
every frame of a stream, and the containers behind them for all of theirs. This one asks only the
widgets whose own region overlaps the changed area, and each only for its lines in the changed
rows: nothing outside them is drawn in a partial update. (Under a profiler those requests were a
third of a stream's CPU; `bench/bench_render.py` moved from 0.84 to 0.83 CPU-s per 1,000 tokens,
within its noise, since most of them were answered from Textual's line caches.)

It relies on `Compositor.visible_widgets` and `Compositor._get_renders` (Textual is pinned;
`tests/ui/test_compositor.py` checks both, and that the screen drawn is the same).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class PartialCompositor(Compositor):
    _crop: Region | None = None

    @property
    def visible_widgets(self) -> dict[Widget, tuple[Region, Region]]:
        widgets = super().visible_widgets
        crop = self._crop
        if crop is None:
            return widgets
        overlaps, top, height = crop.overlaps, crop.y, crop.height
        # Clip to the changed rows, never to its columns: the compositor cuts each row where widgets
        # meet, and a piece of a row is drawn whole from one cut to the next.
        return {widget: (region, clip.intersection(Region(clip.x, top, clip.width, height)))
                for widget, (region, clip) in widgets.items() if overlaps(region)}

    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        self._crop = crop
        try:
            yield from super()._get_renders(crop)
        finally:
            self._crop = None
