"""Caps on a workshop file, so a mistaken or hostile file costs little to refuse.

The file is read before anything is checked, so its size is capped first (with ``stat``, before a
byte is read); nesting and the number of values are capped while it is parsed, because YAML aliases
can make a small file expand into a huge one; then each section, list and string has its own cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from workshop_tui.config.loader import ENV_PREFIX
from workshop_tui.config.settings import Settings
from workshop_tui.services.extraction import DEFAULT_LIMITS, ExtractionLimits

MB: Final = 1024 * 1024
SIZE_SETTING: Final = "workshop_file.max_file_mb"
SIZE_VARIABLE: Final = f"{ENV_PREFIX}{SIZE_SETTING.replace('.', '__').upper()}"
SIZE_HINT: Final = f"raise it with {SIZE_VARIABLE} (the setting {SIZE_SETTING}) or split the class into smaller files"
"""How to get past the file size cap, said wherever a file is refused for its size."""

DEFAULT_SECTION_LIMITS: Final[Mapping[str, int]] = MappingProxyType({
    "models": 100,
    "users": 2000,
    "prompts": 500,
    "tools": 200,
    "documents": 500,
    "vector_dbs": 100,
    "rag_systems": 100,
})


@dataclass(frozen=True)
class FileLimits:
    """Every cap the loader applies. The defaults suit a class of a few hundred people."""

    max_file_bytes: int = 2 * MB
    """Largest file read; the server's ``workshop_file.max_file_mb``."""
    max_depth: int = 16
    """Deepest nesting of lists and mappings; the format itself needs 7."""
    max_values: int = 200_000
    """Values after expanding aliases: stops a few lines of anchors from expanding into millions."""
    max_string_chars: int = 1_000_000
    """Longest single string anywhere; fields have tighter caps of their own."""
    max_list_items: int = 500
    """Longest list inside an entry (a user's models, a vector DB's documents, choices...)."""
    max_problems: int = 500
    """Problems listed before the rest are only counted."""
    sections: Mapping[str, int] = field(default_factory=lambda: DEFAULT_SECTION_LIMITS)
    password_min: int = 10
    password_max: int = 256
    documents: ExtractionLimits = DEFAULT_LIMITS

    @classmethod
    def from_settings(cls, settings: Settings) -> FileLimits:
        """The caps that match the server's own: file size, password lengths and document limits."""
        docs = settings.documents
        return cls(
            max_file_bytes=settings.workshop_file.max_file_mb * MB,
            password_min=settings.auth.password_min_length,
            password_max=settings.auth.password_max_length,
            documents=ExtractionLimits(max_bytes=docs.max_file_bytes, max_pages=docs.max_pages,
                                       max_chars=docs.max_chars),
        )


DEFAULT_FILE_LIMITS: Final = FileLimits()
