"""Operations registered in the access matrix: the account, approval and quota services, and
`authorize()` itself on the kinds no service offers yet (the other services: access_ops_*.py)."""

from __future__ import annotations

from typing import Any

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.models import ModelInfo, User
from workshop_tui.services.access import CREATE, Action, Actor, Kind, authorize

from .access_registry import (
    expect_kind,
    expect_model,
    expect_user,
    manages,
    may_assign,
    register,
)
from .access_world import CHAT_MODELS, GRANTED_MODEL, PASSWORD, UNGRANTED_MODEL, World

USER_TARGETS = ("self", *(f"other_{role.value}" for role in Role), "ward")
ROLES_GIVEN = tuple(f"as_{role.value}" for role in Role)


def not_family_ward(actor: Actor, variant: str) -> bool:
    """A family account cannot be a guardian, so it has no ward to test against."""
    return not (variant == "ward" and actor.role is Role.FAMILY)


async def target(world: World, actor: Actor, variant: str, status: AccountStatus = AccountStatus.ACTIVE) -> User:
    if variant == "self":
        assert actor.user is not None
        return actor.user
    if variant == "ward":
        return await world.make_target(Role.FAMILY, status, guardian_id=actor.id)
    role = Role(variant.removeprefix("other_"))
    return await world.make_target(role, status, guardian_id=world.guardian_id if role is Role.FAMILY else None)


async def suspended_target(world: World, actor: Actor, variant: str) -> User:
    return await target(world, actor, variant, AccountStatus.SUSPENDED)


async def pending_target(world: World, actor: Actor, variant: str) -> User:
    return await world.make_target(Role.GUEST, AccountStatus.PENDING)


async def nothing(world: World, actor: Actor, variant: str) -> str:
    return variant


def reads(actor: Actor, user: User) -> bool:
    return expect_user(actor, Action.READ, user)


def manages_active(actor: Actor, user: User) -> bool:
    return actor.active and manages(actor, user)


def changes_role(actor: Actor, user: User) -> bool:
    return manages_active(actor, user) and may_assign(actor, new_role(user))


def new_role(user: User) -> Role:
    return Role.STUDENT if user.role is Role.GUEST else Role.GUEST


# Accounts: reading and managing another account. --------------------------------------------
@register("accounts.get_user", "user", USER_TARGETS, target, reads, not_family_ward)
async def get_user(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.get_user(actor, user.id)


@register("accounts.find_user", "user", USER_TARGETS, target, reads, not_family_ward)
async def find_user(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.find_user(actor, user.username.upper())


@register("accounts.grants", "user", USER_TARGETS, target,
          lambda actor, user: reads(actor, user) or (actor.active and user.id in actor.wards), not_family_ward)
async def grants(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.grants(actor, user.id)


@register("accounts.set_role", "user", USER_TARGETS, target, changes_role, not_family_ward)
async def set_role(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.set_role(actor, user.id, new_role(user))


@register("accounts.suspend", "user", USER_TARGETS, target, manages_active, not_family_ward)
async def suspend(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.suspend(actor, user.id)


@register("accounts.reactivate", "user", tuple(v for v in USER_TARGETS if v != "self"), suspended_target,
          manages_active, not_family_ward)
async def reactivate(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.reactivate(actor, user.id)


@register("accounts.delete_user", "user", USER_TARGETS, target, manages_active, not_family_ward)
async def delete_user(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.delete_user(actor, user.id)


@register("accounts.set_grants(narrow)", "user", USER_TARGETS, target,
          lambda actor, user: manages_active(actor, user) or (actor.active and user.id in actor.wards),
          not_family_ward)
async def narrow_grants(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.set_grants(actor, user.id, model_ids=[], tool_ids=[])


@register("accounts.set_grants(widen)", "user", USER_TARGETS, target, manages_active, not_family_ward)
async def widen_grants(world: World, actor: Actor, user: User) -> Any:
    ids = [world.model_ids[GRANTED_MODEL], world.model_ids[UNGRANTED_MODEL]]
    return await world.accounts.set_grants(actor, user.id, model_ids=ids)


@register("accounts.set_quota", "user", USER_TARGETS, target, manages_active, not_family_ward)
async def set_quota(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.set_quota(actor, user.id, messages_per_day=7)


@register("accounts.reset_password", "user", USER_TARGETS, target, manages_active, not_family_ward)
async def reset_password(world: World, actor: Actor, user: User) -> Any:
    return await world.accounts.reset_password(actor, user.id, "a new password 2")


@register("accounts.add_user", "user", ROLES_GIVEN, nothing,
          lambda actor, v: actor.active and actor.role in CREATE[Kind.USER] and may_assign(actor, Role(v[3:])))
async def add_user(world: World, actor: Actor, variant: str) -> Any:
    role = Role(variant.removeprefix("as_"))
    guardian = world.guardian_id if role is Role.FAMILY else None
    return await world.accounts.add_user(actor, world.next_name(), role, AccountStatus.ACTIVE, None, PASSWORD,
                                         guardian_id=guardian)


@register("accounts.list_users", "user", ("kind",), nothing, lambda a, _: expect_kind(a, Action.READ, Kind.USER))
async def list_users(world: World, actor: Actor, _: str) -> Any:
    return await world.accounts.list_users(actor)


# One's own account. ------------------------------------------------------------------------
def active(actor: Actor, _: Any) -> bool:
    return actor.active


@register("accounts.change_password", "user", ("self",), nothing, active)
async def change_password(world: World, actor: Actor, _: str) -> Any:
    renewed = await world.accounts.change_password(actor, PASSWORD, PASSWORD)
    world.adopt(renewed)  # this session goes on with its new credentials
    return renewed


def signed_in(_actor: Actor, _: Any) -> bool:
    """Any status: a pending, rejected or suspended account may still see its own status."""
    return True


@register("accounts.my_account", "user", ("self",), nothing, signed_in)
async def my_account(world: World, actor: Actor, _: str) -> Any:
    return await world.accounts.my_account(actor)


@register("accounts.my_access", "user", ("self",), nothing, signed_in)
async def my_access(world: World, actor: Actor, _: str) -> Any:
    return await world.accounts.my_access(actor)


@register("accounts.watch_account", "user", ("self",), nothing, signed_in)
async def watch_account(world: World, actor: Actor, _: str) -> Any:
    async with world.accounts.watch_account(actor) as feed:
        return feed.pending()


@register("accounts.set_theme", "user", ("self",), nothing, active)
async def set_theme(world: World, actor: Actor, _: str) -> Any:
    return await world.accounts.set_theme(actor, "workshop-light")


@register("quotas.status", "usage", ("self",), nothing, active)
async def quota_status(world: World, actor: Actor, _: str) -> Any:
    return await world.quotas.status(actor)


@register("quotas.generation", "usage", ("self",), nothing, active)
async def generation(world: World, actor: Actor, _: str) -> Any:
    async with world.quotas.generation(actor):
        return None


async def model(world: World, actor: Actor, variant: str) -> ModelInfo:
    return await world.model_info(CHAT_MODELS[variant])


@register("quotas.check", "model", ("granted", "ungranted", "disabled"), model,
          lambda actor, m: expect_model(actor, Action.USE, m))
async def quota_check(world: World, actor: Actor, info: ModelInfo) -> Any:
    return await world.quotas.check(actor, info.name)


@register("quotas.usage_report", "usage", ("kind",), nothing, lambda a, _: expect_kind(a, Action.READ, Kind.USAGE))
async def usage_report(world: World, actor: Actor, _: str) -> Any:
    return await world.quotas.usage_report(actor)


# Approvals. --------------------------------------------------------------------------------
def approver(actor: Actor, _: Any) -> bool:
    return expect_kind(actor, Action.APPROVE, Kind.USER)


@register("approvals.list_pending", "user", ("kind",), nothing, approver)
async def list_pending(world: World, actor: Actor, _: str) -> Any:
    return await world.approvals.list_pending(actor)


@register("approvals.subscribe_registrations", "user", ("kind",), nothing, approver)
async def subscribe(world: World, actor: Actor, _: str) -> Any:
    async with world.approvals.subscribe_registrations(actor):
        return None


_GIVEN: dict[int, Role] = {}  # pending target id -> the role the case gives it


async def pending_for_role(world: World, actor: Actor, variant: str) -> User:
    user = await pending_target(world, actor, variant)
    _GIVEN[user.id] = Role(variant.removeprefix("as_"))
    return user


@register("approvals.approve", "user", ROLES_GIVEN, pending_for_role,
          lambda actor, user: approver(actor, user) and manages(actor, user) and may_assign(actor, _GIVEN[user.id]))
async def approve(world: World, actor: Actor, user: User) -> Any:
    role = _GIVEN[user.id]
    return await world.approvals.approve(actor, user.id, role, [world.model_ids[GRANTED_MODEL]], [], "ok",
                                         guardian_id=world.guardian_id if role is Role.FAMILY else None)


@register("approvals.reject", "user", ("pending",), pending_target,
          lambda actor, user: approver(actor, user) and manages(actor, user))
async def reject(world: World, actor: Actor, user: User) -> Any:
    return await world.approvals.reject(actor, user.id, "no")


# authorize() itself on the kinds that no service offers yet (settings, the audit log). -------------
SERVICELESS = (Kind.SETTINGS, Kind.AUDIT)


def _authorize(action: Action) -> Any:
    async def run(world: World, actor: Actor, kind: Kind) -> None:
        authorize(actor, action, kind)
    return run


async def _kind(world: World, actor: Actor, variant: str) -> Kind:
    return Kind(variant)


for _action in (Action.CREATE, Action.MANAGE, Action.APPROVE, Action.READ):
    register(f"authorize {_action} Kind", "kind", tuple(k.value for k in SERVICELESS), _kind,
             lambda a, k, action=_action: expect_kind(a, action, k))(_authorize(_action))
