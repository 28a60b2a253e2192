"""A chat service over a real SQLite file and the fake Ollama on loopback, with a student who may
use llama3.2:1b and the calculator tool."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role, ToolKind, Visibility
from workshop_tui.services.access import Actor
from workshop_tui.services.actors import load_actor
from workshop_tui.services.chat import ChatService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.services.tools.kinds import KINDS
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.testing.fake_ollama import FakeOllama


@dataclass
class ChatWorld:
    ctx: ServiceContext
    chat: ChatService
    gateway: OllamaGateway
    fake: FakeOllama
    student: Actor
    other: Actor
    calc_tool_id: int
    clock_tool_id: int


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


async def make_user(db: Database, name: str, role: Role = Role.STUDENT) -> int:
    async with db.transaction() as session:
        user = await UserRepository(session).add(username=name, display_name=name.title(), role=role,
                                                 status=AccountStatus.ACTIVE, password_hash=None)
        return user.id


async def actor_for(db: Database, user_id: int) -> Actor:
    async with db.reading() as session:
        return await load_actor(session, user_id)


@pytest.fixture
async def world(settings: Settings, database: Database, fake: FakeOllama) -> AsyncIterator[ChatWorld]:
    settings.ollama.urls = [fake.url]
    settings.ollama.tool_max_rounds = 2
    ctx = ServiceContext(settings=settings, db=database)
    gateway = OllamaGateway.from_settings(settings.ollama)
    instructor = await make_user(database, "ines", Role.INSTRUCTOR)
    student_id = await make_user(database, "sam")
    other_id = await make_user(database, "olga")
    async with database.transaction() as session:
        models = ModelRepository(session)
        llama = await models.upsert("llama3.2:1b", capabilities=["completion", "tools"], hosts=[fake.url])
        await models.upsert("gemma3:1b", capabilities=["completion"], hosts=[fake.url])
        tools = ToolRepository(session)
        calc = await tools.add(name="calc", kind=ToolKind.CALCULATOR, description="Do arithmetic",
                               parameters=KINDS[ToolKind.CALCULATOR].parameters, visibility=Visibility.CLASS,
                               creator_id=instructor)
        clock = await tools.add(name="clock", kind=ToolKind.DATETIME, visibility=Visibility.CLASS,
                                parameters=KINDS[ToolKind.DATETIME].parameters, creator_id=instructor)
        users = UserRepository(session)
        for user_id in (student_id, other_id):
            await users.set_model_ids(user_id, [llama.id])
        await users.set_tool_ids(student_id, [calc.id])
    chat = ChatService(ctx, gateway, flush_interval_s=0.05)
    yield ChatWorld(ctx, chat, gateway, fake, await actor_for(database, student_id),
                    await actor_for(database, other_id), calc.id, clock.id)
    await gateway.aclose()
