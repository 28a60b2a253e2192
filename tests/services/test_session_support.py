"""What an open session needs from the account service: the reason a rejected or suspended account
may not come in, a feed of changes to its own account, whether the first run may create the
super_admin, and a theme that follows the user to every session."""

from __future__ import annotations

import pytest

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Invalid, NotAuthenticated
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService

PASSWORD = "correct horse battery"


async def test_a_rejected_account_reads_the_reason_when_signing_in(accounts: AccountService,
                                                                    approvals: ApprovalService) -> None:
    user = await accounts.register("late", "Late", PASSWORD)
    await approvals.reject(OPERATOR, user.id, "this class is full; join on Thursday")
    with pytest.raises(NotAuthenticated, match="rejected: this class is full; join on Thursday"):
        await accounts.login("late", PASSWORD)


async def test_a_suspended_account_reads_the_reason_until_reactivated(accounts: AccountService) -> None:
    user = await accounts.add_user(OPERATOR, "sam", Role.STUDENT, AccountStatus.ACTIVE, None, PASSWORD)
    await accounts.suspend(OPERATOR, user.id, reason="spamming the queue")
    with pytest.raises(NotAuthenticated, match="suspended: spamming the queue"):
        await accounts.login("sam", PASSWORD)
    await accounts.reactivate(OPERATOR, user.id)
    signed_in = await accounts.login("sam", PASSWORD)
    assert (await accounts.my_account(signed_in)).status_reason is None


async def test_a_session_hears_of_changes_to_its_own_account_only(accounts: AccountService) -> None:
    sam = await accounts.add_user(OPERATOR, "sam", Role.STUDENT, AccountStatus.ACTIVE, None, PASSWORD)
    other = await accounts.add_user(OPERATOR, "olga", Role.STUDENT, AccountStatus.ACTIVE, None, PASSWORD)
    session = await accounts.login("sam", PASSWORD)
    async with accounts.watch_account(session) as feed:
        await accounts.set_role(OPERATOR, other.id, Role.GUEST)
        await accounts.set_role(OPERATOR, sam.id, Role.INSTRUCTOR)
        event = await feed.get(timeout=2)
        assert event.user_id == sam.id and event.topic == "user.changed"
        assert feed.pending() == 0


async def test_a_pending_session_may_watch_for_its_approval(accounts: AccountService,
                                                             approvals: ApprovalService) -> None:
    user = await accounts.register("newbie", "Newbie", PASSWORD)
    waiting = await accounts.login("newbie", PASSWORD, allow_waiting=True)
    async with accounts.watch_account(waiting) as feed:
        await approvals.approve(OPERATOR, user.id, Role.STUDENT)
        assert (await feed.get(timeout=2)).topic == "user.approved"


async def test_watching_needs_a_signed_in_session(accounts: AccountService) -> None:
    user = await accounts.add_user(OPERATOR, "sam", Role.STUDENT, AccountStatus.ACTIVE, None, PASSWORD)
    session = await accounts.login("sam", PASSWORD)
    await accounts.reset_password(OPERATOR, user.id, "a brand new password")
    with pytest.raises(NotAuthenticated, match="password was changed"):
        async with accounts.watch_account(session):
            pass


async def test_the_first_run_is_offered_only_on_an_empty_database_when_allowed(accounts: AccountService) -> None:
    accounts.ctx.settings.auth.first_user_becomes_super_admin = False
    assert not await accounts.first_run_open()
    accounts.ctx.settings.auth.first_user_becomes_super_admin = True
    assert await accounts.first_run_open()
    first = await accounts.register("ada", "Ada", PASSWORD)
    assert first.role is Role.SUPER_ADMIN and first.status is AccountStatus.ACTIVE
    assert not await accounts.first_run_open()


async def test_a_theme_choice_is_saved_on_the_account(accounts: AccountService) -> None:
    await accounts.add_user(OPERATOR, "sam", Role.STUDENT, AccountStatus.ACTIVE, None, PASSWORD)
    session = await accounts.login("sam", PASSWORD)
    await accounts.set_theme(session, "workshop-light")
    assert (await accounts.my_account(session)).theme == "workshop-light"
    with pytest.raises(Invalid, match="theme"):
        await accounts.set_theme(session, "\x1b]52;c;aGk=\x07")
