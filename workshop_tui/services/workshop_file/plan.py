"""The validated, fully resolved content of a workshop file: what an import applies.

Loading produces a :class:`WorkshopPlan` only when the file has no problem at all, so whoever applies
it never re-reads the YAML and never meets a half-checked value: names are cleaned, model names carry
their tag, document paths are resolved inside the file's folder, passwords are read from the
environment, and every reference between entries names something that exists in the file or in the
catalogue the caller supplied. References stay names (never ids): the applier resolves them after
it has created or updated what the file describes.

``origin`` (``users[3]``) is the entry's field path in the file, kept so the applier can point back
at the file when something fails at apply time; it takes no part in comparisons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from workshop_tui.domain.enums import AccountStatus, Role, ToolKind, Visibility
from workshop_tui.domain.templates import TemplateVariable

if TYPE_CHECKING:  # the section's module imports this one
    from workshop_tui.services.workshop_file.conversations import ConversationPlan


@dataclass(frozen=True)
class CatalogueUser:
    """An existing account as far as cross-checks need it."""

    role: Role
    status: AccountStatus


@dataclass(frozen=True)
class CatalogueView:
    """What the database already holds, filled by the caller so validation stays pure.

    ``models`` and ``embedding_models`` are normalised names (``all-minilm:latest``); ``users`` is
    keyed by lower-case username. The other sets let a file refer to resources it does not itself
    describe. ``None`` in place of a catalogue means an empty database.
    """

    models: frozenset[str] = frozenset()
    embedding_models: frozenset[str] = frozenset()
    users: Mapping[str, CatalogueUser] = field(default_factory=lambda: MappingProxyType({}))
    tools: frozenset[str] = frozenset()
    prompts: frozenset[str] = frozenset()
    documents: frozenset[str] = frozenset()
    vector_dbs: frozenset[str] = frozenset()


EMPTY_CATALOGUE = CatalogueView()


@dataclass(frozen=True)
class WorkshopInfo:
    name: str
    description: str = ""


@dataclass(frozen=True)
class ModelPlan:
    """A model the class expects: registered in the catalogue, and pulled first when ``pull``."""

    name: str
    pull: bool = True
    enabled: bool = True
    description: str = ""
    origin: str = field(default="", compare=False)


class PasswordSource(StrEnum):
    LITERAL = "literal"  # written in the file
    ENV = "env"  # read from the environment variable the file names
    GENERATED = "generated"  # none given: the applier generates one and shows it once


@dataclass(frozen=True)
class PasswordPlan:
    """Where a user's initial password comes from; ``secret`` is None only when GENERATED."""

    source: PasswordSource
    secret: SecretStr | None = None
    env_var: str | None = None


@dataclass(frozen=True)
class QuotaPlan:
    """Per-account overrides of the role's quota; None leaves the role default in force."""

    messages_per_day: int | None = None
    tokens_per_day: int | None = None
    concurrent_generations: int | None = None


@dataclass(frozen=True)
class UserPlan:
    """An account. ``models``, ``tools`` and ``quota`` are None when the file does not mention them,
    so an import leaves an existing account's grants and quota alone; an empty tuple removes grants."""

    username: str
    display_name: str
    role: Role
    status: AccountStatus
    password: PasswordPlan
    email: str | None = None
    models: tuple[str, ...] | None = None
    tools: tuple[str, ...] | None = None
    guardian: str | None = None
    notes: str | None = None
    quota: QuotaPlan | None = None
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class PromptPlan:
    title: str
    template: str
    owner: str | None
    visibility: Visibility
    description: str = ""
    variables: tuple[TemplateVariable, ...] = ()
    tags: tuple[str, ...] = ()
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class ToolPlan:
    """A tool of a vetted kind. A vector-search tool names its vector DB in ``vector_db``; the
    applier puts that DB's id into the config (the file never holds ids)."""

    name: str
    kind: ToolKind
    owner: str | None
    visibility: Visibility
    description: str = ""
    config: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    vector_db: str | None = None
    enabled: bool = True
    origin: str = field(default="", compare=False)


class DocumentSource(StrEnum):
    PATH = "path"  # a file beside the workshop file
    TEXT = "text"  # written inline in the workshop file


@dataclass(frozen=True)
class DocumentPlan:
    """A document. For PATH, ``path`` is absolute and checked (inside the folder, no link, a regular
    file under the size cap, a supported format); the applier extracts its text. For TEXT, ``text``
    holds the inline text as written (the applier normalises it like any pasted text)."""

    title: str
    source: DocumentSource
    content_type: str
    owner: str | None
    visibility: Visibility
    path: Path | None = None
    relative_path: str | None = None
    size_bytes: int = 0
    text: str | None = None
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class VectorDbPlan:
    """A vector DB; each of ``documents`` (titles) becomes one embedding job into it."""

    name: str
    embedding_model: str
    owner: str | None
    visibility: Visibility
    description: str = ""
    documents: tuple[str, ...] = ()
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class RagSystemPlan:
    """A RAG system. Its template is ``prompt_template``, else the template of prompt ``prompt``,
    else (both None) the application's default RAG template."""

    name: str
    chat_model: str
    vector_db: str
    owner: str | None
    visibility: Visibility
    prompt_template: str | None = None
    prompt: str | None = None
    top_k: int = 4
    score_threshold: float | None = None
    description: str = ""
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class EmbeddingJobPlan:
    vector_db: str
    document: str


@dataclass(frozen=True)
class WorkshopPlan:
    """Everything one file describes, in file order. A users CSV yields users only."""

    source: Path
    workshop: WorkshopInfo | None = None
    models: tuple[ModelPlan, ...] = ()
    users: tuple[UserPlan, ...] = ()
    prompts: tuple[PromptPlan, ...] = ()
    tools: tuple[ToolPlan, ...] = ()
    documents: tuple[DocumentPlan, ...] = ()
    vector_dbs: tuple[VectorDbPlan, ...] = ()
    rag_systems: tuple[RagSystemPlan, ...] = ()
    conversations: tuple[ConversationPlan, ...] = ()  # optional section, written by export --include-chats

    @property
    def embedding_jobs(self) -> tuple[EmbeddingJobPlan, ...]:
        """One job per (vector DB, document) pair, in file order."""
        return tuple(EmbeddingJobPlan(v.name, d) for v in self.vector_dbs for d in v.documents)

    @property
    def generated_passwords(self) -> tuple[str, ...]:
        """Usernames whose password the applier must generate (and print once)."""
        return tuple(u.username for u in self.users if u.password.source is PasswordSource.GENERATED)

    def counts(self) -> dict[str, int]:
        """How many of each kind the file describes, for summaries and tests; conversations only when
        the file has any, as most workshop files never will."""
        counts = {"models": len(self.models), "users": len(self.users), "prompts": len(self.prompts),
                  "tools": len(self.tools), "documents": len(self.documents), "vector_dbs": len(self.vector_dbs),
                  "rag_systems": len(self.rag_systems), "embedding_jobs": len(self.embedding_jobs)}
        if self.conversations:
            counts["conversations"] = len(self.conversations)
        return counts
