"""What an import reports: per section what was created, updated, left alone or skipped, the
passwords it generated, the models it pulled, and how each embedding job ended.

The organiser reads this after the import (or instead of it, with ``--dry-run``), so every entry is
named the way the file names it. Generated passwords travel as ``SecretStr``: a traceback or a
``repr`` of the result shows stars, and only the command that prints them once reveals them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr

from workshop_tui.domain.enums import JobStatus

SECTIONS = ("models", "users", "prompts", "documents", "vector_dbs", "tools", "rag_systems", "embedding_jobs")
"""Sections in the order the import applies them (owners before what they own, targets before links);
``conversations`` follows when a file has any (``export --include-chats`` writes them)."""


class Outcome(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    SKIP = "skip"  # not applied now: needs Ollama under --skip-vectors, or kept on purpose (see reason)


class Progress(Protocol):
    """Where an import reports its steps; the CLI draws a bar on a terminal or prints plain lines."""

    def step(self, text: str) -> None:
        """A step starts (or a one-off fact worth a line)."""

    def advance(self, label: str, done: int, total: int) -> None:
        """A long step moved on: ``done`` of ``total`` units, ``label`` saying what is being worked on."""


class NoProgress:
    """Reports nothing: for tests and callers that only want the result."""

    def step(self, text: str) -> None:
        return None

    def advance(self, label: str, done: int, total: int) -> None:
        return None


@dataclass(frozen=True)
class Entry:
    """One entry of a section as the result shows it: its name, and the fields an update changes."""

    name: str
    changed: tuple[str, ...] = ()
    reason: str | None = None

    def __str__(self) -> str:
        extra = ", ".join(self.changed) if self.changed else (self.reason or "")
        return f"{self.name} ({extra})" if extra else self.name


@dataclass
class SectionReport:
    created: list[Entry] = field(default_factory=list)
    updated: list[Entry] = field(default_factory=list)
    unchanged: list[Entry] = field(default_factory=list)
    skipped: list[Entry] = field(default_factory=list)

    def add(self, outcome: Outcome, entry: Entry) -> None:
        {Outcome.CREATE: self.created, Outcome.UPDATE: self.updated, Outcome.UNCHANGED: self.unchanged,
         Outcome.SKIP: self.skipped}[outcome].append(entry)

    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "skipped": len(self.skipped)}

    def __bool__(self) -> bool:
        return bool(self.created or self.updated or self.unchanged or self.skipped)


@dataclass(frozen=True)
class JobOutcome:
    """How one embedding job of this import ended (``RUNNING`` or ``QUEUED`` when the wait ran out)."""

    vector_db: str
    document: str
    status: JobStatus
    error: str | None = None


@dataclass
class ImportResult:
    source: Path
    dry_run: bool = False
    sections: dict[str, SectionReport] = field(default_factory=lambda: {s: SectionReport() for s in SECTIONS})
    passwords: dict[str, SecretStr] = field(default_factory=dict)
    """Generated passwords of the accounts this import created, by username (shown once)."""
    pulled: list[str] = field(default_factory=list)
    jobs: list[JobOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped_vectors: str | None = None
    """Why vector work was left for a later import (``--skip-vectors``), and how to finish it."""
    vector_failure: str | None = None
    """What failed after the database was committed, what was left resumable, and what to do."""
    blocked: str | None = None
    """Dry runs only: why the real import would stop before writing (Ollama needed but down)."""

    @property
    def ok(self) -> bool:
        return self.vector_failure is None and self.blocked is None

    @property
    def changed(self) -> bool:
        return any(r.created or r.updated for r in self.sections.values())

    def counts(self) -> dict[str, dict[str, int]]:
        """Per section: created, updated, unchanged, skipped (for summaries, JSON and tests)."""
        return {name: report.counts() for name, report in self.sections.items()}
