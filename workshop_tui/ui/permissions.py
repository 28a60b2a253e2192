"""What the signed-in role may do, read from the capability table in `services/access.py`, so a
screen hides exactly the actions the services would refuse (they refuse them anyway)."""

from __future__ import annotations

from workshop_tui.domain.enums import Role
from workshop_tui.domain.models import User
from workshop_tui.services.access import ADMINS, CREATE, MANAGE, READ_ALL, SHARE, Kind


def may_create(role: Role, kind: Kind) -> bool:
    return role in CREATE.get(kind, frozenset())


def may_share(role: Role) -> bool:
    """Whether the role may give its resources class or public visibility."""
    return role in SHARE


def manages_models(role: Role) -> bool:
    """Sync, pull, delete, unload, enable and disable models."""
    return role in MANAGE[Kind.MODEL]


def reads_host_details(role: Role) -> bool:
    """Host addresses are part of the health report's details."""
    return role in READ_ALL[Kind.HEALTH]


def may_change(user: User | None, creator_id: int | None) -> bool:
    """Changing or deleting a resource is for its creator and admins."""
    return user is not None and (user.role in ADMINS or (creator_id is not None and creator_id == user.id))
