"""Plain, immutable values parsed from Ollama's JSON, plus the naming and host-URL rules.

The rest of the app never touches raw Ollama dicts: the wire format has optional fields that come and
go between server versions, so parsing is done once here, tolerantly (absent ⇒ None / 0 / empty).
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

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


def _int(value: Any) -> int | None:
    """Accept ints (and integral floats) only; anything else counts as absent."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


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
            index=_int(fn.get("index")),
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
            total_duration_ns=_int(obj.get("total_duration")),
            load_duration_ns=_int(obj.get("load_duration")),
            prompt_eval_count=_int(obj.get("prompt_eval_count")),
            prompt_eval_duration_ns=_int(obj.get("prompt_eval_duration")),
            eval_count=_int(obj.get("eval_count")),
            eval_duration_ns=_int(obj.get("eval_duration")),
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
class PullProgress:
    """One pull status line. Ollama omits `completed` until it is non-zero, so absent means 0."""

    status: str
    digest: str | None = None
    total: int | None = None
    completed: int = 0

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> PullProgress:
        return cls(
            status=str(obj.get("status", "")),
            digest=obj.get("digest"),
            total=_int(obj.get("total")),
            completed=_int(obj.get("completed")) or 0,
        )

    @property
    def fraction(self) -> float | None:
        """Share of this layer downloaded (0..1), or None for lines without a size."""
        if not self.total:
            return None
        return min(1.0, self.completed / self.total)


@dataclass(frozen=True)
class ModelEntry:
    """A model listed by `/api/tags` on one host (`host` is that host's base URL)."""

    name: str
    size: int = 0
    digest: str = ""
    family: str | None = None
    families: tuple[str, ...] = ()
    parameter_size: str | None = None
    quantization_level: str | None = None
    modified_at: str | None = None
    capabilities: tuple[str, ...] = ()
    context_length: int | None = None
    host: str | None = None

    @classmethod
    def from_json(cls, obj: dict[str, Any], host: str | None = None) -> ModelEntry:
        details = obj.get("details") or {}
        return cls(
            name=normalize_model_name(str(obj.get("name") or obj.get("model") or "")),
            size=_int(obj.get("size")) or 0,
            digest=str(obj.get("digest") or ""),
            family=details.get("family"),
            families=_strs(details.get("families")),
            parameter_size=details.get("parameter_size"),
            quantization_level=details.get("quantization_level"),
            modified_at=obj.get("modified_at"),
            capabilities=_strs(obj.get("capabilities")),
            context_length=_int(details.get("context_length")),
            host=host,
        )


@dataclass(frozen=True)
class ModelDetails:
    """What `/api/show` says about a model: capabilities, sizes and the prompt machinery."""

    name: str
    capabilities: tuple[str, ...] = ()
    family: str | None = None
    families: tuple[str, ...] = ()
    parameter_size: str | None = None
    quantization_level: str | None = None
    architecture: str | None = None
    embedding_length: int | None = None
    context_length: int | None = None
    template: str = ""
    parameters: str = ""
    system: str = ""
    license: str = ""
    modified_at: str | None = None
    model_info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, name: str, obj: dict[str, Any]) -> ModelDetails:
        details = obj.get("details") or {}
        info = obj.get("model_info") or {}
        arch = info.get("general.architecture")
        return cls(
            name=normalize_model_name(name),
            capabilities=_strs(obj.get("capabilities")),
            family=details.get("family"),
            families=_strs(details.get("families")),
            parameter_size=details.get("parameter_size"),
            quantization_level=details.get("quantization_level"),
            architecture=arch,
            embedding_length=_int(info.get(f"{arch}.embedding_length")) if arch else None,
            context_length=_int(info.get(f"{arch}.context_length")) if arch else None,
            template=str(obj.get("template") or ""),
            parameters=str(obj.get("parameters") or ""),
            system=str(obj.get("system") or ""),
            license=str(obj.get("license") or ""),
            modified_at=obj.get("modified_at"),
            model_info=dict(info),
        )

    def supports(self, capability: str) -> bool:
        """True if the model advertises the capability ("tools", "thinking", "embedding"...)."""
        return capability in self.capabilities


@dataclass(frozen=True)
class RunningModel:
    """A model currently loaded in memory, from `/api/ps`."""

    name: str
    size: int = 0
    size_vram: int = 0
    digest: str = ""
    expires_at: str | None = None
    context_length: int | None = None
    family: str | None = None
    parameter_size: str | None = None
    quantization_level: str | None = None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> RunningModel:
        details = obj.get("details") or {}
        return cls(
            name=normalize_model_name(str(obj.get("name") or obj.get("model") or "")),
            size=_int(obj.get("size")) or 0,
            size_vram=_int(obj.get("size_vram")) or 0,
            digest=str(obj.get("digest") or ""),
            expires_at=obj.get("expires_at"),
            context_length=_int(obj.get("context_length")),
            family=details.get("family"),
            parameter_size=details.get("parameter_size"),
            quantization_level=details.get("quantization_level"),
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
            total_duration_ns=_int(obj.get("total_duration")),
            load_duration_ns=_int(obj.get("load_duration")),
            prompt_eval_count=_int(obj.get("prompt_eval_count")),
        )
