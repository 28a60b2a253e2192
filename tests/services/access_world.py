"""The world the access matrix runs in: one real SQLite database with an actor per role (plus a
pending, a suspended and a rejected one), another user who owns "someone else's" resources, a
guardian for family approvals, a ward for every actor that can have one, and models and tools
with and without grants."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.models import User
from workshop_tui.services.access import Actor
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.actors import load_actor
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.quotas import QuotaService
from workshop_tui.storage.repositories.users import UserRepository

from .support import add_model, add_tool, make_user

PASSWORD = "matrix password 1"
PROFILES: dict[str, tuple[Role, AccountStatus]] = {
    **{role.value: (role, AccountStatus.ACTIVE) for role in Role},
    "pending_instructor": (Role.INSTRUCTOR, AccountStatus.PENDING),
    "suspended_admin": (Role.ADMIN, AccountStatus.SUSPENDED),
    "rejected_student": (Role.STUDENT, AccountStatus.REJECTED),
}
GRANTED_MODEL, UNGRANTED_MODEL, DISABLED_MODEL = "granted:1b", "ungranted:1b", "disabled:1b"


@dataclass
class World:
    ctx: ServiceContext
    accounts: AccountService
    approvals: ApprovalService
    quotas: QuotaService
    actors: dict[str, Actor] = field(default_factory=dict)
    other_id: int = 0  # owner of another user's resources
    guardian_id: int = 0  # an active student, guardian for family approvals
    wards: dict[int, int] = field(default_factory=dict)  # actor id -> a ward of theirs
    model_ids: dict[str, int] = field(default_factory=dict)
    granted_tool_id: int = 0
    services: dict[str, object] = field(default_factory=dict)  # for operations registered later
    _names: itertools.count = field(default_factory=itertools.count)
    _fresh: dict[int, Actor] = field(default_factory=dict)

    async def fresh(self, actor: Actor) -> Actor:
        """The actor as the database says now (any status), cached until a target changes it."""
        assert actor.id is not None
        if actor.id not in self._fresh:
            async with self.ctx.db.reading() as session:
                self._fresh[actor.id] = await load_actor(session, actor.id)
        return self._fresh[actor.id]

    async def make_target(self, role: Role, status: AccountStatus = AccountStatus.ACTIVE, *,
                          guardian_id: int | None = None) -> User:
        """A new account for one case, holding the granted model (so narrowing is a real change)."""
        password_hash = await self.accounts.passwords.hash(PASSWORD)
        uid = await make_user(self.ctx.db, f"t{next(self._names)}", role, status, guardian_id=guardian_id,
                              password_hash=password_hash)
        async with self.ctx.db.transaction() as session:
            await UserRepository(session).set_model_ids(uid, [self.model_ids[GRANTED_MODEL]])
            user = await UserRepository(session).get(uid)
        if guardian_id is not None:
            self._fresh.pop(guardian_id, None)
        assert user is not None
        return user

    def next_name(self) -> str:
        return f"n{next(self._names)}"


async def build_world(ctx: ServiceContext, accounts: AccountService) -> World:
    world = World(ctx, accounts, ApprovalService(ctx), QuotaService(ctx))
    world.other_id = await make_user(ctx.db, "other_owner", Role.STUDENT)
    world.guardian_id = await make_user(ctx.db, "some_guardian", Role.STUDENT)
    for name, enabled in ((GRANTED_MODEL, True), (UNGRANTED_MODEL, True), (DISABLED_MODEL, False)):
        world.model_ids[name] = await add_model(ctx.db, name, enabled=enabled)
    world.granted_tool_id = await add_tool(ctx.db, "granted_tool", world.other_id, Visibility.CLASS)
    password_hash = await accounts.passwords.hash(PASSWORD)
    for profile, (role, status) in PROFILES.items():
        uid = await make_user(ctx.db, f"p_{profile}", role, status, password_hash=password_hash)
        async with ctx.db.transaction() as session:
            users = UserRepository(session)
            await users.set_model_ids(uid, [world.model_ids[GRANTED_MODEL], world.model_ids[DISABLED_MODEL]])
            await users.set_tool_ids(uid, [world.granted_tool_id])
        if role is not Role.FAMILY:
            world.wards[uid] = await make_user(ctx.db, f"w_{profile}", Role.FAMILY, guardian_id=uid)
        async with ctx.db.reading() as session:
            world.actors[profile] = await load_actor(session, uid)
    return world
