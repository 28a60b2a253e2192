"""Chat's conversation list as an attendee uses it: search, open, rename, and delete after a
confirmation that can be cancelled."""

from __future__ import annotations

from workshop_tui.ui.screens.modals.confirm import ConfirmModal

from .chat_support import ChatClass
from .support import type_into, until, until_shown
from .test_chat import SIZE, chat_class, chat_ready, fake, open_as  # noqa: F401 - fixtures

MODEL = "llama3.2:1b"


def listed(app: object) -> list[str]:
    options = app.screen.query_one("#conversation-options")  # type: ignore[attr-defined]
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_search_open_rename_and_delete_a_conversation(chat_class: ChatClass) -> None:  # noqa: F811
    workshop = chat_class.workshop
    sam = await chat_class.actor("sam")
    llamas = await workshop.chat.create(sam, MODEL, title="Llamas and alpacas")
    await workshop.chat.create(sam, MODEL, title="Embeddings, briefly")
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await until(pilot, lambda: sorted(listed(app)) == ["Embeddings, briefly", "Llamas and alpacas"], "the list")

        await type_into(pilot, "#search", "LLAM")
        await until(pilot, lambda: listed(app) == ["Llamas and alpacas"], "the search to narrow the list")
        await pilot.press("ctrl+l", "enter")  # the list, then open the highlighted conversation
        await until_shown(pilot, "Llamas and alpacas · llama3.2:1b")

        await pilot.press("r")
        await until_shown(pilot, "New title")
        await pilot.press("ctrl+u", *"Camelids", "enter")
        await until(pilot, lambda: listed(app) == [], "the search to hide the renamed conversation")
        assert (await workshop.chat.get(sam, llamas.id)).title == "Camelids"
        await pilot.click("#search")
        await pilot.press("end", "ctrl+u")
        await until(pilot, lambda: sorted(listed(app)) == ["Camelids", "Embeddings, briefly"], "the whole list")
        await until_shown(pilot, "Camelids · llama3.2:1b")  # the open conversation's header follows

        await pilot.press("ctrl+l", "home")
        highlighted = listed(app)[0]
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await until_shown(pilot, f"Delete “{highlighted}” and all its messages?")  # drawn a refresh after it opens
        await pilot.press("enter")  # Cancel has the focus: nothing is deleted
        await until(pilot, lambda: not isinstance(app.screen, ConfirmModal), "the dialog to close")
        assert len(await workshop.chat.list(sam)) == 2

        await pilot.press("ctrl+l", "home", "d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
        await pilot.click("#confirm")
        await until(pilot, lambda: listed(app) == [t for t in ("Camelids", "Embeddings, briefly") if t != highlighted],
                    "the deleted conversation to leave the list")
        assert [c.title for c in await workshop.chat.list(sam)] == listed(app)
