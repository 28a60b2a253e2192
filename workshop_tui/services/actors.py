"""Load the acting user afresh on every service call, so role, status and grant changes bite at once.

A front end keeps whatever `Actor` it got at login; each service method passes it through
`fresh_actor()` first. Two small queries per call are the price of never acting on stale
privileges.
"""

from __future__ import annotations

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import NotAuthenticated
from workshop_tui.services.access import Actor, require_active
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.tables import ModelRow, UserRow, user_allowed_models, user_allowed_tools


async def load_actor(session: AsyncSession, user_id: int) -> Actor:
    """The actor for `user_id` as the database says now (any status; see `fresh_actor`).

    Two round trips: the account, then its model grants, tool grants and family wards in one
    UNION ALL, since this runs at the start of every service call.
    """
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise NotAuthenticated("your account no longer exists")
    models = (select(literal("model").label("kind"), ModelRow.name.label("name"), literal(0).label("ref"))
              .join(user_allowed_models, user_allowed_models.c.model_id == ModelRow.id)
              .where(user_allowed_models.c.user_id == user_id))
    tools = select(literal("tool"), literal(""), user_allowed_tools.c.tool_id).where(
        user_allowed_tools.c.user_id == user_id)
    wards = select(literal("ward"), literal(""), UserRow.id).where(
        UserRow.guardian_id == user_id, UserRow.role == Role.FAMILY.value,
        UserRow.status != AccountStatus.REJECTED.value)
    rows = (await session.execute(union_all(models, tools, wards))).all()
    return Actor(user=user,
                 model_names=frozenset(name for kind, name, _ in rows if kind == "model"),
                 tool_ids=frozenset(ref for kind, _, ref in rows if kind == "tool"),
                 wards=frozenset(ref for kind, _, ref in rows if kind == "ward"))


async def fresh_actor(session: AsyncSession, actor: Actor) -> Actor:
    """Re-read `actor` and refuse it unless active. The operator passes unchanged."""
    if actor.is_operator:
        return actor
    if actor.id is None:
        raise NotAuthenticated("not logged in")
    current = await load_actor(session, actor.id)
    require_active(current)
    return current
