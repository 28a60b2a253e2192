"""What the document screens show besides a document's own fields: its length, its chunks and the
vector DBs it is in. Pure functions over what `DocumentService` read; no I/O here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workshop_tui.domain.chunking import Chunk
from workshop_tui.domain.models import Document, EmbeddingJob, VectorDb


@dataclass(frozen=True)
class DocumentSummary:
    """A document in a listing (without its text), with what a person wants to know about it."""

    document: Document
    characters: int
    chunks: int | None
    """How many chunks its text makes, known once a job has chunked it for embedding (None before)."""
    vector_dbs: tuple[str, ...]
    """The names of the vector DBs it was sent to that the reader may see, by name."""


@dataclass(frozen=True)
class DocumentChunks:
    """One document with its full text and the chunks that embedding makes of it."""

    document: Document
    chunks: tuple[Chunk, ...]


def summarize(documents: Iterable[Document], lengths: Mapping[int, int], jobs: Iterable[EmbeddingJob],
              vector_dbs: Mapping[int, VectorDb]) -> list[DocumentSummary]:
    """Each document with its length, its latest known chunk count, and the names of the vector DBs in
    `vector_dbs` (those the reader may see) that a job sent it to."""
    chunk_counts: dict[int, int] = {}
    homes: dict[int, set[str]] = {}
    for job in jobs:  # oldest first: the latest job that chunked the text has the word
        if job.chunks_total:
            chunk_counts[job.document_id] = job.chunks_total
        if job.vector_db_id in vector_dbs:
            homes.setdefault(job.document_id, set()).add(vector_dbs[job.vector_db_id].name)
    return [DocumentSummary(d, lengths.get(d.id, 0), chunk_counts.get(d.id),
                            tuple(sorted(homes.get(d.id, ()), key=str.casefold)))
            for d in documents]
