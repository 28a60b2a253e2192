"""What the signed-in role may do, read from the capability table, so screens hide what it may not.

These only decide what is shown: the services check every call again with a fresh actor.
"""

from __future__ import annotations

from typing import Protocol

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.models import User
from workshop_tui.services.access import ADMINS, CREATE, SHARE, Kind


class Owned(Protocol):
    creator_id: int | None


def may_create(user: User | None, kind: Kind) -> bool:
    return user is not None and user.role in CREATE.get(kind, frozenset())


def may_share(user: User | None) -> bool:
    """Whether the user may make what they own class-wide or public (else everything stays private)."""
    return user is not None and user.role in SHARE


def may_change(user: User | None, resource: Owned) -> bool:
    """Changing or deleting a resource is for its creator and admins."""
    return user is not None and (resource.creator_id == user.id or user.role in ADMINS)


def is_admin(user: User | None) -> bool:
    return user is not None and user.role in ADMINS


def visibilities_for(user: User | None) -> list[Visibility]:
    """The visibilities the user may choose for something new: private only, unless they may share."""
    return list(Visibility) if may_share(user) else [Visibility.PRIVATE]
