"""The state one export builds up, and the text cleaning every exported string goes through.

Shared by ``export.py`` (users, models, the whole file) and ``export_sections.py`` (the other
sections): the names each section exported by database id, so later sections refer by name, and the
notes that tell the operator where the file differs from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.models import User
from workshop_tui.domain.text import normalize_text
from workshop_tui.ollama.types import model_key, normalize_model_name
from workshop_tui.services.access import CREATE, SHARE, Kind
from workshop_tui.services.workshop_file.fields import clean_name

TITLE_MAX = 200


def line(value: str | None) -> str:
    """A one-line field as the loader stores it: no controls, NFC, whitespace runs collapsed."""
    return clean_name(normalize_text(value or ""))


def text(value: str | None) -> str:
    """A multi-line field: no terminal controls, Unix line endings, newlines and tabs kept."""
    return normalize_text(value or "")


def optional_text(value: str | None) -> str | None:
    """A multi-line field kept exactly (trailing newlines too), or None when it holds only spaces."""
    cleaned = text(value)
    return cleaned if cleaned.strip() else None


def put(entry: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` only when there is something to say, so defaults stay out of the file."""
    if value not in (None, "", [], {}):
        entry[key] = value


@dataclass
class ExportState:
    """What one export has decided so far: exported names by database id, and the notes."""

    session: AsyncSession
    notes: list[str] = field(default_factory=list)
    users: dict[int, User] = field(default_factory=dict)
    """Exported accounts by id."""
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Model entries by model key."""
    model_names: dict[int, str] = field(default_factory=dict)
    """Exported (normalized) catalogue model names by id, for the users' grants."""
    tools: dict[int, str] = field(default_factory=dict)
    prompts: dict[int, str] = field(default_factory=dict)
    prompt_templates: dict[int, str] = field(default_factory=dict)
    prompt_owners: dict[str, tuple[str | None, Visibility]] = field(default_factory=dict)
    """Exported prompt title → (owner as exported, visibility), for the RAG systems' links."""
    documents: dict[int, str] = field(default_factory=dict)
    vector_dbs: dict[int, str] = field(default_factory=dict)

    def note(self, message: str) -> None:
        self.notes.append(message)

    def username(self, user_id: int | None) -> str | None:
        user = self.users.get(user_id) if user_id is not None else None
        return user.username if user is not None else None

    def owner(self, creator_id: int | None, kind: Kind, visibility: Visibility, what: str) -> str | None:
        """The entry's owner as the file names it, or None (the operator) when the file could not."""
        if creator_id is None:
            return None
        user = self.users.get(creator_id)
        if user is None:
            self.note(f"{what} belonged to an account that is not exported; it is exported as the operator's")
            return None
        if user.role not in CREATE.get(kind, frozenset()) or (visibility is not Visibility.PRIVATE
                                                                and user.role not in SHARE):
            self.note(f"{what} is owned by {user.username!r}, a {user.role} who may no longer create or share it; "
                      "it is exported as the operator's")
            return None
        return user.username

    def owned(self, entry: dict[str, Any], creator_id: int | None, kind: Kind, visibility: Visibility,
              what: str) -> None:
        """Add ``owner`` (when there is one) and ``visibility``, always explicit, to an entry."""
        put(entry, "owner", self.owner(creator_id, kind, visibility, what))
        entry["visibility"] = visibility.value

    def need_model(self, name: str, why: str) -> str:
        """A model an entry uses: the catalogue's, or added to the file so the import can pull it."""
        normalized = normalize_model_name(line(name))
        key = model_key(normalized)
        if key not in self.models:
            self.models[key] = {"name": normalized, "pull": True, "enabled": True}
            self.note(f"the model {normalized!r} is used by {why} but is not in the catalogue; it is listed "
                      "under models so the import pulls it")
        return str(self.models[key]["name"])


def unique_titles(items: list[tuple[int, str]], noun: str, state: ExportState, *,
                  max_len: int = TITLE_MAX) -> dict[int, str]:
    """Exported titles by id, in the given order; repeats become ``TITLE (2)``, ``TITLE (3)``…"""
    taken: set[str] = set()
    titles: dict[int, str] = {}
    for item_id, title in items:
        chosen, number = title, 1
        while chosen in taken:
            number += 1
            suffix = f" ({number})"
            chosen = title[: max_len - len(suffix)].rstrip() + suffix
        if chosen != title:
            state.note(f"a second {noun} is titled {title!r}; it is exported as {chosen!r}")
        taken.add(chosen)
        titles[item_id] = chosen
    return titles
