"""The one authorization path: `authorize(actor, action, resource)`.

Pure and synchronous: the caller hands in a fresh `Actor` (re-read from the database on every
service call, see `services/actors.py`) and the resource it is about to touch. The capability
table below is the single source of truth; docs/CAPABILITIES.md describes it in prose and the
access-matrix test derives its expected answers from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.errors import Forbidden, NotFound
from workshop_tui.domain.models import (
    Conversation,
    Document,
    EmbeddingJob,
    ModelInfo,
    Prompt,
    RagSystem,
    Tool,
    User,
    VectorDb,
)


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    USE = "use"  # chat with a model, call a tool, fill a prompt, ask a RAG system
    SHARE = "share"  # give a resource class or public visibility
    MANAGE = "manage"  # models: sync, pull, delete, unload; settings; users: role, status, grants
    APPROVE = "approve"  # approve or reject a pending registration


class Kind(StrEnum):
    USER = "user"
    MODEL = "model"
    PROMPT = "prompt"
    TOOL = "tool"
    DOCUMENT = "document"
    VECTOR_DB = "vector_db"
    EMBEDDING_JOB = "embedding_job"
    RAG_SYSTEM = "rag_system"
    CONVERSATION = "conversation"
    SETTINGS = "settings"
    AUDIT = "audit"
    USAGE = "usage"  # the per-user, per-model usage counters behind the admin's usage view
    HEALTH = "health"  # the health report's details: hosts, errors, queues, pending registrations
    BROADCAST = "broadcast"  # a message from staff to every open session of the class
    ACTIVITY = "activity"  # who is online, on which screen, and what they are generating now


STAFF = frozenset({Role.SUPER_ADMIN, Role.ADMIN, Role.INSTRUCTOR})
ADMINS = frozenset({Role.SUPER_ADMIN, Role.ADMIN})
MEMBERS = frozenset({Role.STUDENT, Role.FAMILY})

# Who may create each kind of resource (always private at first; SHARE widens it).
CREATE: dict[Kind, frozenset[Role]] = {
    Kind.CONVERSATION: STAFF | MEMBERS | {Role.GUEST},
    Kind.PROMPT: STAFF | MEMBERS,
    Kind.DOCUMENT: STAFF | MEMBERS,
    Kind.VECTOR_DB: STAFF | MEMBERS,
    Kind.EMBEDDING_JOB: STAFF | MEMBERS,
    Kind.RAG_SYSTEM: STAFF | MEMBERS,
    Kind.TOOL: STAFF,
    Kind.USER: ADMINS | {Role.INSTRUCTOR},
    Kind.MODEL: ADMINS,
    Kind.BROADCAST: STAFF,
}
# Who may give their own resources class-wide or public visibility.
SHARE = STAFF
# Who may manage models and settings, and read the audit log.
MANAGE: dict[Kind, frozenset[Role]] = {Kind.MODEL: ADMINS, Kind.SETTINGS: ADMINS, Kind.AUDIT: ADMINS}
# Which roles each role may approve, assign, and manage (role, status, grants).
MANAGES_ROLES: dict[Role, frozenset[Role]] = {
    Role.SUPER_ADMIN: frozenset(Role),
    Role.ADMIN: frozenset(Role) - {Role.SUPER_ADMIN},
    Role.INSTRUCTOR: frozenset({Role.STUDENT, Role.FAMILY, Role.GUEST}),
}
# Who may read every record of a kind at once: the audit log, the usage view, the account list.
READ_ALL: dict[Kind, frozenset[Role]] = {Kind.AUDIT: ADMINS, Kind.USAGE: ADMINS, Kind.USER: frozenset(MANAGES_ROLES),
                                         Kind.HEALTH: STAFF, Kind.ACTIVITY: STAFF}
# Roles that may use every enabled model and tool without a per-user grant.
IMPLICIT_GRANTS = STAFF

OWNED = Prompt | Document | VectorDb | RagSystem | Tool


@dataclass(frozen=True)
class Actor:
    """Who is asking, as of this call: the account plus its grants and family wards."""

    user: User | None
    model_names: frozenset[str] = frozenset()
    tool_ids: frozenset[int] = frozenset()
    wards: frozenset[int] = field(default_factory=frozenset)  # family accounts this user guards
    is_operator: bool = False  # the CLI on the server: acts with super_admin rights

    @property
    def id(self) -> int | None:
        return None if self.user is None else self.user.id

    @property
    def name(self) -> str:
        return "operator" if self.is_operator or self.user is None else self.user.username

    @property
    def role(self) -> Role:
        return Role.SUPER_ADMIN if self.is_operator or self.user is None else self.user.role

    @property
    def active(self) -> bool:
        return self.is_operator or (self.user is not None and self.user.status is AccountStatus.ACTIVE)

    def may_use_model(self, model: ModelInfo | str) -> bool:
        name = model if isinstance(model, str) else model.name
        return self.role in IMPLICIT_GRANTS or name in self.model_names

    def may_use_tool(self, tool: Tool) -> bool:
        return self.role in IMPLICIT_GRANTS or tool.id in self.tool_ids


OPERATOR = Actor(user=None, is_operator=True)


def require_active(actor: Actor) -> None:
    """Pending, rejected and suspended accounts may do nothing but see their own status."""
    if actor.active:
        return
    status = actor.user.status if actor.user else AccountStatus.SUSPENDED
    reasons = {
        AccountStatus.PENDING: "your account is waiting for approval by an instructor or admin",
        AccountStatus.REJECTED: "your registration was rejected",
        AccountStatus.SUSPENDED: "your account is suspended",
    }
    raise Forbidden(reasons.get(status, "your account is not active"))


def can_read(actor: Actor, resource: OWNED) -> bool:
    if actor.role in ADMINS or resource.creator_id == actor.id:
        return True
    if resource.visibility is Visibility.PUBLIC:
        return True
    return resource.visibility is Visibility.CLASS and actor.role is not Role.GUEST


def authorize(actor: Actor, action: Action, resource: Any) -> None:
    """Allow or raise Forbidden (NotFound where even existence must stay hidden)."""
    require_active(actor)
    if isinstance(resource, Kind):
        _authorize_kind(actor, action, resource)
    elif isinstance(resource, User):
        _authorize_user(actor, action, resource)
    elif isinstance(resource, ModelInfo):
        _authorize_model(actor, action, resource)
    elif isinstance(resource, Conversation):
        _authorize_conversation(actor, action, resource)
    elif isinstance(resource, EmbeddingJob):
        raise TypeError("authorize an embedding job through its document and vector DB")
    elif isinstance(resource, OWNED):
        _authorize_owned(actor, action, resource)
    else:
        raise TypeError(f"authorize() does not know {type(resource).__name__}")


def _deny(message: str) -> None:
    raise Forbidden(message)


def _authorize_kind(actor: Actor, action: Action, kind: Kind) -> None:
    if action is Action.CREATE:
        if actor.role not in CREATE.get(kind, frozenset()):
            _deny(f"a {actor.role} may not create a {kind.replace('_', ' ')}")
    elif action is Action.MANAGE:
        if actor.role not in MANAGE.get(kind, frozenset()):
            _deny(f"a {actor.role} may not manage {kind.replace('_', ' ')}s")
    elif action is Action.APPROVE:
        if kind is not Kind.USER or actor.role not in MANAGES_ROLES:
            _deny(f"a {actor.role} may not approve registrations")
    elif action is Action.READ:
        if kind in READ_ALL and actor.role not in READ_ALL[kind]:
            what = {Kind.AUDIT: "read the audit log", Kind.USAGE: "see everyone's usage",
                    Kind.HEALTH: "see the health report's details",
                    Kind.ACTIVITY: "see who is online and what they generate"}.get(kind, "list accounts")
            _deny(f"a {actor.role} may not {what}")
    else:
        raise TypeError(f"{action} needs a resource, not a kind")


def _authorize_user(actor: Actor, action: Action, target: User) -> None:
    if action is Action.READ and target.id == actor.id:
        return
    managed = MANAGES_ROLES.get(actor.role, frozenset())
    if action in (Action.READ, Action.MANAGE, Action.APPROVE, Action.DELETE, Action.UPDATE):
        if target.id == actor.id and action is not Action.READ:
            _deny("nobody changes their own role, status or grants")
        if target.role not in managed:  # out of reach: answered as if it did not exist
            raise NotFound(f"user {target.id} not found")
        return
    _deny(f"{action} does not apply to accounts")


def authorize_grant_change(actor: Actor, target: User, *, widens: bool) -> None:
    """Who may change `target`'s model and tool grants: whoever manages the account, and its
    guardian, who may only narrow them (a guardian is often a student and must not hand out what
    an instructor withheld)."""
    require_active(actor)
    if target.id != actor.id and target.role in MANAGES_ROLES.get(actor.role, frozenset()):
        return
    if target.id in actor.wards:
        if widens:
            _deny("a guardian may narrow a family account's models and tools, never widen them")
        return
    _authorize_user(actor, Action.MANAGE, target)


def check_role_assignment(actor: Actor, new_role: Role) -> None:
    """May `actor` give someone `new_role`? (Applies on approval and on a role change.)"""
    require_active(actor)
    if new_role not in MANAGES_ROLES.get(actor.role, frozenset()):
        _deny(f"a {actor.role} may not make someone a {new_role}")


def _authorize_model(actor: Actor, action: Action, model: ModelInfo) -> None:
    if action is Action.READ:
        return
    if action is Action.USE:
        if not model.enabled:
            _deny(f"model {model.name} is disabled in this workshop")
        if not actor.may_use_model(model):
            _deny(f"you are not allowed to use model {model.name}; ask your instructor")
        return
    if actor.role not in MANAGE[Kind.MODEL]:
        _deny(f"a {actor.role} may not {action} models")


def _authorize_conversation(actor: Actor, action: Action, conversation: Conversation) -> None:
    if conversation.user_id == actor.id:
        return
    if action is Action.READ and (actor.role in ADMINS or conversation.user_id in actor.wards):
        return
    if action is Action.DELETE and actor.role in ADMINS:
        return
    raise NotFound(f"conversation {conversation.id} not found")


def _authorize_owned(actor: Actor, action: Action, resource: OWNED) -> None:
    kind = type(resource).__name__.lower()
    if not can_read(actor, resource):
        raise NotFound(f"{kind} {resource.id} not found")
    if action in (Action.READ, Action.USE):
        if isinstance(resource, Tool) and action is Action.USE:
            if not resource.enabled:
                _deny(f"tool {resource.name} is disabled")
            if not actor.may_use_tool(resource):
                _deny(f"you are not allowed to use tool {resource.name}")
        return
    own = resource.creator_id == actor.id
    if action in (Action.UPDATE, Action.DELETE) and (own or actor.role in ADMINS):
        return
    if action is Action.SHARE and (own or actor.role in ADMINS) and actor.role in SHARE:
        return
    _deny(f"you may not {action} this {kind}")


def check_visibility(actor: Actor, visibility: Visibility) -> None:
    """Creating or changing a resource with class or public visibility needs SHARE rights."""
    if visibility is not Visibility.PRIVATE and actor.role not in SHARE:
        _deny(f"a {actor.role} may only create private resources; instructors share with the class")
