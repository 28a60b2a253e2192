"""Tool resources: named, described instances of the vetted built-in kinds, with their config.

Nobody uploads or edits tool code: creating a tool picks a kind and gives it a config that is
validated against the kind's own schema. Instructors and above create tools; who may call a tool
is a per-user grant (see `access.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import ToolKind, Visibility
from workshop_tui.domain.errors import Conflict, Invalid, NotFound
from workshop_tui.domain.models import Tool
from workshop_tui.domain.text_fields import clean_strings, one_line_text
from workshop_tui.services.access import Action, Actor, Kind, authorize, can_read, check_visibility
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.knowledge_access import load
from workshop_tui.services.tools import schema
from workshop_tui.services.tools.kinds import SearchFunction, ToolRuntime, spec_for
from workshop_tui.services.tools.runner import ToolOutcome, run_tool_call
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository

# Models call tools by name, and Ollama passes the name to the model as a function name.
TOOL_NAME = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
MAX_DESCRIPTION = 500
SearchBinder = Callable[[Actor], SearchFunction]  # a vector search bound to the acting user


def check_tool_fields(name: str, kind: ToolKind | str, config: dict[str, Any]) -> ToolKind:
    if not TOOL_NAME.match(name):
        raise Invalid("use 2–48 lower-case letters, digits and underscores, starting with a letter", field="name")
    spec = spec_for(kind)
    schema.validate(config, spec.config_schema, "config")
    return spec.kind


async def check_config_ids(session: AsyncSession, actor: Actor, kind: ToolKind, config: dict[str, Any]) -> None:
    """Ids inside a config are checked like every other id: a vector-search tool may only name a
    vector DB its author may use (calls are checked again for whoever calls the tool)."""
    if kind is ToolKind.VECTOR_SEARCH:
        await load(VectorDbRepository(session), actor, config["vector_db_id"], Action.USE, "vector DB")


class ToolService:
    def __init__(self, ctx: ServiceContext, *, search: SearchBinder | None = None) -> None:
        self.ctx = ctx
        self.search = search

    async def list(self, actor: Actor, *, usable_only: bool = False) -> list[Tool]:
        """Tools the actor can see; with `usable_only`, only the enabled ones they may call now
        (their grants as the database says, not as the session remembers them)."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            visible = [t for t in await ToolRepository(session).list() if can_read(actor, t)]
        if usable_only:
            return [t for t in visible if t.enabled and actor.may_use_tool(t)]
        return visible

    async def get(self, actor: Actor, tool_id: int) -> Tool:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            tool = await _existing(ToolRepository(session), tool_id)
        authorize(actor, Action.READ, tool)
        return tool

    async def try_tool(self, actor: Actor, tool_id: int, arguments: dict[str, Any]) -> ToolOutcome:
        """Run the tool once with `arguments`, as a model's call would run in a chat: for whoever may
        use it now. Arguments it refuses (bad type, too large, an unknown unit) come back as a result
        that is not ok, with the reason, exactly as the model would read it."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            tool = await _existing(ToolRepository(session), tool_id)
        authorize(actor, Action.USE, tool)
        runtime = ToolRuntime(search=self.search(actor) if self.search else None)
        return await run_tool_call(actor, {tool.name: tool}, tool.name, arguments, runtime,
                                   self.ctx.settings.ollama.tool_timeout_s)

    async def create(self, actor: Actor, name: str, kind: ToolKind | str, *, description: str = "",
                     config: dict[str, Any] | None = None, visibility: Visibility = Visibility.PRIVATE) -> Tool:
        config = clean_strings(config or {})
        description = one_line_text(description, "description", MAX_DESCRIPTION)
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.CREATE, Kind.TOOL)
            check_visibility(actor, visibility)
            tool_kind = check_tool_fields(name, kind, config)
            await check_config_ids(session, actor, tool_kind, config)
            repo = ToolRepository(session)
            if await repo.get_by_name(name) is not None:
                raise Conflict(f"a tool named {name!r} already exists")
            tool = await repo.add(name=name, kind=tool_kind, description=description, config=config,
                                  parameters=spec_for(tool_kind).parameters, visibility=visibility,
                                  creator_id=actor.id)
            await AuditRepository(session).record(actor_id=actor.id, actor_name=actor.name, action="tool.create",
                                                  target_type="tool", target_id=tool.id, target_name=name,
                                                  after={"kind": tool_kind.value, "visibility": visibility.value})
            return tool

    async def update(self, actor: Actor, tool_id: int, *, description: str | None = None,
                     config: dict[str, Any] | None = None, visibility: Visibility | None = None,
                     enabled: bool | None = None) -> Tool:
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            repo = ToolRepository(session)
            tool = await _existing(repo, tool_id)
            authorize(actor, Action.UPDATE, tool)
            fields: dict[str, Any] = {}
            if description is not None:
                fields["description"] = one_line_text(description, "description", MAX_DESCRIPTION)
            if config is not None:
                config = clean_strings(config)
                await check_config_ids(session, actor, check_tool_fields(tool.name, tool.kind, config), config)
                fields["config"] = config
            if visibility is not None and visibility is not tool.visibility:
                if visibility is not Visibility.PRIVATE:
                    authorize(actor, Action.SHARE, tool)
                fields["visibility"] = visibility
            if enabled is not None:
                fields["enabled"] = enabled
            updated = await repo.update(tool_id, **fields)
            await AuditRepository(session).record(
                actor_id=actor.id, actor_name=actor.name, action="tool.update", target_type="tool",
                target_id=tool_id, target_name=tool.name,
                before={k: _plain(getattr(tool, k)) for k in fields}, after={k: _plain(v) for k, v in fields.items()})
            return updated

    async def delete(self, actor: Actor, tool_id: int) -> None:
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            repo = ToolRepository(session)
            tool = await _existing(repo, tool_id)
            authorize(actor, Action.DELETE, tool)
            await repo.delete(tool_id)
            await AuditRepository(session).record(actor_id=actor.id, actor_name=actor.name, action="tool.delete",
                                                  target_type="tool", target_id=tool_id, target_name=tool.name)


async def _existing(repo: ToolRepository, tool_id: int) -> Tool:
    tool = await repo.get(tool_id)
    if tool is None:
        raise NotFound(f"tool {tool_id} not found")
    return tool


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value
