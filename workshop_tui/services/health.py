"""Is everything the workshop needs there? A basic check for start-up and monitoring, and a
detailed one for the admin's health screen and `workshop-tui health`.

Every probe is bounded in time and none raises: a part that is down is reported as down, with a
message that says what to do, and the rest of the report still arrives.

The details (host URLs, errors, queues, models, pending registrations, the data folder) are for
staff (`Kind.HEALTH` in the capability table); anyone else asking gets only whether the database,
the vector store and Ollama are up.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from workshop_tui.domain.enums import AccountStatus, JobStatus
from workshop_tui.domain.errors import Forbidden, ServiceError
from workshop_tui.ollama import OllamaError
from workshop_tui.services.access import Action, Actor, Kind, authorize
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.storage.tables import EmbeddingJobRow, ModelRow, UserRow
from workshop_tui.vectors import VectorStore

PROBE_TIMEOUT_S = 5.0


@dataclass
class Check:
    name: str
    ok: bool
    required: bool = True
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class HealthReport:
    checks: list[Check]
    detailed: bool = False
    """True when the checks carry their details; False for the up-or-down summary."""

    @property
    def ok(self) -> bool:
        """True when every required part is up (optional parts may be down)."""
        return all(c.ok for c in self.checks if c.required)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": {c.name: {k: v for k, v in asdict(c).items() if k != "name"}
                                          for c in self.checks}}


class HealthService:
    def __init__(self, ctx: ServiceContext, gateway: OllamaGateway, store: VectorStore | None = None) -> None:
        self.ctx = ctx
        self.gateway = gateway
        self.store = store

    async def basic(self) -> HealthReport:
        checks = [await self._database(), self._vectors()]
        checks += await self._hosts()
        return HealthReport(checks)

    async def detailed(self, actor: Actor) -> HealthReport:
        """Every check with its details for staff; for anyone else, only which parts are up."""
        shows_details = await self._shows_details(actor)
        report = await self.basic()
        if not shows_details:
            return up_or_down(report)
        report.checks += [await self._models(), await self._loaded(), self._queue(), await self._workshop(),
                          await asyncio.to_thread(self._disk)]
        report.detailed = True
        return report

    async def _shows_details(self, actor: Actor) -> bool:
        """Whether `actor` may see the details. An inactive account is refused as everywhere; when
        the database cannot say who is asking, only the operator sees details."""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S), self.ctx.db.reading() as session:
                actor = await fresh_actor(session, actor)
        except ServiceError:
            raise
        except Exception:  # the database is down: its check says so
            return actor.is_operator
        try:
            authorize(actor, Action.READ, Kind.HEALTH)
        except Forbidden:
            return False
        return True

    async def _database(self) -> Check:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                state = await self.ctx.db.schema_state()
        except Exception as exc:
            return Check("database", False, error=f"cannot reach the database: {exc}")
        detail = {"revision": state.current, "head": state.head}
        if not state.is_current:
            return Check("database", False, detail=detail, error="not migrated; run `workshop-tui db upgrade`")
        return Check("database", True, detail=detail)

    def _vectors(self) -> Check:
        if self.store is None:
            return Check("qdrant", False, error="the vector store was not opened")
        state = str(getattr(self.store.state, "value", self.store.state))
        error = str(self.store.error) if self.store.error else None
        return Check("qdrant", state == "ready", detail={"state": state, "embedded": self.store.is_embedded},
                     error=error or (None if state == "ready" else f"vector store is {state}"))

    async def _hosts(self) -> list[Check]:
        checks = []
        for host in await self.gateway.pool.health():
            error = None if host.reachable else (host.error or "no answer; is `ollama serve` running there?")
            checks.append(Check(f"ollama {host.url}", host.reachable, error=error,
                                detail={"version": host.version, "latency_ms": host.latency_ms,
                                        "in_flight": host.in_flight}))
        return checks

    async def _models(self) -> Check:
        try:
            served = {m.name for m in await self.gateway.models()}
        except OllamaError as exc:
            served, error = set(), str(exc)
        else:
            error = None
        async with self.ctx.db.reading() as session:
            expected = set(await session.scalars(select(ModelRow.name).where(ModelRow.enabled.is_(True))))
        missing = sorted(expected - served)
        return Check("models", not missing, required=False, error=error or (
            f"expected but not served by any host: {', '.join(missing)}" if missing else None),
            detail={"served": sorted(served), "expected": sorted(expected), "missing": missing})

    async def _loaded(self) -> Check:
        loaded: dict[str, list[str]] = {}
        for url, client in self.gateway.pool.clients.items():
            if not self.gateway.pool.is_up(url):
                continue
            try:
                async with asyncio.timeout(PROBE_TIMEOUT_S):
                    loaded[url] = [m.name for m in await client.ps()]
            except (OllamaError, TimeoutError):
                loaded[url] = []
        return Check("loaded_models", True, required=False, detail=loaded)

    def _queue(self) -> Check:
        queue = self.gateway.queue
        detail = {url: {"running": queue.running(url), "waiting": queue.waiting(url), "capacity": queue.capacity(url)}
                  for url in self.gateway.pool.urls}
        return Check("queue", True, required=False,
                     detail={"hosts": detail, "recent_errors": self.gateway.pool.recent_errors()})

    async def _workshop(self) -> Check:
        async with self.ctx.db.reading() as session:
            pending = await session.scalar(
                select(func.count()).select_from(UserRow).where(UserRow.status == AccountStatus.PENDING.value))
            running = await session.scalar(select(func.count()).select_from(EmbeddingJobRow).where(
                EmbeddingJobRow.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value])))
        return Check("workshop", True, required=False,
                     detail={"pending_users": int(pending or 0), "active_jobs": int(running or 0)})

    def _disk(self) -> Check:
        root = self.ctx.settings.data_dir
        total = 0
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                try:
                    total += (Path(dirpath) / name).lstat().st_size
                except OSError:
                    continue
        stats = os.statvfs(root) if root.exists() else None
        free = stats.f_bavail * stats.f_frsize if stats else None
        return Check("disk", free is None or free > 100 * 1024 * 1024, required=False,
                     detail={"data_dir": str(root), "used_bytes": total, "free_bytes": free},
                     error=None if free is None or free > 100 * 1024 * 1024 else "less than 100 MB free")


def up_or_down(report: HealthReport) -> HealthReport:
    """The report without details, errors or host URLs: the database, the vector store and Ollama
    (up when every host is), each up or down."""
    by_name = {c.name: c for c in report.checks}
    hosts = [c for c in report.checks if c.name.startswith("ollama ")]
    return HealthReport([Check("database", by_name["database"].ok), Check("qdrant", by_name["qdrant"].ok),
                         Check("ollama", all(c.ok for c in hosts))])
