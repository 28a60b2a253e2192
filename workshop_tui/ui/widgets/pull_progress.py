"""A model pull as it happens: one bar per layer, the overall rate and the time left, and a button
that stops it.

The screen's pull worker posts `PullPanel.Progressed` for every line Ollama sends; consecutive
lines about one layer merge in the queue (`can_replace`), so a fast download costs one redraw per
frame, not one per line. `Finished` goes through the same queue, so it always comes last.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, ProgressBar, Static

from workshop_tui.ui.formatting import byte_size, rate, time_left
from workshop_tui.ui.text import plain

RATE_WINDOW_S = 5.0


@dataclass
class Layer:
    total: int
    completed: int = 0


class PullTracker:
    """The layers of one pull and how fast their bytes arrive (over the last few seconds)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window_s: float = RATE_WINDOW_S) -> None:
        self.layers: dict[str, Layer] = {}
        self.status = "starting"
        self._clock = clock
        self._window_s = window_s
        self._samples: deque[tuple[float, int]] = deque()

    def update(self, status: str, digest: str | None, total: int | None, completed: int) -> None:
        self.status = status
        if digest and total:
            layer = self.layers.setdefault(digest, Layer(total))
            layer.total, layer.completed = total, max(layer.completed, completed)
        now = self._clock()
        self._samples.append((now, self.done_bytes))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self._window_s:
            self._samples.popleft()

    @property
    def done_bytes(self) -> int:
        return sum(layer.completed for layer in self.layers.values())

    @property
    def total_bytes(self) -> int:
        return sum(layer.total for layer in self.layers.values())

    def rate(self) -> float | None:
        """Bytes per second over the window, or None before two samples a moment apart."""
        if len(self._samples) < 2:
            return None
        (start, first), (end, last) = self._samples[0], self._samples[-1]
        return (last - first) / (end - start) if end - start > 0.2 and last > first else None

    def seconds_left(self) -> float | None:
        speed = self.rate()
        if not speed:
            return None
        return max(0.0, (self.total_bytes - self.done_bytes) / speed)

    def summary(self) -> str:
        """'41% of 1.3 GB · 12.3 MB/s · 1 min 20 s left · pulling 74701a8c35f6'."""
        parts = []
        if self.total_bytes:
            parts.append(f"{100 * self.done_bytes // self.total_bytes}% of {byte_size(self.total_bytes)}")
        parts.extend(p for p in (rate(self.rate()), time_left(self.seconds_left())) if p)
        parts.append(self.status)
        return " · ".join(parts)


class PullPanel(Vertical):
    """Shown below the models table while a pull runs, and after it, until closed."""

    @dataclass
    class Progressed(Message):
        status: str
        digest: str | None
        total: int | None
        completed: int

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, PullPanel.Progressed) and message.digest == self.digest

    @dataclass
    class Finished(Message):
        outcome: str
        ok: bool

    @dataclass
    class StopRequested(Message):
        """The person asked to cancel the pull (or to close the finished panel)."""

        running: bool

    def __init__(self, *, id: str | None = "pull") -> None:
        super().__init__(id=id)
        self.model = ""
        self.running = False
        self.tracker = PullTracker()

    def compose(self) -> ComposeResult:
        with Horizontal(id="pull-head"):
            yield Static("", id="pull-title")
            yield Button("Cancel pull", id="pull-stop", variant="error", compact=True)
        yield Static("", id="pull-summary")
        yield Vertical(id="pull-layers")

    def start(self, model: str) -> None:
        self.model, self.running, self.tracker = model, True, PullTracker()
        self.display = True
        self.query_one("#pull-layers").remove_children()
        self.query_one("#pull-title", Static).update(plain(f"Pulling {model}"))
        self.query_one("#pull-summary", Static).update(plain("asking Ollama…"))
        self.query_one("#pull-stop", Button).label = "Cancel pull"
        self.set_class(False, "failed")

    @on(Progressed)
    async def _progressed(self, event: Progressed) -> None:
        event.stop()
        if not self.running:
            return
        known = set(self.tracker.layers)
        self.tracker.update(event.status, event.digest, event.total, event.completed)
        if event.digest and event.digest in self.tracker.layers and event.digest not in known:
            short = event.digest.removeprefix("sha256:")[:12]
            await self.query_one("#pull-layers").mount(Horizontal(
                Static(plain(short), classes="layer-name"),
                ProgressBar(total=event.total, show_eta=False, id=f"layer-{short}"), classes="layer"))
        if event.digest and event.digest in self.tracker.layers:
            layer = self.tracker.layers[event.digest]
            short = event.digest.removeprefix("sha256:")[:12]
            self.query_one(f"#layer-{short}", ProgressBar).update(total=layer.total, progress=layer.completed)
        self.query_one("#pull-summary", Static).update(plain(self.tracker.summary()))

    @on(Finished)
    def _finished(self, event: Finished) -> None:
        event.stop()
        self.running = False
        self.query_one("#pull-title", Static).update(plain(f"{self.model}: {event.outcome}"))
        self.query_one("#pull-stop", Button).label = "Close"
        self.set_class(not event.ok, "failed")

    @on(Button.Pressed, "#pull-stop")
    def _stop(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.StopRequested(self.running))

    def hide(self) -> None:
        self.display = False
