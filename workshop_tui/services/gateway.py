"""The way to Ollama for services: the host pool, the fair queue and a short-lived model cache.

`chat()` picks the least busy host that has the model, waits for a turn in the fair queue
(yielding `QueuePosition` while it waits, so a screen can say "2nd in queue"), then streams.
Closing the stream at any point releases the queue slot and closes the HTTP response, so Ollama
stops generating.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from workshop_tui.config.settings import OllamaSettings
from workshop_tui.ollama import ChatChunk, FairQueue, ModelEntry, OllamaPool, OllamaTimeouts, Unreachable
from workshop_tui.ollama.types import normalize_model_name


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

    async def chat(self, user_key: str, model: str, messages: Sequence[Mapping[str, Any]], *,
                   tools: Sequence[Mapping[str, Any]] | None = None, options: Mapping[str, Any] | None = None,
                   think: bool | str | None = None) -> AsyncIterator[ChatChunk | QueuePosition]:
        model = normalize_model_name(model)
        await self._host_for(model)
        with self.pool.pick_host(model) as lease:
            positions: asyncio.Queue[int] = asyncio.Queue()
            slot = self.queue.slot(user_key, lease.url, on_position=positions.put_nowait)
            async for position in self._wait_turn(slot, positions):
                yield position
            try:
                async with aclosing(lease.client.chat(model, messages, tools=tools, options=options,
                                                      think=think)) as stream:
                    async for chunk in stream:
                        yield chunk
            except Unreachable:
                self.pool.mark_down(lease.url)
                raise
            finally:
                await slot.__aexit__(None, None, None)

    @staticmethod
    async def _wait_turn(slot: Any, positions: asyncio.Queue[int]) -> AsyncIterator[QueuePosition]:
        """Enter the queue slot, yielding each new place in the queue until our turn comes.

        If the consumer goes away while we wait, the ticket leaves the queue and nothing is held.
        """
        enter = asyncio.ensure_future(slot.__aenter__())
        try:
            await asyncio.sleep(0)  # let the ticket take its place
            if not enter.done():
                yield QueuePosition(slot.ticket.position)
            while not enter.done():
                getter = asyncio.ensure_future(positions.get())
                done, _ = await asyncio.wait({enter, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done and not enter.done():
                    yield QueuePosition(getter.result())
                getter.cancel()
            enter.result()
        except BaseException:
            if not enter.done():
                enter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await enter
            elif not enter.cancelled() and enter.exception() is None:
                await slot.__aexit__(None, None, None)
            raise
