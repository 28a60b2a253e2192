"""Registration and login as a visitor meets them: what is accepted, what is refused, and why."""

from __future__ import annotations

import inspect

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Conflict, Forbidden, Invalid, NotAuthenticated
from workshop_tui.services.access import OPERATOR, Actor
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.passwords import HashParams, Passwords
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.storage.repositories.users import UserRepository

PASSWORD = "correct horse battery"


async def test_registration_creates_a_pending_account_with_no_rights(accounts: AccountService,
                                                                     ctx: ServiceContext) -> None:
    async with ctx.events.subscribe("user.registered") as feed:
        user = await accounts.register("Ada.L", "Ada Lovelace", PASSWORD, "ada@example.org", source="10.0.0.5")
        event = await feed.get(timeout=1)
    assert (user.username, user.status, user.role) == ("ada.l", AccountStatus.PENDING, Role.GUEST)
    assert user.approved_at is None and user.email == "ada@example.org"
    assert event.user_id == user.id and event.data["username"] == "ada.l"
    with pytest.raises(NotAuthenticated, match="waiting for approval"):
        await accounts.login("ada.l", PASSWORD)


async def test_registration_takes_no_role_or_status(accounts: AccountService, ctx: ServiceContext) -> None:
    parameters = set(inspect.signature(accounts.register).parameters)
    assert parameters == {"username", "display_name", "password", "email", "source"}
    with pytest.raises(TypeError):
        await accounts.register("mallory", "M", PASSWORD, role="super_admin")  # type: ignore[call-arg]
    form = {"username": "mallory", "display_name": "M", "password": PASSWORD, "role": "super_admin",
            "status": "active"}
    with pytest.raises(Invalid, match="not role, status"):
        await accounts.register_form(form)
    async with ctx.db.reading() as session:
        assert await UserRepository(session).get_by_username("mallory") is None
    user = await accounts.register_form({k: v for k, v in form.items() if k not in ("role", "status")})
    assert (user.role, user.status) == (Role.GUEST, AccountStatus.PENDING)


@pytest.mark.parametrize(("enabled", "expected"), [(True, (Role.SUPER_ADMIN, AccountStatus.ACTIVE)),
                                                   (False, (Role.GUEST, AccountStatus.PENDING))])
async def test_first_registration_becomes_super_admin_only_when_configured(
        accounts: AccountService, settings: Settings, enabled: bool, expected: tuple[Role, AccountStatus]) -> None:
    settings.auth.first_user_becomes_super_admin = enabled
    first = await accounts.register("root_admin", "First", PASSWORD)
    second = await accounts.register("second", "Second", PASSWORD)
    assert (first.role, first.status) == expected
    assert (second.role, second.status) == (Role.GUEST, AccountStatus.PENDING)
    if enabled:
        actor = await accounts.login("root_admin", PASSWORD)
        assert actor.role is Role.SUPER_ADMIN and actor.active


@pytest.mark.parametrize(("username", "message"), [
    ("ab", "3 to 32 characters"), ("x" * 33, "3 to 32 characters"), ("bad name", "may contain only"),
    ("-dash", "must start with a letter or digit"), ("operator", "reserved"), ("émile", "may contain only"),
])
async def test_username_rules_say_what_is_wrong(accounts: AccountService, username: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as caught:
        await accounts.register(username, "Someone", PASSWORD)
    assert caught.value.field == "username"


async def test_usernames_are_case_insensitive(accounts: AccountService) -> None:
    await accounts.register("Grace", "Grace", PASSWORD)
    with pytest.raises(Conflict, match="'grace' is taken"):
        await accounts.register("GRACE", "Other Grace", PASSWORD)


async def test_password_length_rules(accounts: AccountService, settings: Settings) -> None:
    with pytest.raises(Invalid, match=r"password: must be at least 10 characters \(it has 5\)"):
        await accounts.register("shorty", "S", "short")
    too_long = "x" * (settings.auth.password_max_length + 1)
    with pytest.raises(Invalid, match="must be at most 256 characters"):
        await accounts.register("longy", "L", too_long)


async def test_display_name_and_email_are_checked(accounts: AccountService) -> None:
    user = await accounts.register("term", "Evil\x1b]52;c;aGk=\x07 Name", PASSWORD)
    assert user.display_name == "Evil Name"
    with pytest.raises(Invalid, match="email: is not an email address"):
        await accounts.register("mailer", "M", PASSWORD, "not-an-email")


async def _active(accounts: AccountService, approvals: ApprovalService, name: str) -> int:
    user = await accounts.register(name, name.title(), PASSWORD)
    await approvals.approve(OPERATOR, user.id, Role.STUDENT)
    return user.id


async def test_login_refuses_with_the_same_message_for_unknown_user_and_wrong_password(
        accounts: AccountService, approvals: ApprovalService) -> None:
    await _active(accounts, approvals, "lin")
    with pytest.raises(NotAuthenticated) as unknown:
        await accounts.login("nobody", PASSWORD)
    with pytest.raises(NotAuthenticated) as wrong:
        await accounts.login("lin", "wrong password!")
    assert str(unknown.value) == str(wrong.value) == "wrong username or password"


async def test_login_gives_each_inactive_status_its_reason_only_with_the_right_password(
        accounts: AccountService, approvals: ApprovalService) -> None:
    pending = await accounts.register("pat", "Pat", PASSWORD)
    rejected = await accounts.register("rex", "Rex", PASSWORD)
    await approvals.reject(OPERATOR, rejected.id, "not in this class")
    suspended = await _active(accounts, approvals, "sue")
    await accounts.suspend(OPERATOR, suspended)
    for name, reason in (("pat", "waiting for approval"), ("rex", "registration was rejected"),
                         ("sue", "account is suspended")):
        with pytest.raises(NotAuthenticated, match=reason):
            await accounts.login(name, PASSWORD)
        with pytest.raises(NotAuthenticated, match="^wrong username or password$"):
            await accounts.login(name, "not the password")
    assert pending.status is AccountStatus.PENDING


async def test_login_returns_an_active_actor_and_records_the_time(
        accounts: AccountService, approvals: ApprovalService, ctx: ServiceContext) -> None:
    user_id = await _active(accounts, approvals, "Mia")
    actor = await accounts.login(" MIA ", PASSWORD)
    assert actor.id == user_id and actor.active and actor.role is Role.STUDENT
    async with ctx.db.reading() as session:
        assert (await UserRepository(session).get(user_id)).last_login_at is not None


async def test_login_rehashes_a_password_hashed_with_old_parameters(
        ctx: ServiceContext, passwords: Passwords, settings: Settings) -> None:
    old = AccountService(ctx, passwords=passwords)
    user = await old.register("olde", "Olde", PASSWORD)
    await ApprovalService(ctx).approve(OPERATOR, user.id, Role.STUDENT)
    stronger = Passwords(settings.auth, HashParams(time_cost=2, memory_kib=2048))
    try:
        await AccountService(ctx, passwords=stronger).login("olde", PASSWORD)
        async with ctx.db.reading() as session:
            _, stored = await UserRepository(session).password_hash("olde")
        assert "$m=2048,t=2,p=1$" in stored
        assert (await AccountService(ctx, passwords=stronger).login("olde", PASSWORD)).id == user.id
    finally:
        stronger.close()


async def test_change_password_needs_the_current_one_and_is_audited_without_secrets(
        accounts: AccountService, approvals: ApprovalService, ctx: ServiceContext) -> None:
    user_id = await _active(accounts, approvals, "cora")
    actor = await accounts.login("cora", PASSWORD)
    with pytest.raises(NotAuthenticated, match="current password is wrong"):
        await accounts.change_password(actor, "not my password", "a brand new secret")
    with pytest.raises(Invalid, match="new_password: must be at least"):
        await accounts.change_password(actor, PASSWORD, "tiny")
    await accounts.change_password(actor, PASSWORD, "a brand new secret")
    with pytest.raises(NotAuthenticated):
        await accounts.login("cora", PASSWORD)
    assert (await accounts.login("cora", "a brand new secret")).id == user_id
    async with ctx.db.reading() as session:
        entries = await AuditRepository(session).list(target_id=user_id, action="user.password")
    assert len(entries) == 1 and "password_changed_at" in entries[0].after
    text = repr(entries[0])
    assert "brand new" not in text and "$argon2" not in text


async def test_pending_account_cannot_change_its_password(accounts: AccountService) -> None:
    user = await accounts.register("penny", "Penny", PASSWORD)
    with pytest.raises(Forbidden, match="waiting for approval"):
        await accounts.change_password(Actor(user=user), PASSWORD, "another long one")
