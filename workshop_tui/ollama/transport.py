"""The HTTP side of the Ollama client: timeouts, connection pool, errors, calls and NDJSON streams.

Design points, all driven by how Ollama behaves:
- the read timeout is a *gap* between bytes and is generous, because a cold model load sends nothing
  (not even headers) until the first token; an overall `deadline` bounds each call instead;
- every stream line is checked for `{"error": ...}`, since failures after HTTP 200 arrive that way;
- a stream's HTTP response is closed in a `finally`, so a consumer that stops early, closes the
  iterator or is cancelled disconnects at once, and Ollama stops generating and frees its slot.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

import httpx
import orjson

from workshop_tui.ollama.errors import (
    OllamaError,
    StreamError,
    Timeout,
    error_from_status,
    error_from_transport,
)
from workshop_tui.ollama.types import parse_ollama_host


@dataclass(frozen=True)
class OllamaTimeouts:
    """Seconds. `read_gap` is the longest silence tolerated; `deadline` bounds a whole call or stream."""

    connect: float = 5.0
    read_gap: float = 300.0
    deadline: float = 1800.0
    write: float = 30.0


class OllamaTransport:
    """The HTTP side of one Ollama server: the connection pool (made on first use), timeouts, errors,
    plain calls and NDJSON streams. `OllamaClient` adds the endpoints."""

    def __init__(
        self,
        base_url: str,
        *,
        timeouts: OllamaTimeouts | None = None,
        api_key: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        trust_env: bool = False,
    ) -> None:
        # trust_env is off by default: a proxy set for the internet must not capture a LAN/loopback Ollama.
        self.base_url = parse_ollama_host(base_url)
        self.timeouts = timeouts or OllamaTimeouts()
        self._api_key = api_key
        self._transport = transport
        self._trust_env = trust_env
        self._client: httpx.AsyncClient | None = None

    @classmethod
    def from_env(cls, *, timeouts: OllamaTimeouts | None = None) -> Self:
        """Honour `OLLAMA_HOST` and `OLLAMA_API_KEY` the way the `ollama` CLI does."""
        return cls(os.environ.get("OLLAMA_HOST", ""), timeouts=timeouts, api_key=os.environ.get("OLLAMA_API_KEY"))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            t = self.timeouts
            headers = {"Accept": "application/json", "User-Agent": "workshop-tui"}
            if self._api_key:
                headers["Authorization"] = f"Bearer {self._api_key}"
            self._client = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=httpx.Timeout(connect=t.connect, read=t.read_gap, write=t.write, pool=t.connect),
                headers=headers,
                transport=self._transport,
                trust_env=self._trust_env,
            )
        return self._client

    async def aclose(self) -> None:
        """Close pooled connections; the client may be used again afterwards (a new pool is made)."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _transport_error(self, exc: httpx.HTTPError, *, streaming: bool = False) -> OllamaError:
        t = self.timeouts
        return error_from_transport(
            self.base_url, exc, connect=t.connect, read=t.read_gap, write=t.write, streaming=streaming
        )

    # -- plumbing --------------------------------------------------------------------------------

    async def _call(
        self, method: str, path: str, *, body: Mapping[str, Any] | None = None, model: str | None = None
    ) -> httpx.Response:
        """One non-streaming request under the deadline, mapped to our errors."""
        http = self._http()
        try:
            async with asyncio.timeout(self.timeouts.deadline):
                try:
                    resp = await http.request(method, path, json=body)
                except httpx.HTTPError as exc:
                    raise self._transport_error(exc) from exc
        except TimeoutError as exc:
            raise Timeout(self.base_url, "deadline", self.timeouts.deadline) from exc
        if resp.status_code >= 400:
            raise error_from_status(self.base_url, resp.status_code, resp.text, model)
        return resp

    async def _json(
        self, method: str, path: str, *, body: Mapping[str, Any] | None = None, model: str | None = None
    ) -> dict[str, Any]:
        resp = await self._call(method, path, body=body, model=model)
        try:
            obj = orjson.loads(resp.content)
        except ValueError as exc:
            raise OllamaError(f"Ollama at {self.base_url} sent invalid JSON for {path}") from exc
        if not isinstance(obj, dict):
            raise OllamaError(f"Ollama at {self.base_url} sent an unexpected reply for {path}")
        return obj

    async def _stream(
        self, path: str, body: Mapping[str, Any], *, model: str, convert: Callable[[dict[str, Any]], Any] | None = None
    ) -> AsyncIterator[Any]:
        """Yield each NDJSON object of a streaming POST; raise on any `error` line.

        The deadline is enforced around each network wait rather than around the generator, so it
        can only fire while we wait on the network, never inside consumer code.
        """
        http = self._http()
        deadline = asyncio.get_running_loop().time() + self.timeouts.deadline
        response: httpx.Response | None = None
        received = 0
        partial: list[str] = []
        try:
            try:
                async with asyncio.timeout_at(deadline):
                    request = http.build_request("POST", path, json=body, headers={"Accept-Encoding": "identity"})
                    response = await http.send(request, stream=True)
                    if response.status_code >= 400:
                        await response.aread()
                        raise error_from_status(self.base_url, response.status_code, response.text, model)
            except httpx.HTTPError as exc:
                raise self._transport_error(exc) from exc
            except TimeoutError as exc:
                raise Timeout(self.base_url, "deadline", self.timeouts.deadline) from exc
            # Raw bytes split on newlines: Ollama's NDJSON is plain UTF-8 (identity encoding is
            # asked for), and skipping httpx's text and line decoders matters on long replies.
            chunks = response.aiter_raw()
            loop = asyncio.get_running_loop()
            # httpx's read timeout (the read gap) already bounds each wait. A timer per read would
            # cost more than parsing a short line, so one is armed only once the overall deadline
            # is nearer than a read gap and could otherwise be overrun.
            read_gap = self.timeouts.read_gap
            pending = b""
            while True:
                try:
                    if deadline - loop.time() > read_gap:
                        data: bytes | None = await anext(chunks)
                    else:
                        async with asyncio.timeout_at(deadline):
                            data = await anext(chunks)
                except StopAsyncIteration:
                    data = None
                except httpx.HTTPError as exc:
                    err = self._transport_error(exc, streaming=True)
                    if isinstance(err, StreamError):
                        err.chunks_received = received
                        err.partial = "".join(partial)
                    raise err from exc
                except TimeoutError as exc:
                    raise Timeout(self.base_url, "deadline", self.timeouts.deadline) from exc
                if data is None:
                    lines, pending = [pending], b""
                else:
                    lines = (pending + data if pending else data).split(b"\n")
                    pending = lines.pop()
                for line in lines:
                    if not line or line.isspace():
                        continue
                    try:
                        obj = orjson.loads(line)
                    except ValueError as exc:
                        raise StreamError(f"unreadable line from Ollama: {line[:80]!r}",
                                          chunks_received=received) from exc
                    if not isinstance(obj, dict):
                        raise StreamError(f"unexpected line from Ollama: {line[:80]!r}", chunks_received=received)
                    if obj.get("error"):
                        raise StreamError(str(obj["error"]), chunks_received=received, partial="".join(partial))
                    received += 1
                    if convert is None:
                        yield obj
                    else:  # converting here saves a generator layer per line on long replies
                        item = convert(obj)
                        partial.append(getattr(item, "content", ""))
                        yield item
                if data is None:
                    return
        finally:
            if response is not None:
                await response.aclose()
