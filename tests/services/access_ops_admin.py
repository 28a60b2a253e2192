"""Access-matrix operations of the admin services: the audit log, usage over time, effective
access, class broadcasts, live activity, the approval dialog's choices and queue feed, wards, and
password resets with a generated password."""

from __future__ import annotations

from typing import Any

from workshop_tui.domain.models import User
from workshop_tui.services.access import Action, Actor, Kind
from workshop_tui.services.activity import ActivityService
from workshop_tui.services.audit_log import AuditLogService, AuditQuery
from workshop_tui.services.broadcasts import BroadcastService
from workshop_tui.services.effective_access import EffectiveAccessService
from workshop_tui.services.usage import UsageService

from .access_operations import USER_TARGETS, active, approver, manages_active, not_family_ward, nothing, reads, target
from .access_registry import expect_kind, register
from .access_world import World


def reads_or_guards(actor: Actor, user: User) -> bool:
    return reads(actor, user) or (actor.active and user.id in actor.wards)


def reads_usage_of(actor: Actor, user: User) -> bool:
    own = actor.active and (user.id == actor.id or user.id in actor.wards)
    return own or expect_kind(actor, Action.READ, Kind.USAGE)


def activity(world: World) -> ActivityService:
    return ActivityService(world.ctx, world.stack.gateway)


# The audit log: admins only. ---------------------------------------------------------------
@register("audit.search", "audit", ("kind",), nothing, lambda a, _: expect_kind(a, Action.READ, Kind.AUDIT))
async def audit_search(world: World, actor: Actor, _: str) -> Any:
    return await AuditLogService(world.ctx).search(actor, AuditQuery(action="user"))


@register("audit.actions", "audit", ("kind",), nothing, lambda a, _: expect_kind(a, Action.READ, Kind.AUDIT))
async def audit_actions(world: World, actor: Actor, _: str) -> Any:
    return await AuditLogService(world.ctx).actions(actor)


# Usage over time: the class for admins; one's own, and a guardian their ward's. --------------
@register("usage.summary(class)", "usage", ("kind",), nothing, lambda a, _: expect_kind(a, Action.READ, Kind.USAGE))
async def usage_class(world: World, actor: Actor, _: str) -> Any:
    return await UsageService(world.ctx).summary(actor)


@register("usage.summary(user)", "usage", USER_TARGETS, target, reads_usage_of, not_family_ward)
async def usage_user(world: World, actor: Actor, user: User) -> Any:
    return await UsageService(world.ctx).summary(actor, user_id=user.id, days=7)


# What can this user see. -------------------------------------------------------------------
@register("effective_access.explain", "user", USER_TARGETS, target, reads_or_guards, not_family_ward)
async def explain(world: World, actor: Actor, user: User) -> Any:
    return await EffectiveAccessService(world.ctx).explain(actor, user.id)


# Class broadcasts: staff send, every active account reads and listens. -----------------------
@register("broadcasts.send", "broadcast", ("kind",), nothing,
          lambda a, _: expect_kind(a, Action.CREATE, Kind.BROADCAST))
async def broadcast_send(world: World, actor: Actor, _: str) -> Any:
    return await BroadcastService(world.ctx).send(actor, "break until 11:00")


@register("broadcasts.today", "broadcast", ("kind",), nothing, active)
async def broadcast_today(world: World, actor: Actor, _: str) -> Any:
    return await BroadcastService(world.ctx).today(actor)


@register("broadcasts.subscribe", "broadcast", ("kind",), nothing, active)
async def broadcast_subscribe(world: World, actor: Actor, _: str) -> Any:
    async with BroadcastService(world.ctx).subscribe(actor):
        return None


# Live activity: staff watch; every signed-in session (any status) puts itself on the list. ---
@register("activity.snapshot", "activity", ("kind",), nothing,
          lambda a, _: expect_kind(a, Action.READ, Kind.ACTIVITY))
async def activity_snapshot(world: World, actor: Actor, _: str) -> Any:
    return await activity(world).snapshot(actor)


@register("activity.watch", "activity", ("kind",), nothing, lambda a, _: expect_kind(a, Action.READ, Kind.ACTIVITY))
async def activity_watch(world: World, actor: Actor, _: str) -> Any:
    async with activity(world).watch(actor) as feed:
        return await feed.next(timeout=1)


@register("activity.join", "activity", ("self",), nothing, lambda _a, _v: True)
async def activity_join(world: World, actor: Actor, _: str) -> Any:
    (await activity(world).join(actor, "s1", "chat")).leave()


@register("activity.sessions_of", "user", USER_TARGETS, target, reads, not_family_ward)
async def sessions_of(world: World, actor: Actor, user: User) -> Any:
    return await activity(world).sessions_of(actor, user.id)


# Approvals: the dialog's choices and the queue's feed. ---------------------------------------
@register("approvals.choices", "user", ("kind",), nothing, approver)
async def approval_choices(world: World, actor: Actor, _: str) -> Any:
    return await world.approvals.choices(actor)


@register("approvals.subscribe_queue", "user", ("kind",), nothing, approver)
async def subscribe_queue(world: World, actor: Actor, _: str) -> Any:
    async with world.approvals.subscribe_queue(actor):
        return None


# Accounts: one's wards, searching the list, and a reset with a generated password. ----------
@register("accounts.wards", "user", ("self",), nothing, active)
async def wards(world: World, actor: Actor, _: str) -> Any:
    return await world.accounts.wards(actor)


@register("accounts.list_users(search)", "user", ("kind",), nothing,
          lambda a, _: expect_kind(a, Action.READ, Kind.USER))
async def search_users(world: World, actor: Actor, _: str) -> Any:
    return await world.accounts.list_users(actor, text="t")


@register("accounts.reset_password_generated", "user", USER_TARGETS, target, manages_active, not_family_ward)
async def reset_generated(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.reset_password_generated(actor, user.id)
