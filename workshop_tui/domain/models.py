"""Plain value objects that services return and screens display. No I/O, no ORM.

Repositories build these from database rows (`storage/converters.py`); screens never see a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from workshop_tui.domain.enums import (
    AccountStatus,
    Distance,
    JobStatus,
    MessageRole,
    MessageStatus,
    Role,
    ToolKind,
    Visibility,
)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    status: AccountStatus
    email: str | None = None
    approved_by_id: int | None = None
    approved_at: datetime | None = None
    admin_notes: str | None = None
    status_reason: str | None = None
    guardian_id: int | None = None
    theme: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_login_at: datetime | None = None
    quota_messages_per_day: int | None = None
    quota_tokens_per_day: int | None = None
    quota_concurrent_generations: int | None = None
    auth_version: int = 1
    registered_from: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status is AccountStatus.ACTIVE


@dataclass(frozen=True)
class ModelInfo:
    id: int
    name: str
    family: str | None = None
    parameter_size: str | None = None
    quantization: str | None = None
    size_bytes: int | None = None
    digest: str | None = None
    capabilities: tuple[str, ...] = ()
    embedding_dimension: int | None = None
    context_length: int | None = None
    description: str | None = None
    enabled: bool = True
    host: str | None = None
    hosts: tuple[str, ...] = ()
    synced_at: datetime | None = None

    @property
    def is_embedding(self) -> bool:
        return "embedding" in self.capabilities


@dataclass(frozen=True)
class LoadedModel:
    """A model an Ollama host holds in memory now, and until when. `host` is left out for those who
    may not read the hosts' addresses."""

    name: str
    size_bytes: int = 0
    vram_bytes: int = 0
    expires_at: datetime | None = None
    context_length: int | None = None
    host: str | None = None


@dataclass(frozen=True)
class Prompt:
    id: int
    title: str
    template: str
    description: str = ""
    variables: tuple[dict[str, Any], ...] = ()
    tags: tuple[str, ...] = ()
    visibility: Visibility = Visibility.PRIVATE
    creator_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Tool:
    id: int
    name: str
    kind: ToolKind
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    visibility: Visibility = Visibility.PRIVATE
    creator_id: int | None = None


@dataclass(frozen=True)
class Document:
    id: int
    title: str
    content_type: str
    checksum: str
    text: str = ""
    original_filename: str | None = None
    size_bytes: int = 0
    page_count: int | None = None
    source: str = "paste"
    visibility: Visibility = Visibility.PRIVATE
    creator_id: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class VectorDb:
    id: int
    name: str
    embedding_model: str
    dimension: int
    collection_name: str
    distance: Distance = Distance.COSINE
    description: str = ""
    visibility: Visibility = Visibility.PRIVATE
    creator_id: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class EmbeddingJob:
    id: int
    document_id: int
    vector_db_id: int
    status: JobStatus
    chunks_total: int = 0
    chunks_done: int = 0
    attempts: int = 0
    error: str | None = None
    requested_by_id: int | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class RagSystem:
    id: int
    name: str
    chat_model: str
    vector_db_id: int
    prompt_template: str
    top_k: int = 4
    score_threshold: float | None = None
    prompt_id: int | None = None
    description: str = ""
    visibility: Visibility = Visibility.PRIVATE
    creator_id: int | None = None


@dataclass(frozen=True)
class Conversation:
    id: int
    user_id: int
    model: str
    title: str = "New conversation"
    system_prompt: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    rag_system_id: int | None = None
    tool_ids: tuple[int, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: int
    role: MessageRole
    content: str = ""
    thinking: str | None = None
    tool_calls: tuple[dict[str, Any], ...] | None = None
    tool_name: str | None = None
    citations: tuple[dict[str, Any], ...] | None = None
    status: MessageStatus = MessageStatus.COMPLETE
    error: str | None = None
    model: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_duration_ns: int | None = None
    load_duration_ns: int | None = None
    eval_duration_ns: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_name: str
    action: str
    target_type: str
    actor_id: int | None = None
    target_id: int | None = None
    target_name: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    session_id: str | None = None


@dataclass(frozen=True)
class UsageCounter:
    user_id: int
    model: str
    day: date
    messages: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class Broadcast:
    """A message from staff to every open session of the class, kept for the day it was sent."""

    id: int
    at: datetime
    author_name: str
    text: str
    author_id: int | None = None
