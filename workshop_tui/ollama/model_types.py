"""What Ollama says about models: pull progress, the model list, a model's details, loaded models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workshop_tui.ollama.types import normalize_model_name
from workshop_tui.ollama.values import int_or_none, str_tuple


def _listed(obj: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    """The fields a model has in both lists, `/api/tags` and `/api/ps`."""
    return {
        "name": normalize_model_name(str(obj.get("name") or obj.get("model") or "")),
        "size": int_or_none(obj.get("size")) or 0,
        "digest": str(obj.get("digest") or ""),
        "family": details.get("family"),
        "parameter_size": details.get("parameter_size"),
        "quantization_level": details.get("quantization_level"),
    }


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
            total=int_or_none(obj.get("total")),
            completed=int_or_none(obj.get("completed")) or 0,
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
            **_listed(obj, details),
            families=str_tuple(details.get("families")),
            modified_at=obj.get("modified_at"),
            capabilities=str_tuple(obj.get("capabilities")),
            context_length=int_or_none(details.get("context_length")),
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
            capabilities=str_tuple(obj.get("capabilities")),
            family=details.get("family"),
            families=str_tuple(details.get("families")),
            parameter_size=details.get("parameter_size"),
            quantization_level=details.get("quantization_level"),
            architecture=arch,
            embedding_length=int_or_none(info.get(f"{arch}.embedding_length")) if arch else None,
            context_length=int_or_none(info.get(f"{arch}.context_length")) if arch else None,
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
        return cls(
            **_listed(obj, obj.get("details") or {}),
            size_vram=int_or_none(obj.get("size_vram")) or 0,
            expires_at=obj.get("expires_at"),
            context_length=int_or_none(obj.get("context_length")),
        )
