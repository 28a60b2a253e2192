"""Signing in, registering, waiting for approval and being signed out, as a person at the terminal
sees them."""

from __future__ import annotations

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop
from workshop_tui.ui.app import WorkshopApp
from workshop_tui.ui.session import SessionContext

from .support import screen_text, type_into, until, until_shown

PASSWORD = "correct horse battery"
SIZE = (100, 36)


async def add(workshop: Workshop, name: str, role: Role = Role.STUDENT) -> int:
    user = await workshop.accounts.add_user(OPERATOR, name, role, AccountStatus.ACTIVE, name.title(), PASSWORD)
    return user.id


async def sign_in(pilot, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    await type_into(pilot, "#username", username)
    await type_into(pilot, "#password", password)
    await pilot.press("enter")


async def test_register_wait_and_move_on_when_an_instructor_approves(workshop: Workshop) -> None:
    await add(workshop, "ines", Role.INSTRUCTOR)
    ines = await workshop.accounts.login("ines", PASSWORD)
    app = WorkshopApp(workshop, session=SessionContext(source="198.51.100.1"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+r")
        await until_shown(pilot, "Create an account")
        await type_into(pilot, "#username", "Alice")
        await type_into(pilot, "#display_name", "Alice [bold]Liddell")
        await type_into(pilot, "#email", "not-an-email")
        await until_shown(pilot, "is not an email address")
        for _ in range(len("not-an-email")):
            await pilot.press("backspace")
        await type_into(pilot, "#email", "alice@example.org")
        await type_into(pilot, "#password", "short")
        await until_shown(pilot, "it has 5")
        await type_into(pilot, "#password", " and longer")
        await type_into(pilot, "#password_again", "short and longer")
        await pilot.press("enter")
        await until_shown(pilot, "is waiting for approval")
        assert "Hello, Alice [bold]Liddell" in screen_text(app)  # shown as typed, not as markup

        [pending] = (await workshop.approvals.list_pending(ines)).items
        await workshop.approvals.approve(ines, pending.id, Role.STUDENT)
        await until_shown(pilot, "Your account was approved")
        await until(pilot, lambda: app.current_mode == "chat", "the chat place")
        text = screen_text(app)
        assert "Chat" in text and "Admin" not in text  # a student's sidebar


async def test_a_wrong_password_then_the_throttle_say_what_to_do(workshop: Workshop) -> None:
    await add(workshop, "sam")
    workshop.accounts.login_throttle.accounts.limit = 2
    app = WorkshopApp(workshop)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(pilot, "sam", "a wrong password")
        await until_shown(pilot, "Wrong username or password.")
        assert app.screen.query_one("#password").value == ""
        await type_into(pilot, "#password", "another wrong one")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.query_one("#password").value == "", "the second refusal")
        await type_into(pilot, "#password", PASSWORD)
        await pilot.press("enter")
        await until_shown(pilot, "Too many failed logins for this account; try again in")
        assert app.actor is None


async def test_a_suspended_account_reads_the_reason(workshop: Workshop) -> None:
    uid = await add(workshop, "sam")
    await workshop.accounts.suspend(OPERATOR, uid, reason="shared their password")
    app = WorkshopApp(workshop)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(pilot, "sam")
        await until_shown(pilot, "Your account is suspended: shared their password")


async def test_suspension_signs_an_open_session_out_with_the_reason(workshop: Workshop) -> None:
    uid = await add(workshop, "sam")
    app = WorkshopApp(workshop)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(pilot, "sam")
        await until(pilot, lambda: app.current_mode == "chat", "the chat place")
        await workshop.accounts.suspend(OPERATOR, uid, reason="left the class")
        await until_shown(pilot, "Signed out: your account is suspended: left the class")
        assert app.actor is None and app.current_mode == "entry"


async def test_a_password_reset_elsewhere_signs_the_session_out(workshop: Workshop) -> None:
    uid = await add(workshop, "sam")
    app = WorkshopApp(workshop)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(pilot, "sam")
        await until(pilot, lambda: app.current_mode == "chat", "the chat place")
        await workshop.accounts.reset_password(OPERATOR, uid, "a fresh long password")
        await until_shown(pilot, "Signed out: your password was changed; sign in again")


async def test_a_role_change_updates_the_sidebar_with_a_notice(workshop: Workshop) -> None:
    uid = await add(workshop, "sam")
    app = WorkshopApp(workshop)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(pilot, "sam")
        await until(pilot, lambda: app.current_mode == "chat", "the chat place")
        assert "Admin" not in screen_text(app)
        await workshop.accounts.set_role(OPERATOR, uid, Role.INSTRUCTOR)
        await until_shown(pilot, "Your role changed from student to instructor")
        await until_shown(pilot, "Admin")
        await workshop.accounts.set_role(OPERATOR, uid, Role.GUEST)
        await until_shown(pilot, "from instructor to guest")
        await until(pilot, lambda: "Documents" not in screen_text(app), "guests' shorter sidebar")


async def test_signing_out_and_in_again_as_someone_else(workshop: Workshop) -> None:
    await add(workshop, "sam")
    await add(workshop, "ines", Role.INSTRUCTOR)
    app = WorkshopApp(workshop)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(pilot, "sam")
        await until(pilot, lambda: app.current_mode == "chat", "the chat place")
        await pilot.click("#sign-out")
        await until(pilot, lambda: app.current_mode == "entry", "the sign-in screen")
        await sign_in(pilot, "ines")
        await until_shown(pilot, "Ines (ines, instructor)")
        assert "Admin" in screen_text(app)


async def test_the_first_run_creates_the_super_admin_when_settings_allow(workshop: Workshop) -> None:
    workshop.settings.auth.first_user_becomes_super_admin = True
    app = WorkshopApp(workshop)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until_shown(pilot, "No accounts yet: register the first one, which becomes")
        await pilot.click("#register")
        await until_shown(pilot, "Create the first account")
        await type_into(pilot, "#username", "ada")
        await type_into(pilot, "#password", PASSWORD)
        await type_into(pilot, "#password_again", PASSWORD)
        await pilot.press("enter")
        await until_shown(pilot, "(ada, super_admin)")
        assert "Admin" in screen_text(app)
