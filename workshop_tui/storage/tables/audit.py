"""The audit log: who did what to whom, with before and after values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workshop_tui.storage.tables.base import Base, utcnow


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(64))  # kept when the account is gone; "operator" for the CLI
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(index=True)
    target_name: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[dict | None]
    after: Mapped[dict | None]
    session_id: Mapped[str | None] = mapped_column(String(64))
