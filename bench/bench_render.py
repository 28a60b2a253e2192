"""How fast the chat screen shows a streamed reply, beside Textual's `Markdown` + `MarkdownStream`.

Run: `python bench/bench_render.py` (no arguments, under 3 minutes on 2 cores). Details are printed
first; the last line is one JSON object: {"5000": {"stream_s", "render_s", "ratio", "max_stall_ms",
"cpu_s_per_1k_tokens", "markdownstream_ratio", "markdownstream_max_stall_ms",
"markdownstream_cpu_s_per_1k_tokens", …}, "concurrent20": {"p95_stall_ms", "max_stall_ms", …}, "open200_s": …}.

As in the server: a `Workshop` opened as the server opens it, on SQLite in a temporary data directory
(removed at the end; the logs go to files there and only a count of warnings and errors is printed),
and `WorkshopApp`s signed in as students on one event loop, each in a fresh `contextvars.Context`, at
100×40, on a driver that renders every frame to terminal text (`render_harness.NullDriver`), so that
output costs count. The model is the project's fake Ollama over HTTP on 127.0.0.1, in a process of
its own (`fake_ollama_process.py`), so that a busy app cannot slow its own feed. A reply is Markdown
(headings, paragraphs, lists, fenced code, tables) that the fake streams as exactly as many chunks as
it has tokens, waiting 1/rate between chunks less its own overhead per chunk, measured first.

- "5000": a student sends a message in the chat screen (the question pasted into the composer as a
  terminal sends a paste, then Enter, with Pilot) and receives 5,000 tokens at 100 tok/s through the
  server's whole path: the chat service (quota gate, fair queue, the question and the reply stored as
  it streams), the gateway's httpx client, the screen's events, `ConversationView`.
  - stream_s: from the fake's first chunk to its last, by the fake's own clock.
  - render_s: from the first chunk read by the services' HTTP client to the first frame written after
    the view has taken in the whole text; the run fails unless the view got exactly the text sent and
    the reply was stored whole. ratio = render_s / stream_s (goal ≤ 1.1).
  - max_stall_ms: the worst lateness of a task sleeping 10 ms on the same loop, from Enter to the
    turn's last frame (collector pauses included).
  - cpu_s_per_1k_tokens: CPU time of this process over that window (the app, the services and their
    SQLite thread, the harness) per 1,000 tokens; loop_cpu_* is the loop's thread alone.
  - markdownstream_*: the same figures for a `Markdown` widget in an anchored `VerticalScroll` of the
    view's size, given one `MarkdownStream.write` per chunk as the project's Ollama client reads it
    from the same fake (the same text at the same rate, without the services). It runs in a process
    of its own (`render_harness.Baseline`) at the same time as the chat screen's run, one core each:
    one after the other, the whole would not fit in 3 minutes.
- "open200_s": a stored conversation of 200 messages (answers of about 600 tokens with code blocks
  and tables) is chosen in the conversation list of that session and Enter pressed: the time until
  the first frame showing its last words. Median of three, each followed by Ctrl+N, before "5000".
- "concurrent20": twenty `WorkshopApp`s in this process, one per student, on one `Workshop`, the fair
  queue letting twenty replies run at once. Once all have their question in the composer, each
  presses Enter within 33 ms of the others and receives 2,000 tokens at 30 tok/s; the run fails
  unless the fake served twenty streams at once and every reply was stored whole. p95_stall_ms and
  max_stall_ms: of the 10 ms task, from just before the first Enter to the last reply's last frame.

First a warm-up (a session opens the 200 messages and receives an 800-token reply quickly; the
baseline's process does the same with its `Markdown`), then `gc.freeze()`, as the server freezes once
it has started. BENCH_RENDER_SCALE=0.1 streams a tenth of the tokens, for a quick look.
"""
from __future__ import annotations

import asyncio
import gc
import itertools
import json
import logging
import os
import random
import re
import statistics
import sys
import tempfile
import time
from contextlib import aclosing
from pathlib import Path
from typing import Any

os.environ.setdefault("TERM", "xterm-256color")
os.environ.setdefault("COLORTERM", "truecolor")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from fake_ollama_process import FakeProcess
from render_harness import MODEL, Baseline, report
from render_sessions import chat_session, concurrent, time_the_client

from workshop_tui.config.loader import load_settings
from workshop_tui.config.logging import configure_logging
from workshop_tui.domain.enums import AccountStatus, MessageRole, MessageStatus, Role
from workshop_tui.ollama.client import OllamaClient
from workshop_tui.services.access import Actor
from workshop_tui.services.actors import load_actor
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.testing.fake_ollama_scenario import tokens_of

SCALE = float(os.environ.get("BENCH_RENDER_SCALE", "1"))
"""Fewer tokens for a quick look while developing (the figures are only comparable at 1)."""
ONE_TOKENS, ONE_RATE = int(5000 * SCALE), 100.0
MANY_APPS, MANY_TOKENS, MANY_RATE = 20, int(2000 * SCALE), 30.0
OPEN_MESSAGES, OPEN_RUNS = 200, 3
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
    pieces = 0
    for number in range(1, tokens + 1):  # each part adds well over one piece
        if pieces >= tokens:
            break
        part = [f"## Part {number}: {rng.choice(words)} and {rng.choice(words)}",
                " ".join(sentence() for _ in range(rng.randint(3, 6))) + " Uses `value` and **bold**.",
                "\n".join(f"- {sentence()}" for _ in range(rng.randint(4, 8)))]
        code = [f"def step_{number}(items: list[int]) -> int:", "    total = 0"]
        code += [f"    total += items[{i}] * {rng.randint(2, 99)}  # {rng.choice(words)}"
                 for i in range(rng.randint(8, 24))]
        part.append("```python\n" + "\n".join([*code, "    return total"]) + "\n```")
        part.append(" ".join(sentence() for _ in range(rng.randint(2, 5))))
        if number % 3 == 0:
            rows = [f"| {rng.choice(words)} | {rng.randint(1, 999)} | {rng.choice(words)} |" for _ in range(6)]
            part.append("| name | count | kind |\n|---|---:|---|\n" + "\n".join(rows))
        part.append("\n".join(f"{i}. {sentence()}" for i in range(1, rng.randint(3, 7))))
        sections += part
        pieces += sum(len(_TOKEN.findall(s)) for s in part)
    return _TOKEN.findall("\n\n".join(sections))[:tokens]


def streamed_reply(tokens: int, seed: int = 7) -> str:
    """The sample reply, long enough that the fake Ollama streams exactly `tokens` chunks of it (it
    cuts content with `tokens_of`, into fewer, larger pieces than `sample_reply`'s)."""
    size = tokens
    for _ in range(20):
        chunks = tokens_of("".join(sample_reply(size, seed)))
        if len(chunks) >= tokens:
            text = "".join(chunks[:tokens])
            assert len(tokens_of(text)) == tokens
            return text
        size *= 2
    raise RuntimeError(f"no reply of {tokens} tokens")


# ---- the workshop -------------------------------------------------------------------------------------

async def open_workshop(data_dir: Path, url: str, sessions: int) -> Workshop:
    """The services as the server opens them (`run_jobs=True`, which freezes the collector after
    start-up), on a fresh data directory and the fake Ollama; the logs go to files there.

    The fair queue lets `sessions` generations run on the one host at once; a student may have one
    reply at a time (one session each here); the daily quotas are lifted, so that no run meets them."""
    env = {"WORKSHOP_OLLAMA__MAX_IN_FLIGHT_PER_HOST": str(sessions),
           "WORKSHOP_QUOTAS__STUDENT": json.dumps({"messages_per_day": None, "tokens_per_day": None,
                                                   "concurrent_generations": 1})}
    settings = load_settings(data_dir=data_dir, ollama_url=url, env=env, dotenv_path=None)
    configure_logging(settings.log_dir, settings.log_level)
    others = logging.FileHandler(settings.log_dir / "others.log", encoding="utf-8")  # libraries, warnings
    others.setLevel(logging.WARNING)
    logging.getLogger().addHandler(others)
    logging.captureWarnings(True)
    workshop = await Workshop.open(settings, run_jobs=True)
    async with workshop.ctx.db.transaction() as session:
        await ModelRepository(session).upsert(MODEL, capabilities=["completion"], hosts=[url])
    return workshop


async def add_student(workshop: Workshop, username: str) -> Actor:
    async with workshop.ctx.db.transaction() as session:
        users = UserRepository(session)
        user = await users.add(username=username, display_name=username.title(), role=Role.STUDENT,
                               status=AccountStatus.ACTIVE, password_hash=None)
        model = await ModelRepository(session).upsert(MODEL)
        await users.set_model_ids(user.id, [model.id])
        return await load_actor(session, user.id)



def last_words(count: int) -> str:
    """What ends the last message of the conversation `store_conversation` writes."""
    return f"marker{count - 1}."


async def store_conversation(workshop: Workshop, actor: Actor, count: int, answer: list[str]) -> int:
    """A conversation of `count` messages, questions and answers (`answer`'s pieces, from a different
    place each time: code blocks, lists, tables), written through the chat service and the
    repository. Returns its id."""
    conversation = await workshop.chat.create(actor, MODEL, title=f"{count} messages")
    async with workshop.ctx.db.transaction() as session:
        repository = ConversationRepository(session)
        for index in range(count):
            if index % 2 == 0:
                await repository.add_message(conversation.id, MessageRole.USER.value,
                                             f"Question number {index}: how does this part work?")
            else:
                text = "".join(answer[(index * 7) % 200:]) + f"\n\nEnd of answer marker{index}."
                await repository.add_message(conversation.id, MessageRole.ASSISTANT.value, text,
                                             status=MessageStatus.COMPLETE.value, model=MODEL)
    return conversation.id


# ---- the run ------------------------------------------------------------------------------------------

async def calibrate(client: OllamaClient, fake: FakeProcess) -> float:
    """The fake waits `chunk_delay` after writing a chunk, so each comes a little later than that.
    Returns that overhead per chunk: the median gap between chunks as read, less the delay (a hiccup
    of a busy machine does not count), at most a tenth of the interval."""
    await fake.script(streamed_reply(50, seed=2), 1 / ONE_RATE)
    seen: list[float] = []
    async with aclosing(client.chat(MODEL, [{"role": "user", "content": "calibrate"}])) as chunks:
        async for chunk in chunks:
            if chunk.content:
                seen.append(time.perf_counter())
    gap = statistics.median(later - earlier for earlier, later in itertools.pairwise(seen))
    return min(max(gap - 1 / ONE_RATE, 0.0), 0.1 / ONE_RATE)


def log_summary(log_dir: Path) -> str:
    """How many warnings and errors the services and libraries logged (to files, never the terminal)."""
    counts: dict[str, int] = {}
    first = ""
    for path in sorted(log_dir.glob("*.log")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            level = next((lv for lv in ("ERROR", "WARNING", "CRITICAL") if lv in line[:200]), None)
            if level is not None:
                counts[level] = counts.get(level, 0) + 1
                first = first or line[:300]
    return f"logs: {json.dumps(counts)}; the first: {first}" if counts else "logs: no warnings or errors"


class Phases:
    """Wall and CPU time of each part of the run."""

    def __init__(self) -> None:
        self.laps: dict[str, list[float]] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.laps[name] = [round(wall - self._wall, 1), round(cpu - self._cpu, 1)]
        self._wall, self._cpu = wall, cpu


async def bench(tmp: Path) -> dict[str, Any]:
    phases = Phases()
    fake = FakeProcess(tmp / "fake-ollama.log")
    await fake.start()
    warm_text = streamed_reply(800, seed=1)  # every kind of block
    await fake.script(warm_text, 0.0002, count=2)  # for the two warm-ups, each in its own process
    baseline = Baseline(fake.url, warm_text)  # imports and warms up meanwhile
    workshop: Workshop | None = None
    client = OllamaClient(fake.url)
    try:
        workshop = await open_workshop(tmp / "data", fake.url, MANY_APPS)
        time_the_client(workshop)
        one = await add_student(workshop, "ada")
        many = [await add_student(workshop, f"student{n:02d}") for n in range(MANY_APPS)]
        big = (await store_conversation(workshop, one, OPEN_MESSAGES, sample_reply(600, seed=11)),
               last_words(OPEN_MESSAGES))
        # The warm-up: the first of everything (imports, caches, compiled statements), in a session
        # like the measured one, quickly.
        warm = await chat_session(workshop, fake, one, big, 1, warm_text, 5000)
        await workshop.store.wait_ready(60)  # it opens on a thread: not while anything is measured
        await baseline.warmed()
        overhead = await calibrate(client, fake)  # with both processes idle, as when they are measured
        gc.collect()
        gc.freeze()  # what start-up and the first session left behind, as the server freezes at start
        text = streamed_reply(ONE_TOKENS)
        report(f"set up and warmed up; reply: {ONE_TOKENS} tokens (chunks of the fake), {len(text)} characters; "
               f"the fake waits {(1 / ONE_RATE - overhead) * 1000:.2f} ms between chunks "
               f"(its own overhead: {overhead * 1000:.2f} ms)")
        phases.lap("set-up and warm-up")

        await fake.script(text, 1 / ONE_RATE - overhead, count=2)  # one stream each, at the same time
        width, height = warm["view_size"]
        ours = await chat_session(workshop, fake, one, big, OPEN_RUNS, text, ONE_RATE,
                                  before_send=lambda: baseline.start(text, (width, height)))
        theirs = await baseline.result(ONE_TOKENS / ONE_RATE + 60)
        opens = ours.pop("opens")
        report("open200 runs:", [round(o, 3) for o in opens])
        report("chat screen (fake_cpu_s: both streams):", json.dumps(ours))
        report("MarkdownStream:", json.dumps(theirs))
        phases.lap("open200, and 5000 in the chat screen and in MarkdownStream")

        crowd = await concurrent(workshop, fake, many, streamed_reply(MANY_TOKENS, seed=5),
                                 1 / MANY_RATE - overhead, MANY_RATE)
        report("concurrent20:", json.dumps(crowd))
        phases.lap("twenty sessions: start-up and concurrent20")
    finally:
        baseline.close()
        await asyncio.wait_for(client.aclose(), 10)
        if workshop is not None:
            await asyncio.wait_for(workshop.close(), 30)
        await fake.close()
        logging.shutdown()
    phases.lap("closing")
    report(log_summary(tmp / "data" / "logs"))
    report("phases (wall s, CPU s of this process):", json.dumps(phases.laps))
    return {
        "5000": {
            "stream_s": ours["stream_s"], "render_s": ours["render_s"], "ratio": ours["ratio"],
            "max_stall_ms": ours["max_stall_ms"], "cpu_s_per_1k_tokens": ours["cpu_s_per_1k_tokens"],
            "markdownstream_ratio": theirs["ratio"], "markdownstream_max_stall_ms": theirs["max_stall_ms"],
            "markdownstream_cpu_s_per_1k_tokens": theirs["cpu_s_per_1k_tokens"],
            "p95_stall_ms": ours["p95_stall_ms"], "markdownstream_p95_stall_ms": theirs["p95_stall_ms"],
        },
        "concurrent20": {"p95_stall_ms": crowd["p95_stall_ms"], "max_stall_ms": crowd["max_stall_ms"],
                         "cpu_s_per_1k_tokens": crowd["cpu_s_per_1k_tokens"]},
        "open200_s": round(statistics.median(opens), 3),
    }


async def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        figures = await bench(Path(tmp))
    report(f"took {time.perf_counter() - started:.0f} s")
    report(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
