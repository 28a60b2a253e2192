"""Managing accounts from the Users section: search, the account's detail, role, grant and quota
edits that the other person's open session follows at once, and a password reset shown once."""

from __future__ import annotations

from functools import partial

from workshop_tui.domain.enums import Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.models import ModelRepository

from .admin_support import SIZE, add, app_for, in_app, open_admin, rows
from .support import screen_text, type_into, until, until_shown


async def models(workshop: Workshop) -> tuple[int, int]:
    async with workshop.ctx.db.transaction() as session:
        repo = ModelRepository(session)
        return ((await repo.upsert("llama3.2:1b", capabilities=["completion"])).id,
                (await repo.upsert("qwen2.5:0.5b", capabilities=["completion"])).id)


async def open_account(pilot, username: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await open_admin(pilot, "users")
    await until(pilot, lambda: any(r[0] == username for r in rows(app, "#users-table")), f"{username} listed")
    table = app.screen.query_one("#users-table")
    index = [r[0] for r in rows(app, "#users-table")].index(username)
    await in_app(pilot, partial(table.move_cursor, row=index))
    await pilot.press("enter")
    await until(pilot, lambda: app.screen.name == "user" and bool(app.screen.user), "the account's detail")
    await pilot.pause(0.1)


async def test_search_narrows_the_list_to_accounts_the_viewer_manages(workshop: Workshop) -> None:
    await add(workshop, "ines", Role.INSTRUCTOR)
    await add(workshop, "adele", Role.ADMIN)
    for name in ("sam", "samira", "priya"):
        await add(workshop, name)
    app = await app_for(workshop, "ines")
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot, "users")
        await until(pilot, lambda: len(rows(app, "#users-table")) == 3, "the students")
        assert "adele" not in screen_text(app)  # an admin is out of an instructor's reach
        await pilot.press("slash")
        await type_into(pilot, "#users-search", "SAM")
        await until(pilot, lambda: [r[0] for r in rows(app, "#users-table")] == ["sam", "samira"], "the search")


async def test_role_and_grant_edits_reach_the_other_persons_open_session(workshop: Workshop) -> None:
    llama, qwen = await models(workshop)
    await add(workshop, "ines", Role.INSTRUCTOR)
    sam = await add(workshop, "sam")
    await workshop.accounts.set_grants(OPERATOR, sam.id, model_ids=[llama, qwen])
    staff_app, student_app = await app_for(workshop, "ines"), await app_for(workshop, "sam")
    async with staff_app.run_test(size=SIZE, notifications=True) as staff, \
            student_app.run_test(size=SIZE, notifications=True) as student:
        await until(student, lambda: student_app.current_mode == "chat", "sam's chat")
        await open_account(staff, "sam")
        await until_shown(staff, "student · active")
        detail = staff_app.screen
        await until(staff, lambda: detail.query_one("#grant-models").option_count == 2, "the model list")
        await in_app(staff, detail.query_one("#grant-models").deselect, qwen)
        await staff.click("#save-grants")
        await until_shown(student, "You may no longer use models qwen2.5:0.5b.")
        assert await workshop.accounts.grants(OPERATOR, sam.id) == (["llama3.2:1b"], [])

        await in_app(staff, setattr, detail.query_one("#role"), "value", Role.GUEST)
        await staff.click("#apply-role")
        await until_shown(student, "Your role changed from student to guest")
        await until(student, lambda: "Documents" not in screen_text(student_app), "a guest's shorter sidebar")
        await until_shown(staff, "guest · active")

        await type_into(staff, "#messages_per_day", "-3")
        await staff.click("#save-quotas")
        await until_shown(staff, "must be empty or a whole number of at least 0")
        assert "messages_per_day:" not in screen_text(staff_app)  # the message sits beside its field


async def test_a_password_reset_shows_the_new_password_once_and_ends_the_old_session(workshop: Workshop) -> None:
    await add(workshop, "ines", Role.INSTRUCTOR)
    await add(workshop, "sam")
    staff_app, student_app = await app_for(workshop, "ines"), await app_for(workshop, "sam")
    async with staff_app.run_test(size=SIZE, notifications=True) as staff, \
            student_app.run_test(size=SIZE, notifications=True) as student:
        await until(student, lambda: student_app.current_mode == "chat", "sam's chat")
        await open_account(staff, "sam")
        await staff.click("#reset")
        await until_shown(staff, "Give sam a new generated password?")
        await staff.click("#confirm")
        await until_shown(staff, "Shown this once")
        password = str(staff_app.screen.query_one("#body").render())
        assert len(password) == 20
        await until_shown(student, "Signed out: your password was changed")
    assert (await workshop.accounts.login("sam", password)).user.username == "sam"
