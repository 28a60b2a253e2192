"""Several Ollama hosts used as one: which host has which model, which hosts are up, where to send work.

A workshop may spread attendees over a few machines. Routing sends each request to the least busy
host that has the model. A host that stops answering is marked down for `retry_after` seconds and
skipped meanwhile, so one dead laptop never stalls the class: every probe is bounded and concurrent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

from workshop_tui.ollama.client import OllamaClient, OllamaTimeouts
from workshop_tui.ollama.errors import ModelNotFound, OllamaError, Unreachable
from workshop_tui.ollama.model_types import ModelEntry
from workshop_tui.ollama.types import model_key, parse_ollama_host


@dataclass(frozen=True)
class HostHealth:
    """One host's state as seen by a probe: the UI's status line for that host."""

    url: str
    reachable: bool
    version: str | None = None
    error: str | None = None
    latency_ms: float | None = None
    in_flight: int = 0


class HostLease:
    """A claim on one host for one request; counts as in flight from enter to exit.

    Usable with `with` or `async with`. If the request fails with Unreachable, the host is marked down.
    """

    def __init__(self, pool: OllamaPool, url: str) -> None:
        self._pool = pool
        self.url = url
        self.client = pool.clients[url]
        self._held = False

    def __enter__(self) -> HostLease:
        if not self._held:
            self._held = True
            self._pool._in_flight[self.url] += 1
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._held:
            self._held = False
            self._pool._in_flight[self.url] -= 1
        if isinstance(exc, Unreachable):
            self._pool.mark_down(self.url)

    async def __aenter__(self) -> HostLease:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)


class OllamaPool:
    """A set of Ollama hosts with merged model lists, up/down tracking and least-busy routing."""

    def __init__(
        self,
        base_urls: Sequence[str],
        *,
        timeouts: OllamaTimeouts | None = None,
        api_key: str | None = None,
        retry_after: float = 15.0,
        probe_timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        urls = list(dict.fromkeys(parse_ollama_host(u) for u in base_urls))
        if not urls:
            raise ValueError("an OllamaPool needs at least one host")
        self.clients: dict[str, OllamaClient] = {u: OllamaClient(u, timeouts=timeouts, api_key=api_key) for u in urls}
        self.retry_after = retry_after
        self.probe_timeout = probe_timeout
        self._clock = clock
        self._down_until: dict[str, float] = {}
        self._errors: dict[str, str] = {}
        self._in_flight: dict[str, int] = dict.fromkeys(urls, 0)
        self._last_pick: dict[str, int] = dict.fromkeys(urls, 0)
        self._picks = 0
        self._models: dict[str, dict[str, ModelEntry]] = {}  # model key -> host url -> entry

    @property
    def urls(self) -> list[str]:
        """Base URLs in configuration order."""
        return list(self.clients)

    async def aclose(self) -> None:
        """Close every host's connections."""
        await asyncio.gather(*(c.aclose() for c in self.clients.values()))

    # -- up / down -------------------------------------------------------------------------------

    def is_up(self, url: str) -> bool:
        """False while a host is inside its retry window after failing."""
        return self._clock() >= self._down_until.get(url, 0.0)

    def mark_down(self, url: str, error: str | None = None) -> None:
        """Skip this host until `retry_after` seconds from now."""
        self._down_until[url] = self._clock() + self.retry_after
        if error:
            self._errors[url] = error

    def mark_up(self, url: str) -> None:
        """Route to this host again (a probe just succeeded)."""
        self._down_until.pop(url, None)
        self._errors.pop(url, None)

    def recent_errors(self) -> dict[str, str]:
        """The last error of each host that is currently marked down, for the health view."""
        return {url: error for url, error in self._errors.items() if error}

    def in_flight(self, url: str) -> int:
        """Requests currently leased on the host."""
        return self._in_flight[url]

    # -- models ----------------------------------------------------------------------------------

    async def _probe_tags(self, url: str) -> list[ModelEntry] | None:
        try:
            async with asyncio.timeout(self.probe_timeout):
                entries = await self.clients[url].tags()
        except TimeoutError:
            self.mark_down(url, f"no answer within {self.probe_timeout:g} s")
            return None
        except OllamaError as exc:
            self.mark_down(url, str(exc))
            return None
        self.mark_up(url)
        return entries

    async def refresh_models(self) -> list[ModelEntry]:
        """Fetch `/api/tags` from every up host at once and merge; returns one entry per model.

        Hosts inside their retry window are not asked and keep their last known models (routing skips
        them anyway). A host that fails now is marked down and its models are kept likewise.
        """
        urls = [u for u in self.clients if self.is_up(u)]
        results = await asyncio.gather(*(self._probe_tags(u) for u in urls))
        for url, entries in zip(urls, results, strict=True):
            if entries is None:
                continue
            for hosts in self._models.values():
                hosts.pop(url, None)
            for entry in entries:
                self._models.setdefault(model_key(entry.name), {})[url] = entry
        self._models = {k: v for k, v in self._models.items() if v}
        return self.models()

    def models(self) -> list[ModelEntry]:
        """Every known model once (the entry of the first host listing it), sorted by name."""
        order = {u: i for i, u in enumerate(self.clients)}
        merged = [min(hosts.values(), key=lambda e: order.get(e.host or "", 0)) for hosts in self._models.values()]
        return sorted(merged, key=lambda e: e.name)

    def hosts_for(self, model: str) -> list[str]:
        """URLs of hosts known to have the model, up or down, in configuration order."""
        hosts = self._models.get(model_key(model), {})
        return [u for u in self.clients if u in hosts]

    def pick_host(self, model: str) -> HostLease:
        """Lease the up host that has the model with the fewest requests in flight.

        Ties go to the host picked least recently, so equal hosts share the load. Raises ModelNotFound
        if no host lists the model (call `refresh_models` first), Unreachable if all that do are down.
        """
        hosts = self.hosts_for(model)
        if not hosts:
            raise ModelNotFound(model, "no configured Ollama host has it")
        up = [u for u in hosts if self.is_up(u)]
        if not up:
            raise Unreachable(", ".join(hosts), self._errors.get(hosts[0], "every host with this model is down"))
        url = min(up, key=lambda u: (self._in_flight[u], self._last_pick[u]))
        self._picks += 1
        self._last_pick[url] = self._picks
        return HostLease(self, url)

    # -- health ----------------------------------------------------------------------------------

    async def _probe_health(self, url: str) -> HostHealth:
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self.probe_timeout):
                version = await self.clients[url].version()
        except (OllamaError, TimeoutError) as exc:
            error = str(exc) if isinstance(exc, OllamaError) else f"no answer within {self.probe_timeout:g} s"
            self.mark_down(url, error)
            return HostHealth(url, reachable=False, error=error, in_flight=self._in_flight[url])
        latency = (time.perf_counter() - start) * 1000.0
        self.mark_up(url)
        return HostHealth(url, True, version=version, latency_ms=latency, in_flight=self._in_flight[url])

    async def health(self) -> list[HostHealth]:
        """Probe every host (down ones too, so recovery is noticed) concurrently, in configuration order."""
        return list(await asyncio.gather(*(self._probe_health(u) for u in self.clients)))
