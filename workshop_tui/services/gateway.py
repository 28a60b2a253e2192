"""The way to Ollama for services: the host pool, the fair queue and a short-lived model cache.

`reserve()` picks the least busy host that has the model; the reservation waits for a turn in the
fair queue (yielding `QueuePosition` while it waits, so a screen can say "2nd in queue"), then
streams. Releasing it gives the slot back; closing the stream closes the HTTP response, so Ollama
stops generating.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workshop_tui.config.settings import OllamaSettings
from workshop_tui.ollama import (
    ChatChunk,
    FairQueue,
    HostLease,
    ModelEntry,
    OllamaPool,
    OllamaTimeouts,
    Unreachable,
)
from workshop_tui.ollama.types import normalize_model_name
from workshop_tui.services.chat_batches import ChatBatches


@dataclass(frozen=True)
class QueuePosition:
    """How many requests wait before ours (0 = next)."""

    position: int


class OllamaGateway:
    def __init__(self, pool: OllamaPool, queue: FairQueue, *, model_ttl_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pool = pool
        self.queue = queue
        self.model_ttl_s = model_ttl_s
        self._clock = clock
        self._fetched_at: float | None = None
        self._refresh_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: OllamaSettings) -> OllamaGateway:
        timeouts = OllamaTimeouts(connect=settings.connect_timeout_s, read_gap=settings.read_gap_s,
                                  deadline=settings.deadline_s)
        api_key = settings.api_key.get_secret_value() if settings.api_key else None
        pool = OllamaPool(settings.urls, timeouts=timeouts, api_key=api_key, retry_after=settings.down_retry_s)
        queue = FairQueue(default_capacity=settings.max_in_flight_per_host)
        return cls(pool, queue, model_ttl_s=settings.model_cache_ttl_s)

    async def aclose(self) -> None:
        await self.pool.aclose()

    async def models(self, *, refresh: bool = False) -> list[ModelEntry]:
        """The merged model list of every host that answers; cached for `model_ttl_s`.

        Concurrent callers share one refresh, and a host that is down never delays the others.
        """
        async with self._refresh_lock:
            fresh = self._fetched_at is not None and self._clock() - self._fetched_at < self.model_ttl_s
            if refresh or not fresh:
                await self.pool.refresh_models()
                self._fetched_at = self._clock()
        return self.pool.models()

    def invalidate(self) -> None:
        self._fetched_at = None

    async def _host_for(self, model: str) -> None:
        if not self.pool.hosts_for(model):
            await self.models(refresh=self._fetched_at is None or not self.pool.hosts_for(model))

    async def reserve(self, user_key: str, model: str) -> Reservation:
        """Claim the least busy host that serves `model`; then wait for a turn and stream from it.

        Raises ModelNotFound when no host lists the model and Unreachable when all that do are
        down. Always `release()` the reservation (in a `finally`).
        """
        model = normalize_model_name(model)
        await self._host_for(model)
        lease = self.pool.pick_host(model)
        lease.__enter__()
        return Reservation(self, lease, user_key, model)


class Reservation:
    """One generation's claim on a host: its place in the fair queue, then its stream.

    The stream is the client's own iterator, handed straight to the caller, so a long reply pays
    for no extra layer per chunk.
    """

    def __init__(self, gateway: OllamaGateway, lease: HostLease, user_key: str, model: str) -> None:
        self.gateway = gateway
        self.lease = lease
        self.model = model
        self._positions: asyncio.Queue[int] = asyncio.Queue()
        self._slot = gateway.queue.slot(user_key, lease.url, on_position=self._positions.put_nowait)
        self._enter: asyncio.Future[Any] | None = None
        self._released = False

    @property
    def host(self) -> str:
        return self.lease.url

    async def wait_turn(self) -> AsyncIterator[QueuePosition]:
        """Yield each new place in the queue until our turn comes. However the consumer leaves
        (closing this iterator, cancelling, or simply dropping it), `release()` gives back whatever
        the ticket holds by then, so no path can keep a slot."""
        slot, positions = self._slot, self._positions
        self._enter = enter = asyncio.ensure_future(slot.__aenter__())
        try:
            await asyncio.sleep(0)  # let the ticket take its place
            if not enter.done():
                yield QueuePosition(max(slot.ticket.position, 0))
            while not enter.done():
                getter = asyncio.ensure_future(positions.get())
                try:
                    done, _ = await asyncio.wait({enter, getter}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    getter.cancel()
                if getter in done and not getter.cancelled() and not enter.done():
                    yield QueuePosition(getter.result())
            enter.result()
        except BaseException:
            self._abandon_wait()
            raise

    def _abandon_wait(self) -> None:
        enter = self._enter
        if enter is not None and not enter.done():
            enter.cancel()  # its own handler leaves the queue when it runs; give_back does it now
        self._slot.give_back()

    def chat(self, messages: Sequence[Mapping[str, Any]], *, tools: Sequence[Mapping[str, Any]] | None = None,
             options: Mapping[str, Any] | None = None, think: bool | str | None = None) -> AsyncIterator[ChatChunk]:
        return self.lease.client.chat(self.model, messages, tools=tools, options=options, think=think)

    def chat_batches(self, messages: Sequence[Mapping[str, Any]], *,
                     tools: Sequence[Mapping[str, Any]] | None = None,
                     options: Mapping[str, Any] | None = None) -> ChatBatches:
        """The stream as batches (see `ChatBatches`); the request starts now. Close it to stop."""
        return ChatBatches(self.chat(messages, tools=tools, options=options), name=f"ollama-read-{self.model}")

    async def release(self, error: BaseException | None = None) -> None:
        """Give the queue slot and the host back; a host that could not be reached is marked down.

        Safe whatever state the wait is in (never started, queued, granted but not yet noticed,
        running) and idempotent."""
        if self._released:
            return
        self._released = True
        self._abandon_wait()
        self.lease.__exit__(type(error) if error else None, error, None)
        if isinstance(error, Unreachable):
            self.gateway.pool.mark_down(self.lease.url)
