"""Chat streaming against the fake over real HTTP: content, metrics, errors, timeouts, cancellation."""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing

import pytest

from workshop_tui.ollama import (
    BadRequest,
    ChatChunk,
    ModelBusy,
    ModelNotFound,
    OllamaClient,
    OllamaTimeouts,
    StreamError,
    Timeout,
)
from workshop_tui.testing.fake_ollama import FakeOllama

HI = [{"role": "user", "content": "hi"}]


async def collect(client: OllamaClient, model: str = "llama3.2:1b", **kwargs: object) -> list[ChatChunk]:
    async def run() -> list[ChatChunk]:
        return [c async for c in client.chat(model, HI, **kwargs)]  # type: ignore[arg-type]

    return await asyncio.wait_for(run(), 20)


async def wait_disconnect(fake: FakeOllama) -> None:
    record = await asyncio.to_thread(fake.wait_for_disconnect, 5.0)
    assert record is not None, "the fake never saw the client hang up"
    assert record.path == "/api/chat"


async def test_stream_delivers_tokens_and_final_metrics(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.reply_tokens = 7
    chunks = await collect(client)
    assert [c.done for c in chunks] == [False] * 7 + [True]
    text = "".join(c.content for c in chunks)
    assert text.startswith("Local language models") and len(text.split()) == 7
    final = chunks[-1]
    assert final.done_reason == "stop" and final.metrics is not None
    assert final.metrics.eval_count == 7
    assert final.metrics.tokens_per_second is not None and final.metrics.tokens_per_second > 0
    assert all(c.metrics is None for c in chunks[:-1])


async def test_request_carries_options_keep_alive_format(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    await collect(client, options={"temperature": 0, "seed": 1}, keep_alive="10m", format="json")
    (record,) = fake_ollama.requests_to("/api/chat")
    assert record.body["options"] == {"temperature": 0, "seed": 1}
    assert record.body["keep_alive"] == "10m" and record.body["format"] == "json"
    assert record.body["stream"] is True and "tools" not in record.body and "think" not in record.body


async def test_mid_stream_error_after_earlier_chunks(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.scenario.error_after = 3
    seen: list[str] = []
    with pytest.raises(StreamError) as info:
        async for chunk in client.chat("llama3.2:1b", HI):
            seen.append(chunk.content)
    assert len(seen) == 3
    assert info.value.chunks_received == 3
    assert info.value.partial == "".join(seen)
    assert "unexpected EOF" in str(info.value)


async def test_tool_call_turn(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.script_turn(tool_calls=[{"name": "get_weather", "arguments": {"city": "Tokyo"}}])
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    chunks = await collect(client, tools=tools)
    calls = [call for c in chunks for call in c.tool_calls]
    assert len(calls) == 1
    assert calls[0].name == "get_weather" and calls[0].arguments == {"city": "Tokyo"}
    assert calls[0].id and calls[0].id.startswith("call_")
    assert fake_ollama.requests_to("/api/chat")[0].body["tools"] == tools
    assert chunks[-1].done


async def test_thinking_turn(client: OllamaClient) -> None:
    chunks = await collect(client, "qwen3:0.6b", think=True)
    thinking = "".join(c.thinking for c in chunks)
    content = "".join(c.content for c in chunks)
    assert thinking and content
    first_content = next(i for i, c in enumerate(chunks) if c.content)
    assert all(not c.thinking for c in chunks[first_content:])


async def test_num_predict_gives_done_reason_length(client: OllamaClient) -> None:
    chunks = await collect(client, options={"num_predict": 4})
    assert sum(1 for c in chunks if c.content) == 4
    assert chunks[-1].done_reason == "length"


async def test_unknown_model_is_model_not_found(client: OllamaClient) -> None:
    with pytest.raises(ModelNotFound) as info:
        await collect(client, "no-such-model")
    assert "no-such-model" in str(info.value) and "ollama pull" in str(info.value)


async def test_busy_server_is_model_busy(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.script_turn(status=503)
    with pytest.raises(ModelBusy) as info:
        await collect(client)
    assert "busy" in str(info.value) and info.value.status_code == 503
    assert len(await collect(client)) > 1, "the scripted 503 applies to one request only"


async def test_tools_on_model_without_tools_is_bad_request(client: OllamaClient) -> None:
    tools = [{"type": "function", "function": {"name": "f"}}]
    with pytest.raises(BadRequest) as info:
        await collect(client, "gemma3:1b", tools=tools)
    assert info.value.error_text == "gemma3:1b does not support tools"


async def test_cold_start_first_byte_delay_does_not_time_out(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.scenario.first_byte_delay = 6.0
    fake_ollama.reply_tokens = 3
    start = time.monotonic()
    chunks = await collect(client)
    assert time.monotonic() - start >= 5.9
    assert "".join(c.content for c in chunks) and chunks[-1].done


async def test_read_gap_timeout(fake_ollama: FakeOllama) -> None:
    fake_ollama.scenario.first_byte_delay = 3.0
    client = OllamaClient(fake_ollama.url, timeouts=OllamaTimeouts(read_gap=0.3))
    try:
        with pytest.raises(Timeout) as info:
            await collect(client)
        assert info.value.kind == "read"
        await wait_disconnect(fake_ollama)
    finally:
        await client.aclose()


async def test_overall_deadline(fake_ollama: FakeOllama) -> None:
    fake_ollama.scenario.chunk_delay = 0.1
    fake_ollama.reply_tokens = 100
    client = OllamaClient(fake_ollama.url, timeouts=OllamaTimeouts(deadline=0.5))
    got: list[ChatChunk] = []
    try:
        with pytest.raises(Timeout) as info:
            async for chunk in client.chat("llama3.2:1b", HI):
                got.append(chunk)
        assert info.value.kind == "deadline"
        assert 0 < len(got) < 100
        await wait_disconnect(fake_ollama)
    finally:
        await client.aclose()


async def test_stopping_early_with_aclosing_disconnects(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.scenario.chunk_delay = 0.05
    fake_ollama.reply_tokens = 500
    received = 0
    async with aclosing(client.chat("llama3.2:1b", HI)) as stream:
        async for _chunk in stream:
            received += 1
            if received == 3:
                break
    await wait_disconnect(fake_ollama)
    assert fake_ollama.disconnects[0].chunks_sent < 50


async def test_plain_break_disconnects(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.scenario.chunk_delay = 0.05
    fake_ollama.reply_tokens = 500
    async for chunk in client.chat("llama3.2:1b", HI):
        assert chunk.content
        break
    await wait_disconnect(fake_ollama)


async def test_cancelled_task_disconnects(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.scenario.chunk_delay = 0.05
    fake_ollama.reply_tokens = 500
    started = asyncio.Event()

    async def consume() -> None:
        async for _chunk in client.chat("llama3.2:1b", HI):
            started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_disconnect(fake_ollama)


async def test_cancel_during_cold_start_disconnects(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    fake_ollama.scenario.first_byte_delay = 10.0
    task = asyncio.create_task(collect(client))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_disconnect(fake_ollama)
    assert fake_ollama.disconnects[0].chunks_sent == 0


async def test_unload_sends_empty_messages_and_keep_alive_zero(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    await collect(client)
    assert [m.name for m in await client.ps()] == ["llama3.2:1b"]
    await client.unload("llama3.2:1b")
    body = fake_ollama.requests_to("/api/chat")[-1].body
    assert body["messages"] == [] and body["keep_alive"] == 0
    assert await client.ps() == []


async def test_api_key_is_sent_as_bearer(fake_ollama: FakeOllama) -> None:
    async with OllamaClient(fake_ollama.url, api_key="sekret") as client:
        await client.version()
    assert fake_ollama.requests[-1].headers.get("Authorization") == "Bearer sekret"
