"""Async client for one Ollama server: the REST endpoints, on top of `OllamaTransport` (httpx)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import aclosing
from typing import Any

from workshop_tui.ollama.errors import OllamaError, StreamError
from workshop_tui.ollama.model_types import ModelDetails, ModelEntry, PullProgress, RunningModel
from workshop_tui.ollama.transport import OllamaTimeouts, OllamaTransport
from workshop_tui.ollama.types import ChatChunk, EmbedResult

__all__ = ["OllamaClient", "OllamaTimeouts"]


class OllamaClient(OllamaTransport):
    """One Ollama server. Create it anywhere; the HTTP connection pool is made on first use."""

    # -- metadata --------------------------------------------------------------------------------

    async def version(self) -> str:
        """The server's version string, e.g. "0.33.0"."""
        return str((await self._json("GET", "/api/version")).get("version", ""))

    async def is_running(self, within: float = 5.0) -> bool:
        """Liveness probe (GET /): True if an Ollama answered within `within` seconds, else False."""
        try:
            async with asyncio.timeout(within):
                resp = await self._call("GET", "/")
        except (OllamaError, TimeoutError):
            return False
        return resp.status_code == 200

    async def tags(self) -> list[ModelEntry]:
        """Models installed on this host."""
        obj = await self._json("GET", "/api/tags")
        return [ModelEntry.from_json(m, self.base_url) for m in obj.get("models") or [] if isinstance(m, dict)]

    async def ps(self) -> list[RunningModel]:
        """Models loaded in memory right now."""
        obj = await self._json("GET", "/api/ps")
        return [RunningModel.from_json(m) for m in obj.get("models") or [] if isinstance(m, dict)]

    async def show(self, model: str) -> ModelDetails:
        """Capabilities, context and embedding length, template and parameters of one model."""
        obj = await self._json("POST", "/api/show", body={"model": model}, model=model)
        return ModelDetails.from_json(model, obj)

    async def delete(self, model: str) -> None:
        """Remove a model from the host; ModelNotFound if it was not there."""
        await self._call("DELETE", "/api/delete", body={"model": model}, model=model)

    async def copy(self, source: str, destination: str) -> None:
        """Copy a model under a new name; ModelNotFound if the source does not exist."""
        await self._call("POST", "/api/copy", body={"source": source, "destination": destination}, model=source)

    async def pull(self, model: str, *, insecure: bool = False) -> AsyncIterator[PullProgress]:
        """Download a model, yielding progress lines until "success"; StreamError if it fails."""
        body: dict[str, Any] = {"model": model, "stream": True}
        if insecure:
            body["insecure"] = True
        last = ""
        async with aclosing(self._stream("/api/pull", body, model=model)) as lines:
            async for obj in lines:
                progress = PullProgress.from_json(obj)
                last = progress.status
                yield progress
        if last != "success":
            raise StreamError(f"the pull of {model} ended early (last status: {last or 'none'})")

    # -- generation ------------------------------------------------------------------------------

    def chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        options: Mapping[str, Any] | None = None,
        think: bool | str | None = None,
        format: str | Mapping[str, Any] | None = None,
        keep_alive: float | str | None = None,
    ) -> AsyncIterator[ChatChunk]:
        """Stream a chat turn. Use `async with contextlib.aclosing(...)` to stop early deterministically.

        A StreamError raised mid-stream carries the content received so far in `partial`.
        """
        body: dict[str, Any] = {"model": model, "messages": [dict(m) for m in messages], "stream": True}
        extras = {
            "tools": tools,
            "options": options,
            "think": think,
            "format": format,
            "keep_alive": keep_alive,
        }
        body.update({k: ([dict(t) for t in v] if k == "tools" else v) for k, v in extras.items() if v is not None})
        return self._stream("/api/chat", body, model=model, convert=ChatChunk.from_json)

    async def _chat_once(self, model: str, keep_alive: float | str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "messages": [], "stream": False}
        if keep_alive is not None:
            body["keep_alive"] = keep_alive
        return await self._json("POST", "/api/chat", body=body, model=model)

    async def load(self, model: str, *, keep_alive: float | str | None = None) -> None:
        """Load a model ahead of use (a chat with no messages), so attendees skip the cold start."""
        await self._chat_once(model, keep_alive)

    async def unload(self, model: str) -> None:
        """Evict a model from memory now: a chat with no messages and `keep_alive` 0."""
        await self._chat_once(model, 0)

    # -- embeddings ------------------------------------------------------------------------------

    async def embed_result(
        self,
        model: str,
        inputs: Sequence[str],
        *,
        truncate: bool = True,
        dimensions: int | None = None,
        keep_alive: float | str | None = None,
    ) -> EmbedResult:
        """One `/api/embed` request with its timings; vectors come back in input order."""
        items = [inputs] if isinstance(inputs, str) else list(inputs)
        if not items:
            return EmbedResult(model=model, embeddings=[])
        body: dict[str, Any] = {"model": model, "input": items, "truncate": truncate}
        if dimensions is not None:
            body["dimensions"] = dimensions
        if keep_alive is not None:
            body["keep_alive"] = keep_alive
        result = EmbedResult.from_json(model, await self._json("POST", "/api/embed", body=body, model=model))
        if len(result.embeddings) != len(items):
            raise OllamaError(f"Ollama returned {len(result.embeddings)} embeddings for {len(items)} inputs ({model})")
        return result

    async def embed(
        self,
        model: str,
        inputs: Sequence[str],
        *,
        truncate: bool = True,
        dimensions: int | None = None,
        keep_alive: float | str | None = None,
    ) -> list[list[float]]:
        """Embed all inputs in one request; returns one L2-normalised vector per input."""
        result = await self.embed_result(model, inputs, truncate=truncate, dimensions=dimensions, keep_alive=keep_alive)
        return result.embeddings

    async def embed_batched(
        self,
        model: str,
        inputs: Sequence[str],
        batch_size: int = 32,
        *,
        truncate: bool = True,
        dimensions: int | None = None,
    ) -> list[list[float]]:
        """Embed in sequential batches: embedding models run one slot, so parallel requests only queue."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        items = list(inputs)
        out: list[list[float]] = []
        for start in range(0, len(items), batch_size):
            out.extend(
                await self.embed(model, items[start : start + batch_size], truncate=truncate, dimensions=dimensions)
            )
        return out
