"""The difference between a workshop file and the database: what an import creates, updates, leaves
alone or skips, entry by entry.

Values are compared in the file's terms (usernames, titles, vector DB names), never ids, because
an entry's links may point at things the same import creates. The writer turns names into ids
inside the transaction. Comparing is pure: the expensive, outside-world facts (extracted document
texts, password hashes, embedding dimensions, what Ollama serves) are gathered first into
:class:`Prepared`, so ``--dry-run`` and a real import compute the very same changes.

"Not in the file" never means "delete": an import creates and updates, and leaves everything the
file does not mention as it is. Inside an entry the file is the whole truth for what it states (a
user's ``models`` list replaces their grants), and leaves alone what it does not state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import SecretStr

from workshop_tui.services.workshop_file.plan import WorkshopPlan
from workshop_tui.services.workshop_file.result import SECTIONS, Entry, ImportResult, Outcome, SectionReport
from workshop_tui.services.workshop_file.state import DbState

AUDIT_TEXT_MAX = 300
SHOWN_FIELDS = {"checksum": "text", "quota_messages_per_day": "quota", "quota_tokens_per_day": "quota",
                "quota_concurrent_generations": "quota"}


@dataclass(frozen=True)
class DocumentText:
    """A document's text as it will be stored, and the facts kept beside it."""

    text: str
    checksum: str
    content_type: str
    size_bytes: int
    page_count: int | None
    source: str  # "path" for a file beside the workshop file, "paste" for inline text
    filename: str | None


@dataclass
class Prepared:
    """Facts gathered before any write: what comparing and writing need from outside the database."""

    texts: dict[str, DocumentText] = field(default_factory=dict)  # by the file's document title
    hashes: dict[str, str] = field(default_factory=dict)  # username → new password hash
    generated: dict[str, SecretStr] = field(default_factory=dict)  # username → generated password
    password_changes: set[str] = field(default_factory=set)  # existing users the file gives a new password
    dimensions: dict[str, int] = field(default_factory=dict)  # embedding model → vector size
    served: dict[str, list[str]] = field(default_factory=dict)  # model → Ollama hosts serving it now
    model_facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # model → catalogue columns from Ollama
    missing_collections: set[str] = field(default_factory=set)  # vector DBs whose collection is gone
    skip_vectors: bool = False
    pulls: list[str] = field(default_factory=list)  # models to pull before writing


@dataclass
class Change:
    """One entry of the file and what the import does with it."""

    section: str
    name: str
    outcome: Outcome
    plan: Any = None
    existing: Any = None  # the database's object, for updates and unchanged entries
    wanted: dict[str, Any] = field(default_factory=dict)  # values to write, in the file's terms
    before: dict[str, Any] = field(default_factory=dict)  # old values of the fields an update changes
    reason: str | None = None
    key: Any = None  # how links find it: a name, or (owner, title) for prompts and documents
    extra: dict[str, Any] = field(default_factory=dict)  # section-specific facts (a vector DB's new collection...)

    @property
    def changed(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(SHOWN_FIELDS.get(k, k) for k in self.before))

    def after(self) -> dict[str, Any]:
        return {k: self.wanted.get(k) for k in self.before}


def audit_value(value: Any) -> Any:
    """Audit-ready JSON values: enums by value, (owner, title) keys by title, long text shortened."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple) and len(value) == 2 and (value[0] is None or isinstance(value[0], str)):
        return value[1] if value[0] is None else f"{value[1]} ({value[0]})"
    if isinstance(value, list | tuple):
        return [audit_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): audit_value(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) > AUDIT_TEXT_MAX:
        return value[:AUDIT_TEXT_MAX] + f"… ({len(value):,} characters)"
    return value


def needs_dimension(change: Change) -> bool:
    """A vector DB whose new collection needs its model's vector size (a recreated one keeps its own)."""
    return bool(change.extra.get("new_collection")) and (change.existing is None or "embedding_model" in change.before)


def compare(wanted: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The current values of the wanted fields that differ (enums compare equal to their values)."""
    return {k: current.get(k) for k, v in wanted.items() if current.get(k) != v}


def settle(change: Change, current: dict[str, Any]) -> Change:
    """Fill ``before`` from the current values and make the outcome UPDATE or UNCHANGED."""
    change.before = compare(change.wanted, current)
    change.outcome = Outcome.UPDATE if change.before else Outcome.UNCHANGED
    return change


@dataclass
class Changes:
    """Every change, by section, in the order the import applies them."""

    sections: dict[str, list[Change]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field path, message) found while comparing
    notes: list[str] = field(default_factory=list)

    def of(self, section: str) -> list[Change]:
        return self.sections.get(section, [])

    def find(self, section: str, key: Any) -> Change | None:
        return next((c for c in self.of(section) if c.key == key), None)

    def any_write(self) -> bool:
        return any(c.outcome in (Outcome.CREATE, Outcome.UPDATE) for items in self.sections.values() for c in items)

    def needs_ollama(self) -> list[str]:
        """Why this import needs Ollama (empty when it does not): pulls, dimensions and embeddings."""
        reasons = [f"vector DB '{c.name}' needs the dimension of {c.wanted['embedding_model']}"
                   for c in self.of("vector_dbs") if needs_dimension(c)]
        jobs = [c for c in self.of("embedding_jobs") if c.outcome is Outcome.CREATE]
        if jobs:
            models = sorted({c.extra["model"] for c in jobs})
            reasons.append(f"{len(jobs)} document(s) must be embedded with {', '.join(models)}")
        return reasons

    def report(self, result: ImportResult) -> None:
        for section, changes in self.sections.items():
            for change in changes:
                entry = Entry(change.name, change.changed, change.reason)
                result.sections.setdefault(section, SectionReport()).add(change.outcome, entry)
        result.notes.extend(self.notes)


def compute_changes(plan: WorkshopPlan, state: DbState, prepared: Prepared) -> Changes:
    """Compare the whole file with the database (the sections' rules are in diff_*.py)."""
    from workshop_tui.services.workshop_file.diff_knowledge import knowledge_changes
    from workshop_tui.services.workshop_file.diff_people import model_changes, user_changes

    changes = Changes()
    changes.sections["models"] = model_changes(plan, state, prepared)
    knowledge_changes(plan, state, prepared, changes)  # before users: grants drop tools that are skipped
    skipped_tools = {c.name for c in changes.of("tools") if c.outcome is Outcome.SKIP}
    changes.sections["users"] = user_changes(plan, state, prepared, skipped_tools, changes.notes)
    if plan.conversations:
        from workshop_tui.services.workshop_file.diff_conversations import conversation_changes

        conversation_changes(plan, state, changes)
    order = SECTIONS + (("conversations",) if plan.conversations else ())
    changes.sections = {name: changes.sections.get(name, []) for name in order}
    return changes

