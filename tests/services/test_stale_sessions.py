"""A session keeps the actor it got at sign-in; every service call re-reads it. A changed password
or a deleted account ends such a session at once, and an id that once was a deleted account's
never hands its session to the next account. Role and grant changes apply without signing out."""

from __future__ import annotations

import pytest

from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.errors import NotAuthenticated
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext

from .support import add_model, add_tool

PASSWORD = "correct horse battery"
NEW_PASSWORD = "another long passphrase"


async def signed_in(accounts: AccountService, name: str, role: Role = Role.STUDENT):  # type: ignore[no-untyped-def]
    await accounts.add_user(OPERATOR, name, role, AccountStatus.ACTIVE, None, PASSWORD)
    return await accounts.login(name, PASSWORD)


async def test_a_password_reset_signs_out_the_sessions_opened_before_it(accounts: AccountService) -> None:
    session = await signed_in(accounts, "sam")
    assert (await accounts.get_user(session, session.id)).username == "sam"
    await accounts.reset_password(OPERATOR, session.id, NEW_PASSWORD)
    with pytest.raises(NotAuthenticated, match="your password was changed"):
        await accounts.get_user(session, session.id)
    fresh = await accounts.login("sam", NEW_PASSWORD)
    assert (await accounts.get_user(fresh, fresh.id)).username == "sam"


async def test_changing_your_own_password_keeps_this_session_and_ends_the_others(accounts: AccountService) -> None:
    here = await signed_in(accounts, "sam")
    elsewhere = await accounts.login("sam", PASSWORD)
    here = await accounts.change_password(here, PASSWORD, NEW_PASSWORD)
    assert (await accounts.get_user(here, here.id)).username == "sam"
    with pytest.raises(NotAuthenticated, match="your password was changed"):
        await accounts.get_user(elsewhere, elsewhere.id)


async def test_role_and_grant_changes_apply_to_an_open_session_without_signing_out(
        accounts: AccountService, ctx: ServiceContext) -> None:
    session = await signed_in(accounts, "sam")
    await accounts.set_role(OPERATOR, session.id, Role.INSTRUCTOR)
    await accounts.set_grants(OPERATOR, session.id, model_ids=[])
    assert (await accounts.get_user(session, session.id)).role is Role.INSTRUCTOR


async def test_an_approval_lets_the_waiting_session_go_on(accounts: AccountService, approvals: ApprovalService) -> None:
    user = await accounts.register("newbie", "Newbie", PASSWORD)
    waiting = await accounts.login("newbie", PASSWORD, allow_waiting=True)
    assert (await accounts.my_account(waiting)).status is AccountStatus.PENDING
    await approvals.approve(OPERATOR, user.id, Role.STUDENT)
    assert (await accounts.my_account(waiting)).status is AccountStatus.ACTIVE
    assert (await accounts.get_user(waiting, user.id)).role is Role.STUDENT


async def test_a_deleted_students_session_never_becomes_the_next_account(accounts: AccountService) -> None:
    student = await signed_in(accounts, "sam")
    await accounts.delete_user(OPERATOR, student.id)
    newcomer = await accounts.add_user(OPERATOR, "ines", Role.INSTRUCTOR, AccountStatus.ACTIVE, None, PASSWORD)
    assert newcomer.id == student.id  # SQLite hands the highest id out again: the case that matters
    with pytest.raises(NotAuthenticated, match="no longer exists"):
        await accounts.list_users(student)


async def test_a_new_account_with_a_deleted_ones_name_does_not_inherit_its_sessions(
        accounts: AccountService) -> None:
    student = await signed_in(accounts, "sam")
    await accounts.delete_user(OPERATOR, student.id)
    await accounts.add_user(OPERATOR, "sam", Role.ADMIN, AccountStatus.ACTIVE, None, PASSWORD)
    with pytest.raises(NotAuthenticated, match="no longer exists"):
        await accounts.list_users(student)


async def test_a_session_reads_its_own_grants_as_they_are_now_and_keeps_the_refusals_of_a_stale_session(
        accounts: AccountService, ctx: ServiceContext) -> None:
    session = await signed_in(accounts, "sam")
    llama, qwen = await add_model(ctx.db, "llama3.2:1b"), await add_model(ctx.db, "qwen2.5:0.5b")
    calculator = await add_tool(ctx.db, "calculator", None, Visibility.PUBLIC)
    empty = await accounts.my_access(session)
    assert (empty.user.username, empty.models, empty.tools) == ("sam", [], [])
    await accounts.set_grants(OPERATOR, session.id, model_ids=[qwen, llama], tool_ids=[calculator])
    granted = await accounts.my_access(session)  # the session as it was at sign-in: no new login
    assert (granted.models, granted.tools) == (["llama3.2:1b", "qwen2.5:0.5b"], ["calculator"])
    await accounts.reset_password(OPERATOR, session.id, NEW_PASSWORD)
    with pytest.raises(NotAuthenticated, match="your password was changed"):
        await accounts.my_access(session)
