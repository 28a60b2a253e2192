"""Plain, immutable values parsed from Ollama's JSON, plus the naming and host-URL rules.

The rest of the app never touches raw Ollama dicts: the wire format has optional fields that come and
go between server versions, so parsing is done once here, tolerantly (absent ⇒ None / 0 / empty).
This module holds what a chat or an embedding returns; `model_types.py` what describes models.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass
from typing import Any

from workshop_tui.ollama.values import int_or_none

DEFAULT_HOST = "http://127.0.0.1:11434"


def normalize_model_name(name: str) -> str:
    """Give a model name its implicit `:latest` tag, as Ollama does, so names compare reliably.

    The tag lives in the last path segment only (`host:port/ns/model` has a port colon, not a tag).
    Pinned names (`model@sha256:...`) are returned unchanged.
    """
    name = name.strip()
    if not name or "@" in name:
        return name
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def model_key(name: str) -> str:
    """Key for matching names: Ollama compares model names without regard to case."""
    return normalize_model_name(name).casefold()


def parse_ollama_host(value: str | None) -> str:
    """Turn an `OLLAMA_HOST`-style value into a base URL.

    No scheme means http on port 11434; `http://h` means port 80 and `https://h` port 443; `:56789`
    means 127.0.0.1:56789; a path suffix is kept (without a trailing slash). Empty means the default.
    """
    value = (value or "").strip()
    port = 11434
    scheme, _, hostport = value.partition("://")
    if not hostport:
        scheme, hostport = "http", value
    elif scheme == "http":
        port = 80
    elif scheme == "https":
        port = 443
    split = urllib.parse.urlsplit(f"{scheme}://{hostport}")
    host = split.hostname or "127.0.0.1"
    port = split.port or port
    try:
        if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address):
            host = f"[{host}]"
    except ValueError:
        pass
    path = split.path.strip("/")
    return f"{scheme}://{host}:{port}/{path}" if path else f"{scheme}://{host}:{port}"


@dataclass(frozen=True)
class ToolCall:
    """One complete tool call from the model; Ollama sends `arguments` as an object, never a string."""

    name: str
    arguments: dict[str, Any]
    id: str | None = None
    index: int | None = None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ToolCall:
        fn = obj.get("function") or {}
        args = fn.get("arguments")
        return cls(
            name=str(fn.get("name", "")),
            arguments=args if isinstance(args, dict) else {},
            id=obj.get("id"),
            index=int_or_none(fn.get("index")),
        )

    def to_json(self) -> dict[str, Any]:
        """The shape to put back into an assistant message's `tool_calls` in the next request."""
        out: dict[str, Any] = {"function": {"name": self.name, "arguments": self.arguments}}
        if self.id:
            out["id"] = self.id
        if self.index is not None:
            out["function"]["index"] = self.index
        return out


@dataclass(frozen=True)
class Metrics:
    """Timings and token counts from a final chunk; any of them may be missing."""

    total_duration_ns: int | None = None
    load_duration_ns: int | None = None
    prompt_eval_count: int | None = None
    prompt_eval_duration_ns: int | None = None
    eval_count: int | None = None
    eval_duration_ns: int | None = None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Metrics:
        return cls(
            total_duration_ns=int_or_none(obj.get("total_duration")),
            load_duration_ns=int_or_none(obj.get("load_duration")),
            prompt_eval_count=int_or_none(obj.get("prompt_eval_count")),
            prompt_eval_duration_ns=int_or_none(obj.get("prompt_eval_duration")),
            eval_count=int_or_none(obj.get("eval_count")),
            eval_duration_ns=int_or_none(obj.get("eval_duration")),
        )

    @property
    def tokens_per_second(self) -> float | None:
        """Generation speed, or None when the server did not report enough to compute it."""
        if not self.eval_count or not self.eval_duration_ns:
            return None
        return self.eval_count / self.eval_duration_ns * 1e9


@dataclass(slots=True)
class ChatChunk:
    """One line of a chat stream. `metrics` is set only on the final (`done`) chunk.

    Treat it as read-only. It is a plain slotted class rather than a frozen one because a long
    reply makes thousands of them, and frozen dataclasses cost several times more to build.
    """

    content: str = ""
    thinking: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    done: bool = False
    done_reason: str | None = None
    metrics: Metrics | None = None
    model: str | None = None
    created_at: str | None = None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> ChatChunk:
        msg = obj.get("message")
        # Nearly every line of a reply is plain content and not done: build those directly, which
        # matters over thousands of tokens.
        if (type(msg) is dict and obj.get("done") is False and "tool_calls" not in msg
                and "thinking" not in msg):
            content = msg.get("content")
            if type(content) is str:
                return cls(content, "", (), False, None, None, obj.get("model"), obj.get("created_at"))
        msg = msg or {}
        content = msg.get("content")
        thinking = msg.get("thinking")
        calls = msg.get("tool_calls")
        done = obj.get("done") is True
        return cls(
            content if type(content) is str else str(content or ""),
            thinking if type(thinking) is str else str(thinking or ""),
            tuple(ToolCall.from_json(c) for c in calls if isinstance(c, dict)) if calls and isinstance(calls, list)
            else (),
            done,
            obj.get("done_reason"),
            Metrics.from_json(obj) if done else None,
            obj.get("model"),
            obj.get("created_at"),
        )


@dataclass(frozen=True)
class EmbedResult:
    """Vectors from `/api/embed` in input order (L2-normalised by Ollama), with its timings."""

    model: str
    embeddings: list[list[float]]
    total_duration_ns: int | None = None
    load_duration_ns: int | None = None
    prompt_eval_count: int | None = None

    @classmethod
    def from_json(cls, model: str, obj: dict[str, Any]) -> EmbedResult:
        vectors = obj.get("embeddings") or []
        return cls(
            model=str(obj.get("model") or model),
            embeddings=[list(map(float, v)) for v in vectors],  # Go writes a float32 zero as 0
            total_duration_ns=int_or_none(obj.get("total_duration")),
            load_duration_ns=int_or_none(obj.get("load_duration")),
            prompt_eval_count=int_or_none(obj.get("prompt_eval_count")),
        )
