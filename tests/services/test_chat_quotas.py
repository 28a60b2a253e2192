"""Quotas wired into the chat as the composition root wires them: a reply is counted, and the
message over the day's limit is refused before anything is sent to Ollama."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any

import pytest

from workshop_tui.domain.enums import MessageRole
from workshop_tui.domain.errors import LimitExceeded
from workshop_tui.domain.models import Message
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.chat import ChatService
from workshop_tui.services.chat_events import ReplyFailed, ReplyFinished, ToolActivity
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.services.quotas import QuotaService
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import actor_for, add_tool, make_user

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


async def _chat_with_calculator(ctx: ServiceContext, accounts: AccountService, quotas: QuotaService,
                                gateway: OllamaGateway, fake: FakeOllama) -> tuple[ChatService, Any, int]:
    async with ctx.db.transaction() as session:
        model = await ModelRepository(session).upsert(MODEL, capabilities=["completion", "tools"], hosts=[fake.url])
    uid = await make_user(ctx.db, "sam")
    tool = await add_tool(ctx.db, "calc", uid)
    await accounts.set_grants(OPERATOR, uid, model_ids=[model.id], tool_ids=[tool])
    student = await actor_for(ctx.db, uid)
    chat = ChatService(ctx, gateway, quotas, flush_interval_s=0.05)
    conversation = await chat.create(student, MODEL, tool_ids=[tool])
    return chat, student, conversation.id


def _tokens_of(messages: list[Message]) -> tuple[int, int]:
    replies = [m for m in messages if m.role is MessageRole.ASSISTANT]
    return sum(m.prompt_tokens or 0 for m in replies), sum(m.completion_tokens or 0 for m in replies)


async def test_closing_the_stream_while_a_tool_runs_still_counts_the_tokens_used(
        ctx: ServiceContext, accounts: AccountService, quotas: QuotaService, gateway: OllamaGateway,
        fake: FakeOllama) -> None:
    chat, student, conversation_id = await _chat_with_calculator(ctx, accounts, quotas, gateway, fake)
    fake.script_turn(tool_calls=[{"name": "calc", "arguments": {"expression": "6 * 7"}}])
    async with aclosing(chat.send(student, conversation_id, "What is 6 times 7?")) as stream:
        async for event in stream:
            if isinstance(event, ToolActivity):
                break  # the stop key while the calculator runs
    [line] = await quotas.usage_report(OPERATOR)
    used = _tokens_of(await chat.messages(student, conversation_id))
    assert used[0] > 0 and used[1] > 0
    assert (line.messages, line.prompt_tokens, line.completion_tokens) == (1, *used)


async def test_tool_calls_in_the_last_round_are_not_run_and_every_round_is_counted(
        ctx: ServiceContext, accounts: AccountService, quotas: QuotaService, gateway: OllamaGateway,
        fake: FakeOllama) -> None:
    ctx.settings.ollama.tool_max_rounds = 1
    chat, student, conversation_id = await _chat_with_calculator(ctx, accounts, quotas, gateway, fake)
    for _ in range(2):  # the model asks again even when no tools are offered
        fake.script_turn(tool_calls=[{"name": "calc", "arguments": {"expression": "1 + 1"}}])
    async with aclosing(chat.send(student, conversation_id, "Loop")) as stream:
        events = [event async for event in stream]
    assert ["tools" in r.body for r in fake.requests_to("/api/chat")] == [True, False]
    ran = [e for e in events if isinstance(e, ToolActivity) and e.status != "calling"]
    assert len(ran) == 1  # only the round that offered tools ran one
    assert isinstance(events[-1], ReplyFailed) and "after 1 round" in events[-1].reason
    messages = await chat.messages(student, conversation_id)
    assert len([m for m in messages if m.role is MessageRole.TOOL]) == 1
    [line] = await quotas.usage_report(OPERATOR)
    assert (line.messages, line.prompt_tokens, line.completion_tokens) == (1, *_tokens_of(messages))
    assert line.completion_tokens > 0
