"""A soak of the SSH server: 50 attendees connect, chat against the fake Ollama, idle, disconnect and
connect again, over and over, for 2 minutes (`--minutes` for longer).

The server runs in a child process (`ssh_bench.py serve`); its RSS is sampled every few seconds.
Figures: `sessions` opened in all; `rss_warm_mb` at the end of the first quarter of the run (the
warm-up), `rss_end_mb` at the end, and `mb_per_min`, the slope of RSS
after warm-up (goal: flat); `failed`, sessions that could not connect, paint or take a message (or
took over a minute to), not counting rounds the end of the soak cut short; and
`lost_replies`, messages typed minus replies stored (read from the database afterwards; a reply cut
short by a disconnect is stored as interrupted and counts as stored).

Run: `python bench/soak_ssh.py [--minutes N]` (2 minutes by default; under 3 in all). The last line
is one JSON object: {"sessions": …, "rss_warm_mb": …, "rss_end_mb": …, "mb_per_min": …,
"failed": …, "lost_replies": …}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from ssh_bench import Client, ServerProcess, prepare

from workshop_tui.testing.fake_ollama import FakeOllama

ATTENDEES = 50
HISTORY = 10  # messages each attendee's conversation starts with
LOADED = b"(Ctrl+O settings)"  # the chat header, once the conversation is open
ROUND_MIN_S = 15.0  # no new round starts with less time left than this
SLOW_S = 60.0  # a round that takes longer than this (connect, paint, ask, idle) has failed
REPLY_TOKENS = 20  # at 30 tokens a second: under a second of streaming
SAMPLE_S = 5.0


class Soak:
    def __init__(self, server: ServerProcess, deadline: float) -> None:
        self.server = server
        self.deadline = deadline
        self.sessions = 0
        self.failed = 0
        self.typed = 0
        self.unfinished = 0
        self.samples: list[tuple[float, float]] = []

    async def attendee(self, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        while (left := self.deadline - time.monotonic()) > ROUND_MIN_S:
            started = time.monotonic()
            try:
                await asyncio.wait_for(self.round(name), left + ROUND_MIN_S)
            except TimeoutError:
                if time.monotonic() - started < SLOW_S:  # the soak ended under it: neither done nor failed
                    self.unfinished += 1
                else:
                    self.failed += 1
                    print(f"{name}: no reply from the server in {SLOW_S:.0f} s", flush=True)
            except Exception as error:  # every other failure counts the same
                self.failed += 1
                print(f"{name}: {type(error).__name__}: {error}", flush=True)

    async def round(self, name: str) -> None:
        """Connect, wait for the conversation, ask, let the reply stream, idle, disconnect."""
        client = await Client.open(self.server.port, name)
        try:
            await client.until(LOADED, 90)
            self.sessions += 1
            client.send(f"Soak question from {name}\r".encode())
            self.typed += 1
            await asyncio.sleep(random.uniform(6.0, 12.0))
        finally:
            await client.close()

    async def sample(self) -> None:
        while time.monotonic() < self.deadline:
            self.samples.append((time.monotonic(), self.server.rss_mb()))
            await asyncio.sleep(SAMPLE_S)


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    if len(samples) < 3:
        return 0.0
    times = [t for t, _ in samples]
    sizes = [mb for _, mb in samples]
    return statistics.linear_regression(times, sizes).slope * 60


async def replies_stored(data: Path, ollama_url: str) -> int:
    from workshop_tui.config.loader import load_settings
    from workshop_tui.domain.enums import MessageRole
    from workshop_tui.services.access import OPERATOR
    from workshop_tui.services.workshop import Workshop

    settings = load_settings(data_dir=data, ollama_url=ollama_url, env={}, dotenv_path=None)
    workshop = await Workshop.open(settings)
    try:
        total = 0
        for user in await workshop.accounts.list_users(OPERATOR):
            for conversation in await workshop.chat.list(OPERATOR, user.id):
                messages = await workshop.chat.messages(OPERATOR, conversation.id)
                total += sum(1 for m in messages if m.role is MessageRole.ASSISTANT)
        return total - ATTENDEES * (HISTORY // 2)
    finally:
        await workshop.close()


async def main(minutes: float) -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="soak-ssh-") as folder, FakeOllama() as fake:
        fake.scenario.chunk_delay = 1 / 30
        fake.scenario.reply_tokens = REPLY_TOKENS
        data = Path(folder) / "data"
        await prepare(data, fake.url, ATTENDEES, HISTORY)
        print(f"class imported: {ATTENDEES} attendees ({time.monotonic() - started:.0f} s)", flush=True)
        server = await ServerProcess.start(data, fake.url)
        try:
            soak_start = time.monotonic()
            soak = Soak(server, soak_start + minutes * 60)
            names = [f"bench{index:02d}" for index in range(ATTENDEES)]
            await asyncio.gather(soak.sample(), *(soak.attendee(name, index * 0.2) for index, name in enumerate(names)))
        finally:
            await server.stop()
        typed = soak.typed
        print(f"soak over ({time.monotonic() - started:.0f} s)", flush=True)
        stored = await replies_stored(data, fake.url)
    warm_until = soak_start + minutes * 60 / 4
    after_warm = [(t, mb) for t, mb in soak.samples if t >= warm_until]
    rss_warm, rss_end = after_warm[0][1], soak.samples[-1][1]
    slope = slope_mb_per_min(after_warm)
    print(f"{soak.sessions} sessions, {soak.failed} failed, {soak.unfinished} cut short by the end; "
          f"{typed} messages typed, {stored} replies stored; "
          f"RSS {rss_warm:.0f} MB after warm-up, {rss_end:.0f} MB at the end ({slope:+.2f} MB/min); "
          f"total {time.monotonic() - started:.0f} s", flush=True)
    print(json.dumps({"sessions": soak.sessions, "rss_warm_mb": round(rss_warm, 1), "rss_end_mb": round(rss_end, 1),
                      "mb_per_min": round(slope, 2), "failed": soak.failed, "lost_replies": max(0, typed - stored)}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="how long the soak runs (default 2)")
    asyncio.run(main(parser.parse_args().minutes))
