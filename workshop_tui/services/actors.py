"""Load the acting user afresh on every service call, so role, status and grant changes bite at once.

A front end keeps whatever `Actor` it got at login; each service method passes it through
`fresh_actor()` first. One primary-key read plus two small grant queries per call is the price of
never acting on stale privileges.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import NotAuthenticated
from workshop_tui.services.access import Actor, require_active
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.tables import ModelRow, UserRow, user_allowed_models


async def load_actor(session: AsyncSession, user_id: int) -> Actor:
    """The actor for `user_id` as the database says now (any status; see `fresh_actor`)."""
    users = UserRepository(session)
    user = await users.get(user_id)
    if user is None:
        raise NotAuthenticated("your account no longer exists")
    names = await session.scalars(
        select(ModelRow.name)
        .join(user_allowed_models, user_allowed_models.c.model_id == ModelRow.id)
        .where(user_allowed_models.c.user_id == user_id)
    )
    wards = await session.scalars(
        select(UserRow.id).where(UserRow.guardian_id == user_id, UserRow.role == Role.FAMILY.value,
                                 UserRow.status != AccountStatus.REJECTED.value)
    )
    return Actor(user=user, model_names=frozenset(names), tool_ids=frozenset(await users.tool_ids(user_id)),
                 wards=frozenset(wards))


async def fresh_actor(session: AsyncSession, actor: Actor) -> Actor:
    """Re-read `actor` and refuse it unless active. The operator passes unchanged."""
    if actor.is_operator:
        return actor
    if actor.id is None:
        raise NotAuthenticated("not logged in")
    current = await load_actor(session, actor.id)
    require_active(current)
    return current
