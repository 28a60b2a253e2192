"""Many writers of one process at once: they take turns in order, and none is refused for waiting.

Fifty sessions streaming replies each write a checkpoint every second and a final write at the end.
A transaction holds the write lock across the event loop's other work; while the loop is busy, the
others wait. Left to SQLite's busy handler, a writer that waited past its busy timeout (5 s) was
refused with "database is locked", and with it a reply's final write and its usage count.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from workshop_tui.config.settings import Settings
from workshop_tui.storage.database import WRITE_WAIT_S, Database

WRITERS = 24
HOLD_S = 0.3  # all of them together hold the lock longer than WRITE_WAIT_S


async def test_writers_beyond_the_databases_own_wait_all_commit_in_turn(database: Database) -> None:
    assert WRITERS * HOLD_S > WRITE_WAIT_S + 1
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE ledger (writer INTEGER NOT NULL)"))
    order: list[int] = []

    async def write(number: int) -> None:
        async with database.transaction() as session:
            await session.execute(text("INSERT INTO ledger (writer) VALUES (:n)"), {"n": number})
            order.append(number)
            await asyncio.sleep(HOLD_S)  # the loop busy with other sessions while this one holds the lock

    outcomes = await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(WRITERS)), return_exceptions=True),
                                      WRITERS * HOLD_S * 3)
    assert [o for o in outcomes if o is not None] == []
    async with database.reading() as session:
        stored = (await session.execute(text("SELECT writer FROM ledger ORDER BY rowid"))).scalars().all()
    assert list(stored) == order == list(range(WRITERS))  # every one, in the order they asked


async def test_a_write_transaction_inside_another_fails_at_once_instead_of_waiting_for_itself(
        database: Database) -> None:
    async with database.transaction():
        with pytest.raises(RuntimeError, match="inside another"):
            async with database.transaction():
                pass
    async with database.transaction() as session:  # the queue is free again
        await session.execute(text("SELECT 1"))


async def test_closing_lets_the_sessions_in_use_end_first(settings: Settings) -> None:
    """A call that a closed screen left going still finishes its transaction when the process stops."""
    database = Database.from_url(settings.effective_database_url)
    await database.upgrade()
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE ledger (writer INTEGER NOT NULL)"))
    order: list[str] = []
    inside = asyncio.Event()

    async def late_write() -> None:
        async with database.transaction() as session:
            inside.set()
            await asyncio.sleep(0.3)  # still going when closing starts
            await session.execute(text("INSERT INTO ledger (writer) VALUES (1)"))
        order.append("written")

    writing = asyncio.create_task(late_write())
    await asyncio.wait_for(inside.wait(), 10)
    await asyncio.wait_for(database.close(), 10)
    order.append("closed")
    await asyncio.wait_for(writing, 10)
    assert order == ["written", "closed"]
    reopened = Database.from_url(settings.effective_database_url)
    try:
        async with reopened.reading() as session:
            assert (await session.execute(text("SELECT count(*) FROM ledger"))).scalar() == 1
    finally:
        await reopened.close()
