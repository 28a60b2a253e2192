"""Conversations: create, list, read, change and delete, each authorized for the acting user.

Every id a caller passes is checked: the conversation (owner, a guardian reading a ward's, or an
admin), its model (the user's grant), its tools (each grant), and its RAG system (readable).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import UNCHANGED, Unchanged
from workshop_tui.domain.errors import Invalid, NotFound
from workshop_tui.domain.models import Conversation, Message, ModelInfo, Tool
from workshop_tui.domain.text import one_line
from workshop_tui.domain.text_fields import bounded_text
from workshop_tui.ollama.types import model_key
from workshop_tui.services.access import Action, Actor, Kind, authorize
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.chat_history import validate_parameters
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.model_names import check_model_name, find_model
from workshop_tui.services.rag import usable_rag
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.tools import ToolRepository

MAX_MESSAGE_CHARS = 32_000
MAX_SYSTEM_PROMPT_CHARS = 16_000


@dataclass(frozen=True)
class Turn:
    """Everything a chat turn needs, checked: the fresh actor, its conversation, model and tools."""

    actor: Actor
    conversation: Conversation
    model: ModelInfo | None
    tools: dict[str, Tool]
    history: list[Message]
    """The newest stored messages, enough to fill the history budget, oldest first."""
    extra: Any = None
    """What `_turn_reads` read beside the history (the chat service: today's use, for the quota)."""


async def usable_model(session: AsyncSession, actor: Actor, name: str, *,
                       known: ModelInfo | None = None) -> ModelInfo | None:
    """Authorize USE of the model `name` (any spelling, see `model_names`); return its catalogue
    entry when the workshop has one. `known` is that entry when the caller has already read it."""
    if known is not None and model_key(known.name) == model_key(name):
        wanted, model = known.name, known
    else:
        wanted, model = await find_model(session, name)
    authorize(actor, Action.USE, model or ModelInfo(id=0, name=wanted))
    return model


def id_list(ids: Iterable[int], field: str) -> list[int]:
    """Ids given as any iterable (a generator too), read once, each a whole number."""
    if isinstance(ids, str | bytes):
        raise Invalid("give a list of ids", field=field)
    found = list(ids)
    if any(not isinstance(i, int) or isinstance(i, bool) for i in found):
        raise Invalid("ids must be whole numbers", field=field)
    return found


async def usable_tools(session: AsyncSession, actor: Actor, tool_ids: Iterable[int]) -> dict[str, Tool]:
    ids = list(tool_ids)
    if not ids:
        return {}
    tools = await ToolRepository(session).by_ids(ids)
    for tool_id in ids:
        if tool_id not in tools:
            raise NotFound(f"tool {tool_id} not found")
        authorize(actor, Action.USE, tools[tool_id])
    return {tool.name: tool for tool in tools.values()}


class ConversationService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def create(self, actor: Actor, model: str, *, title: str | None = None, system_prompt: str | None = None,
                     parameters: dict[str, Any] | None = None, tool_ids: Iterable[int] = (),
                     rag_system_id: int | None = None) -> Conversation:
        tool_list = id_list(tool_ids, "tool_ids")
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.CREATE, Kind.CONVERSATION)
            fields = await self._checked_fields(session, actor, model=model, system_prompt=system_prompt,
                                                parameters=parameters, tool_ids=tool_list, rag_system_id=rag_system_id)
            assert actor.id is not None, "the operator has no conversations"
            return await ConversationRepository(session).add(
                user_id=actor.id, title=one_line(title or "New conversation", 200), **fields)

    async def _checked_fields(self, session: AsyncSession, actor: Actor, *, model: str | None = None,
                              system_prompt: str | None = None, parameters: dict[str, Any] | None = None,
                              tool_ids: list[int] | None = None,
                              rag_system_id: int | Unchanged | None = UNCHANGED) -> dict[str, Any]:
        """The given fields, checked; None leaves a field out, except `rag_system_id`, where None
        detaches the RAG system and UNCHANGED leaves it out."""
        fields: dict[str, Any] = {}
        if model is not None:
            known = await usable_model(session, actor, model)
            fields["model"] = known.name if known is not None else check_model_name(model)
        if system_prompt is not None:
            fields["system_prompt"] = bounded_text(system_prompt, "system_prompt", MAX_SYSTEM_PROMPT_CHARS) or None
        if parameters is not None:
            fields["parameters"] = validate_parameters(parameters)
        if tool_ids is not None:
            await usable_tools(session, actor, tool_ids)
            fields["tool_ids"] = tool_ids
        if rag_system_id is None or isinstance(rag_system_id, int):
            fields["rag_system_id"] = (None if rag_system_id is None
                                       else await self._readable_rag_system(session, actor, rag_system_id))
        return fields

    async def _readable_rag_system(self, session: AsyncSession, actor: Actor, rag_system_id: int) -> int:
        await usable_rag(session, actor, rag_system_id)
        return rag_system_id

    async def _owned(self, session: AsyncSession, actor: Actor, conversation_id: int, action: Action) -> Conversation:
        conversation = await ConversationRepository(session).get(conversation_id)
        if conversation is None:
            raise NotFound(f"conversation {conversation_id} not found")
        authorize(actor, action, conversation)
        return conversation

    async def get(self, actor: Actor, conversation_id: int) -> Conversation:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            return await self._owned(session, actor, conversation_id, Action.READ)

    async def list(self, actor: Actor, user_id: int | None = None) -> list[Conversation]:
        """The actor's conversations, or (for a guardian or an admin) another user's."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            target = actor.id if user_id is None else user_id
            if target is None:
                return []
            if target != actor.id:
                authorize(actor, Action.READ, Conversation(id=0, user_id=target, model=""))
            return await ConversationRepository(session).list_for_user(target)

    async def messages(self, actor: Actor, conversation_id: int) -> list[Message]:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            await self._owned(session, actor, conversation_id, Action.READ)
            return await ConversationRepository(session).messages(conversation_id)

    async def update(self, actor: Actor, conversation_id: int, *, title: str | None = None,
                     model: str | None = None, system_prompt: str | None = None,
                     parameters: dict[str, Any] | None = None, tool_ids: Iterable[int] | None = None,
                     rag_system_id: int | Unchanged | None = UNCHANGED) -> Conversation:
        """Change what is given. `tool_ids` replaces the tools; `rag_system_id=None` detaches the
        RAG system (leaving it out keeps it)."""
        tool_list = None if tool_ids is None else id_list(tool_ids, "tool_ids")
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            await self._owned(session, actor, conversation_id, Action.UPDATE)
            fields = await self._checked_fields(session, actor, model=model, system_prompt=system_prompt,
                                                parameters=parameters, tool_ids=tool_list,
                                                rag_system_id=rag_system_id)
            tool_list = fields.pop("tool_ids", None)
            repo = ConversationRepository(session)
            if tool_list is not None:
                await repo.set_tools(conversation_id, tool_list)
            if title is not None:
                fields["title"] = one_line(title, 200)
            return await repo.update(conversation_id, **fields)

    async def delete(self, actor: Actor, conversation_id: int) -> None:
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            await self._owned(session, actor, conversation_id, Action.DELETE)
            await ConversationRepository(session).delete(conversation_id)

    async def _history(self, actor: Actor, conversation_id: int) -> tuple[list[Message], Any]:
        async with self.ctx.db.reading() as session:
            history = await ConversationRepository(session).messages(
                conversation_id, limit=self.ctx.settings.ollama.history_max_messages)
            return history, await self._turn_reads(session, actor)

    async def _turn_reads(self, session: AsyncSession, actor: Actor) -> Any:
        """Reads a subclass wants beside the history, off the checks' path; used only once they pass."""
        return None

    async def prepare_turn(self, actor: Actor, conversation_id: int, text: str) -> Turn:
        """Check everything a turn touches, at the moment it is sent."""
        if not text.strip():
            raise Invalid("the message is empty", field="text")
        if len(text) > MAX_MESSAGE_CHARS:
            raise Invalid(f"longer than {MAX_MESSAGE_CHARS} characters", field="text")
        # The history is read on a second connection while the checks run, and used only once they
        # pass: it is the one read a turn needs that does not depend on them.
        history_read = asyncio.create_task(self._history(actor, conversation_id))
        try:
            async with self.ctx.db.reading() as session:
                actor = await fresh_actor(session, actor)
                found = await ConversationRepository(session).get_with_model(conversation_id)
                if found is None:
                    raise NotFound(f"conversation {conversation_id} not found")
                conversation, known = found
                authorize(actor, Action.UPDATE, conversation)
                model = await usable_model(session, actor, conversation.model, known=known)
                tools = await usable_tools(session, actor, conversation.tool_ids)
                if conversation.rag_system_id is not None:
                    await self._readable_rag_system(session, actor, conversation.rag_system_id)
        except BaseException:
            history_read.cancel()
            await asyncio.gather(history_read, return_exceptions=True)
            raise
        history, extra = await history_read
        return Turn(actor, conversation, model, tools, history, extra)
