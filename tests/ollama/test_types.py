"""Parsing rules the rest of the app relies on: host URLs, model names, tolerant chunk parsing."""

from __future__ import annotations

import pytest

from workshop_tui.ollama import (
    ChatChunk,
    ModelDetails,
    ModelEntry,
    PullProgress,
    model_key,
    normalize_model_name,
    parse_ollama_host,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "http://127.0.0.1:11434"),
        ("", "http://127.0.0.1:11434"),
        ("1.2.3.4", "http://1.2.3.4:11434"),
        (":56789", "http://127.0.0.1:56789"),
        ("example.com:56789", "http://example.com:56789"),
        ("http://example.com", "http://example.com:80"),
        ("https://example.com", "https://example.com:443"),
        ("https://example.com:56789/path/", "https://example.com:56789/path"),
        ("example.com/ollama", "http://example.com:11434/ollama"),
        ("[::1]:56789", "http://[::1]:56789"),
        ("http://127.0.0.1:11434", "http://127.0.0.1:11434"),
    ],
)
def test_parse_ollama_host(value: str | None, expected: str) -> None:
    assert parse_ollama_host(value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("llama3.2", "llama3.2:latest"),
        ("llama3.2:1b", "llama3.2:1b"),
        ("myhost:5000/ns/model", "myhost:5000/ns/model:latest"),
        ("ns/model:q4", "ns/model:q4"),
    ],
)
def test_normalize_model_name(name: str, expected: str) -> None:
    assert normalize_model_name(name) == expected


def test_model_key_ignores_case_and_latest() -> None:
    assert model_key("All-MiniLM") == model_key("all-minilm:latest")


def test_chat_chunk_tolerates_missing_metrics() -> None:
    chunk = ChatChunk.from_json({"message": {"role": "assistant", "content": ""}, "done": True})
    assert chunk.done and chunk.metrics is not None
    assert chunk.metrics.eval_count is None
    assert chunk.metrics.tokens_per_second is None


def test_tokens_per_second_from_nanoseconds() -> None:
    chunk = ChatChunk.from_json(
        {"message": {"content": ""}, "done": True, "eval_count": 50, "eval_duration": 2_000_000_000}
    )
    assert chunk.metrics is not None
    assert chunk.metrics.tokens_per_second == pytest.approx(25.0)


def test_tool_call_arguments_are_an_object() -> None:
    chunk = ChatChunk.from_json(
        {
            "message": {
                "content": "",
                "tool_calls": [{"id": "call_1", "function": {"index": 0, "name": "f", "arguments": {"a": 1}}}],
            },
            "done": False,
        }
    )
    (call,) = chunk.tool_calls
    assert (call.name, call.arguments, call.id) == ("f", {"a": 1}, "call_1")
    assert call.to_json() == {"id": "call_1", "function": {"name": "f", "arguments": {"a": 1}, "index": 0}}


def test_pull_progress_completed_absent_means_zero() -> None:
    p = PullProgress.from_json({"status": "pulling abc", "digest": "sha256:x", "total": 10})
    assert p.completed == 0 and p.fraction == 0.0


def test_model_details_embedding_length_follows_architecture() -> None:
    details = ModelDetails.from_json(
        "nomic-embed-text",
        {"model_info": {"general.architecture": "nomic-bert", "nomic-bert.embedding_length": 768}},
    )
    assert details.embedding_length == 768
    assert details.name == "nomic-embed-text:latest"


def test_model_entry_normalises_name() -> None:
    entry = ModelEntry.from_json({"name": "all-minilm", "size": 5, "details": {"family": "bert"}}, "http://h:1")
    assert (entry.name, entry.family, entry.host) == ("all-minilm:latest", "bert", "http://h:1")


def test_chunks_keep_content_thinking_and_tool_calls_whatever_keys_come_with_them() -> None:
    plain = ChatChunk.from_json({"model": "m", "created_at": "t", "message": {"role": "assistant", "content": "Hi"},
                                 "done": False})
    assert (plain.content, plain.thinking, plain.tool_calls, plain.done, plain.model) == ("Hi", "", (), False, "m")
    thinking = ChatChunk.from_json({"message": {"content": "", "thinking": "hmm"}, "done": False})
    assert (thinking.content, thinking.thinking) == ("", "hmm")
    no_role = ChatChunk.from_json({"message": {"content": "x"}, "done": False})
    assert no_role.content == "x"
    final = ChatChunk.from_json({"message": {"role": "assistant", "content": ""}, "done": True, "eval_count": 3})
    assert final.done and final.metrics is not None and final.metrics.eval_count == 3
