"""What the signed-in user may do, read from the capability table in `services/access.py`, so a
screen hides exactly the actions the services would refuse.

These only decide what is shown: the services check every call again with a fresh actor.
"""

from __future__ import annotations

from typing import Protocol

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.models import User
from workshop_tui.services.access import ADMINS, CREATE, MANAGE, READ_ALL, SHARE, Kind


class Owned(Protocol):
    creator_id: int | None


def may_create(user: User | None, kind: Kind) -> bool:
    return user is not None and user.role in CREATE.get(kind, frozenset())


def may_share(user: User | None) -> bool:
    """Whether the user may make what they own class-wide or public (else everything stays private)."""
    return user is not None and user.role in SHARE


def may_change(user: User | None, resource: Owned) -> bool:
    """Changing or deleting a resource is for its creator and admins."""
    return user is not None and (
        user.role in ADMINS or (resource.creator_id is not None and resource.creator_id == user.id))


def is_admin(user: User | None) -> bool:
    return user is not None and user.role in ADMINS


def manages_models(user: User | None) -> bool:
    """Sync, pull, delete, unload, enable and disable models."""
    return user is not None and user.role in MANAGE[Kind.MODEL]


def reads_host_details(user: User | None) -> bool:
    """Host addresses are part of the health report's details."""
    return user is not None and user.role in READ_ALL[Kind.HEALTH]


def visibilities_for(user: User | None) -> list[Visibility]:
    """The visibilities the user may choose for something new: private only, unless they may share."""
    return list(Visibility) if may_share(user) else [Visibility.PRIVATE]
