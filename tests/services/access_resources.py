"""Real rows for the access matrix's cases, written straight through the repositories (so a pending
or suspended actor can "own" something too), and the variant names that describe them.

A variant names an owner and a visibility: `own` (the actor's, private), `own_class`,
`other_private`, `other_public`... (another user's); tool variants may add `granted` (the actor
holds a grant for it) and `disabled`. A RAG variant is `<RAG system>/<vector DB>/<chat model>`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from workshop_tui.domain.enums import Distance, JobStatus, Role, ToolKind, Visibility
from workshop_tui.domain.models import (
    Conversation,
    Document,
    EmbeddingJob,
    ModelInfo,
    Prompt,
    RagSystem,
    Tool,
    VectorDb,
)
from workshop_tui.services.access import Action, Actor
from workshop_tui.services.rag import DEFAULT_TEMPLATE
from workshop_tui.services.tools.kinds import KINDS
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository

from .access_registry import expect_owned
from .access_world import CHAT_MODELS, EMBED_DIMENSION, EMBED_MODELS, GRANTED_MODEL, World

OWNED = ("own", "other_private", "other_class", "other_public")
# <resource>:<the visibility asked for>, widening (share) and narrowing (to private)
VISIBILITY_CHANGES = ("own:class", "own:public", "own_class:public", "own_public:class", "own_class:private",
                      "own_public:private", "other_private:class", "other_private:public", "other_class:public",
                      "other_public:class", "other_class:private", "other_public:private")
VISIBILITIES = tuple(v.value for v in Visibility)
MODELS = tuple(CHAT_MODELS)
TOOLS = (*OWNED, "own_granted", "other_class_granted", "other_public_granted", "other_private_granted",
         "other_class_granted_disabled")
CONVERSATIONS = ("own", "other", "ward")
RAG_USE = (
    "own/own/granted", "own/other_private/granted", "own/other_class/granted", "own/other_public/granted",
    "other_private/other_private/granted", "other_class/other_private/granted", "other_class/other_class/granted",
    "other_public/other_class/granted", "other_public/other_public/granted", "other_public/own/granted",
    "own/own/ungranted", "own/own/disabled", "own/own/unlisted", "other_public/other_public/ungranted",
)


@dataclass(frozen=True)
class Case:
    """One case's subject: the resource acted on (None when the operation creates one), the
    visibility the request asks for, and every resource that a nested id of the request names."""

    target: Any = None
    visibility: Visibility = Visibility.PRIVATE
    model: ModelInfo | None = None
    vector_db: VectorDb | None = None
    document: Document | None = None
    prompt: Prompt | None = None
    tools: tuple[Tool, ...] = ()
    rag: Case | None = None  # a RAG system named by the request: target, vector_db, model (its chat model)


Make = Callable[[World, Actor, str], Awaitable[Any]]
Prepare = Callable[[World, Actor, str], Awaitable[Case]]


def on_target(action: Action) -> Callable[[Actor, Case], bool]:
    """The oracle for `action` on the case's own resource (see access_registry.expect_owned)."""
    return lambda actor, case: expect_owned(actor, action, case.target)


def listed_as_table_says(actor: Actor, made: tuple[Any, ...], listed: list[Any]) -> None:
    """Of the resources a case made, a listing shows exactly those the actor may read."""
    made_ids, listed_ids = {r.id for r in made}, {r.id for r in listed}
    readable = {r.id for r in made if expect_owned(actor, Action.READ, r)}
    assert made_ids & listed_ids == readable, f"listed {sorted(made_ids & listed_ids)}, readable {sorted(readable)}"


def placement(world: World, actor: Actor, variant: str) -> tuple[int | None, Visibility]:
    """Creator and visibility that a variant names."""
    words = variant.split("_")
    creator = actor.id if words[0] == "own" else world.other_id
    return creator, next((Visibility(w) for w in words[1:] if w in VISIBILITIES), Visibility.PRIVATE)


def ward_exists(actor: Actor, variant: str) -> bool:
    """A family account guards nobody, so it has no ward's resources to try."""
    return not (variant == "ward" and actor.role is Role.FAMILY)


def changing(make: Make) -> Prepare:
    """Prepare a visibility change: `make` the resource a `<placement>:<visibility>` variant names."""
    async def prepare(world: World, actor: Actor, variant: str) -> Case:
        where, _, visibility = variant.partition(":")
        return Case(await make(world, actor, where), visibility=Visibility(visibility))
    return prepare


async def make_prompt(world: World, actor: Actor, variant: str, template: str = "Greet {{user_name}}.") -> Prompt:
    creator, visibility = placement(world, actor, variant)
    async with world.ctx.db.transaction() as session:
        return await PromptRepository(session).add(title=world.next_name(), template=template, visibility=visibility,
                                                   creator_id=creator)


async def make_document(world: World, actor: Actor, variant: str) -> Document:
    creator, visibility = placement(world, actor, variant)
    name = world.next_name()
    text = f"# {name}\n\nNotes about {name}: Ollama serves local models on port 11434."
    async with world.ctx.db.transaction() as session:
        return await DocumentRepository(session).add(
            title=name, text=text, content_type="text/markdown", checksum=hashlib.sha256(text.encode()).hexdigest(),
            size_bytes=len(text), source="paste", visibility=visibility, creator_id=creator)


async def make_vector_db(world: World, actor: Actor, variant: str, *, stored: bool = False,
                         model: str = EMBED_MODELS["granted"]) -> VectorDb:
    """A vector DB row; `stored` also creates its collection (for operations that reach the store)."""
    creator, visibility = placement(world, actor, variant)
    name = world.next_name()
    collection = f"vdb_matrix_{name}"
    if stored:
        await world.stack.store.ensure_collection(collection, EMBED_DIMENSION, Distance.COSINE)
    async with world.ctx.db.transaction() as session:
        return await VectorDbRepository(session).add(
            name=name, embedding_model=model, dimension=EMBED_DIMENSION, distance=Distance.COSINE,
            collection_name=collection, visibility=visibility, creator_id=creator)


async def make_rag(world: World, actor: Actor, variant: str, vector_db: VectorDb, chat_model: str) -> RagSystem:
    creator, visibility = placement(world, actor, variant)
    async with world.ctx.db.transaction() as session:
        return await RagSystemRepository(session).add(
            name=world.next_name(), chat_model=chat_model, vector_db_id=vector_db.id, prompt_template=DEFAULT_TEMPLATE,
            top_k=2, visibility=visibility, creator_id=creator)


async def rag_case(world: World, actor: Actor, variant: str, *, stored: bool = False) -> Case:
    """A RAG system, its vector DB and its chat model, as `<RAG system>/<vector DB>/<chat model>` says."""
    rag_variant, vector_db_variant, model = variant.split("/")
    vector_db = await make_vector_db(world, actor, vector_db_variant, stored=stored)
    rag = await make_rag(world, actor, rag_variant, vector_db, CHAT_MODELS[model])
    return Case(rag, rag.visibility, await world.model_info(rag.chat_model), vector_db)


async def make_tool(world: World, actor: Actor, variant: str, kind: ToolKind = ToolKind.CALCULATOR,
                    config: dict[str, Any] | None = None) -> Tool:
    """A tool (a calculator unless told); `granted` adds it to the actor's grants, `disabled` disables it."""
    creator, visibility = placement(world, actor, variant)
    words = set(variant.split("_"))
    async with world.ctx.db.transaction() as session:
        tool = await ToolRepository(session).add(
            name=world.next_name(), kind=kind, parameters=KINDS[kind].parameters, config=config or {},
            visibility=visibility, creator_id=creator, enabled="disabled" not in words)
        if "granted" in words and actor.id is not None:
            users = UserRepository(session)
            await users.set_tool_ids(actor.id, [*await users.tool_ids(actor.id), tool.id])
    world.forget(actor.id)
    return tool


def conversation_owner(world: World, actor: Actor, variant: str) -> int:
    if variant == "own":
        assert actor.id is not None
        return actor.id
    return world.other_id if variant == "other" else world.wards[actor.id or 0]


async def make_conversation(world: World, owner_id: int, model: str = GRANTED_MODEL, *,
                            tool_ids: tuple[int, ...] = (), rag_system_id: int | None = None) -> Conversation:
    async with world.ctx.db.transaction() as session:
        repo = ConversationRepository(session)
        conversation = await repo.add(user_id=owner_id, model=model, title=world.next_name(), tool_ids=tool_ids,
                                      rag_system_id=rag_system_id)
        await repo.add_message(conversation.id, "user", "An earlier question")
        return conversation


async def make_job(world: World, document: Document, vector_db: VectorDb, requested_by: int | None) -> EmbeddingJob:
    """A queued job record (no task runs it, so cancelling it is deterministic)."""
    async with world.ctx.db.transaction() as session:
        return await EmbeddingJobRepository(session).add(document_id=document.id, vector_db_id=vector_db.id,
                                                         requested_by_id=requested_by, status=JobStatus.QUEUED)
