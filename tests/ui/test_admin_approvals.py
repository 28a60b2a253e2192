"""Approving a class from the keyboard, as instructors do: the live queue, the badge, the dialog,
rejections with a reason, racing approvers and bulk approval, across app instances that share one
workshop (as SSH sessions do)."""

from __future__ import annotations

import asyncio

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.audit_log import AuditQuery
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.ui.app import WorkshopApp
from workshop_tui.ui.session import SessionContext

from .admin_support import PASSWORD, SIZE, add, app_for, in_app, open_admin, rows
from .support import screen_text, type_into, until, until_shown


async def class_defaults(workshop: Workshop) -> tuple[int, int]:
    """Two models and a student who holds only the first: the class default is that one."""
    async with workshop.ctx.db.transaction() as session:
        models = ModelRepository(session)
        llama = (await models.upsert("llama3.2:1b", capabilities=["completion"])).id
        qwen = (await models.upsert("qwen2.5:0.5b", capabilities=["completion"])).id
    sam = await add(workshop, "sam")
    await workshop.accounts.set_grants(OPERATOR, sam.id, model_ids=[llama])
    return llama, qwen


async def test_an_attendee_registers_waits_and_moves_on_when_approved_from_the_queue(workshop: Workshop) -> None:
    await class_defaults(workshop)
    await add(workshop, "ines", Role.INSTRUCTOR)
    instructor = await app_for(workshop, "ines")
    attendee = WorkshopApp(workshop, session=SessionContext(source="198.51.100.7"))
    async with instructor.run_test(size=SIZE, notifications=True) as staff, \
            attendee.run_test(size=SIZE, notifications=True) as person:
        await open_admin(staff)
        await until_shown(staff, "Nobody is waiting for approval.")
        await person.press("ctrl+r")
        await until_shown(person, "Create an account")
        for field, text in (("#username", "jordan"), ("#display_name", "Jordan [b]Lee"),
                            ("#password", PASSWORD), ("#password_again", PASSWORD)):
            await type_into(person, field, text)
        await person.press("enter")
        await until_shown(person, "is waiting for approval")

        await until_shown(staff, "1 waiting for approval")
        assert "Admin (1)" in screen_text(instructor) and "Approvals (1)" in screen_text(instructor)
        [row] = rows(instructor, "#approvals-table")
        assert row[1:3] == ["jordan", "Jordan [b]Lee"] and row[5] == "198.51.100.7"
        await staff.press("a")

        await until(person, lambda: attendee.current_mode == "chat", "the attendee's places")
        await until_shown(person, "Your account was approved")
        await until_shown(staff, "Nobody is waiting for approval.")
        assert "Admin (1)" not in screen_text(instructor)
    jordan = await workshop.accounts.find_user(OPERATOR, "jordan")
    assert (jordan.status, jordan.role) == (AccountStatus.ACTIVE, Role.STUDENT)
    assert await workshop.accounts.grants(OPERATOR, jordan.id) == (["llama3.2:1b"], [])


async def test_a_rejection_asks_for_a_reason_which_the_attendee_reads(workshop: Workshop) -> None:
    await add(workshop, "ines", Role.INSTRUCTOR)
    await workshop.accounts.register("spam", "Totally Real", PASSWORD)
    instructor, attendee = await app_for(workshop, "ines"), await app_for(workshop, "spam")
    async with instructor.run_test(size=SIZE, notifications=True) as staff, \
            attendee.run_test(size=SIZE, notifications=True) as person:
        await until_shown(person, "is waiting for approval")
        await open_admin(staff)
        await until_shown(staff, "1 waiting for approval")
        await staff.press("r")
        await until_shown(staff, "Why is spam's registration rejected?")
        await type_into(staff, "#entry", "not on the class list")
        await staff.press("enter")
        await until_shown(person, "Signed out: your registration was rejected: not on the")
        assert "class list" in screen_text(attendee)
        await until_shown(staff, "Nobody is waiting for approval.")
    assert (await workshop.accounts.find_user(OPERATOR, "spam")).status is AccountStatus.REJECTED


async def test_two_approvers_racing_approve_once_and_the_second_hears_who_was_first(workshop: Workshop) -> None:
    await add(workshop, "ines", Role.INSTRUCTOR)
    await add(workshop, "ivan", Role.INSTRUCTOR)
    await workshop.accounts.register("jordan", "Jordan", PASSWORD)
    first, second = await app_for(workshop, "ines"), await app_for(workshop, "ivan")
    async with first.run_test(size=SIZE, notifications=True) as one, \
            second.run_test(size=SIZE, notifications=True) as two:
        for pilot in (one, two):
            await open_admin(pilot)
            await until_shown(pilot, "1 waiting for approval")
        await asyncio.gather(one.press("a"), two.press("a"))
        await until(one, lambda: "already approved by" in screen_text(first) + screen_text(second)
                    or ("Approved jordan" in screen_text(first) and "Approved jordan" in screen_text(second)),
                    "both approvers to hear the outcome")
        texts = screen_text(first) + screen_text(second)
        assert texts.count("Approved jordan") == 1
        winner = "ines" if "Approved jordan" in screen_text(first) else "ivan"
        assert f"jordan was already approved by {winner}" in texts
    approvals = (await workshop.audit.search(OPERATOR, AuditQuery(action="user.approve"))).entries
    assert [e.actor_name for e in approvals] == [winner]


async def test_bulk_approval_of_twenty_marked_rows(workshop: Workshop) -> None:
    await class_defaults(workshop)
    await add(workshop, "ines", Role.INSTRUCTOR)
    for n in range(20):
        await workshop.accounts.register(f"attendee{n:02}", f"Attendee {n}", PASSWORD, source="203.0.113.5")
    instructor = await app_for(workshop, "ines")
    async with instructor.run_test(size=SIZE, notifications=True) as staff:
        await open_admin(staff)
        await until_shown(staff, "20 waiting for approval")
        await staff.press("space", "space")  # mark the first two, then everything
        await until_shown(staff, "2 marked")
        await staff.press("asterisk")
        await until_shown(staff, "20 marked")
        await staff.press("A")
        await until_shown(staff, "Nobody is waiting for approval.", timeout=30)
        await until_shown(staff, "and 15 more as student with the class defaults")
    users = await workshop.accounts.list_users(OPERATOR, role=Role.STUDENT, status=AccountStatus.ACTIVE,
                                               text="attendee")
    assert len(users) == 20
    assert {(await workshop.accounts.grants(OPERATOR, u.id))[0] == ["llama3.2:1b"] for u in users} == {True}


async def test_the_dialog_offers_only_grantable_roles_and_asks_a_family_account_for_its_guardian(
        workshop: Workshop) -> None:
    await class_defaults(workshop)
    await add(workshop, "ines", Role.INSTRUCTOR)
    maria = await add(workshop, "maria")
    await workshop.accounts.register("leo", "Leo", PASSWORD)
    instructor = await app_for(workshop, "ines")
    async with instructor.run_test(size=SIZE, notifications=True) as staff:
        await open_admin(staff)
        await until_shown(staff, "1 waiting for approval")
        await staff.press("enter")
        await until_shown(staff, "Approve leo (Leo)")
        dialog = instructor.screen
        role = dialog.query_one("#role")
        assert [value for _, value in role._options] == [Role.STUDENT, Role.FAMILY, Role.GUEST]
        await in_app(staff, setattr, role, "value", Role.FAMILY)
        await until_shown(staff, "Guardian (a family account needs one)")
        await staff.press("ctrl+s")
        await until_shown(staff, "Choose the guardian of this family account.")
        await in_app(staff, setattr, dialog.query_one("#guardian"), "value", maria.id)
        await type_into(staff, "#notes", "Maria's son")
        await staff.press("ctrl+s")
        await until_shown(staff, "Approved leo as a family.")
    leo = await workshop.accounts.find_user(OPERATOR, "leo")
    assert (leo.role, leo.guardian_id, leo.admin_notes) == (Role.FAMILY, maria.id, "Maria's son")
