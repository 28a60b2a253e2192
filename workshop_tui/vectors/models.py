"""Plain value types of the vector layer, free of any Qdrant import.

Services build :class:`VectorPoint` objects and read :class:`VectorHit` objects, so nothing above
this package ever sees a Qdrant model, and swapping embedded for server Qdrant changes no caller.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from workshop_tui.domain.errors import Invalid

POINT_NAMESPACE: Final = uuid.UUID("6f1b7a52-3c0e-5d8a-9b7e-2a4c8e1f0d63")
"""Fixed namespace of point ids. Changing it would orphan every stored point, so it never changes."""

DOCUMENT_ID_FIELD: Final = "document_id"
"""Payload field every point carries, used to delete (and list) one document's points."""


def point_id(document_id: int | str, chunk_index: int) -> str:
    """Deterministic id of one chunk's point: uuid5 of the namespace and ``doc:{id}:chunk:{n}``.

    Re-embedding a document then overwrites its points instead of duplicating them, and a job that
    crashed halfway can simply be run again.
    """
    if chunk_index < 0:
        raise Invalid(f"must be 0 or more, not {chunk_index}", field="chunk_index")
    return str(uuid.uuid5(POINT_NAMESPACE, f"doc:{document_id}:chunk:{chunk_index}"))


class StoreState(StrEnum):
    """Lifecycle of a :class:`~workshop_tui.vectors.store.VectorStore`, shown by screens as
    "loading" while opening (opening a large embedded folder takes seconds)."""

    NOT_STARTED = "not_started"
    OPENING = "opening"
    READY = "ready"
    FAILED = "failed"
    CLOSED = "closed"


@dataclass(frozen=True)
class VectorPoint:
    """One vector to store. ``id`` must be a UUID string (use :func:`point_id`)."""

    id: str
    vector: list[float]
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Catch malformed points here, where the message can name them, not deep in Qdrant."""
        try:
            uuid.UUID(self.id)
        except (ValueError, TypeError, AttributeError):
            raise Invalid(f"{self.id!r} is not a UUID; build ids with point_id()", field="id") from None
        if not self.vector:
            raise Invalid(f"point {self.id} has an empty vector", field="vector")


@dataclass(frozen=True)
class VectorHit:
    """One search result: the point's id, its similarity score and its payload."""

    id: str
    score: float
    payload: dict[str, Any]
