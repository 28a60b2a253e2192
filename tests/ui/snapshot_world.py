"""A fixed class for the snapshot tests: the same accounts, conversation and times on every run, so
a screenshot changes only when the screen does.

Snapshot apps run in their own event loop (pytest-textual-snapshot runs `App.run`), so the data is
written here with `asyncio.run`, and each app opens the services itself, in its own loop.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from workshop_tui.config.loader import load_settings
from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, MessageRole, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.passwords import FAST_FOR_TESTS, Passwords
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.tables import ConversationRow, MessageRow, UserRow

PASSWORD = "correct horse battery"
THEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
ANSWER = """Embeddings turn text into **vectors**, lists of numbers that place similar texts near each other.

1. Split the document into chunks.
2. Embed each chunk with the same model.

```python
scores = [cosine(query, chunk) for chunk in chunks]
```

| model | dimensions |
|---|---|
| all-minilm | 384 |
"""
CITATION = {"document_id": 1, "document_title": "Embeddings", "chunk_index": 0,
            "location": "Embeddings › What they are · chars 0–480", "score": 0.83,
            "text": "An embedding is a vector of numbers that represents the meaning of a text."}


def snapshot_settings(data_dir: Path) -> Settings:
    return load_settings(data_dir=data_dir, ollama_url="http://127.0.0.1:9", env={}, dotenv_path=None)


async def open_snapshot_workshop(data_dir: Path) -> Workshop:
    settings = snapshot_settings(data_dir)
    workshop = await Workshop.open(settings)
    workshop.accounts.passwords.close()
    workshop.accounts.passwords = Passwords(settings.auth, FAST_FOR_TESTS)
    return workshop


async def _prepare(data_dir: Path) -> None:
    workshop = await open_snapshot_workshop(data_dir)
    try:
        accounts = workshop.accounts
        await accounts.add_user(OPERATOR, "ines", Role.INSTRUCTOR, AccountStatus.ACTIVE, "Ines Alvarez", PASSWORD)
        sam = await accounts.add_user(OPERATOR, "sam", Role.STUDENT, AccountStatus.ACTIVE, "Sam Patel", PASSWORD)
        await accounts.register("newbie", "Nia Newcomer", PASSWORD)
        async with workshop.ctx.db.transaction() as session:
            model = await ModelRepository(session).upsert("llama3.2:1b", capabilities=["completion", "tools"],
                                                          parameter_size="1.2B", size_bytes=1_300_000_000)
        await accounts.set_grants(OPERATOR, sam.id, model_ids=[model.id])
        actor = await accounts.login("sam", PASSWORD)
        conversation = await workshop.chat.create(actor, "llama3.2:1b", title="What are embeddings?")
        async with workshop.ctx.db.transaction() as session:
            repo = ConversationRepository(session)
            await repo.add_message(conversation.id, MessageRole.USER.value, "What are embeddings?")
            await repo.add_message(conversation.id, MessageRole.ASSISTANT.value, ANSWER, model="llama3.2:1b",
                                   thinking="The attendee asks about embeddings.", citations=[CITATION],
                                   prompt_tokens=40, completion_tokens=96)
            for table in (UserRow, ConversationRow):
                await session.execute(update(table).values(created_at=THEN, updated_at=THEN))
            await session.execute(update(MessageRow).values(created_at=THEN))
    finally:
        await workshop.close()


def prepare_snapshot_data(data_dir: Path) -> None:
    asyncio.run(_prepare(data_dir))
