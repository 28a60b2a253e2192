"""The fake's own wire behaviour: what our client and the UI tests rely on it to reproduce."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx

from workshop_tui.testing.fake_ollama import FakeOllama


async def test_streams_are_chunked_ndjson_with_real_gaps(fake_ollama: FakeOllama) -> None:
    fake_ollama.scenario.first_byte_delay = 0.3
    fake_ollama.scenario.chunk_delay = 0.1
    fake_ollama.reply_tokens = 3
    body = {"model": "llama3.2:1b", "messages": [{"role": "user", "content": "hi"}]}
    start = time.monotonic()
    arrivals: list[float] = []
    async with httpx.AsyncClient(base_url=fake_ollama.url, timeout=5) as http:
        async with http.stream("POST", "/api/chat", json=body) as resp:
            assert resp.headers["content-type"] == "application/x-ndjson"
            assert resp.headers["transfer-encoding"] == "chunked"
            headers_at = time.monotonic() - start
            lines = []
            async for line in resp.aiter_lines():
                arrivals.append(time.monotonic() - start)
                lines.append(json.loads(line))
    assert headers_at >= 0.29, "headers come only with the first chunk"
    assert len(lines) == 4 and lines[-1]["done"] is True
    assert arrivals[-1] - arrivals[0] >= 0.29, "chunks arrive one by one, not buffered"


async def test_pull_omits_completed_until_non_zero(fake_ollama: FakeOllama) -> None:
    async with httpx.AsyncClient(base_url=fake_ollama.url, timeout=5) as http:
        resp = await http.post("/api/pull", json={"model": "mxbai-embed-large"})
    lines = [json.loads(line) for line in resp.text.splitlines()]
    first_layer = next(line for line in lines if "digest" in line)
    assert "completed" not in first_layer and first_layer["total"] > 0
    assert lines[-1] == {"status": "success"}
    assert fake_ollama.registry.get("mxbai-embed-large") is not None


async def test_liveness_generate_and_unknown_route(fake_ollama: FakeOllama) -> None:
    fake_ollama.script_turn(content="Hello there")
    async with httpx.AsyncClient(base_url=fake_ollama.url, timeout=5) as http:
        root = await http.get("/")
        head = await http.head("/")
        gen = await http.post("/api/generate", json={"model": "gemma3:1b", "prompt": "hi", "stream": False})
        nowhere = await http.get("/api/nowhere")
        embed_chat = await http.post("/api/chat", json={"model": "all-minilm", "messages": [{"role": "user"}]})
    assert root.text == "Ollama is running" and head.status_code == 200
    assert gen.json()["response"] == "Hello there" and gen.json()["done"] is True
    assert nowhere.status_code == 404
    assert embed_chat.status_code == 400 and embed_chat.json()["error"] == '"all-minilm" does not support chat'
    assert [r.path for r in fake_ollama.requests] == ["/", "/", "/api/generate", "/api/nowhere", "/api/chat"]


async def test_runs_as_a_subprocess() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workshop_tui.testing.fake_ollama", "--port", "0", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode().strip()
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            assert (await http.get("/api/version")).json() == {"version": "0.33.0"}
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
