"""Drive the fake with the official `ollama` Python client, so the fake cannot drift from the real
wire format: if the official client cannot parse what the fake sends, these tests fail."""

from __future__ import annotations

import asyncio

import ollama
import pytest

from workshop_tui.testing.fake_ollama import FakeOllama


@pytest.fixture
def official(fake_ollama: FakeOllama) -> ollama.AsyncClient:
    return ollama.AsyncClient(host=fake_ollama.url, timeout=10)


async def test_list_show_ps(official: ollama.AsyncClient) -> None:
    listed = await official.list()
    names = {m.model for m in listed.models}
    assert "llama3.2:1b" in names and "all-minilm:latest" in names
    llama = next(m for m in listed.models if m.model == "llama3.2:1b")
    assert llama.details is not None and llama.details.family == "llama" and llama.size
    shown = await official.show("nomic-embed-text")
    assert shown.capabilities == ["embedding"]
    assert shown.modelinfo is not None
    arch = shown.modelinfo["general.architecture"]
    assert shown.modelinfo[f"{arch}.embedding_length"] == 768
    await official.embed(model="all-minilm", input="warm up")
    running = await official.ps()
    assert [m.model for m in running.models] == ["all-minilm:latest"]
    assert running.models[0].expires_at is not None


async def test_chat_streaming_and_final_metrics(official: ollama.AsyncClient) -> None:
    async def run() -> list[ollama.ChatResponse]:
        stream = await official.chat(model="llama3.2:1b", messages=[{"role": "user", "content": "hi"}], stream=True)
        return [part async for part in stream]

    parts = await asyncio.wait_for(run(), 10)
    assert "".join(p.message.content or "" for p in parts).startswith("Local language")
    assert parts[-1].done and parts[-1].done_reason == "stop"
    assert parts[-1].eval_count and parts[-1].eval_duration


async def test_tool_call_and_thinking(fake_ollama: FakeOllama, official: ollama.AsyncClient) -> None:
    fake_ollama.script_turn(tool_calls=[{"name": "get_weather", "arguments": {"city": "Tokyo"}}])

    def get_weather(city: str) -> str:
        """Get the weather for a city.

        Args:
          city: The city name
        """
        return "sunny"

    reply = await official.chat(
        model="llama3.2:1b", messages=[{"role": "user", "content": "weather?"}], tools=[get_weather]
    )
    assert reply.message.tool_calls is not None
    call = reply.message.tool_calls[0]
    assert call.function.name == "get_weather" and call.function.arguments == {"city": "Tokyo"}
    sent_tools = fake_ollama.requests_to("/api/chat")[-1].body["tools"]
    assert sent_tools[0]["function"]["name"] == "get_weather"

    thought = await official.chat(model="qwen3:0.6b", messages=[{"role": "user", "content": "hi"}], think=True)
    assert thought.message.thinking and thought.message.content


async def test_generate_embed_and_pull(official: ollama.AsyncClient) -> None:
    generated = await official.generate(model="gemma3:1b", prompt="hi")
    assert generated.response and generated.done
    embedded = await official.embed(model="all-minilm", input=["one", "two"])
    assert len(embedded.embeddings) == 2 and len(embedded.embeddings[0]) == 384
    statuses = [p.status async for p in await official.pull("qwen2.5:0.5b", stream=True)]
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    assert (await official.pull("mxbai-embed-large")).status == "success"


async def test_errors_reach_the_official_client(fake_ollama: FakeOllama, official: ollama.AsyncClient) -> None:
    with pytest.raises(ollama.ResponseError) as missing:
        await official.chat(model="nope", messages=[{"role": "user", "content": "hi"}])
    assert missing.value.status_code == 404 and missing.value.error == "model 'nope' not found"
    with pytest.raises(ollama.ResponseError) as no_tools:
        await official.chat(
            model="gemma3:1b",
            messages=[{"role": "user", "content": "hi"}],
            tools=[{"type": "function", "function": {"name": "f", "description": "d"}}],
        )
    assert no_tools.value.status_code == 400 and "does not support tools" in no_tools.value.error
    with pytest.raises(ollama.ResponseError) as unknown_pull:
        async for _ in await official.pull("no-such-model", stream=True):
            pass
    assert unknown_pull.value.status_code == -1, "an error line after HTTP 200"
    assert "file does not exist" in unknown_pull.value.error
    fake_ollama.scenario.error_after = 2
    received = 0
    with pytest.raises(ollama.ResponseError) as mid_stream:
        stream = await official.chat(model="llama3.2:1b", messages=[{"role": "user", "content": "hi"}], stream=True)
        async for _ in stream:
            received += 1
    assert received == 2 and mid_stream.value.status_code == -1
