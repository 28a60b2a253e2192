"""Enumerations shared by every layer. Values are the strings stored in the database."""

from __future__ import annotations

from enum import Enum, StrEnum


class Role(StrEnum):
    SUPER_ADMIN = "super_admin"
    ADMIN = "admin"
    INSTRUCTOR = "instructor"
    STUDENT = "student"
    FAMILY = "family"
    GUEST = "guest"


class AccountStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Visibility(StrEnum):
    """Who may read a resource: its creator only, every active member of the class, or everyone
    (guests included)."""

    PRIVATE = "private"
    CLASS = "class"
    PUBLIC = "public"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class MessageRole(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class MessageStatus(StrEnum):
    COMPLETE = "complete"
    STREAMING = "streaming"
    INTERRUPTED = "interrupted"
    ERROR = "error"


class Distance(StrEnum):
    COSINE = "cosine"
    DOT = "dot"
    EUCLID = "euclid"


class ToolKind(StrEnum):
    """The vetted built-in tool implementations. Users create tools only from these."""

    CALCULATOR = "calculator"
    DATETIME = "datetime"
    UNIT_CONVERSION = "unit_conversion"
    VECTOR_SEARCH = "vector_search"
    LOOKUP_TABLE = "lookup_table"


class Unchanged(Enum):
    """Marks a keyword left out of an update, as opposed to None ("clear it")."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED
