"""How a model name someone gives becomes the name the workshop authorizes and stores.

Ollama reads a name loosely: without regard to case, with ``:latest`` implied, with or without its
default registry and namespace (``registry.ollama.ai/library/``). The catalogue must read it the same
way, or a disabled model could be reached by spelling it differently (``Llama3.2:1B``). So a name is
checked (one tag at most, no pinned digest: the catalogue, not the caller, decides which version the
workshop serves), normalised, looked up without regard to case, and then used as the catalogue
spells it. A name the catalogue does not list keeps its normalised spelling.
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import ModelInfo
from workshop_tui.domain.text_fields import has_terminal_controls
from workshop_tui.ollama.types import normalize_model_name
from workshop_tui.storage.repositories.models import ModelRepository

MODEL_NAME_MAX = 200
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+-]*")
_DEFAULT_PREFIXES = ("registry.ollama.ai/library/", "library/")  # what Ollama adds to a bare name


def check_model_name(name: str | None, field: str = "model") -> str:
    """The normalised form of a model name (``name:tag``), or Invalid saying what is wrong."""
    text = str(name or "").strip()
    if not text:
        raise Invalid("choose a model", field=field)
    shown = repr(text[:60]) if not has_terminal_controls(text) else "this name"
    if "@" in text:
        raise Invalid(f"{shown} pins a digest; name the model as the catalogue lists it, such as llama3.2:1b",
                      field=field)
    last = text.rsplit("/", 1)[-1]
    if len(text) > MODEL_NAME_MAX or not _NAME.fullmatch(text) or last.count(":") > 1 or last.endswith(":"):
        raise Invalid(f"{shown} is not a model name like llama3.2:1b", field=field)
    for prefix in _DEFAULT_PREFIXES:
        if text.casefold().startswith(prefix):
            text = text[len(prefix):]
            break
    return normalize_model_name(text)


async def find_model(session: AsyncSession, name: str | None, field: str = "model") -> tuple[str, ModelInfo | None]:
    """The name to use for `name` (the catalogue's spelling when it lists the model) and its
    catalogue entry, or None when the catalogue does not list it."""
    wanted = check_model_name(name, field)
    model = await ModelRepository(session).get_by_name(wanted)
    return (model.name if model is not None else wanted), model
