"""Searching a vector DB: embed the query, find the nearest chunks, and cite where each came from.

Shared by RAG systems (`rag.RagService.retrieve`) and the "search a vector DB" tool
(`SearchService.search_function(actor)` is the tool's `SearchFunction`). Access is checked on the
vector DB before any search, so queries need no payload filter (which embedded Qdrant evaluates in
Python over every point). Titles come from the database at search time, so a renamed document is
cited by its new name and a deleted document's stray points are never cited.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import VectorDb
from workshop_tui.domain.text import normalize_text
from workshop_tui.services.access import Action, Actor
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.embedder import Embedder
from workshop_tui.services.knowledge_access import authorize_model, load
from workshop_tui.services.tools.kinds import SearchFunction
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.vectors import VectorStore

MAX_TOP_K = 20
MAX_QUERY_CHARS = 4000


@dataclass(frozen=True)
class Citation:
    """One retrieved chunk: which document, where in it, how similar, and its text."""

    document_id: int
    document_title: str
    chunk_index: int
    location: str
    score: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data for a message's stored citations."""
        return asdict(self)


@dataclass(frozen=True)
class Retrieval:
    """What `RagService.retrieve` hands the chat service: the filled prompt, its sources and the model."""

    rag_system_id: int
    model: str
    question: str
    prompt: str
    citations: tuple[Citation, ...]

    @property
    def messages(self) -> list[dict[str, str]]:
        """The prompt as chat messages, ready to send (or to append to a conversation's history)."""
        return [{"role": "user", "content": self.prompt}]

    def citation_dicts(self) -> tuple[dict[str, Any], ...]:
        return tuple(c.to_dict() for c in self.citations)


def clean_query(query: str) -> str:
    """A query or question: normalised text, not empty, not huge."""
    text = normalize_text(str(query or "")).strip()
    if not text:
        raise Invalid("type a question or search words", field="query")
    if len(text) > MAX_QUERY_CHARS:
        raise Invalid(f"must be at most {MAX_QUERY_CHARS:,} characters", field="query")
    return text


def check_top_k(top_k: int) -> int:
    if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= MAX_TOP_K:
        raise Invalid(f"must be a whole number from 1 to {MAX_TOP_K}", field="top_k")
    return top_k


async def nearest_chunks(ctx: ServiceContext, store: VectorStore, embedder: Embedder, vector_db: VectorDb,
                         query: str, top_k: int, score_threshold: float | None = None) -> list[Citation]:
    """The `top_k` chunks nearest to `query`, best first (access already checked by the caller)."""
    vector = await embedder.embed_query(vector_db.embedding_model, query)
    hits = await store.query(vector_db.collection_name, vector, top_k=top_k, score_threshold=score_threshold)
    async with ctx.db.reading() as session:
        documents = await DocumentRepository(session).by_ids(
            int(h.payload["document_id"]) for h in hits if isinstance(h.payload.get("document_id"), int))
    citations = []
    for hit in hits:
        document = documents.get(hit.payload.get("document_id"))  # type: ignore[arg-type]
        if document is None:
            continue
        citations.append(Citation(document.id, document.title, int(hit.payload.get("chunk_index", 0)),
                                  str(hit.payload.get("location", "")), hit.score, str(hit.payload.get("text", ""))))
    return citations


class SearchService:
    """Plain vector search, for the search tool and for a "search this vector DB" screen."""

    def __init__(self, ctx: ServiceContext, store: VectorStore, embedder: Embedder) -> None:
        self.ctx = ctx
        self.store = store
        self.embedder = embedder

    async def search(self, actor: Actor, vector_db_id: int, query: str, top_k: int = 4) -> list[dict[str, Any]]:
        """Hits as dicts with title, location, text and score (plus document_id and chunk_index)."""
        text = clean_query(query)
        check_top_k(top_k)
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            vector_db = await load(VectorDbRepository(session), actor, vector_db_id, Action.USE, "vector DB")
            await authorize_model(session, actor, vector_db.embedding_model)  # the query is embedded with it
        citations = await nearest_chunks(self.ctx, self.store, self.embedder, vector_db, text, top_k)
        return [{"title": c.document_title, "location": c.location, "text": c.text, "score": round(c.score, 4),
                 "document_id": c.document_id, "chunk_index": c.chunk_index} for c in citations]

    def search_function(self, actor: Actor) -> SearchFunction:
        """`search` bound to `actor`: the vector-search tool kind's runtime, authorized per call."""

        async def search(vector_db_id: int, query: str, top_k: int) -> list[dict[str, Any]]:
            return await self.search(actor, vector_db_id, query, min(max(int(top_k), 1), MAX_TOP_K))

        return search
