"""Access helpers shared by the knowledge services (documents, vector DBs, jobs, RAG, prompts).

They all go through `access.authorize`; this module only adds the lookups around it: load a
resource by id or answer NotFound, check a model name the caller passed, and decide which
visibilities a listing may include (mirroring `can_read`, which still checks every row). The
free-text checks of `domain/text_fields.py` are re-exported for the knowledge services.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import Role, Visibility
from workshop_tui.domain.errors import Forbidden, Invalid, NotFound
from workshop_tui.domain.text_fields import bounded_text, clean_name
from workshop_tui.services.access import ADMINS, Action, Actor, authorize, check_visibility
from workshop_tui.services.model_names import find_model

__all__ = ["authorize_model", "bounded_text", "check_new_visibility", "check_visibility_change", "clean_name", "load",
           "readable_visibilities"]

T = TypeVar("T")


def readable_visibilities(actor: Actor) -> frozenset[str] | None:
    """Visibilities of other people's resources that `actor` may read; None means every resource."""
    if actor.role in ADMINS:
        return None
    if actor.role is Role.GUEST:
        return frozenset({Visibility.PUBLIC.value})
    return frozenset({Visibility.CLASS.value, Visibility.PUBLIC.value})


async def load(repo: Any, actor: Actor, item_id: int, action: Action, noun: str) -> Any:
    """Fetch `item_id` from `repo` and authorize `action` on it; NotFound when absent or hidden."""
    if not isinstance(item_id, int) or isinstance(item_id, bool):
        raise Invalid(f"must be a whole number, not {item_id!r}", field=f"{noun.replace(' ', '_')}_id")
    item = await repo.get(item_id)
    if item is None:
        raise NotFound(f"{noun} {item_id} not found")
    authorize(actor, action, item)
    return item


async def authorize_model(session: AsyncSession, actor: Actor, name: str) -> str:
    """Check that `actor` may use model `name` and return the name to store (see `model_names`).

    A model in the workshop catalogue goes through `authorize` (enabled, granted). A model Ollama has
    but the catalogue has not synced yet can only be grants-free: staff may use it, others may not.
    """
    wanted, info = await find_model(session, name)
    if info is not None:
        authorize(actor, Action.USE, info)
    elif not actor.may_use_model(wanted):
        raise Forbidden(f"you are not allowed to use model {wanted}; ask your instructor")
    return wanted


def check_new_visibility(actor: Actor, visibility: Visibility | str) -> Visibility:
    """Parse a requested visibility and refuse class/public to roles that may not share."""
    try:
        value = Visibility(visibility)
    except ValueError:
        raise Invalid(f"must be private, class or public, not {visibility!r}", field="visibility") from None
    check_visibility(actor, value)
    return value


def check_visibility_change(actor: Actor, resource: Any, visibility: Visibility | str) -> Visibility:
    """Changing who can see a resource: owner or admin, and SHARE rights for class or public."""
    value = check_new_visibility(actor, visibility)
    authorize(actor, Action.UPDATE, resource)
    if value is not Visibility.PRIVATE:
        authorize(actor, Action.SHARE, resource)
    return value
