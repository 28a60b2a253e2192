"""Embedding through the Ollama pool: host choice, model prefixes, a bound on requests, retries.

Why it exists apart from `OllamaClient.embed`:
- an embedding model runs with one slot, so more than two requests in flight only queue at Ollama;
  document embedding across every job of the process shares one semaphore of `max_in_flight`
  (interactive question embeddings skip it, so a search never waits behind a bulk import);
- some models were trained with task prefixes (nomic-embed-text: `search_document: ` for passages,
  `search_query: ` for questions) and retrieve noticeably worse without them;
- a busy (503) or unreachable host is transient in a workshop, so those failures are retried with
  exponential backoff, while 400 and 404 are the caller's mistake and fail at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.errors import Invalid
from workshop_tui.ollama import ModelBusy, ModelNotFound, OllamaPool, Unreachable, normalize_model_name

log = get_logger(__name__)
T = TypeVar("T")

# model base name -> (prefix for stored passages, prefix for questions)
PREFIXES: dict[str, tuple[str, str]] = {
    "nomic-embed-text": ("search_document: ", "search_query: "),
    "mxbai-embed-large": ("", "Represent this sentence for searching relevant passages: "),
}
TRANSIENT = (ModelBusy, Unreachable)


def prefixes_for(model: str) -> tuple[str, str]:
    """The (document, query) prefixes a model wants; empty strings for models without them."""
    base = normalize_model_name(model).rsplit("/", 1)[-1].split(":", 1)[0].casefold()
    return PREFIXES.get(base, ("", ""))


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient failure is retried (delays double up to the cap)."""

    attempts: int = 6
    first_delay_s: float = 1.0
    max_delay_s: float = 15.0

    def delay(self, failures: int) -> float:
        return min(self.max_delay_s, self.first_delay_s * 2 ** max(0, failures - 1))


class Embedder:
    """Embeds passages and questions with whichever pool host serves the model."""

    def __init__(
        self,
        pool: OllamaPool,
        *,
        max_in_flight: int = 2,
        retry: RetryPolicy | None = None,
        query_retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if max_in_flight < 1:
            raise Invalid("must be at least 1", field="max_in_flight")
        self.pool = pool
        self.retry = retry or RetryPolicy()
        # Someone is waiting for an answer: give up on a busy server sooner than a background job does.
        self.query_retry = query_retry or RetryPolicy(attempts=3, first_delay_s=0.5, max_delay_s=2.0)
        self.max_in_flight = max_in_flight
        self._slots = asyncio.Semaphore(max_in_flight)
        self._sleep = sleep

    async def _lease_call(self, model: str, call: Callable[..., Awaitable[T]]) -> T:
        """Run `call(client)` on the least busy host with the model, refreshing the model list once
        if no host is known to have it (a model pulled since the last refresh)."""
        try:
            lease = self.pool.pick_host(model)
        except ModelNotFound:
            await self.pool.refresh_models()
            lease = self.pool.pick_host(model)
        async with lease:
            return await call(lease.client)

    async def _with_retries(self, model: str, call: Callable[..., Awaitable[T]], policy: RetryPolicy) -> T:
        failures = 0
        while True:
            try:
                return await self._lease_call(model, call)
            except TRANSIENT as error:
                failures += 1
                if failures >= policy.attempts:
                    raise
                wait = policy.delay(failures)
                log.info("embedding with %s failed (%s); retry %d in %.1f s", model, error, failures, wait)
                await self._sleep(wait)

    async def dimension(self, model: str) -> int:
        """The model's real vector size from `/api/show`; Invalid if it is not an embedding model."""
        name = normalize_model_name(model)
        details = await self._with_retries(name, lambda client: client.show(name), self.query_retry)
        if details.embedding_length is None or (details.capabilities and not details.supports("embedding")):
            raise Invalid(f"{name} is not an embedding model; choose one such as all-minilm or nomic-embed-text",
                          field="embedding_model")
        return details.embedding_length

    async def embed_documents(self, model: str, texts: Sequence[str]) -> list[list[float]]:
        """Vectors for passages to store, one request, within the shared in-flight bound."""
        name = normalize_model_name(model)
        prefix = prefixes_for(name)[0]
        inputs = [prefix + text for text in texts]
        async with self._slots:
            return await self._with_retries(name, lambda client: client.embed(name, inputs), self.retry)

    async def embed_query(self, model: str, text: str) -> list[float]:
        """The vector of a question, with the model's query prefix."""
        name = normalize_model_name(model)
        query = prefixes_for(name)[1] + text
        vectors = await self._with_retries(name, lambda client: client.embed(name, [query]), self.query_retry)
        return vectors[0]
