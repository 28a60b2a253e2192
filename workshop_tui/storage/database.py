"""The process's database handle: one engine and one session factory, built from settings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from workshop_tui.storage import migrate
from workshop_tui.storage.engine import SessionFactory, create_engine, create_session_factory

# One key for the whole database: write transactions take turns, as SQLite's do.
_WRITERS_LOCK_KEY = 0x5753_4B54  # "WSKT"
# How long a writer waits for its turn before giving up, on both backends (SQLite's busy_timeout).
WRITE_WAIT_S = 5
# How long a writer of this process waits behind the others before giving up: a sign of a bug (a
# transaction left waiting on something), since every one is short.
QUEUE_WAIT_S = 60
# How long closing waits for the sessions in use (a call of a screen that just closed) to end.
CLOSE_WAIT_S = 5


class WriteQueueStuck(RuntimeError):
    """A write transaction waited `QUEUE_WAIT_S` behind this process's others."""


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessions: SessionFactory
    _writers: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    _writing: asyncio.Task[object] | None = field(default=None, init=False, repr=False)
    _in_use: int = field(default=0, init=False, repr=False)
    _idle: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

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

        The writers of this process first queue here, in order and holding no connection: left to
        the database, fifty sessions writing at once meet SQLite's busy handler, which retries at
        random and let some wait past `WRITE_WAIT_S` (a reply's final write was lost that way), and
        each waiter would hold a pooled connection. The database's own wait is then only for
        other processes (a command run beside the server).
        """
        task = asyncio.current_task()
        if task is not None and task is self._writing:
            raise RuntimeError("a write transaction was opened inside another: it would wait for itself")
        try:
            async with asyncio.timeout(QUEUE_WAIT_S):
                await self._writers.acquire()
        except TimeoutError:
            raise WriteQueueStuck(f"the database's writers stayed busy for {QUEUE_WAIT_S} s") from None
        self._writing = task
        try:
            async with self._using(), self.sessions() as session, session.begin():
                await self._take_write_turn(session)
                yield session
        finally:
            self._writing = None
            self._writers.release()

    async def _take_write_turn(self, session: AsyncSession) -> None:
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            await session.execute(text("BEGIN IMMEDIATE"))
        elif dialect == "postgresql":
            await session.execute(text(f"SET LOCAL lock_timeout = '{WRITE_WAIT_S}s'"))
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITERS_LOCK_KEY})

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._using(), self.sessions() as session:
            yield session

    @asynccontextmanager
    async def _using(self) -> AsyncIterator[None]:
        """Count the sessions in use, so that closing can let them finish."""
        self._in_use += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_use -= 1
            if not self._in_use:
                self._idle.set()

    async def upgrade(self) -> migrate.SchemaState:
        return await migrate.upgrade(self.engine)

    async def upgrade_on_start(self) -> migrate.SchemaState:
        return await migrate.upgrade_on_start(self.engine, self.url)

    async def schema_state(self) -> migrate.SchemaState:
        return await migrate.check_schema(self.engine)

    async def close(self) -> None:
        """Let the sessions in use end (up to `CLOSE_WAIT_S`), then close every connection. A call
        still running when the process stops (one a closed screen left going) would otherwise have
        its connection cut from under it, its transaction left to the database to roll back, and
        the cleanup of that connection could keep the event loop from closing."""
        if self._in_use:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), CLOSE_WAIT_S)
        await self.engine.dispose()
