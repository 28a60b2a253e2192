"""Declarative base, constraint naming and shared column helpers for the ORM tables.

Only `storage` sees these classes; repositories convert rows to domain objects.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, MetaData, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints keep migrations portable: SQLite's batch mode and PostgreSQL both need names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True), dict: JSON, list: JSON}


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=func.now())


def creator_column() -> Mapped[int | None]:
    """The user who created a shareable resource. The resource outlives its creator's account."""
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)


def visibility_column() -> Mapped[str]:
    return mapped_column(String(16), default="private", server_default="private", index=True)
