"""The process's database handle: one engine and one session factory, built from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from workshop_tui.storage import migrate
from workshop_tui.storage.engine import SessionFactory, create_engine, create_session_factory


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
        """A session whose work commits on success and rolls back entirely on any error."""
        async with self.sessions() as session, session.begin():
            yield session

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
