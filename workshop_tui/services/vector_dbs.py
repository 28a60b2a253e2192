"""Vector DBs: one Qdrant collection each, sized by the embedding model's real dimension.

- The dimension is read from Ollama's `/api/show` when the vector DB is created (or its model
  changed), never assumed: a wrong size would make every upsert fail later, far from the cause.
- Collections get generated names (`vdb_<uuid>`), never the user's name, so renaming is free and a
  reused database id can never meet a leftover collection.
- Changing the embedding model makes every stored vector meaningless, so it needs an explicit
  confirmation; it then builds a fresh collection and re-embeds every document that was in the DB.
  One transaction switches the vector DB to the new collection, notes the old one for dropping and
  queues the re-embedding, so a change cut short anywhere is finished by the next start (or, cut
  short before that transaction, leaves the vector DB and its jobs as they were).
- Deleting a vector DB drops its collection and its records; RAG systems built on it go with it
  (the schema cascades), which `describe` shows beforehand.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.enums import Distance, JobStatus, Visibility
from workshop_tui.domain.errors import Conflict, NotFound, WorkshopError
from workshop_tui.domain.models import VectorDb
from workshop_tui.services.access import Action, Actor, Kind, authorize, can_read
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.embedder import Embedder
from workshop_tui.services.embedding_jobs import EmbeddingJobService, Requeued
from workshop_tui.services.knowledge_access import (
    authorize_model,
    bounded_text,
    check_new_visibility,
    check_visibility_change,
    clean_name,
    load,
    readable_visibilities,
)
from workshop_tui.storage.repositories.collections import CollectionsToDropRepository
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.vectors import VectorStore

log = get_logger(__name__)
NOUN = "vector DB"


class ReembeddingRequired(Conflict):
    """Changing the embedding model was asked without confirming the re-embedding it implies."""

    def __init__(self, vector_db: VectorDb, model: str, documents: int) -> None:
        super().__init__(
            f"changing the embedding model of '{vector_db.name}' from {vector_db.embedding_model} to {model} means "
            f"re-embedding its {documents} document(s): the stored vectors are dropped and rebuilt, and searches "
            "find nothing from a document until it is re-embedded. Confirm to go ahead."
        )
        self.documents = documents


@dataclass(frozen=True)
class VectorDbDocument:
    """A document in a vector DB, with the state of its latest embedding job."""

    document_id: int
    title: str
    status: JobStatus
    chunks_done: int
    chunks_total: int
    error: str | None = None


@dataclass(frozen=True)
class VectorDbDetails:
    vector_db: VectorDb
    point_count: int
    documents: tuple[VectorDbDocument, ...]
    rag_system_names: tuple[str, ...]  # deleted along with the vector DB

    @property
    def model(self) -> str:
        return self.vector_db.embedding_model


class VectorDbService:
    def __init__(self, ctx: ServiceContext, store: VectorStore, embedder: Embedder, jobs: EmbeddingJobService) -> None:
        self.ctx = ctx
        self.store = store
        self.embedder = embedder
        self.jobs = jobs
        self._cleanup: asyncio.Task[list[str]] | None = None

    async def start(self) -> None:
        """At start-up: drop, in the background, the collections an earlier process left to drop. They
        are read now, before anyone can begin a change whose new collection is noted too."""
        async with self.ctx.db.reading() as session:
            names = await CollectionsToDropRepository(session).names()
        if names and self._cleanup is None:
            self._cleanup = asyncio.create_task(self._drop_unused(names), name="drop-unused-collections")

    async def aclose(self) -> None:
        if self._cleanup is not None and not self._cleanup.done():
            self._cleanup.cancel()
            await asyncio.gather(self._cleanup, return_exceptions=True)

    async def _drop_unused(self, names: list[str]) -> list[str]:
        async with self.ctx.db.reading() as session:
            in_use = {v.collection_name for v in await VectorDbRepository(session).list_all()}
        dropped = []
        for name in names:
            if name in in_use:  # never drop what a vector DB uses, whatever the note says
                async with self.ctx.db.transaction() as session:
                    await CollectionsToDropRepository(session).remove(name)
            elif await self._drop(name):
                dropped.append(name)
        if dropped:
            log.info("dropped %d vector collection(s) no vector DB uses", len(dropped))
        return dropped

    async def _drop(self, name: str) -> bool:
        """Drop a collection no vector DB uses, then forget it; if the store fails, it stays noted."""
        try:
            await self.store.drop_collection(name)
        except WorkshopError as error:
            log.warning("could not drop vector collection %s (tried again at the next start): %s", name, error)
            return False
        async with self.ctx.db.transaction() as session:
            await CollectionsToDropRepository(session).remove(name)
        return True

    async def create(self, actor: Actor, name: str, embedding_model: str, *, description: str = "",
                     visibility: Visibility = Visibility.PRIVATE) -> VectorDb:
        """A new, empty vector DB whose collection has the model's real dimension."""
        name = clean_name(name, "name", 100)
        description = bounded_text(description, "description", 2000)
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.CREATE, Kind.VECTOR_DB)
            vis = check_new_visibility(actor, visibility)
            model = await authorize_model(session, actor, embedding_model)
            await self._name_free(VectorDbRepository(session), name)
        dimension = await self.embedder.dimension(model)
        collection = f"vdb_{uuid.uuid4().hex}"
        await self.store.ensure_collection(collection, dimension, Distance.COSINE)
        try:
            async with self.ctx.db.transaction() as session:
                vector_db = await VectorDbRepository(session).add(
                    name=name, description=description, embedding_model=model, dimension=dimension,
                    distance=Distance.COSINE, collection_name=collection, visibility=vis, creator_id=actor.id)
        except IntegrityError:
            await self.store.drop_collection(collection)
            raise Conflict(f"a vector DB named '{name}' already exists") from None
        except BaseException:
            await self.store.drop_collection(collection)
            raise
        self.ctx.events.publish("vector_db.created", user_id=actor.id, vector_db_id=vector_db.id)
        return vector_db

    @staticmethod
    async def _name_free(repo: VectorDbRepository, name: str, keep: int | None = None) -> None:
        other = await repo.get_by_name(name)
        if other is not None and other.id != keep:
            raise Conflict(f"a vector DB named '{name}' already exists")

    async def get(self, actor: Actor, vector_db_id: int) -> VectorDb:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            return await load(VectorDbRepository(session), actor, vector_db_id, Action.READ, NOUN)

    async def list(self, actor: Actor) -> list[VectorDb]:
        """Vector DBs the actor may read, by name."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            repo = VectorDbRepository(session)
            found = await repo.list_readable(actor.id, readable_visibilities(actor))
        return sorted((v for v in found if can_read(actor, v)), key=lambda v: v.name.casefold())

    async def describe(self, actor: Actor, vector_db_id: int) -> VectorDbDetails:
        """The vector DB with its point count, its documents (latest job each) and dependent RAG systems."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            vector_db = await load(VectorDbRepository(session), actor, vector_db_id, Action.READ, NOUN)
            latest = {job.document_id: job for job in await EmbeddingJobRepository(session).list(
                vector_db_id=vector_db_id)}
            titles = await DocumentRepository(session).by_ids(latest)
            rag = await RagSystemRepository(session).using_vector_db(vector_db_id)
        count = await self.store.count(vector_db.collection_name)
        documents = tuple(
            VectorDbDocument(doc_id, titles[doc_id].title, job.status, job.chunks_done, job.chunks_total, job.error)
            for doc_id, job in sorted(latest.items()) if doc_id in titles
        )
        return VectorDbDetails(vector_db, count, documents, tuple(r.name for r in rag))

    async def update(self, actor: Actor, vector_db_id: int, *, name: str | None = None,
                     description: str | None = None, visibility: Visibility | None = None) -> VectorDb:
        """Rename, describe or re-share; the embedding model has its own, confirmed, path."""
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            repo = VectorDbRepository(session)
            vector_db = await load(repo, actor, vector_db_id, Action.UPDATE, NOUN)
            changes: dict[str, object] = {}
            if name is not None:
                changes["name"] = clean_name(name, "name", 100)
                await self._name_free(repo, changes["name"], keep=vector_db_id)  # type: ignore[arg-type]
            if description is not None:
                changes["description"] = bounded_text(description, "description", 2000)
            if visibility is not None:
                changes["visibility"] = check_visibility_change(actor, vector_db, visibility)
            return await repo.update(vector_db_id, **changes) if changes else vector_db

    async def change_embedding_model(self, actor: Actor, vector_db_id: int, embedding_model: str, *,
                                     confirm: bool = False) -> VectorDb:
        """Switch to another embedding model: refused with `ReembeddingRequired` unless `confirm`, then a new
        collection of the new dimension replaces the old one and every document is queued again.

        The new collection is noted for dropping until the transaction that switches to it; that one
        also notes the old collection and replaces the vector DB's jobs with queued ones. Stopped
        before it, nothing changed; stopped after it, the next start drops what is noted and runs the
        queued jobs."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            vector_db = await load(VectorDbRepository(session), actor, vector_db_id, Action.UPDATE, NOUN)
            model = await authorize_model(session, actor, embedding_model)
            document_ids = await EmbeddingJobRepository(session).document_ids_for_vector_db(vector_db_id)
        if model == vector_db.embedding_model:
            return vector_db
        if not confirm:
            raise ReembeddingRequired(vector_db, model, len(document_ids))
        dimension = await self.embedder.dimension(model)
        collection = f"vdb_{uuid.uuid4().hex}"
        async with self.ctx.db.transaction() as session:
            await CollectionsToDropRepository(session).add(collection)  # until the switch below adopts it
        try:
            await self.store.ensure_collection(collection, dimension, Distance.COSINE)
            async with self.ctx.db.transaction() as session:
                repo = VectorDbRepository(session)
                current = await repo.get(vector_db_id)
                if current is None:
                    raise NotFound(f"{NOUN} {vector_db_id} not found")
                old_collection = current.collection_name
                updated = await repo.update(vector_db_id, embedding_model=model, dimension=dimension,
                                            collection_name=collection)
                dropping = CollectionsToDropRepository(session)
                await dropping.remove(collection)
                await dropping.add(old_collection)
                document_ids = await EmbeddingJobRepository(session).document_ids_for_vector_db(vector_db_id)
                requeued = await self.jobs.requeue(session, [(d, vector_db_id) for d in document_ids], actor.id,
                                                   "the embedding model was changed")
        except Exception:
            await self._drop(collection)
            raise
        # Committed: finish even if the caller goes away meanwhile.
        await asyncio.shield(self._switch_over(requeued, old_collection))
        self.ctx.events.publish("vector_db.changed", user_id=actor.id, vector_db_id=vector_db_id)
        return updated

    async def _switch_over(self, requeued: Requeued, old_collection: str) -> None:
        """After a model change committed: stop the old jobs, drop the old collection, start re-embedding."""
        await self.jobs.halt(requeued)
        await self._drop(old_collection)
        self.jobs.launch(requeued)

    async def remove_document(self, actor: Actor, vector_db_id: int, document_id: int) -> None:
        """Take one document out of a vector DB (its points and its job records)."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            vector_db = await load(VectorDbRepository(session), actor, vector_db_id, Action.UPDATE, NOUN)
        await self.jobs.cancel_where(document_id=document_id, vector_db_id=vector_db_id,
                                     reason="the document was removed from the vector DB")
        await self.store.delete_document(vector_db.collection_name, document_id)
        async with self.ctx.db.transaction() as session:
            await EmbeddingJobRepository(session).delete_for(document_id=document_id, vector_db_id=vector_db_id)

    async def delete(self, actor: Actor, vector_db_id: int) -> None:
        """Drop the collection, then the records (jobs and RAG systems on it go too)."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            vector_db = await load(VectorDbRepository(session), actor, vector_db_id, Action.DELETE, NOUN)
        await self.jobs.cancel_where(vector_db_id=vector_db_id, reason="its vector DB was deleted")
        await self.store.drop_collection(vector_db.collection_name)
        async with self.ctx.db.transaction() as session:
            await VectorDbRepository(session).delete(vector_db_id)
        self.ctx.events.publish("vector_db.deleted", user_id=actor.id, vector_db_id=vector_db_id)
