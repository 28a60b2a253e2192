"""The optional ``conversations`` section (written by ``export --include-chats``): compared and written.

A conversation is a record of what was said, so an import only ever adds the ones the database
lacks and never edits one. A conversation is "the same" when its owner, title and start time match
(to the second); one without a start time matches an existing conversation of the same owner,
title and model. That is what makes re-importing an exported file add nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.services.workshop_file.changes import Change, Changes
from workshop_tui.services.workshop_file.conversations import ConversationPlan
from workshop_tui.services.workshop_file.plan import WorkshopPlan
from workshop_tui.services.workshop_file.result import Outcome
from workshop_tui.services.workshop_file.state import DbState
from workshop_tui.services.workshop_file.values import as_utc
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.tables import ConversationRow

ConversationKey = tuple[str, str, str, str]  # owner, title, model, start time to the second ("" when unknown)


def stamp(when: datetime | None) -> str:
    """A start time as compared: UTC to the second (SQLite hands times back without their zone)."""
    if when is None:
        return ""
    return as_utc(when).isoformat(timespec="seconds")


async def read_conversations(session: AsyncSession, usernames: dict[int, str]) -> set[ConversationKey]:
    """Every conversation's comparison key (four short columns a row, never the messages)."""
    rows = await session.execute(select(ConversationRow.user_id, ConversationRow.title, ConversationRow.model,
                                        ConversationRow.created_at))
    return {(usernames[user_id], title, model, stamp(created)) for user_id, title, model, created in rows
            if user_id in usernames}


def conversation_changes(plan: WorkshopPlan, state: DbState, changes: Changes) -> None:
    existing = state.conversations
    loose = {(owner, title, model) for owner, title, model, _ in existing}
    result = []
    for chat in plan.conversations:
        key = (chat.owner, chat.title, chat.model, stamp(chat.created))
        known = key in existing if chat.created is not None else key[:3] in loose
        name = f"{chat.owner}: {chat.title}" + (f" ({stamp(chat.created)})" if chat.created else "")
        result.append(Change("conversations", name, Outcome.UNCHANGED if known else Outcome.CREATE, plan=chat,
                             key=key, wanted={"owner": chat.owner, "messages": len(chat.messages)}))
    changes.sections["conversations"] = result


async def write_conversation(session: AsyncSession, chat: ConversationPlan, user_id: int | None) -> int:
    """One conversation with its messages, keeping the times the file gives."""
    assert user_id is not None  # the owner is a user of the file or the database (the loader checked)
    repo = ConversationRepository(session)
    fields = {"created_at": chat.created} if chat.created else {}
    conversation = await repo.add(user_id=user_id, model=chat.model, title=chat.title,
                                  system_prompt=chat.system_prompt, **fields)
    last = chat.created
    for message in chat.messages:
        extra = {"created_at": message.created} if message.created else {}
        await repo.add_message(conversation.id, message.role.value, message.content, model=message.model,
                               status=message.status.value, **extra)
        last = message.created or last
    if last is not None:  # the chat was last active then, not at import time
        row = await session.get(ConversationRow, conversation.id)
        assert row is not None
        row.updated_at = last
        await session.flush()
    return conversation.id
