"""Serving the app over SSH: first paint, memory per session, keystroke echo under load, idle CPU,
beside a bare Textual app served the same way.

The server runs in a child process (`ssh_bench.py serve`), on a class of bench accounts that each
have a 50-message conversation, which the chat screen opens on sign-in; the fake Ollama and the
clients run here. Figures, all from the server process:

- `first_paint_ms`: median, over sessions opened one after another, from opening the channel until
  the chat screen's composer has arrived (sign-in, places and the 50 messages drawn);
- `mb_per_session`: growth of the server's RSS per extra session on that screen (target ≤ 8 MB);
- `echo_p50_ms`, `echo_p95_ms`: with 20 sessions streaming replies at 30 tokens/s each, from a key
  sent by a 21st session until its screen answers (target p95 ≤ 150 ms);
- `idle_cpu_pct_per_session`: the server's CPU over a quiet spell with sessions open, less its CPU
  with none, per session, in % of one core;
- `baseline_mb_per_session`: the same memory figure for a bare Textual app (a label, an input and a
  footer) served through the same sessions, driver and channel.

Run: `python bench/bench_ssh.py` (no arguments, under 3 minutes). The last line is one JSON object:
{"first_paint_ms": …, "mb_per_session": …, "echo_p50_ms": …, "echo_p95_ms": …,
 "idle_cpu_pct_per_session": …, "baseline_mb_per_session": …}.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from ssh_bench import Client, ServerProcess, prepare

from workshop_tui.testing.fake_ollama import FakeOllama

USERS = 21
MESSAGES = 50
PAINTS = 5
MEMORY_SESSIONS = 10
STREAMING = 20
KEYS = 40
IDLE_S = 10.0
COMPOSER = b"rite a message: Enter sends"  # the cursor sits on the "W"


def name(index: int) -> str:
    return f"bench{index:02d}"


async def first_paints(server: ServerProcess) -> list[float]:
    times = []
    for index in range(PAINTS + 1):
        client = await Client.open(server.port, name(index))
        times.append(await client.until(COMPOSER) - client.channel_opened)
        await client.close()
    return [t * 1000 for t in times[1:]]  # the first warms the process up


async def memory_per_session(server: ServerProcess, marker: bytes) -> tuple[float, list[Client]]:
    warm = await Client.open(server.port, name(0))
    await warm.until(marker)
    await asyncio.sleep(1.0)
    before = server.rss_mb()
    clients = [warm]
    for index in range(1, MEMORY_SESSIONS + 1):
        client = await Client.open(server.port, name(index))
        await client.until(marker)
        clients.append(client)
    await asyncio.sleep(2.0)
    return (server.rss_mb() - before) / MEMORY_SESSIONS, clients


async def idle_cpu(server: ServerProcess, sessions: int, quiet_before: float) -> float:
    await asyncio.sleep(2.0)
    start = server.cpu_s()
    await asyncio.sleep(IDLE_S)
    busy = (server.cpu_s() - start) / IDLE_S * 100
    return max(0.0, busy - quiet_before) / sessions


async def echo_under_load(server: ServerProcess, fake: FakeOllama) -> list[float]:
    fake.scenario.chunk_delay = 1 / 30
    fake.scenario.reply_tokens = 900  # 30 s at 30 tokens/s: streaming for the whole measurement
    streaming = await asyncio.gather(*(Client.open(server.port, name(index)) for index in range(STREAMING)))
    await asyncio.gather(*(client.until(COMPOSER) for client in streaming))
    typist = await Client.open(server.port, name(STREAMING))
    await typist.until(COMPOSER)
    for client in streaming:
        client.send(b"Tell me about retrieval\r")
    await asyncio.sleep(3.0)  # every reply under way
    samples = []
    cpu, received, start = server.cpu_s(), sum(len(c.output) for c in streaming), time.monotonic()
    for index in range(KEYS):
        samples.append(await typist.echo(b"abcdefghij"[index % 10:index % 10 + 1]) * 1000)
        await asyncio.sleep(0.1)
    spell = time.monotonic() - start
    sent = (sum(len(c.output) for c in streaming) - received) / spell / 1024
    print(f"meanwhile the server used {(server.cpu_s() - cpu) / spell * 100:.0f} % of a core and sent the "
          f"{STREAMING} streaming sessions {sent:.0f} KiB/s", flush=True)
    await asyncio.gather(*(client.close() for client in [*streaming, typist]))
    return samples


async def main() -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-ssh-") as folder, FakeOllama() as fake:
        data = Path(folder) / "data"
        await prepare(data, fake.url, USERS, MESSAGES)
        print(f"class imported: {USERS} accounts, {MESSAGES} messages each ({time.monotonic() - started:.0f} s)",
              flush=True)

        bare = await ServerProcess.start(data, fake.url, bare=True)
        try:
            baseline_mb, clients = await memory_per_session(bare, COMPOSER)
            for client in clients:
                await client.close()
        finally:
            await bare.stop()
        print(f"bare Textual app: {baseline_mb:.2f} MB per session", flush=True)

        server = await ServerProcess.start(data, fake.url)
        try:
            await asyncio.sleep(2.0)
            quiet = server.cpu_s()
            await asyncio.sleep(IDLE_S / 2)
            quiet_pct = (server.cpu_s() - quiet) / (IDLE_S / 2) * 100
            paints = await first_paints(server)
            print(f"first paint: median {statistics.median(paints):.0f} ms of {[round(p) for p in paints]}",
                  flush=True)
            mb, clients = await memory_per_session(server, COMPOSER)
            print(f"workshop app on a 50-message chat: {mb:.2f} MB per session", flush=True)
            idle = await idle_cpu(server, len(clients), quiet_pct)
            print(f"idle: {idle:.3f} % of a core per session ({len(clients)} sessions)", flush=True)
            for client in clients:
                await client.close()
            echoes = await echo_under_load(server, fake)
            p50, p95 = statistics.median(echoes), statistics.quantiles(echoes, n=20)[18]
            print(f"echo with {STREAMING} sessions streaming: p50 {p50:.0f} ms, p95 {p95:.0f} ms", flush=True)
        finally:
            await server.stop()
    print(f"total {time.monotonic() - started:.0f} s", flush=True)
    print(json.dumps({"first_paint_ms": round(statistics.median(paints), 1), "mb_per_session": round(mb, 2),
                      "echo_p50_ms": round(p50, 1), "echo_p95_ms": round(p95, 1),
                      "idle_cpu_pct_per_session": round(idle, 3), "baseline_mb_per_session": round(baseline_mb, 2)}))


if __name__ == "__main__":
    asyncio.run(main())
