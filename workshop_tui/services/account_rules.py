"""Rules and helpers shared by the account services: name rules, the last-super_admin rule, the
audit record and the event every account change produces.

Kept apart from the services so that registration, administration and approval apply the very
same checks (one username rule, one audit shape) instead of three copies that drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.account_fields import (  # noqa: F401 - the account rules, re-exported for services
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    NOTES_MAX,
    RESERVED_USERNAMES,
    USERNAME_MAX,
    USERNAME_MIN,
    check_display_name,
    check_email,
    check_username,
    normalize_username,
)
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Conflict, Invalid, NotFound
from workshop_tui.domain.models import User
from workshop_tui.domain.text_fields import bounded_text
from workshop_tui.services.access import Action, Actor, authorize
from workshop_tui.services.events import EventBus
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.tables import ModelRow, ToolRow, UserRow

# Event topics, all under "user." so a session subscribes once: subscribe("user", user_id=me).
REGISTERED = "user.registered"
CHANGED = "user.changed"
APPROVED = "user.approved"
REJECTED = "user.rejected"
SUSPENDED = "user.suspended"  # open sessions of this user should end
DELETED = "user.deleted"  # open sessions of this user should end
SESSION_ENDING = frozenset({SUSPENDED, DELETED})

async def load_user(session: AsyncSession, user_id: int) -> User:
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


async def already_decided(session: AsyncSession, target: User) -> str:
    """Why a second approver cannot approve `target`: who got there first, when that is known."""
    if target.status is AccountStatus.ACTIVE and target.approved_by_id is not None:
        approver = await UserRepository(session).get(target.approved_by_id)
        if approver is not None:
            return f"{target.username} was already approved by {approver.username}"
    return f"{target.username} is {target.status}; only pending accounts are approved"


async def ensure_not_last_super_admin(session: AsyncSession, target: User, what: str) -> None:
    """Refuse to demote, suspend or delete the only active super_admin: nobody could undo it."""
    if target.role is not Role.SUPER_ADMIN or target.status is not AccountStatus.ACTIVE:
        return
    others = await session.scalar(select(func.count()).select_from(UserRow).where(
        UserRow.role == Role.SUPER_ADMIN.value, UserRow.status == AccountStatus.ACTIVE.value, UserRow.id != target.id))
    if not others:
        raise Conflict(f"{target.username} is the last active super_admin and cannot be {what}; "
                       "make another super_admin first")


async def check_model_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    """Every model id must be in the catalogue; returns id → name (names go into audit records)."""
    wanted = sorted(set(ids))
    rows = dict((await session.execute(select(ModelRow.id, ModelRow.name).where(ModelRow.id.in_(wanted)))).all())
    missing = [i for i in wanted if i not in rows]
    if missing:
        raise NotFound(f"model {missing[0]} is not in the catalogue")
    return rows


async def check_grantable_tools(session: AsyncSession, actor: Actor, tool_ids: Iterable[int]) -> None:
    """A granted tool must exist and be visible to whoever grants it (no granting by guessed id)."""
    ids = sorted(set(tool_ids))
    tools = await ToolRepository(session).by_ids(ids)
    for tool_id in ids:
        if tool_id not in tools:
            raise NotFound(f"tool {tool_id} not found")
        authorize(actor, Action.READ, tools[tool_id])


async def check_guardian(session: AsyncSession, guardian_id: int | None, ward_id: int | None) -> None:
    """A family account's guardian: an existing, active, non-family account other than the ward."""
    if guardian_id is None:
        raise Invalid("a family account needs a guardian (an active account that is not family)", field="guardian")
    guardian = await UserRepository(session).get(guardian_id)
    if guardian is None or guardian.id == ward_id:
        raise NotFound(f"guardian {guardian_id} not found")
    if guardian.status is not AccountStatus.ACTIVE or guardian.role is Role.FAMILY:
        raise Invalid(f"{guardian.username} cannot be a guardian: a guardian must be an active account "
                      "that is not itself family", field="guardian")


def check_notes(notes: str | None, field: str = "notes") -> str | None:
    """Approvers' notes and suspension reasons: free text other staff read, so cleaned of terminal
    controls and length-capped; None when nothing is left."""
    return bounded_text(notes, field, NOTES_MAX).strip() or None


async def model_names(session: AsyncSession, ids: Iterable[int]) -> list[str]:
    return sorted((await check_model_ids(session, ids)).values())


async def tool_names(session: AsyncSession, ids: Iterable[int]) -> list[str]:
    wanted = sorted(set(ids))
    return sorted(await session.scalars(select(ToolRow.name).where(ToolRow.id.in_(wanted))))


@dataclass(frozen=True)
class Change:
    """One account change: what the audit log keeps and the event carries (never a secret)."""

    action: str
    target: User
    before: dict[str, Any]
    after: dict[str, Any]

    def fields(self) -> dict[str, dict[str, Any]]:
        keys = sorted(set(self.before) | set(self.after))
        return {k: {"before": self.before.get(k), "after": self.after.get(k)} for k in keys}


def plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-ready values for audit columns: enums as their strings, datetimes as ISO text."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, Role | AccountStatus):
            value = value.value
        elif isinstance(value, set | frozenset | tuple):
            value = sorted(value)
        out[key] = value
    return out


async def audit(session: AsyncSession, actor: Actor, change: Change) -> None:
    await AuditRepository(session).record(
        actor_id=actor.id, actor_name=actor.name, action=change.action, target_type="user",
        target_id=change.target.id, target_name=change.target.username,
        before=plain(change.before) or None, after=plain(change.after) or None)


def publish(events: EventBus, topic: str, actor: Actor, change: Change) -> None:
    """Tell open sessions and admin screens; call after the transaction has committed."""
    events.publish(topic, user_id=change.target.id, username=change.target.username, action=change.action,
                   by=actor.name, changes=plain_fields(change), ends_session=topic in SESSION_ENDING)


def plain_fields(change: Change) -> dict[str, dict[str, Any]]:
    return {k: plain(v) for k, v in change.fields().items()}
