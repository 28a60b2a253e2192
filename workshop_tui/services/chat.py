"""Conversations and the chat loop: stream a reply, run the tools it asks for, keep everything.

`send(actor, conversation_id, text)` checks the model grant, the quota and the concurrency,
stores the user message, then yields `ChatEvent`s while the reply streams. The reply is stored
progressively (`ReplyRecorder`); a reply cut short by the user, a disconnect or an Ollama error
is kept with status interrupted or error and the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Protocol

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.domain.errors import ServiceError
from workshop_tui.domain.models import Conversation, Message
from workshop_tui.ollama import Metrics, OllamaError
from workshop_tui.services import conversations
from workshop_tui.services.access import Actor
from workshop_tui.services.chat_events import (
    ChatEvent,
    ContentDelta,
    Queued,
    ReplyFailed,
    ReplyFinished,
    ThinkingDelta,
    ToolActivity,
)
from workshop_tui.services.chat_history import build_history, build_options
from workshop_tui.services.chat_recorder import ReplyRecorder
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.gateway import OllamaGateway, QueuePosition
from workshop_tui.services.tools.kinds import SearchFunction, ToolRuntime
from workshop_tui.services.tools.runner import ollama_tool_definition, run_tool_call
from workshop_tui.storage.repositories.conversations import ConversationRepository


class UsageGate(Protocol):
    """Quotas and concurrency, as the accounts service provides them."""

    async def check(self, actor: Actor, model: str) -> None: ...
    def generation(self, actor: Actor) -> contextlib.AbstractAsyncContextManager[Any]: ...
    async def record(self, actor: Actor, model: str, prompt_tokens: int, completion_tokens: int) -> None: ...


@dataclass(frozen=True)
class Grounding:
    """What a RAG system adds to a turn: the prompt sent in place of the question, and its sources."""

    prompt: str
    citations: list[dict[str, Any]]


Retriever = Callable[[Actor, int, str], Awaitable[Grounding]]
SearchBinder = Callable[[Actor], SearchFunction]


class ChatService(conversations.ConversationService):
    def __init__(self, ctx: ServiceContext, gateway: OllamaGateway, usage: UsageGate | None = None, *,
                 retriever: Retriever | None = None, search: SearchBinder | None = None,
                 flush_interval_s: float = 1.0) -> None:
        super().__init__(ctx)
        self.gateway = gateway
        self.usage = usage
        self.retriever = retriever
        self.search = search
        self.flush_interval_s = flush_interval_s

    async def send(self, actor: Actor, conversation_id: int, text: str) -> AsyncIterator[ChatEvent]:
        """Stream the reply to `text`. Refusals raise before anything is stored."""
        turn = await self.prepare_turn(actor, conversation_id, text)
        actor, conversation = turn.actor, turn.conversation
        if self.usage is not None:
            await self.usage.check(actor, conversation.model)
        gate = self.usage.generation(actor) if self.usage is not None else contextlib.nullcontext()
        async with gate:
            grounding = None
            if conversation.rag_system_id is not None and self.retriever is not None:
                grounding = await self.retriever(actor, conversation.rag_system_id, text)
            async with self.ctx.db.transaction() as session:
                repo = ConversationRepository(session)
                await repo.add_message(conversation.id, MessageRole.USER.value, text)
                prior = await repo.messages(conversation.id, limit=self.ctx.settings.ollama.history_max_messages + 1)
            messages = self._wire_messages(conversation, prior, grounding)
            async with aclosing(self._reply(actor, turn, messages, grounding)) as events:
                async for event in events:
                    yield event

    def _wire_messages(self, conversation: Conversation, prior: list[Message],
                       grounding: Grounding | None) -> list[dict[str, Any]]:
        settings = self.ctx.settings.ollama
        history = build_history(prior, max_messages=settings.history_max_messages,
                                max_chars=settings.history_max_chars)
        if grounding is not None and history and history[-1]["role"] == "user":
            history[-1] = {"role": "user", "content": grounding.prompt}
        if conversation.system_prompt:
            history.insert(0, {"role": "system", "content": conversation.system_prompt})
        return history

    async def _reply(self, actor: Actor, turn: conversations.Turn, messages: list[dict[str, Any]],
                     grounding: Grounding | None) -> AsyncIterator[ChatEvent]:
        conversation = turn.conversation
        options = build_options(conversation.parameters, turn.model, self.ctx.settings.ollama.num_ctx)
        definitions = [ollama_tool_definition(t) for t in turn.tools.values()] or None
        runtime = ToolRuntime(search=self.search(actor) if self.search else None)
        max_rounds = self.ctx.settings.ollama.tool_max_rounds
        totals = [0, 0]
        citations = list(grounding.citations) if grounding else []
        for round_number in range(max_rounds + 1):
            recorder = ReplyRecorder(self.ctx.db, conversation.id, conversation.model,
                                     flush_interval_s=self.flush_interval_s)
            await recorder.start(citations if round_number == 0 else None)
            tools = definitions if round_number < max_rounds else None  # the last round must answer
            calls: list[dict[str, Any]] = []
            metrics: Metrics | None = None
            status, reason = MessageStatus.INTERRUPTED, "stopped before the reply ended"
            try:
                async with aclosing(self.gateway.chat(f"user:{actor.id}", conversation.model, messages,
                                                      tools=tools, options=options)) as stream:
                    async for item in stream:
                        if isinstance(item, QueuePosition):
                            yield Queued(item.position)
                            continue
                        await recorder.add(item.content, item.thinking)
                        if item.thinking:
                            yield ThinkingDelta(item.thinking)
                        if item.content:
                            yield ContentDelta(item.content)
                        calls += [{"name": c.name, "arguments": c.arguments, "id": c.id} for c in item.tool_calls]
                        if item.done:
                            metrics = item.metrics
                status, reason = MessageStatus.COMPLETE, ""
            except (OllamaError, ServiceError) as exc:
                status, reason = MessageStatus.ERROR, str(exc)
            except (asyncio.CancelledError, GeneratorExit):
                reason = "stopped by the user or the connection closed"
                raise
            finally:
                stored = await asyncio.shield(recorder.finish(status, error=reason or None, metrics=metrics,
                                                              tool_calls=calls or None))
                if metrics is not None:
                    totals[0] += metrics.prompt_eval_count or 0
                    totals[1] += metrics.eval_count or 0
                if status is not MessageStatus.COMPLETE or not calls:
                    await self._record_usage(actor, conversation.model, totals)
            if status is MessageStatus.ERROR:
                yield ReplyFailed(stored, reason)
                return
            if not calls:
                assert stored is not None
                yield ReplyFinished(stored, totals[0], totals[1], metrics.tokens_per_second if metrics else None,
                                    tuple(citations))
                return
            messages.append({"role": "assistant", "content": recorder.text,
                             "tool_calls": [{"function": {"name": c["name"], "arguments": c["arguments"]}}
                                            for c in calls]})
            for call in calls:
                yield ToolActivity(call["name"], call["arguments"] if isinstance(call["arguments"], dict) else {},
                                   "calling")
                outcome = await run_tool_call(actor, turn.tools, call["name"], call["arguments"], runtime,
                                              self.ctx.settings.ollama.tool_timeout_s)
                async with self.ctx.db.transaction() as session:
                    await ConversationRepository(session).add_message(
                        conversation.id, MessageRole.TOOL.value, outcome.content, tool_name=call["name"],
                        tool_calls=[outcome.as_record()])
                messages.append({"role": "tool", "content": outcome.content, "tool_name": call["name"]})
                yield ToolActivity(outcome.name, outcome.arguments, "done" if outcome.ok else "refused",
                                   outcome.content)
        yield ReplyFailed(stored, f"the model still asked for tools after {max_rounds} rounds")

    async def _record_usage(self, actor: Actor, model: str, totals: list[int]) -> None:
        if self.usage is not None:
            await asyncio.shield(self.usage.record(actor, model, totals[0], totals[1]))
