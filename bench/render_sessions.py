"""The sessions of `bench_render.py` in the real chat screen.

Signed-in `WorkshopApp`s driven with Pilot (the question pasted into the composer, Enter pressed), and
a `Probe` per session that times its reply: the chunks as the services' HTTP client reads them, the
moment the `ConversationView` has taken the whole text in, and the frames after.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import random
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from fake_ollama_process import FakeProcess
from render_harness import QUESTION, Cpu, StallMeter, bounded, driver_of, run_app, sending_time, until
from textual import events
from textual.pilot import Pilot
from textual.widgets import OptionList

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.ollama.types import ChatChunk
from workshop_tui.services.access import Actor
from workshop_tui.services.workshop import Workshop
from workshop_tui.testing.fake_ollama_scenario import tokens_of
from workshop_tui.ui.app import WorkshopApp
from workshop_tui.ui.widgets.composer import Composer
from workshop_tui.ui.widgets.conversation_entries import ContentPart, Entry
from workshop_tui.ui.widgets.conversation_view import ConversationView

# ---- the probe ----------------------------------------------------------------------------------------

@dataclass
class Probe:
    """What one session's reply did, and when."""

    expected: str
    requested: float | None = None
    first_token: float | None = None
    last_token: float | None = None
    chunks: int = 0
    sent_s: float | None = None
    taken_in: float | None = None
    finished_at: float | None = None
    shown: str = ""
    done: asyncio.Event = field(default_factory=asyncio.Event)

    async def timed(self, chunks: AsyncIterator[ChatChunk]) -> AsyncIterator[ChatChunk]:
        self.requested = time.perf_counter()
        async with aclosing(chunks) as stream:  # type: ignore[type-var]
            async for chunk in stream:
                if chunk.content:
                    now = time.perf_counter()
                    self.first_token = self.first_token or now
                    self.last_token = now
                    self.chunks += 1
                if chunk.metrics is not None:
                    self.sent_s = sending_time(chunk.metrics)
                yield chunk

    def watch(self, view: ConversationView) -> None:
        """Note when the view has taken in all the reply's text: at a tick of its own, or when the
        reply ends (the view's own methods, wrapped on this one instance)."""
        flush, finish = view._flush, view.finish_reply

        def check(entry: Entry | None) -> None:
            if entry is None or self.taken_in is not None:
                return
            text = "".join(part.raw for part in entry.parts if isinstance(part, ContentPart))
            if len(text) >= len(self.expected):
                self.taken_in, self.shown = time.perf_counter(), text

        def flushed() -> None:
            entry = view._active
            flush()
            check(entry)

        def finished(*args: Any, **kwargs: Any) -> None:
            entry = view._active
            finish(*args, **kwargs)
            check(entry)
            self.finished_at = time.perf_counter()
            self.done.set()

        view._flush = flushed  # type: ignore[method-assign]
        view.finish_reply = finished  # type: ignore[method-assign]


PROBE: contextvars.ContextVar[Probe | None] = contextvars.ContextVar("bench_probe", default=None)


def time_the_client(workshop: Workshop) -> None:
    """Time the chunks of each reply as the services' HTTP client reads them, for the session whose
    context holds a `PROBE`: one async generator more per reply, nothing else changes."""
    for client in workshop.gateway.pool.clients.values():
        def chat(*args: Any, _chat: Callable[..., AsyncIterator[ChatChunk]] = client.chat,
                 **kwargs: Any) -> AsyncIterator[ChatChunk]:
            probe = PROBE.get()
            chunks = _chat(*args, **kwargs)
            return chunks if probe is None else probe.timed(chunks)

        client.chat = chat  # type: ignore[method-assign]


# ---- the chat screen ------------------------------------------------------------------------------------

async def chat_ready(pilot: Pilot[Any], limit: float = 60) -> ConversationView:
    app = pilot.app
    await until(lambda: app.current_mode == "chat" and bool(getattr(app.screen, "models", None))
                and not any(w.group == "chat-load" and not w.is_finished for w in app.workers),
                "the chat screen with its models loaded", limit)
    return app.screen.query_one("#view", ConversationView)


async def write_question(pilot: Pilot[Any], text: str) -> None:
    """Put the question in the composer (it has the focus) as a terminal sends a paste."""
    composer = pilot.app.screen.query_one(Composer)
    pilot.app.post_message(events.Paste(text))
    await until(lambda: composer.text == text, "the question in the composer", 30)


async def open_from_list(pilot: Pilot[Any], conversation_id: int, shows: str) -> float:
    """Choose a conversation in the list and press Enter; the time until the first frame showing `shows`."""
    driver = driver_of(pilot.app)
    options = pilot.app.screen.query_one("#conversation-options", OptionList)

    def index() -> int | None:
        ids = [options.get_option_at_index(n).id for n in range(options.option_count)]
        return ids.index(str(conversation_id)) if str(conversation_id) in ids else None

    await until(lambda: index() is not None, "the conversation in the list", 30)
    options.focus()
    options.highlighted = index()
    await pilot.pause()
    driver.look_for(shows)
    start = time.perf_counter()
    await pilot.press("enter")
    await bounded(driver.seen.wait(), 30, f"a frame showing {shows!r}")
    assert driver.seen_at is not None
    return driver.seen_at - start


async def send_and_follow(pilot: Pilot[Any], probe: Probe, tokens: int, rate: float) -> dict[str, float]:
    """Press Enter in the composer and follow the reply to its end (stored, and its last frame)."""
    app = pilot.app
    driver = driver_of(app)
    pressed = time.perf_counter()
    await pilot.press("enter")
    await bounded(probe.done.wait(), tokens / rate * 2 + 60, "the end of the reply")
    for worker in [w for w in app.workers if w.group == "chat-stream" and not w.is_finished]:
        await bounded(worker.wait(), 60, "the reply's worker to end (the final write)")
    if probe.taken_in is None or probe.first_token is None or probe.last_token is None or probe.sent_s is None:
        raise RuntimeError("the reply ended without its text reaching the view")
    rendered = await driver.frame_after(probe.taken_in, 30)
    assert probe.finished_at is not None
    await driver.frame_after(probe.finished_at, 30)
    if probe.shown != probe.expected or probe.chunks != tokens:
        raise RuntimeError(f"the view got {len(probe.shown)} characters in {probe.chunks} chunks; "
                           f"expected {len(probe.expected)} in {tokens}")
    return {"stream_s": probe.sent_s, "seen_s": probe.last_token - probe.first_token,
            "render_s": rendered - probe.first_token, "tok_per_s": (tokens - 1) / probe.sent_s,
            "first_token_s": probe.first_token - pressed, "request_s": (probe.requested or pressed) - pressed}


async def check_stored(workshop: Workshop, actor: Actor, text: str) -> None:
    """The reply was stored whole, complete, with the fake's token count."""
    newest = max(conversation.id for conversation in await workshop.chat.list(actor))
    reply = (await workshop.chat.messages(actor, newest))[-1]
    if (reply.role is not MessageRole.ASSISTANT or reply.status is not MessageStatus.COMPLETE
            or reply.content != text or reply.completion_tokens != len(tokens_of(text))):
        raise RuntimeError(f"the reply stored for {actor.user.username if actor.user else '?'} is not the one sent: "
                           f"{reply.role}, {reply.status}, {len(reply.content)} characters, "
                           f"{reply.completion_tokens} tokens")


async def chat_session(workshop: Workshop, fake: FakeProcess, actor: Actor, big: tuple[int, str], opens: int, text: str,
                       rate: float, before_send: Callable[[], object] | None = None) -> dict[str, Any]:
    """One session in the chat screen: it opens the conversation `big` (its id, and the words that end
    it) from the list `opens` times, timed, each followed by a new conversation (Ctrl+N); then it sends
    a message and receives `text` (scripted already), measured from Enter (just after `before_send`)
    to the reply's last frame."""
    tokens = len(tokens_of(text))
    meter = StallMeter()
    probe = Probe(text)
    result: dict[str, Any] = {"opens": []}

    async def scenario(pilot: Pilot[Any]) -> None:
        view = await chat_ready(pilot)
        probe.watch(view)
        for _ in range(opens):
            result["opens"].append(await open_from_list(pilot, *big))
            await pilot.press("ctrl+n")
        await write_question(pilot, QUESTION)
        gc.collect()
        fake_cpu = (await fake.stats())["cpu_s"]
        if before_send is not None:
            before_send()
        meter.start()
        cpu = Cpu.now()
        timing = await send_and_follow(pilot, probe, tokens, rate)
        used = Cpu.now().since(cpu)
        await meter.stop()
        result.update(
            stream_s=round(timing["stream_s"], 3), render_s=round(timing["render_s"], 3),
            ratio=round(timing["render_s"] / timing["stream_s"], 3), max_stall_ms=round(meter.worst(), 1),
            cpu_s_per_1k_tokens=round(used.process / tokens * 1000, 3),
            loop_cpu_s_per_1k_tokens=round(used.loop / tokens * 1000, 3),
            fake_cpu_s=round((await fake.stats())["cpu_s"] - fake_cpu, 2),
            **{k: round(timing[k], 3) for k in ("seen_s", "request_s", "first_token_s")},
            tok_per_s=round(timing["tok_per_s"], 1),
            frames=len(driver_of(pilot.app).frames), view_size=list(view.size), **meter.summary())

    await run_app(WorkshopApp(workshop, signed_in=actor), scenario, {PROBE: probe})
    await check_stored(workshop, actor, text)
    return result


async def concurrent(workshop: Workshop, fake: FakeProcess, actors: list[Actor], text: str, chunk_delay: float,
                     rate: float) -> dict[str, Any]:
    """A session per actor on this loop, each sending through its own chat screen at about the same
    time. Nothing is measured until every session has its question in the composer."""
    tokens = len(tokens_of(text))
    meter = StallMeter()
    everyone_typed, go, everyone_done = asyncio.Event(), asyncio.Event(), asyncio.Event()
    typed: list[int] = []
    timings: list[dict[str, float]] = []
    rng = random.Random(3)
    cpu = Cpu.now()
    at_end: dict[str, Any] = {}  # from the start to the last reply's last frame

    def session(number: int) -> Callable[[Pilot[Any]], Awaitable[None]]:
        delay = rng.random() / rate  # nobody presses Enter in the same millisecond

        async def scenario(pilot: Pilot[Any]) -> None:
            probe = PROBE.get()
            assert probe is not None
            probe.watch(await chat_ready(pilot, limit=120))
            await write_question(pilot, f"Student {number}: {QUESTION}")
            gc.collect(1)  # the young garbage of its start (see below)
            typed.append(number)
            if len(typed) == len(actors):
                everyone_typed.set()
            await bounded(go.wait(), 300, "the start of the replies")
            await asyncio.sleep(delay)
            timings.append(await send_and_follow(pilot, probe, tokens, rate))
            if len(timings) == len(actors):
                at_end.update(cpu=Cpu.now().since(cpu), tracked=len(gc.get_objects()))
                await meter.stop()
                everyone_done.set()
            await bounded(everyone_done.wait(), tokens / rate * 2 + 120, "every reply to end")

        return scenario

    async def start() -> None:
        nonlocal cpu
        await bounded(everyone_typed.wait(), 240, "every session to be ready")
        await fake.script(text, chunk_delay, count=len(actors))
        at_end["fake_cpu"] = (await fake.stats(reset=True))["cpu_s"]
        gc.enable()
        gc.collect()
        meter.start()
        cpu = Cpu.now()
        go.set()

    # While the sessions start (nothing is measured), the collector runs only when one is ready, on
    # the young generations: its full runs, over every session started so far, would double the cost
    # of starting them. A full collection comes before the measurement.
    gc.disable()
    try:
        async with asyncio.TaskGroup() as sessions:  # one failing ends them all
            sessions.create_task(start())
            for number, actor in enumerate(actors):
                sessions.create_task(run_app(WorkshopApp(workshop, signed_in=actor), session(number),
                                             {PROBE: Probe(text)}, limit=480))
    finally:
        gc.enable()
        await meter.stop()
    stats = await fake.stats()
    for actor in actors:
        await check_stored(workshop, actor, text)
    if stats["max_in_flight"] < len(actors):
        raise RuntimeError(f"only {stats['max_in_flight']} replies streamed at once, not {len(actors)}")
    streams, used = [t["stream_s"] for t in timings], at_end["cpu"]
    return {"p95_stall_ms": round(meter.p95(), 1), "max_stall_ms": round(meter.worst(), 1),
            "worst_ratio": round(max(t["render_s"] / t["stream_s"] for t in timings), 3),
            "tok_per_s": round(statistics.median(t["tok_per_s"] for t in timings), 1),
            "stream_s": [round(min(streams), 2), round(max(streams), 2)],
            "request_s_max": round(max(t["request_s"] for t in timings), 3),
            "first_token_s_max": round(max(t["first_token_s"] for t in timings), 3),
            "cpu_s_per_1k_tokens": round(used.process / (len(actors) * tokens) * 1000, 3),
            "loop_cpu_s_per_1k_tokens": round(used.loop / (len(actors) * tokens) * 1000, 3),
            "fake_cpu_s": round(stats["cpu_s"] - at_end["fake_cpu"], 2), "max_in_flight": stats["max_in_flight"],
            "objects_tracked_by_gc": at_end["tracked"], **meter.summary()}
