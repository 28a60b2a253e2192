"""A model is the same model however its name is spelled: case, an explicit or implicit tag, the
default registry and namespace, surrounding spaces. A disabled model is refused in every spelling,
and a name that pins a digest or stacks two tags is refused as not a model name."""

from __future__ import annotations

import pytest

from workshop_tui.domain.enums import Role
from workshop_tui.domain.errors import Forbidden, Invalid
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.catalog import CatalogService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.conversations import ConversationService
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.services.knowledge_access import authorize_model
from workshop_tui.services.quotas import QuotaService
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository

from .support import actor_for, add_model, make_user

DISABLED, ENABLED = "llama3.2:1b", "qwen2.5:0.5b"
DIGEST = "sha256:" + "a" * 64
SAME_MODEL = ("Llama3.2:1B", "LLAMA3.2:1b", " llama3.2:1b ", "library/llama3.2:1b",
              "registry.ollama.ai/library/Llama3.2:1b", "llama3.2:1b")
NOT_A_NAME = (f"llama3.2:1b@{DIGEST}", "llama3.2:1b:latest", "llama3.2:1b\x1b[2J", "llama 3.2", "")


async def test_a_disabled_model_is_refused_whatever_its_spelling(ctx: ServiceContext, quotas: QuotaService) -> None:
    await add_model(ctx.db, DISABLED, enabled=False)
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    conversations = ConversationService(ctx)
    for spelling in SAME_MODEL:
        with pytest.raises(Forbidden, match=f"model {DISABLED} is disabled"):
            await conversations.create(ines, spelling)
        with pytest.raises(Forbidden, match="disabled"):
            await quotas.check(ines, spelling)
        async with ctx.db.reading() as session:
            with pytest.raises(Forbidden, match="disabled"):
                await authorize_model(session, ines, spelling)
    for spelling in NOT_A_NAME:
        with pytest.raises(Invalid, match="^model: "):
            await conversations.create(ines, spelling)
        async with ctx.db.reading() as session:
            with pytest.raises(Invalid, match="^model: "):
                await authorize_model(session, ines, spelling)
    assert await conversations.list(ines) == []


async def test_any_spelling_of_a_granted_model_is_stored_as_the_catalogue_names_it(ctx: ServiceContext) -> None:
    model_id = await add_model(ctx.db, ENABLED)
    sam = await make_user(ctx.db, "sam")
    async with ctx.db.transaction() as session:
        await UserRepository(session).set_model_ids(sam, [model_id])
    student = await actor_for(ctx.db, sam)
    conversations = ConversationService(ctx)
    created = await conversations.create(student, "Qwen2.5:0.5B")
    assert created.model == ENABLED
    updated = await conversations.update(student, created.id, model="library/QWEN2.5:0.5b")
    assert updated.model == ENABLED
    async with ctx.db.reading() as session:
        assert await authorize_model(session, student, " QWEN2.5:0.5b") == ENABLED


async def test_the_catalogue_finds_a_model_in_any_case(ctx: ServiceContext) -> None:
    await add_model(ctx.db, DISABLED, enabled=False)
    gateway = OllamaGateway.from_settings(ctx.settings.ollama)
    try:
        catalog = CatalogService(ctx, gateway)
        enabled = await catalog.set_enabled(OPERATOR, "LLAMA3.2:1B", True)
    finally:
        await gateway.aclose()
    assert (enabled.name, enabled.enabled) == (DISABLED, True)
    async with ctx.db.reading() as session:
        assert [(m.name, m.enabled) for m in await ModelRepository(session).list()] == [(DISABLED, True)]
