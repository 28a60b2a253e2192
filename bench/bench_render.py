"""How fast `ConversationView` shows a streamed reply, against Textual's `Markdown` + `MarkdownStream`.

Runs headless at 100×40, but with frames really output: Textual's `HeadlessDriver` makes the app
skip turning each compositor update into terminal text (`App._display` returns early when
`is_headless`). Here each app runs on `NullDriver`, a headless driver that says it is not headless,
so every frame is composed, rendered to a string of escape sequences (as for an SSH client) and
handed to `write`, which only counts it. That is what the SSH server's driver pays for, short of
the socket.

Measured in one process, one event loop:
- "5000": one 5,000-token reply (paragraphs, lists, fenced code, a table) fed at 100 tok/s to a
  `ConversationView`, and (last of all) the same feed to a `Markdown` widget through
  `MarkdownStream` in a `VerticalScroll`. stream_s is the feed's duration, render_s the time from the first token to the
  first frame written after the widget has taken in the last one; ratio = render_s / stream_s.
  max_stall_ms is the worst lateness of a task sleeping 10 ms on the same loop (collector pauses
  included). cpu_s_per_1k_tokens is process CPU time per 1,000 tokens, harness included.
- "concurrent20": twenty apps on the loop, as the SSH server runs them (each in a fresh context),
  each with its own `ConversationView` fed 2,000 tokens at 30 tok/s; p95 and worst stall of the
  10 ms task. The CPU figure printed for it includes starting and closing the twenty apps.
- "open200_s": from `ConversationView.load()` of a 200-message conversation with code blocks to
  the first frame that shows its last message (median of three fresh apps).

The feed is one function (`FEED`, `timed_feed` here) so that a real source (the chat service on a
fake Ollama) can replace it. BENCH_RENDER_SCALE=0.1 runs a tenth of the tokens for a quick look.
`gc.freeze()` runs once after a warm-up, as the server does at start. Collector
statistics and other details are printed before the last line, which is one JSON object.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import json
import os
import random
import re
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

os.environ.setdefault("TERM", "xterm-256color")
os.environ.setdefault("COLORTERM", "truecolor")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot
from textual.widgets import Markdown

from workshop_tui.domain.enums import MessageRole
from workshop_tui.domain.models import Message
from workshop_tui.ui.widgets.conversation_view import ConversationView

SIZE = (100, 40)
SCALE = float(os.environ.get("BENCH_RENDER_SCALE", "1"))
"""Fewer tokens for a quick look while developing (the figures are only comparable at 1)."""
ONE_TOKENS, ONE_RATE = int(5000 * SCALE), 100.0
MANY_APPS, MANY_TOKENS, MANY_RATE = 20, int(2000 * SCALE), 30.0
_TOKEN = re.compile(r"\n+|[ ]?[^\s]{1,6}|[ ]+")


# ---- the reply --------------------------------------------------------------------------------------

def sample_reply(tokens: int, seed: int = 7) -> list[str]:
    """A Markdown reply cut into pieces of about the size of model tokens."""
    rng = random.Random(seed)
    words = ("model context token stream layout widget render terminal python value result memory "
             "vector query answer system prompt cache frame event loop queue worker thread").split()

    def sentence() -> str:
        text = " ".join(rng.choice(words) for _ in range(rng.randint(6, 16)))
        return text[0].upper() + text[1:] + rng.choice([".", ".", "!", "?"])

    sections: list[str] = []
    number = 0
    while sum(len(_TOKEN.findall(s)) for s in sections) < tokens:
        number += 1
        sections.append(f"## Part {number}: {rng.choice(words)} and {rng.choice(words)}")
        sections.append(" ".join(sentence() for _ in range(rng.randint(3, 6))) + " Uses `value` and **bold**.")
        sections.append("\n".join(f"- {sentence()}" for _ in range(rng.randint(4, 8))))
        code = [f"def step_{number}(items: list[int]) -> int:", "    total = 0"]
        code += [f"    total += items[{i}] * {rng.randint(2, 99)}  # {rng.choice(words)}"
                 for i in range(rng.randint(8, 24))]
        sections.append("```python\n" + "\n".join([*code, "    return total"]) + "\n```")
        sections.append(" ".join(sentence() for _ in range(rng.randint(2, 5))))
        if number % 3 == 0:
            rows = [f"| {rng.choice(words)} | {rng.randint(1, 999)} | {rng.choice(words)} |" for _ in range(6)]
            sections.append("| name | count | kind |\n|---|---:|---|\n" + "\n".join(rows))
        sections.append("\n".join(f"{i}. {sentence()}" for i in range(1, rng.randint(3, 7))))
    return _TOKEN.findall("\n\n".join(sections))[:tokens]


async def timed_feed(pieces: list[str], rate: float, phase: float = 0.0) -> AsyncIterator[str]:
    """Yield the pieces on schedule (`rate` per second); pieces that are due together come joined,
    as a real reader hands over what arrived while it was busy."""
    loop = asyncio.get_running_loop()
    start = loop.time() + phase
    index = 0
    while index < len(pieces):
        now = loop.time()
        due = min(len(pieces), int((now - start) * rate) + 1)
        if due > index:
            yield "".join(pieces[index:due])
            index = due
        else:
            await asyncio.sleep(start + index / rate - now)


FeedSource = Callable[[list[str], float, float], AsyncIterator[str]]
FEED: FeedSource = timed_feed


# ---- harness ------------------------------------------------------------------------------------------

class NullDriver(HeadlessDriver):
    """Headless, except that the app renders every frame to terminal text, which this counts."""

    frames = 0
    written = 0
    last_frame_at = 0.0
    watch: str | None = None
    seen_at: float | None = None

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.frames += 1
        self.written += len(data)
        self.last_frame_at = time.perf_counter()
        if self.watch is not None and self.seen_at is None and self.watch in data:
            self.seen_at = self.last_frame_at

    def flush(self) -> None:
        pass


class StallMeter:
    """Lateness of a task that sleeps 10 ms, and the collector's pauses."""

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
        while True:
            due = loop.time() + 0.01
            await asyncio.sleep(0.01)
            self.stalls.append(max(0.0, loop.time() - due) * 1000)

    def start(self) -> None:
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        gc.callbacks.remove(self._on_gc)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def p95(self) -> float:
        return statistics.quantiles(self.stalls, n=20)[-1] if len(self.stalls) > 20 else max(self.stalls, default=0)

    def gc_summary(self) -> dict[str, float]:
        gen2 = [pause for generation, pause in self.gc_pauses if generation == 2]
        return {"collections": len(self.gc_pauses), "gen2": len(gen2),
                "gen2_max_ms": round(max(gen2, default=0) * 1000, 1),
                "max_ms": round(max((p for _, p in self.gc_pauses), default=0) * 1000, 1)}


class ViewApp(App[None]):
    def __init__(self) -> None:
        super().__init__(driver_class=NullDriver)

    def compose(self) -> ComposeResult:
        yield ConversationView()


class MarkdownApp(App[None]):
    def __init__(self) -> None:
        super().__init__(driver_class=NullDriver)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown()


async def run_app(app: App[None], scenario: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    """Run `app` on a NullDriver in a fresh context (as the SSH server does) until `scenario` ends."""
    async def pilot(pilot: Pilot[None]) -> None:
        try:
            await scenario(pilot)
        finally:
            app.exit()

    stdout, stderr = sys.stdout, sys.stderr
    try:
        task = asyncio.get_running_loop().create_task(
            app.run_async(headless=False, size=SIZE, auto_pilot=pilot), context=contextvars.Context())
        await task
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def driver_of(app: App[None]) -> NullDriver:
    driver = app._driver  # the bench needs the driver's counters
    assert isinstance(driver, NullDriver)
    return driver


async def frame_after(app: App[None], moment: float, limit: float = 30.0) -> float:
    """When the first frame after `moment` was written."""
    driver = driver_of(app)
    deadline = time.perf_counter() + limit
    while driver.last_frame_at <= moment and time.perf_counter() < deadline:
        await asyncio.sleep(0.002)
    return driver.last_frame_at


# ---- scenarios ----------------------------------------------------------------------------------------

async def stream_into_view(pilot: Pilot[None], pieces: list[str], rate: float, phase: float = 0.0,
                           go: asyncio.Event | None = None) -> tuple[float, float]:
    """Feed a reply to the app's ConversationView; returns (stream_s, render_s)."""
    view = pilot.app.query_one(ConversationView)
    view.add_user_message("Explain the whole thing, with code and a table.")
    if go is not None:
        await go.wait()
    view.begin_reply("llama3.2:1b")
    start = time.perf_counter()
    async for text in FEED(pieces, rate, phase):
        view.append_content(text)
    fed = time.perf_counter()
    view.finish_reply(None, stats=f"{len(pieces)} tokens")
    done = await frame_after(pilot.app, time.perf_counter())
    return fed - start, done - start


async def stream_into_markdown(pilot: Pilot[None], pieces: list[str], rate: float) -> tuple[float, float]:
    markdown = pilot.app.query_one(Markdown)
    pilot.app.query_one(VerticalScroll).anchor()
    stream = Markdown.get_stream(markdown)
    start = time.perf_counter()
    async for text in FEED(pieces, rate, 0.0):
        await stream.write(text)
    fed = time.perf_counter()
    await stream.stop()
    done = await frame_after(pilot.app, time.perf_counter())
    return fed - start, done - start


async def one_stream(make_app: Callable[[], App[None]], feed: Callable[..., Awaitable[tuple[float, float]]],
                     pieces: list[str]) -> dict[str, float]:
    gc.collect()
    meter = StallMeter()
    result: dict[str, float] = {}

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.pause()
        meter.start()
        cpu = time.process_time()
        stream_s, render_s = await feed(pilot, pieces, ONE_RATE)
        cpu = time.process_time() - cpu
        await meter.stop()
        result.update(stream_s=round(stream_s, 3), render_s=round(render_s, 3), ratio=round(render_s / stream_s, 3),
                      max_stall_ms=round(max(meter.stalls), 1), cpu_s_per_1k_tokens=round(cpu / len(pieces) * 1000, 3),
                      p95_stall_ms=round(meter.p95(), 1), frames=driver_of(pilot.app).frames, **meter.gc_summary())

    await run_app(make_app(), scenario)
    return result


async def concurrent(pieces: list[str]) -> dict[str, float]:
    gc.collect()
    meter = StallMeter()
    go = asyncio.Event()
    ready = 0
    rng = random.Random(3)
    renders: list[float] = []

    async def scenario(pilot: Pilot[None]) -> None:
        nonlocal ready
        await pilot.pause()
        ready += 1
        if ready == MANY_APPS:
            meter.start()
            go.set()
        stream_s, render_s = await stream_into_view(pilot, pieces, MANY_RATE, rng.random() / MANY_RATE, go)
        renders.append(render_s / stream_s)

    cpu = time.process_time()
    await asyncio.gather(*(run_app(ViewApp(), scenario) for _ in range(MANY_APPS)))
    cpu = time.process_time() - cpu
    await meter.stop()
    return {"p95_stall_ms": round(meter.p95(), 1), "max_stall_ms": round(max(meter.stalls), 1),
            "worst_ratio": round(max(renders), 3),
            "cpu_s_per_1k_tokens": round(cpu / (MANY_APPS * len(pieces)) * 1000, 3), **meter.gc_summary()}


def conversation(count: int) -> list[Message]:
    reply = sample_reply(600, seed=11)
    messages = []
    for index in range(count):
        if index % 2 == 0:
            messages.append(Message(id=index, conversation_id=1, role=MessageRole.USER,
                                    content=f"Question number {index}: how does this part work?"))
        else:
            body = "".join(reply[(index * 7) % 200:]) + f"\n\nEnd of answer marker{index}."
            messages.append(Message(id=index, conversation_id=1, role=MessageRole.ASSISTANT, content=body,
                                    model="llama3.2:1b"))
    return messages


async def open_conversation(messages: list[Message]) -> float:
    gc.collect()
    result: list[float] = []

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.pause()
        driver = driver_of(pilot.app)
        driver.watch = f"marker{len(messages) - 1}"
        start = time.perf_counter()
        pilot.app.query_one(ConversationView).load(messages)
        deadline = start + 10
        while driver.seen_at is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        result.append((driver.seen_at or float("inf")) - start)

    await run_app(ViewApp(), scenario)
    return result[0]


async def warm_up() -> None:
    pieces = sample_reply(400, seed=1)
    await one_stream(ViewApp, stream_into_view, pieces[:200] * 1)
    await one_stream(MarkdownApp, stream_into_markdown, pieces[:100])
    await open_conversation(conversation(20))


async def main() -> None:
    global ONE_RATE
    rate = ONE_RATE
    ONE_RATE = 2000.0  # warm-up runs fast
    await warm_up()
    ONE_RATE = rate
    gc.collect()
    gc.freeze()
    pieces = sample_reply(ONE_TOKENS)
    print(f"reply: {len(pieces)} tokens, {len(''.join(pieces))} characters", flush=True)
    # The baseline runs last: Textual's Markdown leaves objects in process-wide caches that would
    # make every later collection slower.
    ours = await one_stream(ViewApp, stream_into_view, pieces)
    print("ConversationView:", json.dumps(ours), flush=True)
    many = await concurrent(sample_reply(MANY_TOKENS, seed=5))
    print("concurrent20:", json.dumps(many), flush=True)
    messages = conversation(200)
    opens = [await open_conversation(messages) for _ in range(3)]
    print("open200 runs:", [round(o, 3) for o in opens], flush=True)
    theirs = await one_stream(MarkdownApp, stream_into_markdown, pieces)
    print("MarkdownStream:", json.dumps(theirs), flush=True)
    print(json.dumps({
        "5000": {
            "stream_s": ours["stream_s"], "render_s": ours["render_s"], "ratio": ours["ratio"],
            "max_stall_ms": ours["max_stall_ms"], "cpu_s_per_1k_tokens": ours["cpu_s_per_1k_tokens"],
            "markdownstream_ratio": theirs["ratio"], "markdownstream_max_stall_ms": theirs["max_stall_ms"],
            "markdownstream_cpu_s_per_1k_tokens": theirs["cpu_s_per_1k_tokens"],
        },
        "concurrent20": {"p95_stall_ms": many["p95_stall_ms"], "max_stall_ms": many["max_stall_ms"]},
        "open200_s": round(statistics.median(opens), 3),
    }))


if __name__ == "__main__":
    asyncio.run(main())
