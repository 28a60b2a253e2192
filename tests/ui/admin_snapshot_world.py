"""A fixed class for the admin screens' snapshots: accounts, grants, a waiting registration, a
family account with a conversation, usage and audit records, all at fixed times, and services whose
clocks read that time, so a screenshot changes only when a screen does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from workshop_tui.domain.enums import AccountStatus, MessageRole, Role, ToolKind, Visibility
from workshop_tui.services.access import OPERATOR, Actor
from workshop_tui.services.actors import load_actor
from workshop_tui.services.quotas import QuotaService
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.tables import AuditRow, ConversationRow, MessageRow, UserRow

from .snapshot_world import PASSWORD, open_snapshot_workshop

THEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def at_then() -> datetime:
    return THEN


async def open_admin_workshop(data_dir: Path) -> Workshop:
    """The services with their clocks at THEN, and the vector store ready (health reports it)."""
    workshop = await open_snapshot_workshop(data_dir)
    workshop.usage.clock = at_then
    workshop.broadcasts.clock = at_then
    workshop.activity.presence._clock = at_then
    await workshop.store.wait_ready(30)
    return workshop


async def signed_in_actor(workshop: Workshop, username: str) -> Actor:
    """The account's actor without a login, which would stamp the time of the last sign-in."""
    user = await workshop.accounts.find_user(OPERATOR, username)
    async with workshop.ctx.db.reading() as session:
        return await load_actor(session, user.id)


async def _prepare(data_dir: Path) -> None:
    workshop = await open_snapshot_workshop(data_dir)
    try:
        accounts = workshop.accounts
        add = accounts.add_user
        ines = await add(OPERATOR, "ines", Role.INSTRUCTOR, AccountStatus.ACTIVE, "Ines Alvarez", PASSWORD)
        await add(OPERATOR, "adele", Role.ADMIN, AccountStatus.ACTIVE, "Adele Admin", PASSWORD)
        sam = await add(OPERATOR, "sam", Role.STUDENT, AccountStatus.ACTIVE, "Sam Patel", PASSWORD,
                        email="sam@example.org")
        maria = await add(OPERATOR, "maria", Role.STUDENT, AccountStatus.ACTIVE, "Maria Costa", PASSWORD)
        leo = await add(OPERATOR, "leo", Role.FAMILY, AccountStatus.ACTIVE, "Leo Costa", PASSWORD,
                        guardian_id=maria.id)
        await accounts.register("jordan", "Jordan [b]Lee[/b]", PASSWORD, "jordan@example.org", source="198.51.100.7")
        async with workshop.ctx.db.transaction() as session:
            models = ModelRepository(session)
            llama = (await models.upsert("llama3.2:1b", capabilities=["completion", "tools"])).id
            qwen = (await models.upsert("qwen2.5:0.5b", capabilities=["completion"])).id
            await models.upsert("old:1b", capabilities=["completion"], enabled=False)
            calc = (await ToolRepository(session).add(name="calculator", kind=ToolKind.CALCULATOR,
                                                      description="Exact arithmetic.", visibility=Visibility.CLASS,
                                                      creator_id=ines.id)).id
            await PromptRepository(session).add(title="Explain like I'm new", template="Explain {{topic}}.",
                                                visibility=Visibility.CLASS, creator_id=ines.id)
        for person in (sam, maria, leo):
            await accounts.set_grants(OPERATOR, person.id, model_ids=[llama] if person is leo else [llama, qwen],
                                      tool_ids=[calc])
        await accounts.set_quota(await signed_in_actor(workshop, "adele"), sam.id, messages_per_day=80)
        quotas = QuotaService(workshop.ctx, clock=at_then)
        used = (("sam", "llama3.2:1b", 900, 2100), ("sam", "qwen2.5:0.5b", 200, 300), ("leo", "llama3.2:1b", 150, 250),
                ("maria", "llama3.2:1b", 400, 800))
        for actor_of, model, prompt, completion in used:
            await quotas.record(await signed_in_actor(workshop, actor_of), model, prompt, completion)
        conversation = await workshop.chat.create(await signed_in_actor(workshop, "leo"), "llama3.2:1b",
                                                  title="Volcano homework")
        async with workshop.ctx.db.transaction() as session:
            repo = ConversationRepository(session)
            await repo.add_message(conversation.id, MessageRole.USER.value, "Why do volcanoes erupt?")
            await repo.add_message(conversation.id, MessageRole.ASSISTANT.value,
                                   "Pressure builds up as **magma** rises, until it escapes.", model="llama3.2:1b",
                                   prompt_tokens=12, completion_tokens=30)
            await session.execute(update(UserRow).values(created_at=THEN, updated_at=THEN, approved_at=THEN,
                                                         last_login_at=None))
            await session.execute(update(ConversationRow).values(created_at=THEN, updated_at=THEN))
            await session.execute(update(MessageRow).values(created_at=THEN))
            await session.execute(update(AuditRow).values(at=THEN, session_id=None))
    finally:
        await workshop.close()


def prepare_admin_snapshot_data(data_dir: Path) -> None:
    asyncio.run(_prepare(data_dir))
