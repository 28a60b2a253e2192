"""Access-matrix operations of the embedding-job and RAG services: the ones whose requests name
several resources (a document and a vector DB; a vector DB, a chat model and a prompt)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from workshop_tui.domain.enums import JobStatus, Visibility
from workshop_tui.domain.errors import Forbidden, Invalid
from workshop_tui.services.access import Action, Actor, Kind
from workshop_tui.services.rag import DEFAULT_TEMPLATE
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository

from .access_registry import (
    expect_job,
    expect_kind,
    expect_model,
    expect_new,
    expect_owned,
    expect_rag_use,
    expect_use_vector_db,
    expect_visibility_change,
    register,
)
from .access_resources import (
    MODELS,
    OWNED,
    RAG_USE,
    Case,
    listed_as_table_says,
    make_document,
    make_job,
    make_prompt,
    make_rag,
    make_vector_db,
    on_target,
    rag_case,
)
from .access_world import CHAT_MODELS, GRANTED_MODEL, World

ENQUEUE = tuple(f"{doc}+{db}" for doc in OWNED for db in OWNED)  # <document>+<vector DB>
JOBS = ("mine+own", "mine+other_private", "mine+other_class", "theirs+own", "theirs+other_private",
        "theirs+other_class", "theirs+other_public")  # <who asked>+<vector DB>
# <visibility asked>/<vector DB>/<chat model>/<prompt or ->
RAG_CREATE = (
    "private/own/granted/-", "class/own_class/granted/-", "public/own_public/granted/-", "class/own/granted/-",
    "public/own_class/granted/-", "private/other_private/granted/-", "private/other_class/granted/-",
    "private/other_public/granted/-", "class/other_class/granted/-", "public/other_public/granted/-",
    "public/other_class/granted/-", "private/own/ungranted/-", "private/own/disabled/-", "private/own/unlisted/-",
    "private/own/granted/own", "private/own/granted/other_private", "private/own/granted/other_class",
    "private/own/granted/other_public",
)
# <RAG system>/<vector DB>/<chat model>:<visibility asked>
RAG_VISIBILITY = (
    "own/own_public/granted:public", "own/own_class/granted:class", "own/own_class/granted:public",
    "own/own/granted:class", "own_class/own/granted:private", "own_public/own_public/granted:private",
    "own/other_public/granted:class", "own/other_private/granted:private", "other_private/other_public/granted:public",
    "other_class/other_public/granted:public", "other_public/other_public/granted:private",
)
# <RAG system>><vector DB it is moved onto>
RAG_MOVES = ("own>own", "own>other_private", "own>other_class", "own>other_public", "own_class>own",
             "own_class>own_class", "own_class>other_class", "own_public>other_class", "other_private>own",
             "other_public>other_public")


@contextmanager
def visibility_refused() -> Iterator[None]:
    """A RAG system more visible than its vector DB is refused as invalid input on its visibility;
    that is the refusal this matrix counts (any other invalid input is the test's mistake)."""
    try:
        yield
    except Invalid as error:
        if error.field != "visibility":
            raise
        raise Forbidden(str(error)) from error


# Embedding jobs: read the document, change the vector DB. ---------------------------------------
async def pair(world: World, actor: Actor, variant: str) -> Case:
    doc, _, db = variant.partition("+")
    return Case(document=await make_document(world, actor, doc),
                vector_db=await make_vector_db(world, actor, db, stored=True))


@register("embedding_jobs.enqueue", "embedding_job", ENQUEUE, pair,
          lambda a, c: expect_kind(a, Action.CREATE, Kind.EMBEDDING_JOB) and expect_owned(a, Action.READ, c.document)
          and expect_owned(a, Action.UPDATE, c.vector_db))
async def enqueue(world: World, actor: Actor, case: Case) -> Any:
    assert case.document is not None and case.vector_db is not None
    return await world.stack.knowledge.jobs.enqueue(actor, case.document.id, case.vector_db.id)


async def job(world: World, actor: Actor, variant: str) -> Case:
    who, _, db = variant.partition("+")
    made = await make_vector_db(world, actor, db)
    document = await make_document(world, actor, "other_public")
    return Case(await make_job(world, document, made, actor.id if who == "mine" else world.other_id), vector_db=made)


def on_job(action: Action) -> Any:
    return lambda actor, case: expect_job(actor, action, case.target.requested_by_id, case.vector_db)


@register("embedding_jobs.get", "embedding_job", JOBS, job, on_job(Action.READ))
async def get_job(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.jobs.get(actor, case.target.id)


@register("embedding_jobs.cancel", "embedding_job", JOBS, job, on_job(Action.UPDATE))
async def cancel_job(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.jobs.cancel(actor, case.target.id)


async def stopped_job(world: World, actor: Actor, variant: str) -> Case:
    made = await job(world, actor, variant)
    async with world.ctx.db.transaction() as session:
        await EmbeddingJobRepository(session).update(made.target.id, status=JobStatus.CANCELLED)
    return made


@register("embedding_jobs.resume", "embedding_job", JOBS, stopped_job,
          lambda a, c: on_job(Action.UPDATE)(a, c) and expect_kind(a, Action.CREATE, Kind.EMBEDDING_JOB)
          and expect_owned(a, Action.UPDATE, c.vector_db))
async def resume_job(world: World, actor: Actor, case: Case) -> Any:
    """Resuming is queueing again: the job's document (public here) read, its vector DB changed."""
    return await world.stack.knowledge.jobs.resume(actor, case.target.id)


async def nothing(world: World, actor: Actor, variant: str) -> Case:
    return Case()


@register("embedding_jobs.watch", "embedding_job", ("listing",), nothing, lambda a, c: a.active)
async def watch_jobs(world: World, actor: Actor, case: Case) -> Any:
    async with world.stack.knowledge.jobs.watch(actor):
        pass


async def jobs_of(world: World, actor: Actor, variant: str) -> Case:
    made = await make_vector_db(world, actor, variant)
    await make_job(world, await make_document(world, actor, "other_public"), made, world.other_id)
    return Case(made)


@register("embedding_jobs.list(vector_db)", "embedding_job", OWNED, jobs_of, on_target(Action.READ))
async def list_jobs_of(world: World, actor: Actor, case: Case) -> Any:
    found = await world.stack.knowledge.jobs.list(actor, vector_db_id=case.target.id)
    assert found and {j.vector_db_id for j in found} == {case.target.id}


async def own_jobs(world: World, actor: Actor, variant: str) -> Case:
    for who in (actor.id, world.other_id):
        made = await make_vector_db(world, actor, "other_public")
        await make_job(world, await make_document(world, actor, "other_public"), made, who)
    return Case()


@register("embedding_jobs.list(own)", "embedding_job", ("listing",), own_jobs, lambda a, c: a.active)
async def list_own_jobs(world: World, actor: Actor, case: Case) -> Any:
    found = await world.stack.knowledge.jobs.list(actor)
    assert found and {j.requested_by_id for j in found} == {actor.id}


# RAG systems: the RAG system, its vector DB and its chat model, each checked. --------------------
async def new_rag(world: World, actor: Actor, variant: str) -> Case:
    visibility, db, model, template = variant.split("/")
    return Case(visibility=Visibility(visibility), model=await world.model_info(CHAT_MODELS[model]),
                vector_db=await make_vector_db(world, actor, db),
                prompt=None if template == "-" else await make_prompt(world, actor, template, DEFAULT_TEMPLATE))


@register("rag.create", "ragsystem", RAG_CREATE, new_rag,
          lambda a, c: expect_new(a, Kind.RAG_SYSTEM, c.visibility) and expect_model(a, Action.USE, c.model)
          and expect_use_vector_db(a, c.vector_db, c.visibility)
          and (c.prompt is None or expect_owned(a, Action.USE, c.prompt)))
async def create_rag(world: World, actor: Actor, case: Case) -> Any:
    assert case.model is not None and case.vector_db is not None
    with visibility_refused():
        return await world.stack.knowledge.rag.create(actor, world.next_name(), case.model.name, case.vector_db.id,
                                                      prompt_id=case.prompt.id if case.prompt else None,
                                                      visibility=case.visibility)


async def rag(world: World, actor: Actor, variant: str) -> Case:
    return await rag_case(world, actor, variant)


@register("rag.get", "ragsystem", RAG_USE, rag, on_target(Action.READ))
async def get_rag(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.rag.get(actor, case.target.id)


async def rags_of_every_visibility(world: World, actor: Actor, variant: str) -> Case:
    made = []
    for where in OWNED:
        made.append(await make_rag(world, actor, where, await make_vector_db(world, actor, where), GRANTED_MODEL))
    return Case(tuple(made))


@register("rag.list", "ragsystem", ("listing",), rags_of_every_visibility, lambda a, c: a.active)
async def list_rags(world: World, actor: Actor, case: Case) -> Any:
    listed_as_table_says(actor, case.target, await world.stack.knowledge.rag.list(actor))


@register("rag.update(name)", "ragsystem", RAG_USE, rag, on_target(Action.UPDATE))
async def rename_rag(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.rag.update(actor, case.target.id, name=world.next_name())


async def rag_visibility(world: World, actor: Actor, variant: str) -> Case:
    where, _, visibility = variant.partition(":")
    made = await rag_case(world, actor, where)
    return Case(made.target, Visibility(visibility), made.model, made.vector_db)


@register("rag.update(visibility)", "ragsystem", RAG_VISIBILITY, rag_visibility,
          lambda a, c: expect_visibility_change(a, c.target, c.visibility)
          and expect_use_vector_db(a, c.vector_db, c.visibility))
async def share_rag(world: World, actor: Actor, case: Case) -> Any:
    with visibility_refused():
        return await world.stack.knowledge.rag.update(actor, case.target.id, visibility=case.visibility)


async def rag_move(world: World, actor: Actor, variant: str) -> Case:
    where, _, onto = variant.partition(">")
    made = await rag_case(world, actor, f"{where}/{where}/granted")
    return Case(made.target, made.target.visibility, vector_db=await make_vector_db(world, actor, onto))


@register("rag.update(vector_db)", "ragsystem", RAG_MOVES, rag_move,
          lambda a, c: expect_owned(a, Action.UPDATE, c.target) and expect_use_vector_db(a, c.vector_db, c.visibility))
async def move_rag(world: World, actor: Actor, case: Case) -> Any:
    assert case.vector_db is not None
    with visibility_refused():
        return await world.stack.knowledge.rag.update(actor, case.target.id, vector_db_id=case.vector_db.id)


async def rag_model(world: World, actor: Actor, variant: str) -> Case:
    made = await rag_case(world, actor, "own/own/granted")
    return Case(made.target, model=await world.model_info(CHAT_MODELS[variant]))


@register("rag.update(chat_model)", "ragsystem", MODELS, rag_model,
          lambda a, c: expect_owned(a, Action.UPDATE, c.target) and expect_model(a, Action.USE, c.model))
async def change_rag_model(world: World, actor: Actor, case: Case) -> Any:
    assert case.model is not None
    return await world.stack.knowledge.rag.update(actor, case.target.id, chat_model=case.model.name)


@register("rag.delete", "ragsystem", RAG_USE, rag, on_target(Action.DELETE))
async def delete_rag(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.rag.delete(actor, case.target.id)


async def stored_rag(world: World, actor: Actor, variant: str) -> Case:
    return await rag_case(world, actor, variant, stored=True)


@register("rag.retrieve", "ragsystem", RAG_USE, stored_rag,
          lambda a, c: expect_rag_use(a, c.target, c.vector_db, c.model))
async def retrieve(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.rag.retrieve(actor, case.target.id, "Which port does Ollama use?")
