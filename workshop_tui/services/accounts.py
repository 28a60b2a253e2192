"""Registration, login and password changes; account administration comes from `UserAdministration`.

`AccountService` is the one object the TUI, the SSH server and the CLI use for accounts:

- `register` takes a username, display name, password and optional email and nothing else, so a
  caller cannot smuggle in a role or a status (mass assignment); the account is pending with the
  placeholder role guest until someone approves it and sets the real role.
- `login` answers "wrong username or password" for both an unknown name and a wrong password and
  spends the same argon2 verify on each, so neither the message nor the time tells which accounts
  exist. Only after a correct password does it say why a pending, rejected or suspended account
  may not come in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Conflict, Invalid, LimitExceeded, NotAuthenticated
from workshop_tui.domain.models import User
from workshop_tui.domain.text import one_line
from workshop_tui.domain.text_fields import bounded_text, has_terminal_controls
from workshop_tui.services import account_rules as rules
from workshop_tui.services.access import Actor
from workshop_tui.services.actors import fresh_actor, load_actor, same_account
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.events import Subscription
from workshop_tui.services.passwords import Password, Passwords, reveal
from workshop_tui.services.throttle import LoginThrottle, RegistrationThrottle
from workshop_tui.services.user_admin import UserAdministration
from workshop_tui.storage.repositories.users import UserRepository

REGISTRATION_FIELDS = ("username", "display_name", "email", "password")
WRONG_CREDENTIALS = "wrong username or password"
STATUS_REASONS = {
    AccountStatus.PENDING: "your account is waiting for approval by an instructor or admin",
    AccountStatus.REJECTED: "your registration was rejected; ask the workshop's organisers",
    AccountStatus.SUSPENDED: "your account is suspended; ask an instructor or admin",
}
THEME_NAME_MAX = 64


@dataclass(frozen=True)
class MyAccess:
    """The signed-in account as it is now, with the models and tools it is granted, by name
    (implicit grants of staff are not listed)."""

    user: User
    models: list[str]
    tools: list[str]
log = get_logger(__name__)


def status_message(user: User) -> str:
    """Why `user` may not come in, with the reason staff gave when they rejected or suspended it."""
    message = STATUS_REASONS.get(user.status, "your account may not log in")
    if user.status_reason and user.status in (AccountStatus.REJECTED, AccountStatus.SUSPENDED):
        head, _, advice = message.partition("; ")
        message = f"{head}: {user.status_reason}" + (f" ({advice})" if advice else "")
    return message
# Until approval sets the real role, a pending account holds the role with the least rights.
PLACEHOLDER_ROLE = Role.GUEST


class AccountService(UserAdministration):
    def __init__(self, ctx: ServiceContext, *, passwords: Passwords | None = None,
                 login_throttle: LoginThrottle | None = None,
                 registration_throttle: RegistrationThrottle | None = None) -> None:
        super().__init__(ctx, passwords=passwords)
        self.login_throttle = login_throttle or LoginThrottle(ctx.settings.auth)
        self.registration_throttle = registration_throttle or RegistrationThrottle(ctx.settings.auth)
        # One process: this lock makes "is the database empty?" and the insert one step, so two
        # simultaneous first registrations cannot both become super_admin.
        self._register_lock = asyncio.Lock()

    async def register_form(self, form: Mapping[str, Any], *, source: str | None = None) -> User:
        """Register from a submitted form. Any field besides the four allowed (role, status...) is
        refused outright, rather than silently dropped, so a tampered form is visible."""
        unexpected = sorted(set(form) - set(REGISTRATION_FIELDS))
        if unexpected:
            raise Invalid(f"registration takes only {', '.join(REGISTRATION_FIELDS)}; "
                          f"not {', '.join(map(str, unexpected))}")
        return await self.register(str(form.get("username") or ""), str(form.get("display_name") or ""),
                                   form.get("password") or "", form.get("email"), source=source)

    async def register(self, username: str, display_name: str, password: Password, email: str | None = None, *,
                       source: str | None = None) -> User:
        """Create a pending account (or, when configured, the first account as an active super_admin).
        Approvers hear of it through the `user.registered` event."""
        self.registration_throttle.check(source)
        name = rules.check_username(username)
        shown = rules.check_display_name(display_name, name)
        mail = rules.check_email(email)
        self.passwords.check_rules(password)
        self.registration_throttle.record(source)
        async with self.ctx.db.reading() as session:
            if await UserRepository(session).get_by_username(name) is not None:
                raise Conflict(f"the username {name!r} is taken; choose another")
        password_hash = await self.passwords.hash(password)
        del password
        async with self._register_lock, self.ctx.db.transaction() as session:
            users = UserRepository(session)
            if await users.get_by_username(name) is not None:
                raise Conflict(f"the username {name!r} is taken; choose another")
            first = self.ctx.settings.auth.first_user_becomes_super_admin and await users.count() == 0
            role, status = (Role.SUPER_ADMIN, AccountStatus.ACTIVE) if first else (PLACEHOLDER_ROLE,
                                                                                   AccountStatus.PENDING)
            user = await users.add(username=name, display_name=shown, role=role, status=status,
                                   password_hash=password_hash, email=mail,
                                   approved_at=datetime.now(UTC) if first else None,
                                   registered_from=one_line(source, 64) if source else None)
            change = rules.Change("user.register", user, {}, {"role": role, "status": status,
                                                              "first_user": first or None})
            await rules.audit(session, Actor(user=user), change)
        rules.publish(self.ctx.events, rules.REGISTERED, Actor(user=user), change)
        return user

    async def login(self, username: str, password: Password, *, source: str | None = None,
                    allow_waiting: bool = False) -> Actor:
        """The actor for a correct username and password of an active account.

        With `allow_waiting`, a pending account signs in too, for a screen that waits for its
        approval: every service but `my_account` refuses it until then.

        Refusals: LimitExceeded (throttled, with the wait), NotAuthenticated (wrong credentials, or
        the account's status with a reason)."""
        name = rules.normalize_username(username)[:256]
        try:
            attempt = self.login_throttle.reserve(name, source)  # counted before the hash, taken back on success
        except LimitExceeded:
            log.warning("login throttled", extra={"username": name, "source": source})
            raise
        with attempt:
            async with self.ctx.db.reading() as session:
                found = await UserRepository(session).password_hash(name)
            user, stored = found if found is not None else (None, None)
            if len(reveal(password)) > self.passwords.max_length:
                stored = None  # never feed argon2 more than a password may be; still spend one dummy verify
            matches = await self.passwords.verify(stored, password)  # always one verify, known user or not
            if user is None or not matches:
                log.info("login failed", extra={"username": name, "source": source, "known": user is not None})
                raise NotAuthenticated(WRONG_CREDENTIALS)
            attempt.succeeded()
        waiting = allow_waiting and user.status is AccountStatus.PENDING
        if user.status is not AccountStatus.ACTIVE and not waiting:
            raise NotAuthenticated(status_message(user))
        fields: dict[str, Any] = {"last_login_at": datetime.now(UTC)}
        if stored is not None and self.passwords.needs_rehash(stored):
            fields["password_hash"] = await self.passwords.hash(password)  # parameters changed since
        del password
        async with self.ctx.db.transaction() as session:
            await UserRepository(session).update(user.id, **fields)
            return await load_actor(session, user.id)

    async def unclaimed(self, username: str, *, source: str | None = None) -> bool:
        """Whether `username` could be registered now: a valid name that no account holds. For a front
        end that offers such a name the registration form instead of a password prompt (the SSH server).

        It tells no more than registering would ("the username is taken"), but it costs no password
        hash, so it is throttled as a login is: an unclaimed answer counts as one failed login for the
        name and the address, and a throttled caller gets LimitExceeded."""
        name = rules.normalize_username(username)[:256]
        self.login_throttle.check(name, source)
        try:
            rules.check_username(name)
        except Invalid:
            return False
        async with self.ctx.db.reading() as session:
            taken = await UserRepository(session).get_by_username(name) is not None
        if not taken:
            self.login_throttle.failure(name, source)
        return not taken

    async def my_account(self, actor: Actor) -> User:
        """The signed-in account as it is now, in any status: what a pending, rejected or suspended
        account may still see. Refuses a session whose password changed or whose account is gone."""
        async with self.ctx.db.reading() as session:
            current = await same_account(session, actor)
        assert current.user is not None
        return current.user

    async def my_access(self, actor: Actor) -> MyAccess:
        """`my_account` with its grants, in the same one read: for a session that follows what its
        account may use when another process changes it (no event reaches this one)."""
        async with self.ctx.db.reading() as session:
            current = await same_account(session, actor)
            tools = await rules.tool_names(session, current.tool_ids) if current.tool_ids else []
        assert current.user is not None
        return MyAccess(current.user, sorted(current.model_names), tools)

    @asynccontextmanager
    async def watch_account(self, actor: Actor) -> AsyncIterator[Subscription]:
        """Events about the signed-in account (approved, changed, suspended, deleted), for a session
        to react at once: move on from waiting, update its menus, or end. Any status may watch."""
        await self.my_account(actor)
        async with self.ctx.events.subscribe("user", user_id=actor.id) as subscription:
            yield subscription

    async def first_run_open(self) -> bool:
        """Whether registering now creates the first super_admin: the setting allows it and there
        is no account yet. Tells nothing else about the accounts."""
        if not self.ctx.settings.auth.first_user_becomes_super_admin:
            return False
        async with self.ctx.db.reading() as session:
            return await UserRepository(session).count() == 0

    async def set_theme(self, actor: Actor, theme: str) -> User:
        """Save the user's theme, so it follows them to every session. Only the name is checked
        here (the UI knows which themes exist and falls back to the default for an unknown one)."""
        if has_terminal_controls(theme) or not theme.strip() or "\n" in theme:
            raise Invalid("a theme name is one line of plain text", field="theme")
        name = bounded_text(theme, "theme", THEME_NAME_MAX).strip()
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            assert actor.id is not None
            return await UserRepository(session).update(actor.id, theme=name)

    async def change_password(self, actor: Actor, old_password: Password, new_password: Password) -> Actor:
        """The user changes their own password, proving they know the current one. Wrong guesses
        count against the login throttle, so an unlocked terminal is no guessing oracle.

        Every other session of the account ends; this one goes on with the actor returned."""
        self.passwords.check_rules(new_password, field="new_password")
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            if actor.user is None:
                raise Invalid("the operator has no password to change")
            name = actor.user.username
            found = await UserRepository(session).password_hash(name)
        with self.login_throttle.reserve(name, None) as attempt:
            if found is None or not await self.passwords.verify(found[1], old_password):
                raise NotAuthenticated("the current password is wrong")
            attempt.succeeded()
        password_hash = await self.passwords.hash(new_password)
        del old_password, new_password
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            assert actor.id is not None
            now = datetime.now(UTC)
            target = await UserRepository(session).update(actor.id, bump_auth=True, password_hash=password_hash,
                                                           password_changed_at=now)
            change = rules.Change("user.password", target, {}, {"password_changed_at": now})
            await rules.audit(session, actor, change)
            renewed = await load_actor(session, actor.id)
        rules.publish(self.ctx.events, rules.CHANGED, actor, change)
        return renewed
