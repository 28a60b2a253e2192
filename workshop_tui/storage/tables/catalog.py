"""The workshop's Ollama models, prompts and tools."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from workshop_tui.storage.tables.base import Base, Timestamps, creator_column, visibility_column


class ModelRow(Timestamps, Base):
    __tablename__ = "models"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # normalised "name:tag"
    family: Mapped[str | None] = mapped_column(String(64))
    parameter_size: Mapped[str | None] = mapped_column(String(32))
    quantization: Mapped[str | None] = mapped_column(String(32))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    digest: Mapped[str | None] = mapped_column(String(80))
    capabilities: Mapped[list] = mapped_column(default=list)
    embedding_dimension: Mapped[int | None]
    context_length: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(), index=True)
    # The host that last reported the model; `hosts` lists every host that serves it.
    host: Mapped[str | None] = mapped_column(String(255))
    hosts: Mapped[list] = mapped_column(default=list)
    synced_at: Mapped[datetime | None]


class PromptRow(Timestamps, Base):
    __tablename__ = "prompts"
    __table_args__ = (UniqueConstraint("creator_id", "title", name="uq_prompts_creator_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str] = mapped_column(Text)
    variables: Mapped[list] = mapped_column(default=list)  # [{name, type, default, required, choices}]
    tags: Mapped[list] = mapped_column(default=list)
    visibility: Mapped[str] = visibility_column()
    creator_id: Mapped[int | None] = creator_column()


class ToolRow(Timestamps, Base):
    __tablename__ = "tools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(32), index=True)
    parameters: Mapped[dict] = mapped_column(default=dict)  # JSON schema of the arguments
    config: Mapped[dict] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    visibility: Mapped[str] = visibility_column()
    creator_id: Mapped[int | None] = creator_column()
