"""Helpers for the account-service tests: people, models and tools written straight into the
database (so a test sets up exactly the state it needs), and clocks a test moves by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from workshop_tui.domain.enums import AccountStatus, Role, ToolKind, Visibility
from workshop_tui.services.access import Actor
from workshop_tui.services.actors import load_actor
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository


@dataclass
class Clock:
    """A monotonic clock for throttles; `advance` moves it."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class WallClock:
    """A UTC wall clock for quotas."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 10, 21, 30, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def make_user(db: Database, name: str, role: Role = Role.STUDENT, status: AccountStatus = AccountStatus.ACTIVE,
                    *, guardian_id: int | None = None, password_hash: str | None = None) -> int:
    async with db.transaction() as session:
        user = await UserRepository(session).add(username=name, display_name=name.title(), role=role, status=status,
                                                 password_hash=password_hash, guardian_id=guardian_id)
        return user.id


async def actor_for(db: Database, user_id: int) -> Actor:
    async with db.reading() as session:
        return await load_actor(session, user_id)


async def add_model(db: Database, name: str, *, enabled: bool = True) -> int:
    async with db.transaction() as session:
        return (await ModelRepository(session).upsert(name, capabilities=["completion"], enabled=enabled)).id


async def add_tool(db: Database, name: str, creator_id: int | None, visibility: Visibility = Visibility.CLASS) -> int:
    async with db.transaction() as session:
        tool = await ToolRepository(session).add(name=name, kind=ToolKind.CALCULATOR, visibility=visibility,
                                                 creator_id=creator_id)
        return tool.id


async def grants_of(db: Database, user_id: int) -> tuple[set[int], set[int]]:
    async with db.reading() as session:
        users = UserRepository(session)
        return await users.model_ids(user_id), await users.tool_ids(user_id)
