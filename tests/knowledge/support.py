"""Helpers for the knowledge tests: accounts, model grants, a PDF builder and bounded waits."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from workshop_tui.domain.enums import AccountStatus, JobStatus, Role
from workshop_tui.domain.models import EmbeddingJob, VectorDb
from workshop_tui.services.access import OPERATOR, Actor
from workshop_tui.services.actors import load_actor
from workshop_tui.services.knowledge import KnowledgeServices
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.vectors import VectorHit, VectorStore

TIMEOUT = 30.0
CHAT = "llama3.2:1b"
MINILM = "all-minilm"
NOMIC = "nomic-embed-text"


async def make_user(db: Database, username: str, role: Role, *, status: AccountStatus = AccountStatus.ACTIVE,
                    models: tuple[str, ...] = ()) -> Actor:
    """An account created straight through the repository, with model grants by name."""
    async with db.transaction() as session:
        users = UserRepository(session)
        user = await users.add(username=username, display_name=username.title(), role=role, status=status,
                               password_hash=None)
        catalogue = await ModelRepository(session).by_names(f"{m}:latest" if ":" not in m else m for m in models)
        await users.set_model_ids(user.id, [m.id for m in catalogue.values()])
    async with db.reading() as session:
        return await load_actor(session, user.id)


@dataclass
class People:
    admin: Actor
    teacher: Actor
    alice: Actor
    bob: Actor
    carol: Actor  # a student without any model grant
    guest: Actor
    pending: Actor
    operator: Actor = OPERATOR


async def make_people(db: Database) -> People:
    async with db.transaction() as session:
        models = ModelRepository(session)
        await models.upsert(f"{CHAT}", capabilities=["completion", "tools"])
        await models.upsert(f"{MINILM}:latest", capabilities=["embedding"], embedding_dimension=384)
        await models.upsert(f"{NOMIC}:latest", capabilities=["embedding"], embedding_dimension=768)
    granted = (CHAT, MINILM, NOMIC)
    return People(
        admin=await make_user(db, "admin", Role.ADMIN),
        teacher=await make_user(db, "teacher", Role.INSTRUCTOR),
        alice=await make_user(db, "alice", Role.STUDENT, models=granted),
        bob=await make_user(db, "bob", Role.STUDENT, models=granted),
        carol=await make_user(db, "carol", Role.STUDENT),
        guest=await make_user(db, "guest", Role.GUEST, models=granted),
        pending=await make_user(db, "newbie", Role.STUDENT, status=AccountStatus.PENDING, models=granted),
    )


async def bounded(awaitable: Awaitable[Any], timeout: float = TIMEOUT) -> Any:
    return await asyncio.wait_for(awaitable, timeout)


async def embed(k: KnowledgeServices, actor: Actor, document_id: int, vector_db_id: int) -> EmbeddingJob:
    """Queue a job and wait (bounded) for it to end."""
    job = await bounded(k.jobs.enqueue(actor, document_id, vector_db_id))
    return await k.jobs.wait(actor, job.id, timeout_s=TIMEOUT)


async def all_points(store: VectorStore, vector_db: VectorDb) -> list[VectorHit]:
    """Every point of a vector DB with its payload (a query with a limit above the point count)."""
    count = await bounded(store.count(vector_db.collection_name))
    if count == 0:
        return []
    probe = [1.0 / math.sqrt(vector_db.dimension)] * vector_db.dimension
    return await bounded(store.query(vector_db.collection_name, probe, top_k=count + 10))


async def wait_until(predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = TIMEOUT) -> None:
    """Poll an async condition until it holds, within `timeout` seconds."""

    async def poll() -> None:
        while not await check():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


def finished(job: EmbeddingJob) -> bool:
    return job.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)




def hold_embedding_after(k: KnowledgeServices, batches: int) -> asyncio.Event:
    """A slow Ollama: after `batches` embed requests, each waits until the returned event is set."""
    gate = asyncio.Event()
    real_embed = k.embedder.embed_documents
    calls = {"n": 0}

    async def slow_embed(model: str, texts: list[str]) -> list[list[float]]:
        calls["n"] += 1
        if calls["n"] > batches:
            await gate.wait()
        return await real_embed(model, texts)

    k.embedder.embed_documents = slow_embed  # type: ignore[method-assign]
    return gate
