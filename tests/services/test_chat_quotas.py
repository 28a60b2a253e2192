"""Quotas wired into the chat as the composition root wires them: a reply is counted, and the
message over the day's limit is refused before anything is sent to Ollama."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing

import pytest

from workshop_tui.domain.errors import LimitExceeded
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.chat import ChatService
from workshop_tui.services.chat_events import ReplyFinished
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.services.quotas import QuotaService
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import actor_for, make_user

MODEL = "llama3.2:1b"


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


@pytest.fixture
async def gateway(ctx: ServiceContext, fake: FakeOllama) -> AsyncIterator[OllamaGateway]:
    ctx.settings.ollama.urls = [fake.url]
    gateway = OllamaGateway.from_settings(ctx.settings.ollama)
    yield gateway
    await gateway.aclose()


async def test_chat_counts_usage_and_stops_at_the_daily_limit(
        ctx: ServiceContext, accounts: AccountService, quotas: QuotaService, gateway: OllamaGateway,
        fake: FakeOllama) -> None:
    async with ctx.db.transaction() as session:
        model = await ModelRepository(session).upsert(MODEL, capabilities=["completion"], hosts=[fake.url])
    uid = await make_user(ctx.db, "sam")
    await accounts.set_grants(OPERATOR, uid, model_ids=[model.id])
    await accounts.set_quota(OPERATOR, uid, messages_per_day=1)
    student = await actor_for(ctx.db, uid)
    chat = ChatService(ctx, gateway, quotas, flush_interval_s=0.05)
    conversation = await chat.create(student, MODEL)

    async with aclosing(chat.send(student, conversation.id, "Hello")) as stream:
        events = [event async for event in stream]
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    [line] = await quotas.usage_report(OPERATOR)
    assert (line.username, line.model, line.messages) == ("sam", MODEL, 1)
    assert (line.prompt_tokens, line.completion_tokens) == (finished.prompt_tokens, finished.completion_tokens)

    sent = len(fake.requests_to("/api/chat"))
    with pytest.raises(LimitExceeded, match="you have used all 1 messages for today; the limit resets at 00:00 UTC"):
        async with aclosing(chat.send(student, conversation.id, "Again")) as stream:
            await asyncio.wait_for(anext(stream), 5)
    assert len(fake.requests_to("/api/chat")) == sent
    assert len(await chat.messages(student, conversation.id)) == 2  # the refused message was not stored
