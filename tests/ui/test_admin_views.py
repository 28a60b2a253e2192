"""The Admin place's other sections as each role sees them (audit log and usage for admins only),
the Health place (details for staff, up or down for everyone else), and the guardian's view of a
family member's conversations, refused for anyone else's."""

from __future__ import annotations

import pytest

from workshop_tui.domain.enums import MessageRole, Role
from workshop_tui.domain.errors import NotFound
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.models import ModelRepository

from .admin_support import SIZE, actor, add, app_for, in_app, open_admin, rows
from .support import screen_text, type_into, until, until_shown


async def test_instructors_have_no_audit_or_usage_section_and_admins_filter_the_audit_log(
        workshop: Workshop) -> None:
    await add(workshop, "ines", Role.INSTRUCTOR)
    await add(workshop, "adele", Role.ADMIN)
    sam = await add(workshop, "sam")
    await workshop.accounts.set_role(await actor(workshop, "adele"), sam.id, Role.GUEST)
    await workshop.accounts.suspend(OPERATOR, sam.id, reason="left [b]early[/b]")
    app = await app_for(workshop, "ines")
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot)
        assert "Audit log" not in screen_text(app) and "Usage" not in screen_text(app)
    app = await app_for(workshop, "adele")
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot, "audit")
        await until(pilot, lambda: len(rows(app, "#audit-table")) == 5, "the whole log")  # 3 adds, role, suspend
        await type_into(pilot, "#audit-actor", "adele")
        await pilot.press("enter")
        await until(pilot, lambda: [r[1:] for r in rows(app, "#audit-table")] == [["adele", "user.role", "sam"]],
                    "adele's changes only")
        await until_shown(pilot, "role: student → guest")
        await type_into(pilot, "#audit-actor", "x")  # "adelex" matches nobody
        await type_into(pilot, "#audit-since", "2026-13-01")
        await pilot.press("enter")
        await until_shown(pilot, "write the day as YYYY-MM-DD")
        for field in ("#audit-actor", "#audit-since"):
            await in_app(pilot, setattr, app.screen.query_one(field), "value", "")
        await in_app(pilot, setattr, app.screen.query_one("#audit-action"), "value", "user.suspend")
        await until(pilot, lambda: [r[2] for r in rows(app, "#audit-table")] == ["user.suspend"], "the suspension")
        await until_shown(pilot, "reason: left [b]early[/b]")


async def test_admins_see_usage_as_bars_per_day_and_model(workshop: Workshop) -> None:
    await add(workshop, "adele", Role.ADMIN)
    student = await add(workshop, "sam")
    sam = await actor(workshop, "sam")
    await workshop.quotas.record(sam, "llama3.2:1b", 100, 300)
    await workshop.quotas.record(sam, "qwen2.5:0.5b", 10, 30)
    app = await app_for(workshop, "adele")
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot, "usage")
        await until_shown(pilot, "Tokens per model")
        text = screen_text(app)
        assert "llama3.2:1b" in text and "█" in text and "400" in text
        assert rows(app, "#usage-users") == [["sam", "2", "440"]]
        await pilot.press("t")
        await until_shown(pilot, "Messages per model")
    assert student.id == sam.id


async def test_health_shows_details_to_staff_and_up_or_down_to_others(workshop: Workshop) -> None:
    await add(workshop, "ines", Role.INSTRUCTOR)
    await add(workshop, "sam")
    for name, details in (("ines", True), ("sam", False)):
        app = await app_for(workshop, name)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda app=app: app.current_mode == "chat", "the places")
            app.request_go("health")
            await until_shown(pilot, "Vector store")
            text = screen_text(app)
            assert "Database" in text and "checked at" in text
            assert ("revision: 0005" in text) is details and ("Ollama at http://127.0.0.1" in text) is details
            assert "✗ down  Ollama" in text  # no host answers in these tests
            await pilot.press("r")
            await until_shown(pilot, "checked at")


async def test_a_guardian_reads_a_family_members_conversations_and_nobody_elses(workshop: Workshop) -> None:
    maria = await add(workshop, "maria")
    leo = await add(workshop, "leo", Role.FAMILY, guardian_id=maria.id)
    sam = await add(workshop, "sam")
    async with workshop.ctx.db.transaction() as session:
        model = (await ModelRepository(session).upsert("llama3.2:1b", capabilities=["completion"])).id
    for person in (leo, sam):
        await workshop.accounts.set_grants(OPERATOR, person.id, model_ids=[model])
        conversation = await workshop.chat.create(await actor(workshop, person.username), "llama3.2:1b",
                                                  title=f"{person.username}'s [b]homework[/b]")
        async with workshop.ctx.db.transaction() as session:
            repo = ConversationRepository(session)
            await repo.add_message(conversation.id, MessageRole.USER.value, f"question from {person.username}")
            await repo.add_message(conversation.id, MessageRole.ASSISTANT.value, "An answer.", model="llama3.2:1b")
    app = await app_for(workshop, "maria")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.current_mode == "chat", "the places")
        await until_shown(pilot, "Family")  # a guardian's sidebar offers the family view
        await pilot.click("#family")
        await until_shown(pilot, "Leo (leo)")
        await until_shown(pilot, "leo's [b]homework[/b]")
        assert "sam's" not in screen_text(app)
        app.screen.query_one("#family-conversations").focus()
        await pilot.press("enter")
        await until_shown(pilot, "question from leo")
        assert not app.screen.query("#composer")  # read-only: nothing to send with
        await pilot.press("u")
        await until_shown(pilot, "Tokens per day (UTC)")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.name == "chat", "back to chat")
    guardian = await actor(workshop, "maria")
    [sams] = await workshop.chat.list(await actor(workshop, "sam"))
    with pytest.raises(NotFound):
        await workshop.chat.list(guardian, user_id=sam.id)
    with pytest.raises(NotFound):
        await workshop.chat.messages(guardian, sams.id)
