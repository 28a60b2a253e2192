"""The error hierarchy that services raise and every front end (TUI, CLI, SSH) shows as-is.

Each error carries a message written for the person who caused it: what was wrong and, where it
helps, what to do next. Front ends never need to inspect anything but the class and `str(error)`.
"""

from __future__ import annotations


class WorkshopError(Exception):
    """Base class of every error the project raises on purpose."""


class ServiceError(WorkshopError):
    """A service refused or could not complete an operation."""


class NotFound(ServiceError):
    """The thing asked for does not exist, or the caller may not know that it exists."""


class Forbidden(ServiceError):
    """The caller is known, but may not do this."""


class NotAuthenticated(ServiceError):
    """Login failed or the account may not log in (pending, rejected, suspended)."""


class Invalid(ServiceError):
    """The caller's input is malformed; the message names the field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class Conflict(ServiceError):
    """The operation clashes with existing state (a duplicate name, a last super_admin...)."""


class Unavailable(ServiceError):
    """A backing system (Ollama, Qdrant, the database) cannot be reached right now."""


class LimitExceeded(ServiceError):
    """A quota, rate limit or throttle was hit; `retry_after_s` says when to try again."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ConfigError(WorkshopError):
    """A setting is wrong; the message names the key and where the value came from."""
