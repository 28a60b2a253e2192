"""What can this user see: every model, tool, prompt, document, vector DB and RAG system, whether
the account may use it, and why ("public", "granted by ada on 3 Dec", "instructor role").

Whether each is allowed is decided by the same checks the services make when the account acts
(`authorize` with the account's actor as the database has it now, and `usable_rag` for a RAG
system); the reason is an explanation written beside that answer, never a second rule. Grant
reasons come from the audit log: the record that last added the model or tool to the account.

The list holds only what the viewer may see themselves: an instructor asking about a student learns
nothing of an admin's private documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import AccountStatus, Visibility
from workshop_tui.domain.errors import Forbidden, NotFound
from workshop_tui.domain.models import AuditEntry, ModelInfo, RagSystem, User
from workshop_tui.services import account_rules as rules
from workshop_tui.services.access import ADMINS, IMPLICIT_GRANTS, Action, Actor, authorize, can_read
from workshop_tui.services.actors import fresh_actor, load_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.knowledge_access import readable_visibilities
from workshop_tui.services.rag import usable_rag
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.storage.tables import UserRow

KINDS = ("model", "tool", "prompt", "document", "vector DB", "RAG system")


@dataclass(frozen=True)
class AccessItem:
    kind: str
    """One of KINDS."""
    id: int
    name: str
    allowed: bool
    reason: str


@dataclass(frozen=True)
class EffectiveAccess:
    user: User
    items: list[AccessItem]

    def of(self, kind: str) -> list[AccessItem]:
        return [item for item in self.items if item.kind == kind]


@dataclass(frozen=True)
class Granted:
    by: str
    at: datetime

    def __str__(self) -> str:
        return f"granted by {self.by} on {self.at.day} {self.at:%b}"


def grant_origins(history: Iterable[AuditEntry], key: str) -> dict[str, Granted]:
    """Who last gave each name of `key` ("models" or "tools"), replaying the account's grant records."""
    given: dict[str, Granted] = {}
    for entry in history:
        after = (entry.after or {}).get(key)
        if not isinstance(after, list):
            continue
        before = (entry.before or {}).get(key)
        had = set(before) if isinstance(before, list) else set(given)
        for name in set(given) - set(after):
            del given[name]
        for name in after:
            if name not in had:  # given by this record (one already held keeps its first giver)
                given[str(name)] = Granted(entry.actor_name, entry.at)
    return given


class EffectiveAccessService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def explain(self, actor: Actor, user_id: int) -> EffectiveAccess:
        """Everything the viewer can see, each with whether account `user_id` may use it and why."""
        async with self.ctx.db.reading() as session:
            viewer = await fresh_actor(session, actor)
            target_user = await rules.load_user(session, user_id)
            if target_user.id not in viewer.wards:
                authorize(viewer, Action.READ, target_user)
            target = await load_actor(session, user_id)
            history = await AuditRepository(session).grant_history(user_id)
            items = await _Explainer(session, viewer, target, history).items()
        return EffectiveAccess(target_user, items)


class _Explainer:
    def __init__(self, session: AsyncSession, viewer: Actor, target: Actor, history: list[AuditEntry]) -> None:
        self.session = session
        self.viewer = viewer
        self.target = target
        assert target.user is not None
        self.user = target.user
        self.models_given = grant_origins(history, "models")
        self.tools_given = grant_origins(history, "tools")
        self.names: dict[int, str] = {}

    async def items(self) -> list[AccessItem]:
        session, visible = self.session, readable_visibilities(self.viewer)
        models = await ModelRepository(session).list()
        tools = [t for t in await ToolRepository(session).list() if can_read(self.viewer, t)]
        owned: dict[str, list[Any]] = {}
        for kind, repo in (("prompt", PromptRepository), ("document", DocumentRepository),
                           ("vector DB", VectorDbRepository), ("RAG system", RagSystemRepository)):
            found = await repo(session).list_readable(self.viewer.id, visible)
            owned[kind] = [r for r in found if can_read(self.viewer, r)]
        await self._load_names(r.creator_id for rows in (tools, *owned.values()) for r in rows)
        items = [self._model(m) for m in models]
        items += [self._grantable("tool", t.id, t.name, t, self.tools_given) for t in tools]
        for kind in ("prompt", "document", "vector DB"):
            items += [self._readable(kind, r) for r in owned[kind]]
        items += [await self._rag(r) for r in owned["RAG system"]]
        return items

    async def _load_names(self, ids: Iterable[int | None]) -> None:
        wanted = sorted({i for i in ids if i is not None})
        if wanted:
            rows = await self.session.execute(select(UserRow.id, UserRow.username).where(UserRow.id.in_(wanted)))
            self.names.update(dict(rows.all()))

    def _inactive(self) -> str | None:
        status = self.user.status
        return None if status is AccountStatus.ACTIVE else f"the account is {status}"

    def _model(self, model: ModelInfo) -> AccessItem:
        return self._grantable("model", model.id, model.name, model, self.models_given)

    def _grantable(self, kind: str, item_id: int, name: str, resource: Any, given: dict[str, Granted]) -> AccessItem:
        allowed = self._allowed(Action.USE, resource)
        role = self.user.role
        if not allowed:
            reason = self._inactive() or (
                "private to its creator" if kind == "tool" and not can_read(self.target, resource) else
                "disabled in this workshop" if not resource.enabled else "not granted")
        elif role in IMPLICIT_GRANTS:
            reason = f"{role} role"
        else:
            reason = str(given[name]) if name in given else "granted"
        return AccessItem(kind, item_id, name, allowed, reason)

    def _allowed(self, action: Action, resource: Any) -> bool:
        try:
            authorize(self.target, action, resource)
        except (Forbidden, NotFound):
            return False
        return True

    def _title(self, resource: Any) -> str:
        return str(getattr(resource, "title", None) or getattr(resource, "name", ""))

    def _readable(self, kind: str, resource: Any) -> AccessItem:
        allowed = self._allowed(Action.READ, resource)
        creator = self.names.get(resource.creator_id, "a deleted account") if resource.creator_id else "nobody now"
        visibility = resource.visibility
        if not allowed:
            reason = self._inactive() or (f"private to {creator}" if visibility is Visibility.PRIVATE
                                          else "shared with the class, which guests do not see")
        elif resource.creator_id == self.user.id:
            reason = "their own"
        elif visibility is Visibility.PUBLIC:
            reason = f"public, shared by {creator}"
        elif visibility is Visibility.CLASS and self.user.role not in ADMINS:
            reason = f"shared with the class by {creator}"
        else:
            reason = f"{self.user.role} role (reads everything)"
        return AccessItem(kind, resource.id, self._title(resource), allowed, reason)

    async def _rag(self, rag: RagSystem) -> AccessItem:
        seen = self._readable("RAG system", rag)
        if not seen.allowed:
            return seen
        try:
            await usable_rag(self.session, self.target, rag.id)
        except (Forbidden, NotFound) as exc:
            return AccessItem(seen.kind, seen.id, seen.name, False, f"readable, but not usable: {_third_person(exc)}")
        return seen


def _third_person(exc: Exception) -> str:
    """A refusal addressed to the account ("you are not allowed…") told about it instead."""
    text = str(exc).split("; ask", 1)[0]
    return text.replace("you are not allowed", "not allowed").replace("not shared with you", "not shared with them")
