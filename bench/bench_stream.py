"""How much the chat service adds on top of reading Ollama's stream, persistence included.

Streams a 5,000-token reply from the fake Ollama at full speed, through `ChatService.send()` wired
as the app wires it (fair queue, today's quota and usage counters, events, progressive writes to
SQLite, final metrics) and, in the same run, with raw
httpx reading the same stream line by line and decoding each line's JSON (the least any reader of
NDJSON does) with orjson, the decoder the service uses, so the ratio shows only what the service
adds. The fake runs in its own process, as Ollama would.
Runs alternate; the figure is the median of the per-pair ratios, which shrugs off the drift of a
shared machine better than a ratio of medians. Target: ratio = service / raw ≤ 1.10. The last
line printed is one JSON object.
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workshop_tui.config.loader import load_settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.actors import load_actor
from workshop_tui.services.chat import ChatService
from workshop_tui.services.chat_events import ReplyFinished
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.services.quotas import QuotaService
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository

TOKENS = 5000
ROUNDS = 15
MODEL = "llama3.2:1b"


async def raw_read(client: httpx.AsyncClient, url: str) -> float:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "go"}], "stream": True}
    start = time.perf_counter()
    pieces = 0
    async with client.stream("POST", f"{url}/api/chat", json=body) as response:
        async for line in response.aiter_lines():
            if line:
                orjson.loads(line)
                pieces += 1
    elapsed = time.perf_counter() - start
    assert pieces == TOKENS + 1, pieces
    return elapsed


async def service_read(chat: ChatService, actor, conversation_id: int) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    last = None
    async for event in chat.send(actor, conversation_id, "go"):
        last = event
    elapsed = time.perf_counter() - start
    assert isinstance(last, ReplyFinished) and last.completion_tokens == TOKENS, last
    return elapsed


async def main() -> None:
    fake = subprocess.Popen(
        [sys.executable, "-m", "workshop_tui.testing.fake_ollama", "--port", "0", "--reply-tokens", str(TOKENS)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    try:
        assert fake.stdout is not None
        url = fake.stdout.readline().strip()
        await run(url)
    finally:
        fake.terminate()
        fake.wait(timeout=10)


async def run(url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), env={}, dotenv_path=None, ollama_url=url)
        db = Database.from_url(settings.effective_database_url)
        await db.upgrade()
        async with db.transaction() as session:
            user = await UserRepository(session).add(username="bench", display_name="Bench", role=Role.STUDENT,
                                                     status=AccountStatus.ACTIVE, password_hash=None)
            model = await ModelRepository(session).upsert(MODEL, capabilities=["completion"], hosts=[url])
            await UserRepository(session).set_model_ids(user.id, [model.id])
            actor = await load_actor(session, user.id)
        gateway = OllamaGateway.from_settings(settings.ollama)
        ctx = ServiceContext(settings=settings, db=db)
        chat = ChatService(ctx, gateway, QuotaService(ctx))
        raw_times, service_times = [], []
        gc.freeze()  # as `Workshop.open` does once a long-lived process has started
        async with httpx.AsyncClient(timeout=60) as client:
            await raw_read(client, url)  # warm-up both paths
            conversation = await chat.create(actor, MODEL)
            await service_read(chat, actor, conversation.id)
            for _ in range(ROUNDS):
                raw_times.append(await raw_read(client, url))
                conversation = await chat.create(actor, MODEL)  # a fresh conversation: same prompt size
                service_times.append(await service_read(chat, actor, conversation.id))
        await gateway.aclose()
        await db.close()
    raw_s, service_s = statistics.median(raw_times), statistics.median(service_times)
    ratio = statistics.median(s / r for s, r in zip(service_times, raw_times, strict=True))
    print(f"raw httpx      median {raw_s * 1000:8.1f} ms  ({', '.join(f'{t * 1000:.0f}' for t in raw_times)})")
    print(f"chat service   median {service_s * 1000:8.1f} ms  ({', '.join(f'{t * 1000:.0f}' for t in service_times)})")
    print(f"median per-pair ratio {ratio:.3f} (target ≤ 1.10): {'met' if ratio <= 1.10 else 'NOT met'}")
    print(json.dumps({"tokens": TOKENS, "service_s": round(service_s, 4), "raw_s": round(raw_s, 4),
                      "ratio": round(ratio, 3)}))


if __name__ == "__main__":
    asyncio.run(main())
