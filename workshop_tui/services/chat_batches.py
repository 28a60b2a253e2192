"""A reply's chunks in batches, read by a task that starts the request at once.

A reader task pulls chunks off the connection and folds each into the batch being gathered (its
text, its thinking, any tool calls, the final chunk); the consumer takes the whole batch when it
asks. A fast model then costs one event per screen update instead of one per token, and every
chunk is looked at once, while a slow one still shows every token as it arrives.

The reader starts when the object is made, not when it is first iterated, so the request to Ollama
is on its way while the caller finishes other work (the chat service stores the question
meanwhile). Nothing is handed to the consumer before it asks, and `aclose()` stops the reader,
which closes the HTTP response so Ollama stops generating.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass

from workshop_tui.ollama import ChatChunk, ToolCall


@dataclass(frozen=True)
class Batch:
    """Everything that arrived since the consumer last asked."""

    content: str
    thinking: str
    tool_calls: tuple[ToolCall, ...]
    final: ChatChunk | None
    """The last chunk (`done`, with the metrics), when it is in this batch."""
    chunks: int = 0
    """How many chunks arrived (Ollama sends about one token per chunk)."""


class ChatBatches:
    """``async with aclosing(ChatBatches(chunks)) as batches: async for batch in batches: ...``"""

    def __init__(self, chunks: AsyncIterator[ChatChunk], *, name: str = "ollama-read") -> None:
        self._content: list[str] = []
        self._thinking: list[str] = []
        self._calls: list[ToolCall] = []
        self._final: ChatChunk | None = None
        self._chunks = 0
        self._gathered = False
        self._end: BaseException | bool = False  # True once the stream ended; an error if it failed
        self._over = False
        self._wake = asyncio.Event()
        self._reader = asyncio.create_task(self._read(chunks), name=name)

    async def _read(self, chunks: AsyncIterator[ChatChunk]) -> None:
        content, thinking, calls = self._content, self._thinking, self._calls
        try:
            async with aclosing(chunks) as stream:  # type: ignore[type-var]
                async for chunk in stream:
                    content.append(chunk.content)
                    if chunk.thinking:
                        thinking.append(chunk.thinking)
                    if chunk.tool_calls:
                        calls.extend(chunk.tool_calls)
                    if chunk.done:
                        self._final = chunk
                    self._chunks += 1
                    self._gathered = True
                    self._wake.set()
        except Exception as exc:  # handed to the consumer, which raises it in its own task
            self._end = exc
        else:
            self._end = True
        self._wake.set()

    def __aiter__(self) -> ChatBatches:
        return self

    async def __anext__(self) -> Batch:
        while not self._gathered:
            if self._over:
                raise StopAsyncIteration
            if self._end is not False:  # the chunks first; the end or the error after them
                self._over = True
                if isinstance(self._end, BaseException):
                    raise self._end
                raise StopAsyncIteration
            await self._wake.wait()
            self._wake.clear()
        batch = Batch("".join(self._content), "".join(self._thinking), tuple(self._calls), self._final, self._chunks)
        self._chunks = 0
        self._content.clear()
        self._thinking.clear()
        self._calls.clear()
        self._final = None
        self._gathered = False
        return batch

    async def aclose(self) -> None:
        """Stop reading (closing the response) and forget what was not consumed."""
        self._over = True
        self._gathered = False
        if not self._reader.done():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
