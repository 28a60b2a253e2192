"""What the Models screen writes in its tables and its detail pane, as plain strings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workshop_tui.domain.models import LoadedModel, ModelInfo
from workshop_tui.ui.formatting import byte_size, count, until

if TYPE_CHECKING:
    from workshop_tui.services.catalog import ModelDetails

MODEL_COLUMNS = ("Model", "Status", "Size", "Params", "Quant", "Capabilities", "Context", "Dim", "Family")
RUNNING_COLUMNS = ("Loaded model", "Memory", "Stays")
LICENSE_CHARS = 3000


def status(model: ModelInfo, usable: bool) -> str:
    if not model.enabled:
        return "disabled"
    if not model.hosts:
        return "not served"
    return "usable" if usable else "not granted"


def model_row(model: ModelInfo, usable: bool, show_host: bool) -> tuple[str, ...]:
    capabilities = ", ".join(c for c in model.capabilities if c != "completion")
    row = (model.name, status(model, usable), byte_size(model.size_bytes), model.parameter_size or "",
           model.quantization or "", capabilities, count(model.context_length), count(model.embedding_dimension),
           model.family or "")
    return (*row, ", ".join(model.hosts)) if show_host else row


def running_row(model: LoadedModel, show_host: bool) -> tuple[str, ...]:
    memory = byte_size(model.vram_bytes or model.size_bytes)
    row = (model.name, memory, until(model.expires_at))
    return (*row, model.host or "") if show_host else row


def catalogue_text(model: ModelInfo) -> str:
    """What the catalogue knows, shown while Ollama's own description is loading or unavailable."""
    lines = [model.name]
    if model.description:
        lines.append(model.description)
    facts = [model.parameter_size, model.quantization, byte_size(model.size_bytes)]
    lines.append(" · ".join(f for f in facts if f) or "no details synced yet")
    if model.synced_at:
        lines.append(f"last synced {model.synced_at:%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines)


def details_text(model: ModelInfo, details: ModelDetails) -> str:
    """Ollama's description of the model: facts, then its parameters, template, system and license."""
    facts = [f"architecture {details.architecture}" if details.architecture else "",
             f"context {count(details.context_length)}" if details.context_length else "",
             f"embedding length {count(details.embedding_length)}" if details.embedding_length else "",
             f"capabilities {', '.join(details.capabilities)}" if details.capabilities else ""]
    sections = [model.name + (f"\n{model.description}" if model.description else ""),
                " · ".join(f for f in facts if f)]
    for title, body in (("Parameters", details.parameters), ("Template", details.template),
                        ("System prompt", details.system), ("License", _cut(details.license))):
        if body.strip():
            sections.append(f"── {title} ──\n{body.strip()}")
    return "\n\n".join(s for s in sections if s)


def _cut(text: str) -> str:
    if len(text) <= LICENSE_CHARS:
        return text
    return f"{text[:LICENSE_CHARS]}\n… ({len(text) - LICENSE_CHARS:,} more characters)"
