"""Shared plumbing of the repositories of shareable, creator-owned resources.

Documents, vector DBs, RAG systems and prompts all have an id, a creator and a visibility, and the
services list them "as far as this user may see". Doing that filter in SQL keeps a class of many
attendees from loading every row only to throw most away; the service still checks each result with
`can_read`, which stays the single source of truth.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from workshop_tui.storage.converters import to_domain

RowT = TypeVar("RowT")
DomainT = TypeVar("DomainT")


def stored(value: Any) -> Any:
    """The form a value takes in a column: enums by value, tuples as JSON lists."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [stored(v) for v in value]
    return value


class OwnedRepository(Generic[RowT, DomainT]):
    """CRUD by id plus a visibility-aware listing; subclasses name the row and domain types."""

    row_type: ClassVar[type[Any]]
    domain_type: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _domain(self, row: Any) -> DomainT:
        return to_domain(self.domain_type, row)

    async def get(self, item_id: int) -> DomainT | None:
        row = await self.session.get(self.row_type, item_id, populate_existing=True)
        return self._domain(row) if row is not None else None

    async def add(self, **fields: Any) -> DomainT:
        row = self.row_type(**{k: stored(v) for k, v in fields.items()})
        self.session.add(row)
        await self.session.flush()
        return self._domain(row)

    async def update(self, item_id: int, **fields: Any) -> DomainT:
        row = await self.session.get(self.row_type, item_id)
        if row is None:
            raise LookupError(item_id)
        for name, value in fields.items():
            setattr(row, name, stored(value))
        await self.session.flush()
        return self._domain(row)

    async def delete(self, item_id: int) -> None:
        await self.session.execute(delete(self.row_type).where(self.row_type.id == item_id))

    def readable(self, user_id: int | None, visibilities: Collection[str] | None) -> ColumnElement[bool] | None:
        """Rows created by `user_id` or with one of `visibilities`; None (no filter) means "all"."""
        if visibilities is None:
            return None
        return or_(self.row_type.creator_id == user_id, self.row_type.visibility.in_(list(visibilities)))

    def _listing(self, user_id: int | None, visibilities: Collection[str] | None) -> Select[Any]:
        query = select(self.row_type)
        clause = self.readable(user_id, visibilities)
        if clause is not None:
            query = query.where(clause)
        return query

    async def list_readable(
        self, user_id: int | None, visibilities: Collection[str] | None, *, order: Iterable[Any] = ()
    ) -> list[DomainT]:
        """Everything `user_id` created plus what has one of `visibilities` (None: every row)."""
        query = self._listing(user_id, visibilities).order_by(*(order or (self.row_type.id,)))
        return [self._domain(row) for row in (await self.session.scalars(query)).all()]

    async def by_ids(self, ids: Iterable[int]) -> dict[int, DomainT]:
        wanted = list(set(ids))
        if not wanted:
            return {}
        rows = await self.session.scalars(select(self.row_type).where(self.row_type.id.in_(wanted)))
        return {row.id: self._domain(row) for row in rows}
