"""The optional conversations section (``export --include-chats``): imported once, with its messages
and times, and recognised on the next import so nothing is added twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.users import UserRepository

from .support import run_import

CLASS = """version: 1
workshop: {name: Archived chats}
users:
  - {username: ana, role: student}
conversations:
  - owner: ana
    title: Tokens
    model: llama3.2:1b
    created: '2026-03-10T21:30:00Z'
    messages:
      - {role: user, content: 'What is a token?', created: '2026-03-10T21:30:05Z'}
      - {role: assistant, content: A piece of a word., model: llama3.2:1b, created: '2026-03-10T21:30:09Z'}
  - owner: ana
    title: Cut short
    model: llama3.2:1b
    messages:
      - {role: user, content: Tell me a long story}
      - {role: assistant, content: Once upon, status: interrupted}
"""


def _naive_utc(when: datetime | None) -> datetime | None:
    return None if when is None else (when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC))


async def test_conversations_are_imported_once_with_their_messages(workshop: Workshop, tmp_path: Path) -> None:
    path = tmp_path / "chats.yaml"
    path.write_text(CLASS, encoding="utf-8")

    first = await run_import(workshop, path)
    again = await run_import(workshop, path)

    assert first.counts()["conversations"]["created"] == 2
    assert again.counts()["conversations"] == {"created": 0, "updated": 0, "unchanged": 2, "skipped": 0}
    async with workshop.ctx.db.reading() as session:
        ana = await UserRepository(session).get_by_username("ana")
        assert ana is not None
        repo = ConversationRepository(session)
        chats = {c.title: c for c in await repo.list_for_user(ana.id)}
        tokens = await repo.messages(chats["Tokens"].id)
        cut = await repo.messages(chats["Cut short"].id)
    assert sorted(chats) == ["Cut short", "Tokens"]
    assert _naive_utc(chats["Tokens"].created_at) == datetime(2026, 3, 10, 21, 30, tzinfo=UTC)
    assert [(m.role, m.content, m.model) for m in tokens] == [
        (MessageRole.USER, "What is a token?", None), (MessageRole.ASSISTANT, "A piece of a word.", "llama3.2:1b")]
    assert _naive_utc(tokens[1].created_at) == datetime(2026, 3, 10, 21, 30, 9, tzinfo=UTC)
    assert [m.status for m in cut] == [MessageStatus.COMPLETE, MessageStatus.INTERRUPTED]
