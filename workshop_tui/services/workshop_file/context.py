"""State shared by the section checks while one file is validated.

Sections are read one after another, but references between them (a user's tools, a RAG system's
vector DB) can point forwards, so each section only *records* the references it makes; the
cross-checks run once every section has been read. Names are registered even for entries that have
other problems, so a typo in one user's role does not also turn every reference to that user into
a "no such user" error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop_tui.domain.enums import Visibility
from workshop_tui.ollama.types import model_key
from workshop_tui.services.workshop_file.fields import Entry, expect_list
from workshop_tui.services.workshop_file.limits import FileLimits
from workshop_tui.services.workshop_file.plan import CatalogueView
from workshop_tui.services.workshop_file.problems import Problems

OWNER_MAX = 32
VISIBILITIES = tuple(v.value for v in Visibility)


@dataclass(frozen=True)
class Reference:
    """A name used in one place (``path``) that must name an entry of ``kind`` somewhere."""

    kind: str  # "user", "model", "tool", "prompt", "document" or "vector_db"
    name: str
    path: str


@dataclass
class Context:
    """What every section check needs: where problems go, the caps, the catalogue, the file's folder,
    the environment, and the names and references gathered so far."""

    problems: Problems
    limits: FileLimits
    catalogue: CatalogueView
    folder: Path
    environ: Mapping[str, str]
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    """kind → name → path of the entry that declares it (first declaration wins)."""
    references: list[Reference] = field(default_factory=list)
    defaulted_visibility: set[str] = field(default_factory=set)
    """Origins of entries whose visibility was not given: the default depends on the owner's role."""

    def refer(self, kind: str, name: str, path: str) -> None:
        self.references.append(Reference(kind, name, path))

    def declare(self, kind: str, name: str, path: str, *, noun: str) -> bool:
        """Register a name; a second entry with the same name is reported and returns False."""
        key = model_key(name) if kind == "model" else name
        declared = self.names.setdefault(kind, {})
        if key in declared:
            first = self.problems.locate(declared[key])
            self.problems.add(path, f"duplicate {noun} {name!r} (first declared at line {first.line}, "
                                    f"{declared[key].rsplit('.', 1)[0]}); each {noun} may appear once")
            return False
        declared[key] = path
        return True

    def section(self, data: Mapping[str, Any], key: str, what: str) -> list[Any]:
        """A top-level list, or nothing: absent and empty sections are both fine; too long is not."""
        value = data.get(key)
        if value is None:
            return []
        items = expect_list(value, key, self.problems, what)
        if items is None:
            return []
        cap = self.limits.sections.get(key)
        if cap is not None and len(items) > cap:
            self.problems.add(key, f"has {len(items):,} entries; at most {cap:,} are allowed in one file")
            return items[:cap]
        return items

    def owner_and_visibility(self, entry: Entry, origin: str) -> tuple[str | None, Visibility]:
        """``owner`` (a username, or None for the operator) and ``visibility``; a missing visibility
        is provisionally ``class`` and settled by the cross-checks once the owner's role is known."""
        owner = entry.text("owner", max_len=OWNER_MAX)
        if owner is not None:
            owner = owner.lower()
            self.refer("user", owner, entry.at("owner"))
        chosen = entry.choice("visibility", VISIBILITIES, noun="a visibility")
        if chosen is None:  # absent, or wrong and already reported: settle it like a default
            self.defaulted_visibility.add(origin)
        return owner, Visibility(chosen) if chosen else Visibility.CLASS

