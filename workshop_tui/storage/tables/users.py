"""Accounts and their grants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from workshop_tui.storage.tables.base import Base, Timestamps, utcnow

user_allowed_models = Table(
    "user_allowed_models",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("model_id", ForeignKey("models.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# Its own table: tool grants are a different relation from model grants.
user_allowed_tools = Table(
    "user_allowed_tools",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("tool_id", ForeignKey("tools.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class UserRow(Timestamps, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: usernames are case-insensitive, and a plain unique index works everywhere.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    admin_notes: Mapped[str | None] = mapped_column(Text)
    # Why the account is rejected or suspended, in the words of the staff member who did it: the
    # account's owner reads it when signing in. Cleared on approval and reactivation.
    status_reason: Mapped[str | None] = mapped_column(Text)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    theme: Mapped[str | None] = mapped_column(String(64))
    # Where a registration came from (the client's address over SSH), for the approvers' queue.
    registered_from: Mapped[str | None] = mapped_column(String(64))
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    # The user's own quotas; empty means the role's default from settings.
    quota_messages_per_day: Mapped[int | None]
    quota_tokens_per_day: Mapped[int | None]
    quota_concurrent_generations: Mapped[int | None]
    # Bumped when the password changes: sessions signed in before it end (services/actors.py).
    auth_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
