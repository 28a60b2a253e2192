"""Documents, vector DBs, embedding jobs and RAG systems."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workshop_tui.storage.tables.base import Base, Timestamps, creator_column, utcnow, visibility_column


class DocumentRow(Timestamps, Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    original_filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    checksum: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the original bytes
    page_count: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="paste")  # paste, path or upload
    visibility: Mapped[str] = visibility_column()
    creator_id: Mapped[int | None] = creator_column()


class VectorDbRow(Timestamps, Base):
    __tablename__ = "vector_dbs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    embedding_model: Mapped[str] = mapped_column(String(200))
    dimension: Mapped[int] = mapped_column(Integer)
    distance: Mapped[str] = mapped_column(String(16), default="cosine")
    collection_name: Mapped[str] = mapped_column(String(128), unique=True)
    visibility: Mapped[str] = visibility_column()
    creator_id: Mapped[int | None] = creator_column()


class CollectionToDropRow(Base):
    """A vector collection no vector DB uses, to drop at the next chance: one a model change replaced,
    or one made for a change not yet recorded. Noted in the transaction that stops using it (or before
    it is made), so a crash never leaves a collection that nothing knows of."""

    __tablename__ = "collections_to_drop"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmbeddingJobRow(Base):
    __tablename__ = "embedding_jobs"
    __table_args__ = (Index("ix_embedding_jobs_document_vector_db", "document_id", "vector_db_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    vector_db_id: Mapped[int] = mapped_column(ForeignKey("vector_dbs.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    chunks_total: Mapped[int] = mapped_column(Integer, default=0)
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RagSystemRow(Timestamps, Base):
    __tablename__ = "rag_systems"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    chat_model: Mapped[str] = mapped_column(String(200))
    vector_db_id: Mapped[int] = mapped_column(ForeignKey("vector_dbs.id", ondelete="CASCADE"), index=True)
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompts.id", ondelete="SET NULL"))
    prompt_template: Mapped[str] = mapped_column(Text)
    top_k: Mapped[int] = mapped_column(Integer, default=4)
    score_threshold: Mapped[float | None] = mapped_column(Float)
    visibility: Mapped[str] = visibility_column()
    creator_id: Mapped[int | None] = creator_column()
