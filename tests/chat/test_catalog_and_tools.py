"""The model catalogue and tool resources, as admins and instructors manage them."""

from __future__ import annotations

import asyncio

import pytest
from chat.conftest import ChatWorld, actor_for, make_user

from workshop_tui.domain.enums import Role, ToolKind, Visibility
from workshop_tui.domain.errors import Conflict, Forbidden, Invalid, Unavailable
from workshop_tui.services.catalog import CatalogService
from workshop_tui.services.tool_resources import ToolService
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.storage.repositories.users import UserRepository


async def admin_of(world: ChatWorld):  # type: ignore[no-untyped-def]
    return await actor_for(world.ctx.db, await make_user(world.ctx.db, "ada", Role.ADMIN))


async def test_sync_records_capabilities_dimension_and_hosts_and_keeps_grants(world: ChatWorld) -> None:
    catalog = CatalogService(world.ctx, world.gateway)
    admin = await admin_of(world)
    models = {m.name: m for m in await catalog.sync(admin)}
    assert {"llama3.2:1b", "all-minilm:latest", "nomic-embed-text:latest"} <= set(models)
    assert models["all-minilm:latest"].embedding_dimension == 384
    assert models["nomic-embed-text:latest"].embedding_dimension == 768
    assert "tools" in models["llama3.2:1b"].capabilities and models["llama3.2:1b"].embedding_dimension is None
    assert models["llama3.2:1b"].hosts == (world.fake.url,)

    world.fake.registry.remove("gemma3:1b")
    world.gateway.invalidate()
    after = {m.name: m for m in await catalog.sync(admin)}
    assert after["gemma3:1b"].hosts == ()  # kept, marked as served by no host
    usable = [m.name for m in await catalog.list(world.student, usable_only=True)]
    assert usable == ["llama3.2:1b"]  # the student's grant survived the sync


async def test_only_admins_manage_models_and_every_action_is_audited(world: ChatWorld) -> None:
    catalog = CatalogService(world.ctx, world.gateway)
    with pytest.raises(Forbidden):
        await catalog.sync(world.student)
    with pytest.raises(Forbidden):
        async for _ in catalog.pull(world.student, "qwen2.5:0.5b"):
            pass
    admin = await admin_of(world)
    statuses = [p.status async for p in catalog.pull(admin, "qwen2.5:0.5b")]
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    assert any(p.startswith("pulling ") and p != "pulling manifest" for p in statuses)
    assert "qwen2.5:0.5b" in {m.name for m in await catalog.list(admin)}
    await catalog.delete(admin, "qwen2.5:0.5b")
    assert "qwen2.5:0.5b" not in world.fake.registry.names()
    with pytest.raises(Unavailable, match="file does not exist"):
        async for _ in catalog.pull(admin, "no-such-model:7b"):
            pass
    async with world.ctx.db.reading() as session:
        actions = [e.action for e in await AuditRepository(session).list(target_type="model")]
    assert {"model.pull.start", "model.pull.end", "model.delete", "model.sync"} <= set(actions)


async def test_catalogue_lists_from_the_database_with_ollama_down(world: ChatWorld) -> None:
    catalog = CatalogService(world.ctx, world.gateway)
    world.fake.stop()
    models = await asyncio.wait_for(catalog.list(world.student), 5)
    assert "llama3.2:1b" in {m.name for m in models}


async def test_tools_are_created_from_vetted_kinds_with_checked_config(world: ChatWorld) -> None:
    tools = ToolService(world.ctx)
    instructor = await actor_for(world.ctx.db, 1)
    glossary = await tools.create(instructor, "glossary", ToolKind.LOOKUP_TABLE, description="Terms",
                                  config={"entries": {"RAG": "retrieval-augmented generation"}},
                                  visibility=Visibility.CLASS)
    assert glossary.parameters["required"] == ["key"]
    with pytest.raises(Forbidden, match="may not create a tool"):
        await tools.create(world.student, "mine", ToolKind.CALCULATOR)
    with pytest.raises(Invalid, match="config.entries: is required"):
        await tools.create(instructor, "empty_table", ToolKind.LOOKUP_TABLE)
    with pytest.raises(Invalid, match="not a tool kind"):
        await tools.create(instructor, "shell", "shell_command")
    with pytest.raises(Invalid, match="name: use 2–48"):
        await tools.create(instructor, "Bad Name!", ToolKind.CALCULATOR)
    with pytest.raises(Conflict):
        await tools.create(instructor, "glossary", ToolKind.CALCULATOR)
    assert "glossary" in {t.name for t in await tools.list(world.student)}  # class-wide: students see it
    assert world.student.id is not None
    async with world.ctx.db.transaction() as session:
        await UserRepository(session).set_tool_ids(world.student.id, [glossary.id])
    conversation = await world.chat.create(world.student, "llama3.2:1b", tool_ids=[glossary.id])
    assert conversation.tool_ids == (glossary.id,)


async def test_usable_tools_follow_the_grants_as_they_are_now(world: ChatWorld) -> None:
    tools = ToolService(world.ctx)
    assert {t.name for t in await tools.list(world.student, usable_only=True)} == {"calc"}
    assert {t.name for t in await tools.list(world.student)} == {"calc", "clock"}  # both are class-wide
    assert world.student.id is not None
    async with world.ctx.db.transaction() as session:  # granted after the session signed in
        await UserRepository(session).set_tool_ids(world.student.id, [world.clock_tool_id])
    assert {t.name for t in await tools.list(world.student, usable_only=True)} == {"clock"}


async def test_host_addresses_in_the_catalogue_are_for_staff_only(world: ChatWorld) -> None:
    catalog = CatalogService(world.ctx, world.gateway)
    instructor = await actor_for(world.ctx.db, 1)
    assert {m.name: m.hosts for m in await catalog.list(instructor)}["llama3.2:1b"] == (world.fake.url,)
    seen_by_student = await catalog.list(world.student)
    assert seen_by_student and all(m.hosts == () and m.host is None for m in seen_by_student)
