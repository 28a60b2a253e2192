"""Access-matrix operations of the document, prompt, vector DB and search services."""

from __future__ import annotations

from typing import Any

from workshop_tui.domain.enums import Visibility
from workshop_tui.services.access import ADMINS, Action, Actor, Kind
from workshop_tui.services.document_sources import upload_folder

from .access_registry import expect_kind, expect_model, expect_new, expect_owned, expect_visibility_change, register
from .access_resources import (
    OWNED,
    VISIBILITIES,
    VISIBILITY_CHANGES,
    Case,
    changing,
    listed_as_table_says,
    make_document,
    make_prompt,
    make_vector_db,
    on_target,
)
from .access_world import EMBED_MODELS, World

NEW_VECTOR_DBS = ("private/granted", "class/granted", "public/granted", "private/ungranted", "private/disabled",
                  "private/unlisted")
NEW_EMBEDDING_MODELS = ("own/spare", "other_private/spare", "other_class/spare", "other_public/spare",
                        "own/ungranted", "own/disabled", "own/unlisted")
REMOVALS = tuple(f"{db}+{doc}" for db in OWNED for doc in ("own", "other_private"))


def text_for(world: World) -> str:
    name = world.next_name()
    return f"# {name}\n\nA fresh text about {name}, so that its checksum is new."


async def new_visibility(world: World, actor: Actor, variant: str) -> Case:
    return Case(visibility=Visibility(variant))


def creates(kind: Kind) -> Any:
    return lambda actor, case: expect_new(actor, kind, case.visibility)


def changes_visibility(actor: Actor, case: Case) -> bool:
    return expect_visibility_change(actor, case.target, case.visibility)


# Documents. ------------------------------------------------------------------------------------
async def document(world: World, actor: Actor, variant: str) -> Case:
    return Case(await make_document(world, actor, variant))


async def documents_of_every_visibility(world: World, actor: Actor, variant: str) -> Case:
    return Case(tuple([await make_document(world, actor, v) for v in OWNED]))


@register("documents.import_text", "document", VISIBILITIES, new_visibility, creates(Kind.DOCUMENT))
async def import_text(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.documents.import_text(actor, world.next_name(), text_for(world),
                                                             visibility=case.visibility)


@register("documents.import_text(replace_id)", "document", OWNED, document,
          lambda a, c: expect_kind(a, Action.CREATE, Kind.DOCUMENT) and expect_owned(a, Action.UPDATE, c.target))
async def replace_document(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.documents.import_text(actor, "Replaced", text_for(world),
                                                             replace_id=case.target.id)


async def server_file(world: World, actor: Actor, variant: str) -> Case:
    """A file in the import root, or in the actor's own upload folder."""
    if variant == "import_root":
        folder = world.stack.knowledge.documents.import_root
        folder.mkdir(parents=True, exist_ok=True)
    else:
        assert actor.user is not None
        folder = upload_folder(world.ctx.settings.uploads_dir, actor.user.username)
    path = folder / f"{world.next_name()}.md"
    path.write_text(text_for(world), encoding="utf-8")
    return Case(path.name)


@register("documents.import_path", "document", ("import_root",), server_file,
          lambda a, c: expect_kind(a, Action.CREATE, Kind.DOCUMENT) and a.role in ADMINS)
async def import_path(world: World, actor: Actor, case: Case) -> Any:
    """Server paths are for admins (and the operator) only: docs/KNOWLEDGE.md."""
    return await world.stack.knowledge.documents.import_path(actor, case.target)


@register("documents.import_upload", "document", ("own_folder",), server_file,
          lambda a, c: expect_kind(a, Action.CREATE, Kind.DOCUMENT))
async def import_upload(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.documents.import_upload(actor, case.target)


@register("documents.list_uploads", "document", ("own_folder",), server_file, lambda a, c: a.active)
async def list_uploads(world: World, actor: Actor, case: Case) -> Any:
    assert case.target in {f.name for f in await world.stack.knowledge.documents.list_uploads(actor)}


@register("documents.get", "document", OWNED, document, on_target(Action.READ))
async def get_document(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.documents.get(actor, case.target.id)


@register("documents.list", "document", ("listing",), documents_of_every_visibility, lambda a, c: a.active)
async def list_documents(world: World, actor: Actor, case: Case) -> Any:
    listed_as_table_says(actor, case.target, await world.stack.knowledge.documents.list(actor))


@register("documents.summaries", "document", ("listing",), documents_of_every_visibility, lambda a, c: a.active)
async def summarize_documents(world: World, actor: Actor, case: Case) -> Any:
    listed_as_table_says(actor, case.target, [s.document for s in await world.stack.knowledge.documents.summaries(
        actor)])


@register("documents.chunks", "document", OWNED, document, on_target(Action.READ))
async def document_chunks(world: World, actor: Actor, case: Case) -> Any:
    assert (await world.stack.knowledge.documents.chunks(actor, case.target.id)).chunks


@register("documents.update(title)", "document", OWNED, document, on_target(Action.UPDATE))
async def rename_document(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.documents.update(actor, case.target.id, title="Renamed")


@register("documents.update(visibility)", "document", VISIBILITY_CHANGES, changing(make_document),
          changes_visibility)
async def share_document(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.documents.update(actor, case.target.id, visibility=case.visibility)


@register("documents.delete", "document", OWNED, document, on_target(Action.DELETE))
async def delete_document(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.documents.delete(actor, case.target.id)


# Prompts. --------------------------------------------------------------------------------------
async def prompt(world: World, actor: Actor, variant: str) -> Case:
    return Case(await make_prompt(world, actor, variant))


async def prompts_of_every_visibility(world: World, actor: Actor, variant: str) -> Case:
    return Case(tuple([await make_prompt(world, actor, v) for v in OWNED]))


@register("prompts.create", "prompt", VISIBILITIES, new_visibility, creates(Kind.PROMPT))
async def create_prompt(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.prompts.create(actor, world.next_name(), "Explain {{topic}} simply.",
                                                      variables=[{"name": "topic", "type": "text", "required": True}],
                                                      visibility=case.visibility)


@register("prompts.get", "prompt", OWNED, prompt, on_target(Action.READ))
async def get_prompt(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.prompts.get(actor, case.target.id)


@register("prompts.list", "prompt", ("listing",), prompts_of_every_visibility, lambda a, c: a.active)
async def list_prompts(world: World, actor: Actor, case: Case) -> Any:
    listed_as_table_says(actor, case.target, await world.stack.knowledge.prompts.list(actor))


@register("prompts.update(title)", "prompt", OWNED, prompt, on_target(Action.UPDATE))
async def rename_prompt(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.prompts.update(actor, case.target.id, title=world.next_name())


@register("prompts.update(visibility)", "prompt", VISIBILITY_CHANGES, changing(make_prompt), changes_visibility)
async def share_prompt(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.prompts.update(actor, case.target.id, visibility=case.visibility)


@register("prompts.delete", "prompt", OWNED, prompt, on_target(Action.DELETE))
async def delete_prompt(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.prompts.delete(actor, case.target.id)


@register("prompts.render", "prompt", OWNED, prompt, on_target(Action.USE))
async def render_prompt(world: World, actor: Actor, case: Case) -> Any:
    assert "Greet" in await world.stack.knowledge.prompts.render(actor, case.target.id, {})


# Vector DBs: creating one needs the embedding model; its contents belong to its owner. ---------
async def vector_db(world: World, actor: Actor, variant: str) -> Case:
    return Case(await make_vector_db(world, actor, variant))


async def stored_vector_db(world: World, actor: Actor, variant: str) -> Case:
    return Case(await make_vector_db(world, actor, variant, stored=True))


async def vector_dbs_of_every_visibility(world: World, actor: Actor, variant: str) -> Case:
    return Case(tuple([await make_vector_db(world, actor, v) for v in OWNED]))


async def new_vector_db(world: World, actor: Actor, variant: str) -> Case:
    visibility, _, model = variant.partition("/")
    return Case(visibility=Visibility(visibility), model=await world.model_info(EMBED_MODELS[model]))


@register("vector_dbs.create", "vectordb", NEW_VECTOR_DBS, new_vector_db,
          lambda a, c: expect_new(a, Kind.VECTOR_DB, c.visibility) and expect_model(a, Action.USE, c.model))
async def create_vector_db(world: World, actor: Actor, case: Case) -> Any:
    assert case.model is not None
    return await world.stack.knowledge.vector_dbs.create(actor, world.next_name(), case.model.name,
                                                         visibility=case.visibility)


@register("vector_dbs.get", "vectordb", OWNED, vector_db, on_target(Action.READ))
async def get_vector_db(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.vector_dbs.get(actor, case.target.id)


@register("vector_dbs.describe", "vectordb", OWNED, stored_vector_db, on_target(Action.READ))
async def describe_vector_db(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.vector_dbs.describe(actor, case.target.id)


@register("vector_dbs.list", "vectordb", ("listing",), vector_dbs_of_every_visibility, lambda a, c: a.active)
async def list_vector_dbs(world: World, actor: Actor, case: Case) -> Any:
    listed_as_table_says(actor, case.target, await world.stack.knowledge.vector_dbs.list(actor))


@register("vector_dbs.update(name)", "vectordb", OWNED, vector_db, on_target(Action.UPDATE))
async def rename_vector_db(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.vector_dbs.update(actor, case.target.id, name=world.next_name())


@register("vector_dbs.update(visibility)", "vectordb", VISIBILITY_CHANGES, changing(make_vector_db),
          changes_visibility)
async def share_vector_db(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.vector_dbs.update(actor, case.target.id, visibility=case.visibility)


async def model_change(world: World, actor: Actor, variant: str) -> Case:
    where, _, model = variant.partition("/")
    made = await make_vector_db(world, actor, where, stored=True)
    return Case(made, model=await world.model_info(EMBED_MODELS[model]))


@register("vector_dbs.change_embedding_model", "vectordb", NEW_EMBEDDING_MODELS, model_change,
          lambda a, c: expect_owned(a, Action.UPDATE, c.target) and expect_model(a, Action.USE, c.model))
async def change_embedding_model(world: World, actor: Actor, case: Case) -> Any:
    assert case.model is not None
    return await world.stack.knowledge.vector_dbs.change_embedding_model(actor, case.target.id, case.model.name,
                                                                         confirm=True)


async def removal(world: World, actor: Actor, variant: str) -> Case:
    where, _, whose = variant.partition("+")
    return Case(await make_vector_db(world, actor, where, stored=True), document=await make_document(world, actor,
                                                                                                      whose))


@register("vector_dbs.remove_document", "vectordb", REMOVALS, removal, on_target(Action.UPDATE))
async def remove_document(world: World, actor: Actor, case: Case) -> Any:
    """The document id only says what to take out: pruning a vector DB is changing it, whoever wrote
    the document (its owner must be able to remove a document that was made private since)."""
    assert case.document is not None
    return await world.stack.knowledge.vector_dbs.remove_document(actor, case.target.id, case.document.id)


@register("vector_dbs.delete", "vectordb", OWNED, stored_vector_db, on_target(Action.DELETE))
async def delete_vector_db(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.vector_dbs.delete(actor, case.target.id)


@register("search.search", "vectordb", OWNED, stored_vector_db, on_target(Action.USE))
async def search(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.knowledge.search.search(actor, case.target.id, "Which port?", top_k=2)
