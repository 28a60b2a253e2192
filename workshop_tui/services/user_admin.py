"""Managing accounts: add, role, suspend, reactivate, delete, grants, quotas, password reset.

Every method re-reads the acting user (`fresh_actor`), checks the hierarchy through
`access.authorize`, writes one audit record with before and
after values (never a password or hash) in the same transaction as the change, and publishes an
event after the commit so open sessions see the change on their next call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import UNCHANGED, AccountStatus, Role, Unchanged
from workshop_tui.domain.errors import Conflict, Invalid, NotFound
from workshop_tui.domain.models import User
from workshop_tui.domain.text_fields import one_line_text
from workshop_tui.services import account_rules as rules
from workshop_tui.services.access import (
    MANAGES_ROLES,
    Action,
    Actor,
    Kind,
    authorize,
    authorize_grant_change,
    check_role_assignment,
)
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.passwords import Password, Passwords, generate_password
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.tables import UserRow

QUOTA_FIELDS = {"messages_per_day": 0, "tokens_per_day": 0, "concurrent_generations": 1}  # name → minimum
Step = Callable[[AsyncSession, Actor, User], Awaitable[tuple[dict[str, Any], dict[str, Any]]]]


class UserAdministration:
    def __init__(self, ctx: ServiceContext, *, passwords: Passwords | None = None) -> None:
        self.ctx = ctx
        self.passwords = passwords or Passwords(ctx.settings.auth)

    # Reading -------------------------------------------------------------------------------
    async def get_user(self, actor: Actor, user_id: int) -> User:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            user = await rules.load_user(session, user_id)
            authorize(actor, Action.READ, user)
            return user

    async def find_user(self, actor: Actor, username: str) -> User:
        """Look an account up by name (any case), for the CLI and the admin screens."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            name = rules.normalize_username(username)
            user = await UserRepository(session).get_by_username(name)
            try:
                if user is None:
                    raise NotFound(name)
                authorize(actor, Action.READ, user)
            except NotFound:  # unknown, or out of reach: the same answer, so names cannot be probed
                raise NotFound(f"no account named {name!r}") from None
            return user

    async def list_users(self, actor: Actor, *, status: AccountStatus | None = None, role: Role | None = None,
                         offset: int = 0, limit: int = 100, text: str | None = None) -> list[User]:
        """Accounts the actor manages, oldest first (admins do not see super_admins listed); `text`
        keeps those whose username, display name or email contains it."""
        needle = one_line_text(text, "search", 100).strip() or None
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            authorize(actor, Action.READ, Kind.USER)
            managed = MANAGES_ROLES[actor.role]
            roles = [r for r in Role if r in managed and (role is None or r is role)]
            if not roles:
                return []
            return await UserRepository(session).list(status=status, role=roles, offset=max(0, offset),
                                                      limit=max(1, min(limit, 1000)), text=needle)

    async def wards(self, actor: Actor) -> list[User]:
        """The family accounts the actor is guardian of (the guardian view's list)."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            return [] if actor.id is None else await UserRepository(session).wards(actor.id)

    async def grants(self, actor: Actor, user_id: int) -> tuple[list[str], list[str]]:
        """(model names, tool names) the account may use; implicit grants of staff are not listed."""
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            user = await rules.load_user(session, user_id)
            if user.id not in actor.wards:
                authorize(actor, Action.READ, user)
            users = UserRepository(session)
            return (await rules.model_names(session, await users.model_ids(user_id)),
                    await rules.tool_names(session, await users.tool_ids(user_id)))

    # Adding --------------------------------------------------------------------------------
    async def add_user(self, actor: Actor, username: str, role: Role, status: AccountStatus,
                       display_name: str | None, password: Password, *, email: str | None = None,
                       guardian_id: int | None = None) -> User:
        """Create an account directly (CLI, admin screen): active or pending, with the given role."""
        name = rules.check_username(username)
        if status not in (AccountStatus.ACTIVE, AccountStatus.PENDING):
            raise Invalid("must be active or pending", field="status")
        shown = rules.check_display_name(display_name, name)
        mail = rules.check_email(email)
        self.passwords.check_rules(password)
        async with self.ctx.db.reading() as session:  # refuse before paying for a hash
            self._check_may_add(await fresh_actor(session, actor), role)
        password_hash = await self.passwords.hash(password)
        del password
        try:
            async with self.ctx.db.transaction() as session:
                actor = await fresh_actor(session, actor)
                self._check_may_add(actor, role)
                users = UserRepository(session)
                if await users.get_by_username(name) is not None:
                    raise Conflict(f"the username {name!r} is taken")
                if role is Role.FAMILY and status is AccountStatus.ACTIVE:
                    await rules.check_guardian(session, guardian_id, None)
                elif role is not Role.FAMILY and guardian_id is not None:
                    raise Invalid("only family accounts have a guardian", field="guardian")
                now = datetime.now(UTC)
                active = status is AccountStatus.ACTIVE
                user = await users.add(username=name, display_name=shown, role=role, status=status,
                                       password_hash=password_hash, email=mail, guardian_id=guardian_id,
                                       approved_by_id=actor.id if active else None, approved_at=now if active else None)
                change = rules.Change("user.add", user, {},
                                      {"role": role, "status": status, "guardian_id": guardian_id})
                await rules.audit(session, actor, change)
        except IntegrityError:  # the same name added at the same moment, between the check and the insert
            async with self.ctx.db.reading() as session:
                if await UserRepository(session).get_by_username(name) is None:
                    raise  # another constraint (a guardian deleted meanwhile): not a name clash
            raise Conflict(f"the username {name!r} is taken") from None
        # A pending account added by hand waits in the approvers' list like a registration.
        topic = rules.REGISTERED if status is AccountStatus.PENDING else rules.CHANGED
        rules.publish(self.ctx.events, topic, actor, change)
        return user

    @staticmethod
    def _check_may_add(actor: Actor, role: Role) -> None:
        authorize(actor, Action.CREATE, Kind.USER)
        check_role_assignment(actor, role)

    # Changing ------------------------------------------------------------------------------
    async def _apply(self, actor: Actor, user_id: int, topic: str, action: str, step: Step, *,
                     new_credentials: bool = False) -> User:
        """Run `step` (checks and writes) in one transaction with its audit record, then publish.
        `new_credentials` ends the account's open sessions (see `actors.same_account`)."""
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            target = await rules.load_user(session, user_id)
            before, after = await step(session, actor, target)
            if before == after:
                return target
            updated = await UserRepository(session).update(user_id, bump_auth=new_credentials)
            change = rules.Change(action, updated, before, after)
            await rules.audit(session, actor, change)
        rules.publish(self.ctx.events, topic, actor, change)
        return updated

    async def set_role(self, actor: Actor, user_id: int, role: Role, *, guardian_id: int | None = None) -> User:
        async def step(session: AsyncSession, actor: Actor, target: User) -> tuple[dict[str, Any], dict[str, Any]]:
            authorize(actor, Action.MANAGE, target)
            check_role_assignment(actor, role)
            if role is target.role:
                return {}, {}
            if role is not Role.SUPER_ADMIN:
                await rules.ensure_not_last_super_admin(session, target, "demoted")
            guardian = target.guardian_id if role is Role.FAMILY else None
            if role is Role.FAMILY:
                guardian = guardian_id if guardian_id is not None else target.guardian_id
                await rules.check_guardian(session, guardian, target.id)
                wards = await session.scalar(select(func.count()).select_from(UserRow).where(
                    UserRow.guardian_id == target.id, UserRow.role == Role.FAMILY.value))
                if wards:
                    raise Conflict(f"{target.username} is a guardian and so cannot be family; "
                                   "give the family accounts another guardian first")
            await UserRepository(session).update(target.id, role=role, guardian_id=guardian)
            return ({"role": target.role, "guardian_id": target.guardian_id}, {"role": role, "guardian_id": guardian})

        return await self._apply(actor, user_id, rules.CHANGED, "user.role", step)

    async def suspend(self, actor: Actor, user_id: int, *, reason: str | None = None) -> User:
        """Suspend an account; its open sessions end (event `user.suspended`) and every later call
        is refused."""
        reason = rules.check_notes(reason, "reason")

        async def step(session: AsyncSession, actor: Actor, target: User) -> tuple[dict[str, Any], dict[str, Any]]:
            authorize(actor, Action.MANAGE, target)
            if target.status is AccountStatus.SUSPENDED:
                return {}, {}
            if target.status is AccountStatus.REJECTED:
                raise Conflict(f"{target.username} was rejected; there is nothing to suspend")
            await rules.ensure_not_last_super_admin(session, target, "suspended")
            await UserRepository(session).update(target.id, status=AccountStatus.SUSPENDED, status_reason=reason)
            return {"status": target.status}, {"status": AccountStatus.SUSPENDED, "reason": reason}

        return await self._apply(actor, user_id, rules.SUSPENDED, "user.suspend", step)

    async def reactivate(self, actor: Actor, user_id: int) -> User:
        async def step(session: AsyncSession, actor: Actor, target: User) -> tuple[dict[str, Any], dict[str, Any]]:
            authorize(actor, Action.MANAGE, target)
            if target.status is not AccountStatus.SUSPENDED:
                raise Conflict(f"{target.username} is {target.status}, not suspended")
            await UserRepository(session).update(target.id, status=AccountStatus.ACTIVE, status_reason=None)
            return {"status": target.status}, {"status": AccountStatus.ACTIVE}

        return await self._apply(actor, user_id, rules.CHANGED, "user.reactivate", step)

    async def delete_user(self, actor: Actor, user_id: int) -> None:
        """Delete an account with its private history; shared resources stay, creator cleared."""
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            target = await rules.load_user(session, user_id)
            authorize(actor, Action.DELETE, target)
            await rules.ensure_not_last_super_admin(session, target, "deleted")
            change = rules.Change("user.delete", target, {"role": target.role, "status": target.status}, {})
            await rules.audit(session, actor, change)
            await UserRepository(session).delete(target.id)
        rules.publish(self.ctx.events, rules.DELETED, actor, change)

    async def set_grants(self, actor: Actor, user_id: int, *, model_ids: Iterable[int] | None = None,
                         tool_ids: Iterable[int] | None = None) -> User:
        """Replace the account's model and/or tool grants (None leaves that list alone). A guardian
        may only remove grants from their family account."""
        wanted_models = None if model_ids is None else set(model_ids)  # read once, whatever iterable
        wanted_tools = None if tool_ids is None else set(tool_ids)

        async def step(session: AsyncSession, actor: Actor, target: User) -> tuple[dict[str, Any], dict[str, Any]]:
            users = UserRepository(session)
            old_models, old_tools = await users.model_ids(target.id), await users.tool_ids(target.id)
            new_models = old_models if wanted_models is None else wanted_models
            new_tools = old_tools if wanted_tools is None else wanted_tools
            widens = not (new_models <= old_models and new_tools <= old_tools)
            authorize_grant_change(actor, target, widens=widens)
            await rules.check_model_ids(session, new_models)
            await rules.check_grantable_tools(session, actor, new_tools - old_tools)
            await users.set_model_ids(target.id, new_models)
            await users.set_tool_ids(target.id, new_tools)
            return ({"models": await rules.model_names(session, old_models),
                     "tools": await rules.tool_names(session, old_tools)},
                    {"models": await rules.model_names(session, new_models),
                     "tools": await rules.tool_names(session, new_tools)})

        return await self._apply(actor, user_id, rules.CHANGED, "user.grants", step)

    async def set_quota(self, actor: Actor, user_id: int, *,
                        messages_per_day: int | Unchanged | None = UNCHANGED,
                        tokens_per_day: int | Unchanged | None = UNCHANGED,
                        concurrent_generations: int | Unchanged | None = UNCHANGED) -> User:
        """Override the role's quota for one account; None goes back to the role's default."""
        given = {"messages_per_day": messages_per_day, "tokens_per_day": tokens_per_day,
                 "concurrent_generations": concurrent_generations}
        wanted = {f"quota_{k}": v for k, v in given.items() if v is not UNCHANGED}
        for key, value in given.items():
            if value is not UNCHANGED and value is not None and (
                    not isinstance(value, int) or isinstance(value, bool) or value < QUOTA_FIELDS[key]):
                raise Invalid(f"must be empty or a whole number of at least {QUOTA_FIELDS[key]}", field=key)

        async def step(session: AsyncSession, actor: Actor, target: User) -> tuple[dict[str, Any], dict[str, Any]]:
            authorize(actor, Action.MANAGE, target)
            before = {k: getattr(target, k) for k in wanted if getattr(target, k) != wanted[k]}
            after = {k: wanted[k] for k in before}
            await UserRepository(session).update(target.id, **after)
            return before, after

        return await self._apply(actor, user_id, rules.CHANGED, "user.quota", step)

    async def reset_password(self, actor: Actor, user_id: int, new_password: Password) -> None:
        """An admin sets someone's password (they forgot it). Audited, never with the password."""
        self.passwords.check_rules(new_password, field="new_password")
        await self.get_user(actor, user_id)  # exists and visible, before paying for a hash
        password_hash = await self.passwords.hash(new_password)
        del new_password

        async def step(session: AsyncSession, actor: Actor, target: User) -> tuple[dict[str, Any], dict[str, Any]]:
            authorize(actor, Action.MANAGE, target)
            now = datetime.now(UTC)
            await UserRepository(session).update(target.id, password_hash=password_hash, password_changed_at=now)
            return {}, {"password_changed_at": now}

        await self._apply(actor, user_id, rules.CHANGED, "user.password_reset", step, new_credentials=True)

    async def reset_password_generated(self, actor: Actor, user_id: int) -> SecretStr:
        """Reset someone's password to a new random one, returned once for the person resetting it
        to pass on; it is stored only as its hash."""
        password = SecretStr(generate_password())
        await self.reset_password(actor, user_id, password)
        return password
