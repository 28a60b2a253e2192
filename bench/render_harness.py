"""The instruments of `bench_render.py`, and its baseline: Textual's `MarkdownStream` in a process of its own.

- `NullDriver`: headless, except that every frame is rendered to terminal text, counted and timestamped.
- `StallMeter`: the lateness of a task that sleeps 10 ms, and the collector's pauses.
- `Cpu`: CPU seconds of this process and of the event loop's thread.
- `run_app`: an app on a `NullDriver`, in a fresh `contextvars.Context` as the SSH server runs each.
- `Baseline`: the `MarkdownStream` run, in a process of its own that imports nothing of the workshop but
  the Ollama client, so that Markdown's garbage and caches stay out of the measured process's collections.
"""

from __future__ import annotations

import asyncio
import bisect
import contextvars
import gc
import multiprocessing
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot
from textual.widgets import Markdown

from workshop_tui.ollama.client import OllamaClient
from workshop_tui.ollama.types import Metrics
from workshop_tui.testing.fake_ollama_scenario import tokens_of

SIZE = (100, 40)
MODEL = "llama3.2:1b"
QUESTION = "Explain the whole thing, with code and a table."
STDOUT, STDERR = sys.stdout, sys.stderr
"""While it runs, a Textual app replaces sys.stdout and sys.stderr (process-wide) with its own."""
RUNNING: list[App[Any]] = []


def report(*parts: object) -> None:
    """Print to this process's own standard output, even while apps run."""
    print(*parts, file=STDOUT, flush=True)


async def bounded(awaitable: Awaitable[Any], limit: float, what: str) -> Any:
    try:
        return await asyncio.wait_for(awaitable, limit)
    except TimeoutError:
        raise TimeoutError(f"gave up waiting {limit:.0f} s for {what}") from None


async def until(condition: Callable[[], bool], what: str, limit: float, every: float = 0.02) -> None:
    deadline = time.perf_counter() + limit
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"gave up waiting {limit:.0f} s for {what}")
        await asyncio.sleep(every)


class NullDriver(HeadlessDriver):
    """Textual's `HeadlessDriver` makes an app skip turning compositor updates into terminal text
    (`App._display` returns early when `is_headless`). This one says it is not headless, so every
    frame is composed and rendered to escape sequences (as for an SSH client), then timestamped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frames: list[float] = []
        self.watch: str | None = None
        self.seen_at: float | None = None
        self.seen = asyncio.Event()
        self._waiters: list[tuple[float, asyncio.Future[float]]] = []

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        now = time.perf_counter()
        self.frames.append(now)
        if self.watch is not None and self.seen_at is None and self.watch in data:
            self.seen_at = now
            self.seen.set()
        if self._waiters:
            for moment, waiter in self._waiters:
                if moment <= now and not waiter.done():
                    waiter.set_result(now)
            self._waiters = [(m, w) for m, w in self._waiters if not w.done()]

    def flush(self) -> None:
        pass

    def look_for(self, text: str) -> None:
        """Note the first frame written from now on that contains `text` (`seen`, `seen_at`)."""
        self.watch, self.seen_at = text, None
        self.seen.clear()

    async def frame_after(self, moment: float, limit: float) -> float:
        """When the first frame at or after `moment` was written (waiting for it if need be)."""
        index = bisect.bisect_left(self.frames, moment)
        if index < len(self.frames):
            return self.frames[index]
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((moment, waiter))
        return await bounded(waiter, limit, "a frame")


def driver_of(app: App[Any]) -> NullDriver:
    driver = app._driver  # the bench needs the driver's counters
    assert isinstance(driver, NullDriver)
    return driver


class StallMeter:
    """Lateness of a task that sleeps 10 ms (for at most 10 minutes), and the collector's pauses."""

    def __init__(self) -> None:
        self.stalls: list[float] = []
        self.gc_pauses: list[tuple[int, float]] = []
        self._gc_started = 0.0
        self._task: asyncio.Task[None] | None = None

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append((info["generation"], time.perf_counter() - self._gc_started))

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(60_000):
            due = loop.time() + 0.01
            await asyncio.sleep(0.01)
            self.stalls.append(max(0.0, loop.time() - due) * 1000)

    def start(self) -> None:
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def worst(self) -> float:
        return max(self.stalls, default=0.0)

    def p95(self) -> float:
        return statistics.quantiles(self.stalls, n=20)[-1] if len(self.stalls) > 20 else self.worst()

    def summary(self) -> dict[str, float]:
        gen2 = [pause for generation, pause in self.gc_pauses if generation == 2]
        return {"p95_stall_ms": round(self.p95(), 1), "stalls_over_50ms": sum(s > 50 for s in self.stalls),
                "collections": len(self.gc_pauses), "gen2": len(gen2),
                "gen2_max_ms": round(max(gen2, default=0) * 1000, 1),
                "gc_max_ms": round(max((p for _, p in self.gc_pauses), default=0) * 1000, 1)}


@dataclass
class Cpu:
    """CPU seconds of this process (every thread) and of the event loop's thread alone."""

    process: float
    loop: float

    @classmethod
    def now(cls) -> Cpu:
        return cls(time.process_time(), time.thread_time())  # called on the loop's thread

    def since(self, start: Cpu) -> Cpu:
        return Cpu(self.process - start.process, self.loop - start.loop)


async def run_app(app: App[Any], scenario: Callable[[Pilot[Any]], Awaitable[None]],
                  context: dict[contextvars.ContextVar[Any], Any] | None = None, limit: float = 300) -> None:
    """Run `app` on a NullDriver at `SIZE` in a fresh context until `scenario` ends; `context` sets
    variables in that context first."""
    app.driver_class = NullDriver

    async def pilot(pilot: Pilot[Any]) -> None:
        try:
            await scenario(pilot)
        finally:
            app.exit()

    async def run() -> None:
        for variable, value in (context or {}).items():
            variable.set(value)
        await app.run_async(headless=False, size=SIZE, auto_pilot=pilot)

    RUNNING.append(app)
    try:
        await bounded(asyncio.get_running_loop().create_task(run(), context=contextvars.Context()), limit,
                      "an app to end")
    finally:
        RUNNING.remove(app)
        if not RUNNING:  # apps running at once swap them in any order: put back the process's own
            sys.stdout, sys.stderr = STDOUT, STDERR
    if app.return_code not in (0, None):
        raise RuntimeError(f"an app ended with code {app.return_code}")


def sending_time(metrics: Metrics) -> float:
    """How long the fake took from its first chunk to its last, by its own clock: its `eval_duration`
    runs from just before the first chunk to the final one, which comes one interval after the last."""
    count, duration = metrics.eval_count or 0, (metrics.eval_duration_ns or 0) / 1e9
    return duration * (count - 1) / count if count > 1 else duration


# ---- the baseline -------------------------------------------------------------------------------------

class MarkdownApp(App[None]):
    """Textual's Markdown widget in an anchored scroll, of the size the chat screen gives its view."""

    def __init__(self, size: tuple[int, int]) -> None:
        super().__init__()
        self.view_size = size

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll()
        scroll.styles.width, scroll.styles.height = self.view_size
        with scroll:
            yield Markdown()


def warm_up(url: str, text: str) -> None:
    """In the baseline's process: the first of everything (imports, the HTTP client, a `Markdown`
    filled; `text` is scripted already), then `gc.freeze()`, as the measured process does after its own."""
    markdown_stream(url, text, (51, 33))
    gc.collect()
    gc.freeze()


def markdown_stream(url: str, text: str, size: tuple[int, int]) -> dict[str, Any]:
    """In the baseline's process: the reply from the fake, read with the project's Ollama client
    (httpx) and written to a `MarkdownStream` one chunk at a time as it arrives. Timed as the chat
    screen is: from the first chunk read to the first frame after the last was written."""
    return asyncio.run(_markdown_stream(url, text, size))


async def _markdown_stream(url: str, text: str, size: tuple[int, int]) -> dict[str, Any]:
    gc.collect()
    tokens = len(tokens_of(text))
    meter = StallMeter()
    result: dict[str, Any] = {}
    client = OllamaClient(url)

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.pause()
        markdown = pilot.app.query_one(Markdown)
        pilot.app.query_one(VerticalScroll).anchor()
        driver = driver_of(pilot.app)
        meter.start()
        cpu = Cpu.now()
        stream = Markdown.get_stream(markdown)
        first = last = 0.0
        count = 0
        sent_s: float | None = None
        async with aclosing(client.chat(MODEL, [{"role": "user", "content": QUESTION}])) as chunks:
            async for chunk in chunks:
                if chunk.content:
                    last = time.perf_counter()
                    first = first or last
                    count += 1
                    await stream.write(chunk.content)
                if chunk.metrics is not None:
                    sent_s = sending_time(chunk.metrics)
        await stream.stop()
        rendered = await driver.frame_after(time.perf_counter(), 30)
        used = Cpu.now().since(cpu)
        await meter.stop()
        if count != tokens or markdown.source != text or sent_s is None:
            raise RuntimeError(f"the Markdown widget got {len(markdown.source)} characters in {count} chunks")
        render_s = rendered - first
        result.update(stream_s=round(sent_s, 3), seen_s=round(last - first, 3), render_s=round(render_s, 3),
                      ratio=round(render_s / sent_s, 3), max_stall_ms=round(meter.worst(), 1),
                      cpu_s_per_1k_tokens=round(used.process / tokens * 1000, 3),
                      tok_per_s=round((tokens - 1) / sent_s, 1), frames=len(driver.frames), **meter.summary())

    try:
        await run_app(MarkdownApp(size), scenario)
    finally:
        await client.aclose()
    return result


class Baseline:
    """The baseline's process (a pool of one, spawned): started at once, so that it imports and warms
    up while this one sets up; later it streams when told to."""

    def __init__(self, url: str, warm_text: str) -> None:
        self.url = url
        self.pool = multiprocessing.get_context("spawn").Pool(1)
        self._warm = self._call(warm_up, url, warm_text)
        self._run: asyncio.Future[dict[str, Any]] | None = None

    def _call(self, function: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """`function(*args)` in the baseline's process; its result (or error) on this loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def settle(value: Any, failed: bool) -> None:
            if not future.done():
                (future.set_exception if failed else future.set_result)(value)

        self.pool.apply_async(function, args, callback=lambda value: loop.call_soon_threadsafe(settle, value, False),
                              error_callback=lambda exc: loop.call_soon_threadsafe(settle, exc, True))
        return future

    async def warmed(self) -> None:
        await bounded(self._warm, 120, "the baseline's warm-up")

    def start(self, text: str, size: tuple[int, int]) -> None:
        """Stream `text` to a `Markdown` of `size` now: its app opens, then the request leaves."""
        self._run = self._call(markdown_stream, self.url, text, size)

    async def result(self, limit: float) -> dict[str, Any]:
        assert self._run is not None
        return await bounded(self._run, limit, "the baseline's figures")

    def close(self) -> None:
        self.pool.terminate()  # ends its process, whatever it was doing
        self.pool.join()
