"""Knobs and records of the fake Ollama: how it should behave, and what it saw.

`Scenario` holds defaults that apply to every request until changed; a `Turn` scripted with
`FakeOllama.script_turn(...)` overrides them for exactly one chat/generate request (FIFO).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

DEFAULT_VOCABULARY = (
    "Local language models let a workshop explore prompts, tools and embeddings without sending data "
    "anywhere. Each answer here is produced token by token so streaming can be observed."
).split()

BUSY_MESSAGE = "server busy, please try again.  maximum pending requests exceeded"
RUNNER_FAILED = "llama runner process has terminated: exit status 2"
MANIFEST_MISSING = "pull model manifest: file does not exist"


@dataclass
class Scenario:
    """Defaults for every request. Change any field from a test: `fake.scenario.chunk_delay = 0.05`."""

    first_byte_delay: float = 0.0  # seconds before headers and first chunk (a cold model load)
    chunk_delay: float = 0.0  # seconds between stream chunks
    reply_text: str | None = None  # the assistant's reply; None means `reply_tokens` default tokens
    reply_tokens: int = 12  # length of the default, deterministic reply
    thinking_text: str = "The attendee asked something. I should answer briefly and clearly."
    chat_status: int | None = None  # answer chat/generate with this HTTP status before any stream
    error_after: int | None = None  # send an `{"error"}` line after this many chunks
    error_message: str = "an error was encountered while running the model: unexpected EOF"
    include_metrics: bool = True  # put timing/count metrics on the final chunk
    embed_status: int | None = None  # answer embed with this HTTP status (e.g. 503)
    embed_delay: float = 0.0  # seconds per embed request
    pull_chunk_delay: float = 0.0  # seconds between pull progress lines
    pull_steps: int = 3  # progress lines with `completed` per layer
    version: str = "0.33.0"


@dataclass
class Turn:
    """One scripted chat/generate answer; unset fields fall back to the Scenario."""

    content: str | None = None
    thinking: str | None = None
    tool_calls: list[dict[str, Any]] | None = None  # [{"name": "get_weather", "arguments": {...}}]
    status: int | None = None
    error_after: int | None = None
    error_message: str | None = None
    first_byte_delay: float | None = None
    chunk_delay: float | None = None


@dataclass(frozen=True)
class RequestRecord:
    """One request as received: for asserting options, keep_alive, tools, batching, auth."""

    method: str
    path: str
    body: Any
    time: float
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DisconnectRecord:
    """A client that went away before its stream ended (the app stopped reading)."""

    path: str
    model: str | None
    chunks_sent: int
    time: float


def tokens_of(text: str) -> list[str]:
    """Split text into stream pieces that join back to the same text (leading spaces kept)."""
    return re.findall(r"\s*\S+", text) or ([text] if text else [])


def default_reply(count: int) -> list[str]:
    """`count` deterministic tokens cycling through a fixed vocabulary."""
    vocab = DEFAULT_VOCABULARY
    return [(vocab[i % len(vocab)] if i == 0 else " " + vocab[i % len(vocab)]) for i in range(max(0, count))]


def status_message(status: int, model: str, *, embed: bool = False) -> str:
    """The text Ollama puts in `{"error": ...}` for a status we are asked to simulate."""
    if status == 404:
        return f'model "{model}" not found, try pulling it first' if embed else f"model '{model}' not found"
    return {
        503: BUSY_MESSAGE,
        500: RUNNER_FAILED,
        499: "request canceled",
        400: "invalid request",
    }.get(status, "error")
