"""The workshop's model catalogue: what the Ollama hosts serve, and admin actions on it.

Listing reads the database, so it works with every host down. `sync()` asks the hosts (through
the gateway's short-lived cache) and `/api/show` for capabilities, context length and, for
embedding models, the real dimension. Pull, delete and unload are admin-only and audited.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.errors import Forbidden, NotFound, Unavailable
from workshop_tui.domain.models import LoadedModel, ModelInfo
from workshop_tui.ollama import ModelDetails, ModelEntry, OllamaError, PullProgress, RunningModel
from workshop_tui.services.access import Action, Actor, Kind, authorize
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.services.model_names import check_model_name, find_model
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.storage.repositories.models import ModelRepository

log = get_logger(__name__)
PS_TIMEOUT_S = 5.0


class CatalogService:
    def __init__(self, ctx: ServiceContext, gateway: OllamaGateway) -> None:
        self.ctx = ctx
        self.gateway = gateway

    async def _model_admin(self, actor: Actor) -> Actor:
        """The fresh actor, if it may manage models (sync, pull, delete, unload)."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
        authorize(actor, Action.MANAGE, Kind.MODEL)
        return actor

    async def _catalogue_name(self, name: str) -> str:
        """`name` as the catalogue spells it, or normalised when the catalogue does not list it."""
        async with self.ctx.db.reading() as session:
            return (await find_model(session, name))[0]

    async def list(self, actor: Actor, *, usable_only: bool = False) -> list[ModelInfo]:
        """The catalogue; the hosts that serve each model only for those who may read the health
        report's details (host addresses are part of them)."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            models = await ModelRepository(session).list()
        if usable_only:
            models = [m for m in models if m.enabled and actor.may_use_model(m)]
        if not _reads_health_details(actor):
            models = [dataclasses.replace(m, host=None, hosts=()) for m in models]
        return models

    async def details(self, actor: Actor, name: str) -> ModelDetails:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            name, model = await find_model(session, name)
        authorize(actor, Action.READ, model or ModelInfo(id=0, name=name))
        return await self._show(name)

    async def _show(self, name: str) -> ModelDetails:
        await self.gateway.models()
        hosts = [u for u in self.gateway.pool.hosts_for(name) if self.gateway.pool.is_up(u)]
        if not hosts:
            raise NotFound(f"no reachable Ollama host serves {name}")
        try:
            return await self.gateway.pool.clients[hosts[0]].show(name)
        except OllamaError as exc:
            raise Unavailable(str(exc)) from exc

    async def running(self, actor: Actor) -> list[LoadedModel]:
        """The models the hosts hold in memory now, with their memory use and expiry, for every
        active account; the host's address only for those who may read the health report's details.
        Raises Unavailable when no host answers, so a screen can say Ollama is down."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
        authorize(actor, Action.READ, ModelInfo(id=0, name="*"))
        shows_hosts = _reads_health_details(actor)
        pool = self.gateway.pool
        answers = await asyncio.gather(*(self._ps(url) for url in pool.urls if pool.is_up(url)))
        if not any(answer is not None for answer in answers):
            raise Unavailable("no Ollama host answers")
        return sorted((_loaded(model, url if shows_hosts else None) for url, models in filter(None, answers)
                       for model in models), key=lambda m: (m.name, m.host or ""))

    async def _ps(self, url: str) -> tuple[str, list[RunningModel]] | None:
        try:
            async with asyncio.timeout(PS_TIMEOUT_S):
                return url, await self.gateway.pool.clients[url].ps()
        except (OllamaError, TimeoutError):
            return None

    async def sync(self, actor: Actor) -> list[ModelInfo]:
        """Bring the catalogue in line with the hosts. Models no host serves keep their row (and
        grants) with an empty host list, so a host that is briefly down loses nothing."""
        actor = await self._model_admin(actor)
        entries = await self.gateway.models(refresh=True)
        details = await asyncio.gather(*(self._show_quietly(e.name) for e in entries))
        now = datetime.now(UTC)
        async with self.ctx.db.transaction() as session:
            repo = ModelRepository(session)
            seen = set()
            for entry, detail in zip(entries, details, strict=True):
                seen.add(entry.name)
                await repo.upsert(entry.name, **self._fields(entry, detail), synced_at=now)
            for model in await repo.list():
                if model.name not in seen and model.hosts:
                    await repo.upsert(model.name, hosts=[], host=None, synced_at=now)
            await AuditRepository(session).record(actor_id=actor.id, actor_name=actor.name, action="model.sync",
                                                  target_type="model", after={"models": sorted(seen)})
            return await repo.list()

    async def _show_quietly(self, name: str) -> ModelDetails | None:
        try:
            return await self._show(name)
        except Exception as exc:  # a model that cannot be described is still listed
            log.warning("show failed during sync", extra={"model": name, "reason": str(exc)})
            return None

    def _fields(self, entry: ModelEntry, detail: ModelDetails | None) -> dict[str, object]:
        hosts = self.gateway.pool.hosts_for(entry.name)
        capabilities = (detail.capabilities if detail else ()) or entry.capabilities
        return {
            "family": entry.family, "parameter_size": entry.parameter_size,
            "quantization": entry.quantization_level, "size_bytes": entry.size, "digest": entry.digest,
            "capabilities": list(capabilities), "host": entry.host, "hosts": hosts,
            "embedding_dimension": detail.embedding_length if detail and "embedding" in capabilities else None,
            "context_length": (detail.context_length if detail else None) or entry.context_length,
        }

    async def set_enabled(self, actor: Actor, name: str, enabled: bool) -> ModelInfo:
        return await self._admin_update(actor, check_model_name(name), "model.enable" if enabled
                                        else "model.disable", enabled=enabled)

    async def _admin_update(self, actor: Actor, name: str, action: str, **fields: object) -> ModelInfo:
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.MANAGE, Kind.MODEL)
            repo = ModelRepository(session)
            before = await repo.get_by_name(name)
            if before is None:
                raise NotFound(f"model {name} is not in the catalogue")
            name = before.name  # as the catalogue spells it
            after = await repo.upsert(name, **fields)
            await AuditRepository(session).record(
                actor_id=actor.id, actor_name=actor.name, action=action, target_type="model", target_id=after.id,
                target_name=name, before={k: getattr(before, k) for k in fields},
                after={k: getattr(after, k) for k in fields})
            return after

    async def _audit(self, actor: Actor, action: str, name: str, **after: object) -> None:
        async with self.ctx.db.transaction() as session:
            await AuditRepository(session).record(actor_id=actor.id, actor_name=actor.name, action=action,
                                                  target_type="model", target_name=name, after=dict(after) or None)

    async def pull(self, actor: Actor, name: str, host: str | None = None) -> AsyncIterator[PullProgress]:
        """Pull onto `host` (default: the first configured), yielding progress; audited start and end."""
        name = check_model_name(name)
        actor = await self._model_admin(actor)
        url = host or self.gateway.pool.urls[0]
        await self._audit(actor, "model.pull.start", name, host=url)
        outcome = "interrupted"
        try:
            async for progress in self.gateway.pool.clients[url].pull(name):
                yield progress
            outcome = "success"
        except OllamaError as exc:
            outcome = f"failed: {exc}"
            raise Unavailable(f"pull of {name} failed: {exc}") from exc
        finally:
            await asyncio.shield(self._audit(actor, "model.pull.end", name, host=url, outcome=outcome))
        self.gateway.invalidate()
        await self.sync(actor)

    async def delete(self, actor: Actor, name: str) -> None:
        """Delete the model from every host that has it, then from the catalogue (grants go too)."""
        actor = await self._model_admin(actor)
        name = await self._catalogue_name(name)
        await self.gateway.models()
        for url in self.gateway.pool.hosts_for(name):
            try:
                await self.gateway.pool.clients[url].delete(name)
            except OllamaError as exc:
                raise Unavailable(f"could not delete {name} on {url}: {exc}") from exc
        self.gateway.invalidate()
        async with self.ctx.db.transaction() as session:
            repo = ModelRepository(session)
            model = await repo.get_by_name(name)
            if model is not None:
                await repo.delete(model.id)
            await AuditRepository(session).record(
                actor_id=actor.id, actor_name=actor.name, action="model.delete", target_type="model",
                target_id=model.id if model else None, target_name=name,
                before={"hosts": list(model.hosts)} if model else None)

    async def unload(self, actor: Actor, name: str) -> None:
        actor = await self._model_admin(actor)
        name = await self._catalogue_name(name)
        await self.gateway.models()
        for url in self.gateway.pool.hosts_for(name):
            await self.gateway.pool.clients[url].unload(name)
        await self._audit(actor, "model.unload", name)


def _loaded(model: RunningModel, host: str | None) -> LoadedModel:
    try:
        expires = datetime.fromisoformat(model.expires_at) if model.expires_at else None
    except ValueError:
        expires = None
    return LoadedModel(name=model.name, size_bytes=model.size, vram_bytes=model.size_vram, expires_at=expires,
                       context_length=model.context_length, host=host)


def _reads_health_details(actor: Actor) -> bool:
    try:
        authorize(actor, Action.READ, Kind.HEALTH)
    except Forbidden:
        return False
    return True
