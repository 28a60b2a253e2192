"""Access-matrix operations of the tool service and the model catalogue."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

from workshop_tui.domain.enums import ToolKind, Visibility
from workshop_tui.domain.errors import Forbidden
from workshop_tui.services.access import Action, Actor, Kind
from workshop_tui.services.health import HealthService
from workshop_tui.storage.repositories.models import ModelRepository

from .access_ops_chat import with_model
from .access_registry import expect_kind, expect_model, expect_new, expect_owned, expect_visibility_change, register
from .access_resources import (
    MODELS,
    OWNED,
    TOOLS,
    VISIBILITIES,
    VISIBILITY_CHANGES,
    Case,
    changing,
    make_tool,
    make_vector_db,
    on_target,
)
from .access_world import GRANTED_MODEL, World

PULLABLE = "qwen2.5:0.5b"  # in the fake Ollama's library, not installed at start
SEARCH_CONFIGS = tuple(f"{tool}>{db}" for tool in ("own", "other_class") for db in OWNED)  # <tool>><vector DB>


# Tools: instances of the built-in kinds; created by staff, shared like every owned resource. ----
async def tool(world: World, actor: Actor, variant: str) -> Case:
    return Case(await make_tool(world, actor, variant))


async def tools_of_every_visibility(world: World, actor: Actor, variant: str) -> Case:
    return Case(tools=tuple([await make_tool(world, actor, v) for v in OWNED]))


@register("tools.list", "tool", ("listing",), tools_of_every_visibility, lambda actor, case: actor.active)
async def list_tools(world: World, actor: Actor, case: Case) -> Any:
    listed = {t.id for t in await world.stack.tools.list(actor)}
    assert {t.id for t in case.tools} & listed == {t.id for t in case.tools if expect_owned(actor, Action.READ, t)}


@register("tools.get", "tool", OWNED, tool, on_target(Action.READ))
async def get_tool(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.tools.get(actor, case.target.id)


async def new_visibility(world: World, actor: Actor, variant: str) -> Case:
    return Case(visibility=Visibility(variant))


@register("tools.create", "tool", VISIBILITIES, new_visibility, lambda a, c: expect_new(a, Kind.TOOL, c.visibility))
async def create_tool(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.tools.create(actor, world.next_name(), ToolKind.CALCULATOR, visibility=case.visibility)


async def search_target(world: World, actor: Actor, variant: str) -> Case:
    """A vector DB for a vector-search tool's config to name (a nested id inside the config)."""
    return Case(vector_db=await make_vector_db(world, actor, variant))


@register("tools.create(vector_search)", "tool", OWNED, search_target,
          lambda a, c: expect_new(a, Kind.TOOL, c.visibility) and expect_owned(a, Action.USE, c.vector_db))
async def create_search_tool(world: World, actor: Actor, case: Case) -> Any:
    assert case.vector_db is not None
    return await world.stack.tools.create(actor, world.next_name(), ToolKind.VECTOR_SEARCH,
                                          config={"vector_db_id": case.vector_db.id})


async def search_config(world: World, actor: Actor, variant: str) -> Case:
    where, _, db = variant.partition(">")
    first = await make_vector_db(world, actor, where)
    made = await make_tool(world, actor, where, ToolKind.VECTOR_SEARCH, {"vector_db_id": first.id})
    return Case(made, vector_db=await make_vector_db(world, actor, db))


@register("tools.update(vector_search config)", "tool", SEARCH_CONFIGS, search_config,
          lambda a, c: expect_owned(a, Action.UPDATE, c.target) and expect_owned(a, Action.USE, c.vector_db))
async def point_search_tool(world: World, actor: Actor, case: Case) -> Any:
    assert case.vector_db is not None
    return await world.stack.tools.update(actor, case.target.id, config={"vector_db_id": case.vector_db.id})


@register("tools.update(description)", "tool", OWNED, tool, on_target(Action.UPDATE))
async def describe_tool(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.tools.update(actor, case.target.id, description="Adds numbers")


@register("tools.update(visibility)", "tool", VISIBILITY_CHANGES, changing(make_tool),
          lambda actor, case: expect_visibility_change(actor, case.target, case.visibility))
async def share_tool(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.tools.update(actor, case.target.id, visibility=case.visibility)


@register("tools.try_tool", "tool", TOOLS, tool, on_target(Action.USE))
async def try_tool(world: World, actor: Actor, case: Case) -> Any:
    outcome = await world.stack.tools.try_tool(actor, case.target.id, {"expression": "6 * 7"})
    assert outcome.ok and outcome.content == "42"


@register("tools.delete", "tool", OWNED, tool, on_target(Action.DELETE))
async def delete_tool(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.tools.delete(actor, case.target.id)


# The model catalogue: everyone reads it; admins manage it. -------------------------------------
def manages_models(actor: Actor, case: Case) -> bool:
    return expect_kind(actor, Action.MANAGE, Kind.MODEL) if case.model is None \
        else expect_model(actor, Action.MANAGE, case.model)


async def scratch_model(world: World, actor: Actor, variant: str) -> Case:
    """A model of its own for one case, on the fake Ollama and in the catalogue, to disable or delete."""
    name = f"scratch{world.next_name()}:1b"
    world.stack.fake.registry.add(world.stack.fake.registry.get(GRANTED_MODEL).renamed(name))  # type: ignore[union-attr]
    async with world.ctx.db.transaction() as session:
        await ModelRepository(session).upsert(name, capabilities=["completion"])
    world.stack.gateway.invalidate()
    return Case(model=await world.model_info(name))


async def kind_only(world: World, actor: Actor, variant: str) -> Case:
    return Case()


@register("catalog.list", "model", ("kind",), kind_only, lambda actor, case: actor.active)
async def list_models(world: World, actor: Actor, case: Case) -> Any:
    usable = await world.stack.catalog.list(actor, usable_only=True)
    assert all(expect_model(actor, Action.USE, m) for m in usable)
    return await world.stack.catalog.list(actor)


@register("catalog.details", "model", MODELS, with_model, lambda a, c: expect_model(a, Action.READ, c.model))
async def model_details(world: World, actor: Actor, case: Case) -> Any:
    assert case.model is not None
    return await world.stack.catalog.details(actor, case.model.name)


async def a_loaded_model(world: World, actor: Actor, variant: str) -> Case:
    world.stack.fake.registry.touch(GRANTED_MODEL, "5m")
    return Case()


@register("catalog.running", "model", ("kind",), a_loaded_model, lambda actor, case: actor.active)
async def running_models(world: World, actor: Actor, case: Case) -> Any:
    loaded = await world.stack.catalog.running(actor)
    shows_hosts = expect_kind(actor, Action.READ, Kind.HEALTH)  # the hosts' addresses are health details
    assert loaded and all((m.host is not None) == shows_hosts for m in loaded)
    return loaded


@register("catalog.sync", "model", ("kind",), kind_only, manages_models)
async def sync(world: World, actor: Actor, case: Case) -> Any:
    return await world.stack.catalog.sync(actor)


@register("catalog.set_enabled", "model", ("scratch",), scratch_model, manages_models)
async def disable(world: World, actor: Actor, case: Case) -> Any:
    assert case.model is not None
    return await world.stack.catalog.set_enabled(actor, case.model.name, False)


@register("catalog.pull", "model", (PULLABLE,), kind_only, manages_models)
async def pull(world: World, actor: Actor, case: Case) -> Any:
    async with aclosing(world.stack.catalog.pull(actor, PULLABLE)) as progress:
        assert [p async for p in progress][-1].status == "success"


@register("catalog.delete", "model", ("scratch",), scratch_model, manages_models)
async def delete_model(world: World, actor: Actor, case: Case) -> Any:
    assert case.model is not None
    return await world.stack.catalog.delete(actor, case.model.name)


@register("catalog.unload", "model", MODELS, with_model, manages_models)
async def unload(world: World, actor: Actor, case: Case) -> Any:
    assert case.model is not None
    return await world.stack.catalog.unload(actor, case.model.name)


# The health report: details for whoever may read them, only up or down for everyone else. ----
@register("health.detailed", "kind", ("kind",), kind_only, lambda a, _: expect_kind(a, Action.READ, Kind.HEALTH))
async def health_details(world: World, actor: Actor, case: Case) -> Any:
    report = await HealthService(world.ctx, world.stack.gateway, world.stack.store).detailed(actor)
    if not report.detailed:  # answered, but without the details: for this matrix, a refusal
        assert {c.name for c in report.checks} == {"database", "qdrant", "ollama"}
        assert all(not c.detail and c.error is None for c in report.checks)
        raise Forbidden("the health report's details are for staff")
