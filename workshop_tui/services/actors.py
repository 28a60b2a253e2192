"""Load the acting user afresh on every service call, so role, status and grant changes bite at once.

A front end keeps whatever `Actor` it got at login; each service method passes it through
`fresh_actor()` first. One small query per call is the price of never acting on stale privileges.
"""

from __future__ import annotations

from sqlalchemy import bindparam, literal, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import NotAuthenticated
from workshop_tui.domain.models import User
from workshop_tui.services.access import Actor, require_active
from workshop_tui.storage.converters import to_domain
from workshop_tui.storage.tables import ModelRow, UserRow, user_allowed_models, user_allowed_tools

CREDENTIALS_CHANGED = "your password was changed; sign in again"
ACCOUNT_GONE = "your account no longer exists"
_USER = bindparam("user_id")
_GRANTS = union_all(
    select(literal("model").label("kind"), ModelRow.name.label("name"), literal(0).label("ref"))
    .join(user_allowed_models, user_allowed_models.c.model_id == ModelRow.id)
    .where(user_allowed_models.c.user_id == _USER),
    select(literal("tool"), literal(""), user_allowed_tools.c.tool_id).where(user_allowed_tools.c.user_id == _USER),
    select(literal("ward"), literal(""), UserRow.id).where(
        UserRow.guardian_id == _USER, UserRow.role == Role.FAMILY.value,
        UserRow.status != AccountStatus.REJECTED.value),
)
_GRANTED = _GRANTS.subquery("granted")
_USERS = UserRow.__table__
_ACTOR = (select(_USERS, _GRANTED.c.kind.label("grant_kind"), _GRANTED.c.name.label("grant_name"),
                 _GRANTED.c.ref.label("grant_ref"))
          .outerjoin(_GRANTED, true()).where(_USERS.c.id == _USER))
"""The account with its model grants, tool grants and family wards, one row per grant (one row with
empty grant columns when there are none): one round trip of plain table rows, built once, as it
runs on every call."""


async def load_actor(session: AsyncSession, user_id: int) -> Actor:
    """The actor for `user_id` as the database says now (any status; see `fresh_actor`).

    One round trip, since this runs at the start of every service call.
    """
    rows = (await session.execute(_ACTOR, {"user_id": user_id})).all()
    if not rows:
        raise NotAuthenticated(ACCOUNT_GONE)
    return Actor(user=to_domain(User, rows[0]),
                 model_names=frozenset(row.grant_name for row in rows if row.grant_kind == "model"),
                 tool_ids=frozenset(row.grant_ref for row in rows if row.grant_kind == "tool"),
                 wards=frozenset(row.grant_ref for row in rows if row.grant_kind == "ward"))


async def same_account(session: AsyncSession, actor: Actor) -> Actor:
    """Re-read `actor` in any status, refusing a session its account no longer honours.

    A session belongs to one account as it was at sign-in: the same row (an id a deleted account
    left behind may be handed to the next account, so the username and creation time must match
    too) and the same credentials (`auth_version` moves when the password changes, never for role,
    status or grant changes, which apply to open sessions instead of ending them)."""
    if actor.id is None or actor.user is None:
        raise NotAuthenticated("not logged in")
    current = await load_actor(session, actor.id)
    assert current.user is not None
    then, now = actor.user, current.user
    if (now.username, now.created_at) != (then.username, then.created_at):
        raise NotAuthenticated(ACCOUNT_GONE)
    if now.auth_version != then.auth_version:
        raise NotAuthenticated(CREDENTIALS_CHANGED)
    return current


async def fresh_actor(session: AsyncSession, actor: Actor) -> Actor:
    """Re-read `actor` and refuse it unless it is the same account, signed in with its current
    password, and active. The operator passes unchanged."""
    if actor.is_operator:
        return actor
    current = await same_account(session, actor)
    require_active(current)
    return current
