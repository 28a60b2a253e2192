"""What staff watch while a class runs: a broadcast reaching every open session (and one opened
later that day), and live activity following a reply as it streams from the fake Ollama."""

from __future__ import annotations

from workshop_tui.domain.enums import Role
from workshop_tui.services.workshop import Workshop
from workshop_tui.ui.app import WorkshopApp

from .admin_support import SIZE, add, app_for, open_admin, rows, toasts
from .chat_support import ChatClass
from .support import screen_text, type_into, until, until_shown
from .test_chat import chat_class, fake  # noqa: F401 - the chat class over the fake Ollama, as the chat tests use


async def test_a_broadcast_reaches_every_open_session_and_later_ones_that_day(workshop: Workshop) -> None:
    await add(workshop, "ines", Role.INSTRUCTOR)
    for name in ("sam", "priya", "tomas"):
        await add(workshop, name)
    staff_app, sam_app, priya_app = [await app_for(workshop, n) for n in ("ines", "sam", "priya")]
    async with staff_app.run_test(size=SIZE, notifications=True) as staff, \
            sam_app.run_test(size=SIZE, notifications=True) as sam, \
            priya_app.run_test(size=SIZE, notifications=True) as priya:
        for pilot, app in ((sam, sam_app), (priya, priya_app)):
            await until(pilot, lambda app=app: app.current_mode == "chat", "a student's chat")
        await open_admin(staff, "broadcast")
        await type_into(staff, "#broadcast-text", "Break until 11:00 [@click=app.quit]")
        await staff.press("enter")
        for pilot in (staff, sam, priya):  # the toast on each session's own screen
            await until(pilot, lambda app=pilot.app: any("Break until 11:00 [@click=app.quit]" in text
                                                         for text in toasts(app)), f"{pilot.app.user.username}'s toast")
            assert any(text.startswith("Broadcast from ines at") for text in toasts(pilot.app))
        await until_shown(staff, "ines: Break until 11:00")  # the day's list on the Broadcast section
        assert sam_app.is_running and priya_app.is_running  # shown as text, never run as an action
    later = await app_for(workshop, "tomas")
    async with later.run_test(size=SIZE, notifications=True) as tomas:
        await until_shown(tomas, "Break until 11:00 [@click=app.quit]")


async def test_live_activity_follows_a_reply_as_it_streams(chat_class: ChatClass) -> None:  # noqa: F811
    chat_class.fake.scenario.chunk_delay = 0.05
    chat_class.fake.scenario.reply_tokens = 120
    staff_app = WorkshopApp(chat_class.workshop, signed_in=await chat_class.actor("ines"))
    student_app = WorkshopApp(chat_class.workshop, signed_in=await chat_class.actor("sam"))
    async with staff_app.run_test(size=SIZE, notifications=True) as staff, \
            student_app.run_test(size=SIZE, notifications=True) as student:
        await until(student, lambda: student_app.current_mode == "chat" and bool(student_app.screen.query("#composer"))
                    and not any(w.group == "chat-load" and not w.is_finished for w in student_app.workers), "chat")
        await open_admin(staff, "activity")
        await until(staff, lambda: ["sam", "student", "Chat"] in [r[:3] for r in rows(staff_app, "#online-table")],
                    "sam online in Chat")
        await type_into(student, "#composer", "Tell me about local models")
        await student.press("enter")

        def generating() -> list[list[str]]:
            return rows(staff_app, "#generating-table")

        await until(staff, lambda: any(r[0] == "sam" and r[3].startswith("streaming") for r in generating()),
                    "sam's reply streaming")
        [first] = generating()
        assert first[1] == "llama3.2:1b" and first[2] == chat_class.fake.url
        tokens = int(first[4].replace(",", ""))
        await until(staff, lambda: bool(generating()) and int(generating()[0][4].replace(",", "")) > tokens + 5,
                    "the token count to grow")
        assert "Generating: 1 streaming, 0 waiting" in screen_text(staff_app)
        assert "0 queued" in screen_text(staff_app) and "1/1 in flight" in screen_text(staff_app)
        await until(staff, lambda: generating() == [], "the reply to finish", timeout=30)
        assert "Generating: 0 streaming" in screen_text(staff_app)
