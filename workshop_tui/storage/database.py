"""The process's database handle: one engine and one session factory, built from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from workshop_tui.storage import migrate
from workshop_tui.storage.engine import SessionFactory, create_engine, create_session_factory

# One key for the whole database: write transactions take turns, as SQLite's do.
_WRITERS_LOCK_KEY = 0x5753_4B54  # "WSKT"
# How long a writer waits for its turn before giving up, on both backends (SQLite's busy_timeout).
WRITE_WAIT_S = 5


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessions: SessionFactory

    @classmethod
    def from_url(cls, url: str) -> Database:
        engine = create_engine(url)
        return cls(url=url, engine=engine, sessions=create_session_factory(engine))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back entirely on any error.

        Write transactions take turns from their first statement, so what one reads to decide
        (is this account still pending? is another super_admin left? is a job already queued?)
        cannot change under it before it commits. SQLite starts with `BEGIN IMMEDIATE` (its
        default transaction takes the write lock only at the first write, and its reads before
        that see other connections' commits); PostgreSQL takes one transaction-scoped advisory
        lock. Either waits up to `WRITE_WAIT_S` for its turn. Keep transactions short: never await
        Ollama, argon2 or a file inside one.
        """
        async with self.sessions() as session, session.begin():
            await self._take_write_turn(session)
            yield session

    async def _take_write_turn(self, session: AsyncSession) -> None:
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            await session.execute(text("BEGIN IMMEDIATE"))
        elif dialect == "postgresql":
            await session.execute(text(f"SET LOCAL lock_timeout = '{WRITE_WAIT_S}s'"))
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITERS_LOCK_KEY})

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def upgrade(self) -> migrate.SchemaState:
        return await migrate.upgrade(self.engine)

    async def upgrade_on_start(self) -> migrate.SchemaState:
        return await migrate.upgrade_on_start(self.engine, self.url)

    async def schema_state(self) -> migrate.SchemaState:
        return await migrate.check_schema(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()
