"""Conversations, their tools, and their messages (written progressively while a reply streams)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import MessageStatus
from workshop_tui.domain.models import Conversation, Message, ModelInfo
from workshop_tui.storage.converters import to_domain
from workshop_tui.storage.tables import ConversationRow, MessageRow, ModelRow, conversation_tools
from workshop_tui.storage.tables.base import utcnow

_CONVERSATIONS, _MODELS, _MESSAGES = ConversationRow.__table__, ModelRow.__table__, MessageRow.__table__
_WITH_MODEL = (
    select(_CONVERSATIONS, *[c.label(f"model_{c.name}") for c in _MODELS.c], conversation_tools.c.tool_id)
    .outerjoin(_MODELS, _MODELS.c.name == _CONVERSATIONS.c.model)
    .outerjoin(conversation_tools, conversation_tools.c.conversation_id == _CONVERSATIONS.c.id)
    .where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
)


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, conversation_id: int) -> Conversation | None:
        """The conversation with its tool ids, in one statement."""
        found = await self.get_with_model(conversation_id)
        return found[0] if found else None

    async def get_with_model(self, conversation_id: int) -> tuple[Conversation, ModelInfo | None] | None:
        """The conversation, its tool ids and the catalogue entry of its model (None when the
        catalogue has no model of that exact name), in one statement: every chat turn starts here,
        so it reads plain table rows (a third cheaper than loading ORM objects)."""
        rows = (await self.session.execute(_WITH_MODEL, {"conversation_id": conversation_id})).all()
        if not rows:
            return None
        first = rows[0]._mapping
        tool_ids = tuple(sorted(row.tool_id for row in rows if row.tool_id is not None))
        model = (to_domain(ModelInfo, SimpleNamespace(**{c.name: first[f"model_{c.name}"] for c in _MODELS.c}))
                 if first["model_id"] is not None else None)
        return to_domain(Conversation, rows[0], tool_ids=tool_ids), model

    async def _domain(self, row: ConversationRow) -> Conversation:
        tool_ids = await self.session.scalars(
            select(conversation_tools.c.tool_id).where(conversation_tools.c.conversation_id == row.id))
        return to_domain(Conversation, row, tool_ids=tuple(sorted(tool_ids)))

    async def list_for_user(self, user_id: int, *, limit: int = 200) -> list[Conversation]:
        rows = await self.session.scalars(
            select(ConversationRow).where(ConversationRow.user_id == user_id)
            .order_by(ConversationRow.updated_at.desc(), ConversationRow.id.desc()).limit(limit))
        return [await self._domain(row) for row in rows]

    async def list_for_users(self, user_ids: Collection[int]) -> list[Conversation]:
        """Every conversation of these users, newest activity first, in one statement of plain table
        rows; without their tool ids (``tool_ids`` is empty), for bulk reads such as an export."""
        if not user_ids:
            return []
        rows = (await self.session.execute(
            select(_CONVERSATIONS).where(_CONVERSATIONS.c.user_id.in_(sorted(set(user_ids))))
            .order_by(_CONVERSATIONS.c.updated_at.desc(), _CONVERSATIONS.c.id.desc()))).all()
        return [to_domain(Conversation, row, tool_ids=()) for row in rows]

    async def messages_for_users(self, user_ids: Collection[int]) -> list[Message]:
        """Every message of these users' conversations, ordered by (conversation id, id), in one statement."""
        if not user_ids:
            return []
        query = (select(_MESSAGES).join(_CONVERSATIONS, _CONVERSATIONS.c.id == _MESSAGES.c.conversation_id)
                 .where(_CONVERSATIONS.c.user_id.in_(sorted(set(user_ids))))
                 .order_by(_MESSAGES.c.conversation_id.asc(), _MESSAGES.c.id.asc()))
        return [to_domain(Message, row) for row in (await self.session.execute(query)).all()]

    async def add(self, *, user_id: int, model: str, tool_ids: Iterable[int] = (), **fields: Any) -> Conversation:
        row = ConversationRow(user_id=user_id, model=model, **fields)
        self.session.add(row)
        await self.session.flush()
        await self.set_tools(row.id, tool_ids)
        return await self._domain(row)

    async def update(self, conversation_id: int, **fields: Any) -> Conversation:
        row = await self.session.get(ConversationRow, conversation_id)
        if row is None:
            raise LookupError(conversation_id)
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        await self.session.flush()
        return await self._domain(row)

    async def set_tools(self, conversation_id: int, tool_ids: Iterable[int]) -> None:
        await self.session.execute(
            delete(conversation_tools).where(conversation_tools.c.conversation_id == conversation_id))
        values = [{"conversation_id": conversation_id, "tool_id": t} for t in sorted(set(tool_ids))]
        if values:
            await self.session.execute(insert(conversation_tools), values)

    async def delete(self, conversation_id: int) -> None:
        await self.session.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id))

    async def messages(self, conversation_id: int, *, limit: int | None = None) -> list[Message]:
        """Messages oldest first; with `limit`, the newest `limit` of them."""
        # Plain table rows: the history is read on every chat turn.
        query = select(_MESSAGES).where(_MESSAGES.c.conversation_id == conversation_id)
        if limit is None:
            rows = (await self.session.execute(query.order_by(_MESSAGES.c.id.asc()))).all()
            return [to_domain(Message, row) for row in rows]
        rows = (await self.session.execute(query.order_by(_MESSAGES.c.id.desc()).limit(limit))).all()
        return [to_domain(Message, row) for row in reversed(rows)]

    async def add_message(self, conversation_id: int, role: str, content: str = "", **fields: Any) -> Message:
        row = MessageRow(conversation_id=conversation_id, role=role, content=content, **fields)
        self.session.add(row)
        await self.session.execute(
            update(ConversationRow).where(ConversationRow.id == conversation_id).values(updated_at=utcnow())
            .execution_options(synchronize_session=False))
        await self.session.flush()
        return to_domain(Message, row)

    async def update_message(self, message_id: int, **fields: Any) -> None:
        # A plain table update: there is no session state to keep in step, and skipping the ORM's
        # bulk-update machinery matters on every flush and final write of a streaming reply.
        table = MessageRow.__table__
        await self.session.execute(update(table).where(table.c.id == message_id).values(**fields))

    async def interrupt_streaming(self, reason: str) -> int:
        """Mark every message still "streaming" as interrupted with `reason`, keeping its text; returns
        how many. Only for the process that owns the database, when it starts."""
        table = MessageRow.__table__
        result = await self.session.execute(
            update(table).where(table.c.status == MessageStatus.STREAMING.value)
            .values(status=MessageStatus.INTERRUPTED.value, error=reason))
        return int(result.rowcount or 0)

    async def get_message(self, message_id: int) -> Message | None:
        row = await self.session.get(MessageRow, message_id, populate_existing=True)
        return to_domain(Message, row) if row else None
