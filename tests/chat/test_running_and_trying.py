"""What the Models and Tools screens ask of the services beyond the chat: the models loaded in
memory, and trying a tool once with sample arguments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from chat.conftest import ChatWorld, actor_for, make_user

from workshop_tui.domain.enums import Role
from workshop_tui.domain.errors import Forbidden, NotFound, Unavailable
from workshop_tui.services.catalog import CatalogService
from workshop_tui.services.tool_resources import ToolService


async def test_running_models_show_memory_and_expiry_and_the_host_only_to_staff(world: ChatWorld) -> None:
    world.fake.registry.touch("llama3.2:1b", "5m")
    catalog = CatalogService(world.ctx, world.gateway)
    instructor = await actor_for(world.ctx.db, await make_user(world.ctx.db, "iris", Role.INSTRUCTOR))

    [staff_view] = await catalog.running(instructor)
    assert staff_view.name == "llama3.2:1b" and staff_view.host == world.fake.url
    assert staff_view.vram_bytes > 0 and staff_view.size_bytes > 0
    assert staff_view.expires_at is not None
    left = (staff_view.expires_at - datetime.now(UTC)).total_seconds()
    assert 200 < left <= 301

    [student_view] = await catalog.running(world.student)
    assert student_view.name == "llama3.2:1b" and student_view.host is None


async def test_running_models_with_ollama_down_say_it_is_unavailable(world: ChatWorld) -> None:
    world.fake.stop()
    with pytest.raises(Unavailable, match="no Ollama host answers"):
        await CatalogService(world.ctx, world.gateway).running(world.student)


async def test_trying_a_tool_gives_its_result_or_the_reason_it_refused_the_arguments(world: ChatWorld) -> None:
    tools = ToolService(world.ctx)
    done = await tools.try_tool(world.student, world.calc_tool_id, {"expression": "6 * 7"})
    assert done.ok and done.content == "42"
    refused = await tools.try_tool(world.student, world.calc_tool_id, {"expression": "__import__('os')"})
    assert not refused.ok and refused.content.startswith("error: expression: not allowed in a calculation")
    unknown = await tools.try_tool(world.student, world.calc_tool_id, {"expr": "1"})
    assert not unknown.ok and "arguments.expression" in unknown.content


async def test_trying_a_tool_is_for_whoever_may_use_it_now(world: ChatWorld) -> None:
    tools = ToolService(world.ctx)
    with pytest.raises(Forbidden, match="not allowed to use tool clock"):  # class-wide, but not granted
        await tools.try_tool(world.student, world.clock_tool_id, {})
    with pytest.raises(NotFound):
        await tools.try_tool(world.student, 9999, {})
    instructor = await actor_for(world.ctx.db, 1)
    await tools.update(instructor, world.calc_tool_id, enabled=False)
    with pytest.raises(Forbidden, match="disabled"):
        await tools.try_tool(instructor, world.calc_tool_id, {"expression": "1"})
    now = await tools.try_tool(instructor, world.clock_tool_id, {"timezone": "Europe/Paris"})
    assert now.ok and "Europe/Paris" in now.content
