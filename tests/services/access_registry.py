"""The access-matrix registry: service operations, and the answers the capability table gives.

An `Operation` says how to prepare a subject for one resource variant (own, another user's
private/class/public resource, another account of some role...), how to perform the operation on
it, and which oracle below decides whether it should be allowed. The oracles read only the tables
in `workshop_tui.services.access` (CREATE, SHARE, MANAGE, MANAGES_ROLES, READ_ALL, ADMINS,
IMPLICIT_GRANTS) plus the visibility rules of docs/CAPABILITIES.md, so no case carries a
hand-written answer.

Each service registers its operations with `@register(...)` in an `access_ops_*` module that
`test_access_matrix.py` imports, and is covered by the same actors and the same oracles. Where a
request names other resources (a RAG system's vector DB and chat model, a conversation's tools),
the oracle combines the answers for each of them, so nested ids get no rule of their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from workshop_tui.domain.enums import Role, Visibility
from workshop_tui.domain.models import Conversation, ModelInfo, Tool, User, VectorDb
from workshop_tui.services.access import (
    ADMINS,
    CREATE,
    IMPLICIT_GRANTS,
    MANAGE,
    MANAGES_ROLES,
    READ_ALL,
    SHARE,
    Action,
    Actor,
    Kind,
)

Prepare = Callable[[Any, Actor, str], Awaitable[Any]]  # (world, fresh actor, variant) -> subject
Run = Callable[[Any, Actor, Any], Awaitable[Any]]  # (world, actor, subject) -> anything; refusal raises
Expect = Callable[[Actor, Any], bool]  # (fresh actor, subject) -> allowed?


@dataclass(frozen=True)
class Operation:
    name: str
    kind: str
    variants: tuple[str, ...]
    prepare: Prepare
    run: Run
    expect: Expect
    applies: Callable[[Actor, str], bool] = lambda actor, variant: True


REGISTRY: list[Operation] = []


def register(name: str, kind: str, variants: tuple[str, ...], prepare: Prepare, expect: Expect,
             applies: Callable[[Actor, str], bool] | None = None) -> Callable[[Run], Run]:
    """Decorate the coroutine that performs the operation."""
    def decorate(run: Run) -> Run:
        REGISTRY.append(Operation(name, kind, variants, prepare, run, expect,
                                  applies or (lambda actor, variant: True)))
        return run
    return decorate


# Oracles: what the capability table says. -----------------------------------------------------
def manages(actor: Actor, target: User) -> bool:
    """Admins manage everyone below super_admin, instructors student/family/guest; never oneself."""
    return target.id != actor.id and target.role in MANAGES_ROLES.get(actor.role, frozenset())


def may_assign(actor: Actor, role: Role) -> bool:
    return role in MANAGES_ROLES.get(actor.role, frozenset())


def expect_kind(actor: Actor, action: Action, kind: Kind) -> bool:
    if not actor.active:
        return False
    if action is Action.CREATE:
        return actor.role in CREATE.get(kind, frozenset())
    if action is Action.MANAGE:
        return actor.role in MANAGE.get(kind, frozenset())
    if action is Action.APPROVE:
        return kind is Kind.USER and actor.role in MANAGES_ROLES
    if action is Action.READ:
        return actor.role in READ_ALL.get(kind, frozenset(Role))
    raise AssertionError(f"{action} on a kind is not part of the table")


def sees(role: Role, visibility: Visibility) -> bool:
    """Whether `role` reads someone else's resource: private for admins, class for every non-guest,
    public for everyone (the visibility table of docs/CAPABILITIES.md)."""
    return (role in ADMINS or visibility is Visibility.PUBLIC
            or (visibility is Visibility.CLASS and role is not Role.GUEST))


def audience(visibility: Visibility) -> frozenset[Role]:
    """The roles that read someone else's resource of this visibility."""
    return frozenset(role for role in Role if sees(role, visibility))


def readable(actor: Actor, creator_id: int | None, visibility: Visibility) -> bool:
    return creator_id == actor.id or sees(actor.role, visibility)


def may_give(actor: Actor, visibility: Visibility) -> bool:
    """Everything is created private; class or public visibility needs the SHARE right."""
    return visibility is Visibility.PRIVATE or actor.role in SHARE


def expect_new(actor: Actor, kind: Kind, visibility: Visibility) -> bool:
    """Creating a resource of `kind` with `visibility`."""
    return expect_kind(actor, Action.CREATE, kind) and may_give(actor, visibility)


def expect_owned(actor: Actor, action: Action, resource: Any) -> bool:
    if not actor.active or not readable(actor, resource.creator_id, resource.visibility):
        return False
    own = resource.creator_id == actor.id
    if action is Action.READ:
        return True
    if action is Action.USE:
        if isinstance(resource, Tool):
            return resource.enabled and (actor.role in IMPLICIT_GRANTS or resource.id in actor.tool_ids)
        return True
    if action in (Action.UPDATE, Action.DELETE):
        return own or actor.role in ADMINS
    if action is Action.SHARE:
        return (own or actor.role in ADMINS) and actor.role in SHARE
    return False  # create, manage, approve do not apply to one resource


def expect_model(actor: Actor, action: Action, model: ModelInfo) -> bool:
    if not actor.active:
        return False
    if action is Action.READ:
        return True
    if action is Action.USE:
        return model.enabled and (actor.role in IMPLICIT_GRANTS or model.name in actor.model_names)
    return actor.role in MANAGE[Kind.MODEL]


def expect_conversation(actor: Actor, action: Action, conversation: Conversation) -> bool:
    if not actor.active:
        return False
    if conversation.user_id == actor.id:
        return True
    if action is Action.READ:
        return actor.role in ADMINS or conversation.user_id in actor.wards
    return action is Action.DELETE and actor.role in ADMINS


def expect_user(actor: Actor, action: Action, target: User) -> bool:
    if not actor.active:
        return False
    if action is Action.READ and target.id == actor.id:
        return True
    return manages(actor, target)


def expect_visibility_change(actor: Actor, resource: Any, visibility: Visibility) -> bool:
    """Giving `resource` another visibility: changing it, and sharing it unless it becomes private."""
    return expect_owned(actor, Action.UPDATE, resource) and (
        visibility is Visibility.PRIVATE or expect_owned(actor, Action.SHARE, resource))


def expect_use_vector_db(actor: Actor, vector_db: VectorDb, visibility: Visibility) -> bool:
    """A RAG system of `visibility` built on `vector_db`: the actor must be able to use the vector DB
    in its own right, and the RAG system may reach nobody the vector DB does not (docs/KNOWLEDGE.md:
    "may not be more visible than its vector DB"; a shared RAG system never opens a private one)."""
    return expect_owned(actor, Action.USE, vector_db) and audience(visibility) <= audience(vector_db.visibility)


def expect_rag_use(actor: Actor, rag: Any, vector_db: VectorDb, model: ModelInfo) -> bool:
    """Retrieval (and attaching a RAG system to a conversation) needs the RAG system, its vector DB
    in its own right, and its chat model, all checked at the moment of use."""
    return (expect_owned(actor, Action.USE, rag) and expect_owned(actor, Action.USE, vector_db)
            and expect_model(actor, Action.USE, model))


def expect_job(actor: Actor, action: Action, requested_by_id: int | None, vector_db: VectorDb) -> bool:
    """An embedding job is authorized through its vector DB: its requester reads and cancels it,
    and so does whoever may read (cancel: change) the vector DB."""
    return actor.active and (requested_by_id == actor.id or expect_owned(actor, action, vector_db))
