"""Signing in over SSH against the workshop's own accounts: what gets in, what is refused and what
the client is told, the registration name, and that every password check runs off the event loop."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.passwords import Passwords
from workshop_tui.services.workshop import Workshop

from .support import PASSWORD, add_user, connect, open_terminal, serving

import asyncssh  # isort: skip


class BannerClient(asyncssh.SSHClient):
    banners: list[str]

    def __init__(self) -> None:
        self.banners = []

    def auth_banner_received(self, msg: str, lang: str) -> None:
        self.banners.append(msg)


async def refused(server: Any, username: str, password: str | None) -> list[str]:
    """Try to sign in; the banners the client was shown (the sign-in must fail)."""
    clients: list[BannerClient] = []

    def factory() -> BannerClient:
        clients.append(BannerClient())
        return clients[-1]

    with pytest.raises(asyncssh.PermissionDenied):
        conn = await connect(server, username, password, client_factory=factory)
        conn.close()
    return clients[0].banners


async def test_a_good_password_gets_in_and_a_wrong_one_or_an_unknown_name_does_not(
        workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    async with serving(workshop, tmp_path, unknown_users_register=False) as server:
        conn = await connect(server, "alice")
        conn.close()
        assert await refused(server, "alice", "not the password") == []
        assert await refused(server, "nobody", PASSWORD) == []


async def test_a_wrong_password_and_an_unknown_name_cost_one_password_check_each(
        workshop: Workshop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same work either way, so the time taken does not tell which names exist."""
    await add_user(workshop, "alice")
    checks: list[str | None] = []
    real_verify = Passwords.verify

    async def counting(self: Passwords, stored: str | None, password: Any) -> bool:
        checks.append(stored and "stored")
        return await real_verify(self, stored, password)

    monkeypatch.setattr(Passwords, "verify", counting)
    async with serving(workshop, tmp_path, unknown_users_register=False) as server:
        await refused(server, "alice", "not the password")
        await refused(server, "nobody", PASSWORD)
    assert checks == ["stored", None]


async def test_password_checks_run_off_the_event_loop(workshop: Workshop, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    await add_user(workshop, "alice")
    threads: set[int] = set()
    real = Passwords._verify_quietly

    def spying(self: Passwords, stored: str, password: str) -> bool:
        threads.add(threading.get_ident())
        return real(self, stored, password)

    monkeypatch.setattr(Passwords, "_verify_quietly", spying)
    async with serving(workshop, tmp_path) as server:
        conn = await connect(server, "alice")
        conn.close()
        await refused(server, "alice", "wrong password here")
    assert threads and threading.get_ident() not in threads


async def test_too_many_failures_lock_the_account_and_the_client_is_told_how_long(
        workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    workshop.accounts.login_throttle.accounts.limit = 3
    async with serving(workshop, tmp_path) as server:
        for _ in range(3):
            await refused(server, "alice", "not the password")
        [banner] = await refused(server, "alice", PASSWORD)
    assert "too many failed logins for this account; try again in" in banner


async def test_a_suspended_account_with_the_right_password_reads_why(workshop: Workshop, tmp_path: Path) -> None:
    user_id = await add_user(workshop, "alice")
    await workshop.accounts.suspend(OPERATOR, user_id, reason="left the class")
    async with serving(workshop, tmp_path) as server:
        [banner] = await refused(server, "alice", PASSWORD)
        assert await refused(server, "alice", "not the password") == []
    assert "Your account is suspended: left the class" in banner


async def test_the_registration_name_opens_the_form_without_a_password(workshop: Workshop, tmp_path: Path) -> None:
    async with serving(workshop, tmp_path) as server:
        terminal = await open_terminal(server, "register", None, size=(100, 40))
        try:
            await terminal.until_shown("Create an account")
            assert "register" not in terminal.text().split("Username", 1)[1].splitlines()[1]
        finally:
            await terminal.close()


async def test_an_unknown_name_opens_the_form_with_that_name(workshop: Workshop, tmp_path: Path) -> None:
    async with serving(workshop, tmp_path) as server:
        terminal = await open_terminal(server, "Newcomer", None, size=(100, 40))
        try:
            await terminal.until_shown("Create an account")
            await terminal.until_shown("newcomer")
        finally:
            await terminal.close()


async def test_registration_over_ssh_can_be_switched_off(workshop: Workshop, tmp_path: Path) -> None:
    async with serving(workshop, tmp_path, registration_name="", unknown_users_register=False) as server:
        for name in ("register", "newcomer"):
            assert await refused(server, name, None) == []


async def test_a_new_attendee_registers_waits_and_moves_on_when_approved(workshop: Workshop, tmp_path: Path) -> None:
    """The attendee registers over SSH; the instructor, in their own SSH session, sees the count on
    the Admin entry, opens it and approves with one key; the attendee's screen moves on by itself."""
    await add_user(workshop, "ines", Role.INSTRUCTOR)
    async with serving(workshop, tmp_path) as server:
        terminal = await open_terminal(server, "carol", None, size=(100, 40))
        staff = await open_terminal(server, "ines", size=(120, 40))
        try:
            await staff.until_shown("Admin")
            await terminal.until_shown("Create an account")
            [session] = [s for s in server.sessions if s.login.username == "carol"]

            def focused() -> str | None:
                return session.app.focused.id if session.app and session.app.focused else None

            # One field at a time, as a person types (a burst across fields: test_driver.py).
            for field, typed in (("display_name", "Carol C\t"), ("email", "\t"), ("password", f"{PASSWORD}\t"),
                                 ("password_again", f"{PASSWORD}\r")):
                await terminal.until(lambda f=field: focused() == f, f"the focus on {field}")
                terminal.send(typed)
            await terminal.until_shown("waiting for approval")

            await staff.until_shown("Admin (1)")  # the sidebar counts it in the staff session, unasked
            staff.click(*staff.find("Admin (1)"))
            await staff.until_shown("Carol C")
            staff.press("a")  # approve the highlighted registration with the class defaults
            await terminal.until_shown("Carol C (carol, student)")
            assert (await workshop.accounts.find_user(OPERATOR, "carol")).status is AccountStatus.ACTIVE
        finally:
            await terminal.close()
            await staff.close()


async def test_suspending_an_account_ends_its_sessions_at_once_with_the_reason(
        workshop: Workshop, tmp_path: Path) -> None:
    user_id = await add_user(workshop, "alice")
    await add_user(workshop, "bob")
    async with serving(workshop, tmp_path) as server:
        alice, bob = await asyncio.gather(open_terminal(server, "alice"), open_terminal(server, "bob"))
        try:
            await asyncio.gather(alice.until_shown("Write a message"), bob.until_shown("Write a message"))
            await workshop.accounts.suspend(OPERATOR, user_id, reason="left the class")
            assert await alice.exit_status() == 1
            assert b"Signed out: your account is suspended: left the class" in alice.raw
            bob.send("still here")
            await bob.until_shown("still here")
        finally:
            await asyncio.gather(alice.close(), bob.close())


async def test_a_role_change_shows_a_notice_in_the_open_session(workshop: Workshop, tmp_path: Path) -> None:
    user_id = await add_user(workshop, "alice")
    async with serving(workshop, tmp_path) as server:
        terminal = await open_terminal(server, "alice", size=(120, 40))
        try:
            await terminal.until_shown("Write a message")
            assert "Admin" not in terminal.text()
            await workshop.accounts.set_role(OPERATOR, user_id, Role.INSTRUCTOR)
            await terminal.until_shown("Your role changed from student to instructor")
            await terminal.until_shown("Admin")
        finally:
            await terminal.close()
