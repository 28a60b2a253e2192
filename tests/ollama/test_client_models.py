"""Model management and embeddings against the fake over real HTTP."""

from __future__ import annotations

import asyncio
import math

import httpx
import pytest

from workshop_tui.ollama import (
    BadRequest,
    ModelBusy,
    ModelNotFound,
    OllamaClient,
    PullProgress,
    StreamError,
    Unreachable,
)
from workshop_tui.testing.fake_ollama import FakeOllama


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


async def pull_all(client: OllamaClient, model: str) -> list[PullProgress]:
    async def run() -> list[PullProgress]:
        return [p async for p in client.pull(model)]

    return await asyncio.wait_for(run(), 10)


async def test_version_liveness_and_unreachable(client: OllamaClient, closed_port_url: str) -> None:
    assert await client.version() == "0.33.0"
    assert await client.is_running()
    async with OllamaClient(closed_port_url) as down:
        assert not await down.is_running()
        with pytest.raises(Unreachable) as info:
            await down.tags()
    assert closed_port_url in str(info.value) and "ollama serve" in str(info.value)


async def test_tags_lists_default_models_with_details(client: OllamaClient) -> None:
    entries = {m.name: m for m in await client.tags()}
    assert set(entries) == {
        "llama3.2:1b",
        "qwen3:0.6b",
        "gemma3:1b",
        "all-minilm:latest",
        "nomic-embed-text:latest",
    }
    llama = entries["llama3.2:1b"]
    assert llama.family == "llama" and llama.parameter_size == "1.2B" and len(llama.digest) == 64
    assert llama.host == client.base_url


async def test_show_reports_capabilities_and_embedding_length(client: OllamaClient) -> None:
    nomic = await client.show("nomic-embed-text")
    assert nomic.supports("embedding") and nomic.embedding_length == 768
    gemma = await client.show("gemma3:1b")
    assert not gemma.supports("tools") and gemma.context_length == 32768
    assert (await client.show("qwen3:0.6b")).supports("thinking")
    with pytest.raises(ModelNotFound):
        await client.show("missing")


async def test_pull_progress_then_success(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    progress = await pull_all(client, "qwen2.5:0.5b")
    assert progress[0].status == "pulling manifest"
    assert progress[-1].status == "success"
    layer_lines = [p for p in progress if p.digest]
    assert layer_lines[0].completed == 0 and layer_lines[0].total
    assert all(p.digest and p.digest.startswith("sha256:") for p in layer_lines)
    assert any(p.fraction == 1.0 for p in layer_lines)
    assert "qwen2.5:0.5b" in {m.name for m in await client.tags()}


async def test_pull_unknown_model_is_stream_error(client: OllamaClient) -> None:
    with pytest.raises(StreamError) as info:
        await pull_all(client, "does-not-exist")
    assert "file does not exist" in str(info.value)


async def test_delete_and_copy(client: OllamaClient) -> None:
    await client.copy("gemma3:1b", "my-gemma")
    names = {m.name for m in await client.tags()}
    assert "my-gemma:latest" in names and "gemma3:1b" in names
    await client.delete("my-gemma")
    assert "my-gemma:latest" not in {m.name for m in await client.tags()}
    with pytest.raises(ModelNotFound):
        await client.delete("my-gemma")
    with pytest.raises(ModelNotFound):
        await client.copy("nothing-here", "x")


async def test_embed_is_deterministic_and_normalised(client: OllamaClient) -> None:
    texts = ["the cat sat on the mat", "quarterly revenue grew"]
    first = await client.embed("all-minilm", texts)
    second = await client.embed("all-minilm", list(reversed(texts)))
    assert first == list(reversed(second)), "same text gives the same vector, in input order"
    assert [len(v) for v in first] == [384, 384]
    assert all(math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, rel_tol=1e-6) for v in first)
    assert len((await client.embed("nomic-embed-text", ["x"]))[0]) == 768


async def test_embed_ranks_word_overlap_higher(client: OllamaClient) -> None:
    query, near, far = await client.embed(
        "nomic-embed-text", ["how do cats sleep", "cats sleep most of the day", "tax forms are due in april"]
    )
    assert cosine(query, near) > cosine(query, far) + 0.2


async def test_embed_dimensions_truncates_and_renormalises(client: OllamaClient) -> None:
    (full,) = await client.embed("nomic-embed-text", ["hello world"])
    (short,) = await client.embed("nomic-embed-text", ["hello world"], dimensions=64)
    assert len(short) == 64
    # Ollama sends float32 values, so a vector is unit length to float32 precision, not float64.
    assert math.isclose(sum(x * x for x in short), 1.0, rel_tol=1e-6)
    scale = math.sqrt(sum(x * x for x in full[:64]))
    assert short == pytest.approx([x / scale for x in full[:64]], abs=1e-7)


async def test_embed_batched_records_batch_sizes(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    texts = [f"chunk number {i}" for i in range(70)]
    vectors = await client.embed_batched("all-minilm", texts, batch_size=32)
    assert len(vectors) == 70
    assert fake_ollama.embed_batches == [32, 32, 6]
    assert vectors[40] == (await client.embed("all-minilm", [texts[40]]))[0]
    assert await client.embed("all-minilm", []) == []


async def test_embed_errors(fake_ollama: FakeOllama, client: OllamaClient) -> None:
    with pytest.raises(ModelNotFound) as info:
        await client.embed("missing-embedder", ["x"])
    assert info.value.server_text == 'model "missing-embedder" not found, try pulling it first'
    long_text = " ".join(["word"] * 600)
    with pytest.raises(BadRequest) as bad:
        await client.embed("all-minilm", [long_text], truncate=False)
    assert "exceeds the context length" in str(bad.value)
    fake_ollama.scenario.embed_status = 503
    with pytest.raises(ModelBusy):
        await client.embed("all-minilm", ["x"])


async def test_fake_rejects_bad_embed_input_type(fake_ollama: FakeOllama) -> None:
    async with httpx.AsyncClient(base_url=fake_ollama.url, timeout=5) as http:
        resp = await http.post("/api/embed", json={"model": "all-minilm", "input": [1, 2]})
        missing = await http.post("/api/embed", content=b"")
    assert resp.status_code == 400 and resp.json() == {"error": "invalid input type"}
    assert missing.status_code == 400 and missing.json() == {"error": "missing request body"}
