"""Conversations, their messages, and usage counters for quotas."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workshop_tui.storage.tables.base import Base, Timestamps, utcnow

conversation_tools = Table(
    "conversation_tools",
    Base.metadata,
    Column("conversation_id", ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True),
    Column("tool_id", ForeignKey("tools.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ConversationRow(Timestamps, Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="New conversation")
    model: Mapped[str] = mapped_column(String(200))
    system_prompt: Mapped[str | None] = mapped_column(Text)
    parameters: Mapped[dict] = mapped_column(default=dict)  # temperature, num_ctx, seed...
    rag_system_id: Mapped[int | None] = mapped_column(ForeignKey("rag_systems.id", ondelete="SET NULL"))


class MessageRow(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text, default="")
    thinking: Mapped[str | None] = mapped_column(Text)
    tool_calls: Mapped[list | None]  # [{name, arguments, id}] asked for by the model
    tool_name: Mapped[str | None] = mapped_column(String(64))  # for role=tool: whose result this is
    citations: Mapped[list | None]
    status: Mapped[str] = mapped_column(String(16), default="complete")
    error: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(200))
    prompt_tokens: Mapped[int | None]
    completion_tokens: Mapped[int | None]
    total_duration_ns: Mapped[int | None] = mapped_column(BigInteger)
    load_duration_ns: Mapped[int | None] = mapped_column(BigInteger)
    eval_duration_ns: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class UsageCounterRow(Base):
    __tablename__ = "usage_counters"
    __table_args__ = (UniqueConstraint("user_id", "model", "day", name="uq_usage_counters_user_model_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date, index=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    completion_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
