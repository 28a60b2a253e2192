"""Approving and rejecting registrations, the pending list, the live feeds of the queue, and the
choices an approval dialog offers (roles, models, tools, class defaults, guardians).

`approve` is one transaction: status, role, grants, approved_by/approved_at, the guardian of a
family account and the audit record commit together or not at all, so a failure half-way can never
leave an active account without its grants or with grants but no audit trail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Conflict, Invalid
from workshop_tui.domain.models import ModelInfo, Tool, User
from workshop_tui.services import account_rules as rules
from workshop_tui.services.access import (
    MANAGES_ROLES,
    Action,
    Actor,
    Kind,
    authorize,
    can_read,
    check_role_assignment,
)
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.events import Event, Subscription
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.tables import UserRow, user_allowed_models, user_allowed_tools

MAX_PAGE = 200
MAX_GUARDIANS = 1000
# Events after which the pending queue may look different.
QUEUE_TOPICS = (rules.REGISTERED, rules.APPROVED, rules.REJECTED, rules.DELETED)


@dataclass(frozen=True)
class Page:
    """One page of a listing, with the total so a screen can show "21–40 of 57"."""

    items: list[User]
    total: int
    offset: int
    limit: int


class RegistrationFeed:
    """New registrations as they happen, for an approver's screen. The approver is re-checked
    before each event is handed over, so someone who lost the right stops hearing of them."""

    def __init__(self, service: ApprovalService, actor: Actor, subscription: Subscription) -> None:
        self._service = service
        self._actor = actor
        self._subscription = subscription

    async def get(self, timeout: float | None = None) -> Event:  # noqa: ASYNC109 - a bounded wait for screens
        while True:
            event = await self._subscription.get(timeout)
            await self._service.check_approver(self._actor)
            if event.data.get("changes", {}).get("status", {}).get("after") == AccountStatus.PENDING.value:
                return event

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            yield await self.get()


@dataclass(frozen=True)
class ApprovalChoices:
    """What an approval dialog offers this approver.

    The class defaults are the models and tools every active student holds now, so approving with
    them gives a newcomer exactly what the class already has (nothing, before the first student)."""

    roles: list[Role]
    models: list[ModelInfo]
    tools: list[Tool]
    default_model_ids: list[int]
    default_tool_ids: list[int]
    guardians: list[User]


class QueueFeed:
    """Every change to the pending queue (a registration, an approval, a rejection, a deletion),
    for an approver's list and the sidebar's count. The approver is re-checked before each event."""

    def __init__(self, service: ApprovalService, actor: Actor, subscription: Subscription) -> None:
        self._service = service
        self._actor = actor
        self._subscription = subscription

    async def get(self, timeout: float | None = None) -> Event:  # noqa: ASYNC109 - a bounded wait for screens
        """The next change, once the approver is checked again."""
        event = await self.wait(timeout)
        await self._service.check_approver(self._actor)
        return event

    async def wait(self, timeout: float | None = None) -> Event:  # noqa: ASYNC109 - a bounded wait for screens
        """The next change, any others already waiting folded into it (one refresh covers them),
        touching nothing but memory, so a closing screen may cancel it at any moment; TimeoutError
        after `timeout` seconds. It checks nobody: a reader that waits this way re-reads the queue
        next, which checks the approver."""
        event = await self._subscription.get(timeout)
        self._subscription.drain()
        return event


class ApprovalService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def check_approver(self, actor: Actor) -> Actor:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
        authorize(actor, Action.APPROVE, Kind.USER)
        return actor

    @asynccontextmanager
    async def subscribe_registrations(self, actor: Actor) -> AsyncIterator[RegistrationFeed]:
        """`async with approvals.subscribe_registrations(me) as feed: async for event in feed: ...`
        Each event's `user_id` is the new account; `data` has its username and changes."""
        actor = await self.check_approver(actor)
        async with self.ctx.events.subscribe(rules.REGISTERED) as subscription:
            yield RegistrationFeed(self, actor, subscription)

    @asynccontextmanager
    async def subscribe_queue(self, actor: Actor) -> AsyncIterator[QueueFeed]:
        """`async with approvals.subscribe_queue(me) as feed: event = await feed.get()`: whenever the
        pending queue may have changed."""
        actor = await self.check_approver(actor)
        async with self.ctx.events.subscribe(*QUEUE_TOPICS) as subscription:
            yield QueueFeed(self, actor, subscription)

    async def choices(self, actor: Actor) -> ApprovalChoices:
        """The roles this approver may give, the enabled models, the tools they may grant, the class
        defaults among those, and the accounts that may be a family account's guardian."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.APPROVE, Kind.USER)
            managed = MANAGES_ROLES[actor.role]
            models = await ModelRepository(session).list(enabled_only=True)
            tools = [t for t in await ToolRepository(session).list() if t.enabled and can_read(actor, t)]
            default_models, default_tools = await _class_defaults(session)
            guardians = await UserRepository(session).list(
                status=AccountStatus.ACTIVE, role=[r for r in Role if r in managed and r is not Role.FAMILY],
                limit=MAX_GUARDIANS)
        if actor.user is not None and actor.user.role is not Role.FAMILY:
            guardians = [actor.user, *(g for g in guardians if g.id != actor.id)]
        return ApprovalChoices(
            roles=[r for r in Role if r in managed], models=models, tools=tools,
            default_model_ids=[m.id for m in models if m.id in default_models],
            default_tool_ids=[t.id for t in tools if t.id in default_tools], guardians=guardians)

    async def list_pending(self, actor: Actor, offset: int = 0, limit: int = 20) -> Page:
        """Pending accounts the actor may approve, oldest first (first come, first served)."""
        offset, limit = max(0, offset), max(1, min(limit, MAX_PAGE))
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.APPROVE, Kind.USER)
            roles = sorted(MANAGES_ROLES[actor.role])
            items = await UserRepository(session).list(status=AccountStatus.PENDING, role=roles, offset=offset,
                                                       limit=limit)
            total = await session.scalar(select(func.count()).select_from(UserRow).where(
                UserRow.status == AccountStatus.PENDING.value, UserRow.role.in_([r.value for r in roles])))
        return Page(items=items, total=int(total or 0), offset=offset, limit=limit)

    async def approve(self, actor: Actor, user_id: int, role: Role, allowed_model_ids: Iterable[int] = (),
                      allowed_tool_ids: Iterable[int] = (), notes: str | None = None,
                      guardian_id: int | None = None) -> User:
        """Activate a pending (or earlier rejected) account with its role and grants, atomically."""
        notes = rules.check_notes(notes)
        model_ids, tool_ids = set(allowed_model_ids), set(allowed_tool_ids)
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.APPROVE, Kind.USER)
            target = await rules.load_user(session, user_id)
            if target.status not in (AccountStatus.PENDING, AccountStatus.REJECTED):
                # Before the reach check: a second approver must hear "already approved by ada" even
                # when the first made the account a role the second may not manage.
                raise Conflict(await rules.already_decided(session, target))
            authorize(actor, Action.APPROVE, target)
            check_role_assignment(actor, role)
            if role is Role.FAMILY:
                await rules.check_guardian(session, guardian_id, target.id)
            elif guardian_id is not None:
                raise Invalid("only family accounts have a guardian", field="guardian")
            await rules.check_model_ids(session, model_ids)
            await rules.check_grantable_tools(session, actor, tool_ids)
            users = UserRepository(session)
            before = {"status": target.status, "role": target.role,
                      "models": await rules.model_names(session, await users.model_ids(target.id)),
                      "tools": await rules.tool_names(session, await users.tool_ids(target.id))}
            approved = await users.update(target.id, status=AccountStatus.ACTIVE, role=role,
                                          approved_by_id=actor.id, approved_at=datetime.now(UTC),
                                          admin_notes=notes, guardian_id=guardian_id, status_reason=None)
            await users.set_model_ids(target.id, model_ids)
            await users.set_tool_ids(target.id, tool_ids)
            after = {"status": AccountStatus.ACTIVE, "role": role, "guardian_id": guardian_id, "notes": notes,
                     "models": await rules.model_names(session, model_ids),
                     "tools": await rules.tool_names(session, tool_ids)}
            change = rules.Change("user.approve", approved, before, after)
            await rules.audit(session, actor, change)
        rules.publish(self.ctx.events, rules.APPROVED, actor, change)
        return approved

    async def reject(self, actor: Actor, user_id: int, notes: str | None = None) -> User:
        """Record the rejection; the account cannot log in and is told so. It can still be approved
        later, should the approver change their mind."""
        notes = rules.check_notes(notes)
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.APPROVE, Kind.USER)
            target = await rules.load_user(session, user_id)
            authorize(actor, Action.APPROVE, target)
            if target.status is not AccountStatus.PENDING:
                raise Conflict(f"{target.username} is {target.status}; only pending accounts are rejected")
            rejected = await UserRepository(session).update(target.id, status=AccountStatus.REJECTED,
                                                            admin_notes=notes, status_reason=notes)
            change = rules.Change("user.reject", rejected, {"status": target.status},
                                  {"status": AccountStatus.REJECTED, "notes": notes})
            await rules.audit(session, actor, change)
        rules.publish(self.ctx.events, rules.REJECTED, actor, change)
        return rejected


async def _class_defaults(session: AsyncSession) -> tuple[set[int], set[int]]:
    """(model ids, tool ids) that every active student holds; empty sets when there is no student."""
    students = (UserRow.role == Role.STUDENT.value, UserRow.status == AccountStatus.ACTIVE.value)
    count = int(await session.scalar(select(func.count()).select_from(UserRow).where(*students)) or 0)
    if not count:
        return set(), set()
    found = []
    for table, column in ((user_allowed_models, user_allowed_models.c.model_id),
                          (user_allowed_tools, user_allowed_tools.c.tool_id)):
        held = (select(column).join(UserRow, UserRow.id == table.c.user_id).where(*students)
                .group_by(column).having(func.count() == count))
        found.append(set(await session.scalars(held)))
    return found[0], found[1]
