"""A reply's chunks in batches, read by a task that starts the request at once.

A reader task pulls chunks off the connection; each batch is everything it gathered since the
consumer last asked. A fast model then costs one event per screen update instead of one per token,
while a slow one still shows every token as it arrives.

The reader starts when the object is made, not when it is first iterated, so the request to Ollama
is on its way while the caller finishes other work (the chat service stores the question
meanwhile). Nothing is handed to the consumer before it asks, and `aclose()` stops the reader,
which closes the HTTP response so Ollama stops generating.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from contextlib import aclosing

from workshop_tui.ollama import ChatChunk

_END = None  # what the reader leaves after the last chunk


class ChatBatches:
    """``async with aclosing(ChatBatches(chunks)) as batches: async for batch in batches: ...``"""

    def __init__(self, chunks: AsyncIterator[ChatChunk], *, name: str = "ollama-read") -> None:
        # A deque and an event cost less per chunk than an asyncio.Queue.
        self._arrived: deque[ChatChunk | BaseException | None] = deque()
        self._wake = asyncio.Event()
        self._over = False
        self._reader = asyncio.create_task(self._read(chunks), name=name)

    async def _read(self, chunks: AsyncIterator[ChatChunk]) -> None:
        try:
            async with aclosing(chunks) as stream:  # type: ignore[type-var]
                async for chunk in stream:
                    self._arrived.append(chunk)
                    self._wake.set()
        except Exception as exc:  # handed to the consumer, which raises it in its own task
            self._arrived.append(exc)
        else:
            self._arrived.append(_END)
        self._wake.set()

    def __aiter__(self) -> ChatBatches:
        return self

    async def __anext__(self) -> list[ChatChunk]:
        while not self._arrived:
            if self._over:
                raise StopAsyncIteration
            await self._wake.wait()
            self._wake.clear()
        batch: list[ChatChunk] = []
        while self._arrived:
            item = self._arrived[0]
            if item is _END or isinstance(item, BaseException):
                if batch:  # the chunks first; the end or the error on the next call
                    return batch
                self._arrived.popleft()
                self._over = True
                if item is _END:
                    raise StopAsyncIteration
                raise item
            batch.append(item)
            self._arrived.popleft()
        return batch

    async def aclose(self) -> None:
        """Stop reading (closing the response) and forget what was not consumed."""
        self._over = True
        self._arrived.clear()
        if not self._reader.done():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
