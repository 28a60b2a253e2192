"""Conversations and the chat loop: stream a reply, run the tools it asks for, keep everything.

`send(actor, conversation_id, text)` checks the model grant, the quota and the concurrency,
stores the user message, then yields `ChatEvent`s while the reply streams (the request to Ollama
leaves while the message is being written; no event comes before it is stored). The reply is stored
progressively (`ReplyRecorder`); a reply cut short by the user, a disconnect or an Ollama error
is kept with status interrupted or error and the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.domain.errors import ServiceError
from workshop_tui.domain.models import Conversation, Message
from workshop_tui.ollama import Metrics, OllamaError
from workshop_tui.services import conversations
from workshop_tui.services.access import Actor
from workshop_tui.services.actors import fresh_actor
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
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.services.generations import GenerationTracker, LiveGeneration
from workshop_tui.services.rag import usable_rag
from workshop_tui.services.tools.kinds import SearchFunction, ToolRuntime
from workshop_tui.services.tools.runner import ollama_tool_definition, run_tool_call
from workshop_tui.storage.repositories.conversations import ConversationRepository


class _Once:
    """A task started by the first call of `task()`; later calls return the same task."""

    def __init__(self, start: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._start = start
        self._task: asyncio.Task[None] | None = None

    def task(self) -> asyncio.Task[None]:
        if self._task is None:
            self._task = asyncio.create_task(self._start())
        return self._task


class UsageGate(Protocol):
    """Quotas and concurrency, as the accounts service provides them."""

    async def used_today(self, session: AsyncSession, actor: Actor) -> tuple[int, int]: ...
    def admit(self, fresh: Actor, used: tuple[int, int]) -> contextlib.AbstractAsyncContextManager[Any]: ...
    async def record(self, actor: Actor, model: str, prompt_tokens: int, completion_tokens: int, *,
                     session: AsyncSession | None = None, messages: int = 1) -> None: ...


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
                 flush_interval_s: float = 1.0, activity: GenerationTracker | None = None) -> None:
        super().__init__(ctx)
        self.gateway = gateway
        self.activity = activity or GenerationTracker()  # what staff see being generated now
        self.usage = usage
        self.retriever = retriever
        self.search = search
        self.flush_interval_s = flush_interval_s

    async def send(self, actor: Actor, conversation_id: int, text: str) -> AsyncIterator[ChatEvent]:
        """Stream the reply to `text`. Refusals raise before anything is stored.

        Chunks arrive in batches (see `Reservation.chat_batches`): each event carries everything
        that arrived since the last one, so a fast model does not flood the screen with events.
        """
        turn = await self.prepare_turn(actor, conversation_id, text)
        actor, conversation = turn.actor, turn.conversation
        # The turn's checks just re-read the actor and its model grant, and today's use was read
        # beside the history; the gate checks the quota and holds a concurrent-generation slot.
        gate = self.usage.admit(actor, turn.extra) if self.usage is not None else contextlib.nullcontext()
        async with gate:
            grounding = None
            if conversation.rag_system_id is not None and self.retriever is not None:
                grounding = await self.retriever(actor, conversation.rag_system_id, text)
            citations = list(grounding.citations) if grounding else []
            recorder = self._recorder(conversation)
            question = Message(id=0, conversation_id=conversation.id, role=MessageRole.USER, content=text)
            messages = self._wire_messages(conversation, [*turn.history, question], grounding)
            # The question and the reply's row are written while the request to Ollama is already on
            # its way (started just after it, so the request leaves first); nothing is shown, and no
            # reply written, before they are stored.
            store = _Once(lambda: self._store_question(conversation.id, text, recorder, citations))
            options = build_options(conversation.parameters, turn.model, self.ctx.settings.ollama.num_ctx)
            definitions = [ollama_tool_definition(t) for t in turn.tools.values()] or None
            max_rounds = self.ctx.settings.ollama.tool_max_rounds
            totals = [0, 0]
            stored: Message | None = None
            for round_number in range(max_rounds + 1):
                if round_number > 0:
                    recorder = self._recorder(conversation)
                    await recorder.start()
                tools = definitions if round_number < max_rounds else None  # the last round must answer
                calls: list[dict[str, Any]] = []
                metrics: Metrics | None = None
                status, reason = MessageStatus.INTERRUPTED, "stopped by the user or the connection closed"
                failure: BaseException | None = None
                reservation = None
                live: LiveGeneration | None = None
                try:
                    reservation = await self.gateway.reserve(f"user:{actor.id}", conversation.model)
                    live = self.activity.begin(actor, conversation.model, reservation.host)
                    async with aclosing(reservation.wait_turn()) as turns:
                        async for position in turns:
                            live.queued(position.position)
                            await store.task()
                            yield Queued(position.position)
                    live.running()
                    batches = reservation.chat_batches(messages, tools=tools, options=options)
                    async with aclosing(batches) as stream:
                        await store.task()
                        async for batch in stream:
                            live.produced(batch.chunks)
                            recorder.add(batch.content, batch.thinking)
                            if batch.thinking:
                                yield ThinkingDelta(batch.thinking)
                            if batch.content:
                                yield ContentDelta(batch.content)
                            calls += [{"name": c.name, "arguments": c.arguments, "id": c.id} for c in batch.tool_calls]
                            if batch.final is not None:
                                metrics = batch.final.metrics
                            if recorder.due():
                                await recorder.flush()
                    status, reason = MessageStatus.COMPLETE, ""
                except (OllamaError, ServiceError) as exc:
                    status, reason, failure = MessageStatus.ERROR, str(exc), exc
                finally:
                    if live is not None:
                        live.end(reason if failure is not None else None)
                    elif failure is not None:  # no host to ask (all down, or none serves the model)
                        self.activity.failed(actor, conversation.model, reason)
                    if reservation is not None:
                        await reservation.release(failure)
                    storing = store.task()  # started here if the turn failed before the request
                    if not storing.done():  # the reply's row must exist before its final write
                        await asyncio.wait({storing})
                    storing.result()  # a question that could not be stored fails the turn
                    used = (metrics.prompt_eval_count or 0, metrics.eval_count or 0) if metrics else (0, 0)
                    totals[0] += used[0]
                    totals[1] += used[1]
                    if calls and tools is None and status is MessageStatus.COMPLETE:  # tools were not offered
                        status, reason = MessageStatus.ERROR, self._rounds_exhausted(max_rounds)
                    # Each round's tokens are counted in its reply's final write, whatever ends the
                    # turn afterwards; the turn counts as one message, at its first round.
                    count = self._usage_writer(actor, conversation.model, used, messages=int(round_number == 0))
                    stored = await asyncio.shield(recorder.finishing(status, error=reason or None, metrics=metrics,
                                                                     tool_calls=calls or None, also=count))
                if status is MessageStatus.ERROR:
                    yield ReplyFailed(stored, reason)
                    return
                if not calls:
                    assert stored is not None
                    yield ReplyFinished(stored, totals[0], totals[1], metrics.tokens_per_second if metrics else None,
                                        tuple(citations))
                    return
                async for event in self._run_tools(actor, turn, recorder.text, calls, messages):
                    yield event

    @staticmethod
    def _rounds_exhausted(max_rounds: int) -> str:
        return f"the model still asked for tools after {max_rounds} round{'s' if max_rounds != 1 else ''}"

    async def ask(self, actor: Actor, rag_system_id: int, question: str, *,
                  title: str | None = None) -> AsyncIterator[ChatEvent]:
        """Ask a RAG system: a new conversation on its chat model, with the system attached so that
        follow-up turns retrieve too. The final `ReplyFinished` carries the citations."""
        async with self.ctx.db.reading() as session:
            fresh = await fresh_actor(session, actor)
            rag, _vector_db, model = await usable_rag(session, fresh, rag_system_id)
        conversation = await self.create(actor, model, title=title or f"{rag.name}: {question}",
                                         rag_system_id=rag_system_id)
        async with aclosing(self.send(actor, conversation.id, question)) as events:
            async for event in events:
                yield event

    async def _store_question(self, conversation_id: int, text: str, recorder: ReplyRecorder,
                              citations: list[dict[str, Any]]) -> None:
        async with self.ctx.db.transaction() as session:  # the question and the reply's row together
            await ConversationRepository(session).add_message(conversation_id, MessageRole.USER.value, text)
            await recorder.start(citations, session=session)

    async def _turn_reads(self, session: AsyncSession, actor: Actor) -> Any:
        return await self.usage.used_today(session, actor) if self.usage is not None else None

    def _recorder(self, conversation: Conversation) -> ReplyRecorder:
        return ReplyRecorder(self.ctx.db, conversation.id, conversation.model, flush_interval_s=self.flush_interval_s)

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

    async def _run_tools(self, actor: Actor, turn: conversations.Turn, text: str, calls: list[dict[str, Any]],
                         messages: list[dict[str, Any]]) -> AsyncIterator[ChatEvent]:
        """Run each requested call, store its result, and extend `messages` for the next round."""
        runtime = ToolRuntime(search=self.search(actor) if self.search else None)
        messages.append({"role": "assistant", "content": text,
                         "tool_calls": [{"function": {"name": c["name"], "arguments": c["arguments"]}}
                                        for c in calls]})
        for call in calls:
            arguments = call["arguments"] if isinstance(call["arguments"], dict) else {}
            yield ToolActivity(call["name"], arguments, "calling")
            outcome = await run_tool_call(actor, turn.tools, call["name"], call["arguments"], runtime,
                                          self.ctx.settings.ollama.tool_timeout_s)
            async with self.ctx.db.transaction() as session:
                await ConversationRepository(session).add_message(
                    turn.conversation.id, MessageRole.TOOL.value, outcome.content, tool_name=call["name"],
                    tool_calls=[outcome.as_record()])
            messages.append({"role": "tool", "content": outcome.content, "tool_name": call["name"]})
            yield ToolActivity(outcome.name, outcome.arguments, "done" if outcome.ok else "refused", outcome.content)

    def _usage_writer(self, actor: Actor, model: str, used: tuple[int, int], *, messages: int
                      ) -> Callable[[AsyncSession], Awaitable[None]] | None:
        usage = self.usage
        if usage is None:
            return None
        return lambda session: usage.record(actor, model, used[0], used[1], session=session, messages=messages)
