"""The RAG systems screen as an attendee uses it: create one, try it and read the sources it cites,
then go on in Chat."""

from __future__ import annotations

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.ui.app import WorkshopApp
from workshop_tui.ui.widgets.composer import Composer

from ..chat_support import ChatClass
from ..support import screen_text, type_into, until, until_shown
from .support import SIZE, go, open_as

FAKE_REPLY = "Local language models"


async def test_a_rag_system_is_created_tried_with_citations_and_opened_in_chat(chat_class: ChatClass) -> None:
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "rag", "rag-load")
        await until_shown(pilot, "Ask the rules")
        text = screen_text(app)
        assert "New" in text and "Change" not in text and "Delete" not in text  # the instructor's system
        await pilot.press("n")
        await until_shown(pilot, "New RAG system")
        await type_into(pilot, "#name", "Lunch helper")
        template = app.screen.query_one("#prompt_template")
        template.text = "Answer from this: {{context}}"
        await until_shown(pilot, "must contain {{question}}")  # checked as it is typed
        template.text = "Answer from this: {{context}}\n\nQuestion: {{question}}"
        await type_into(pilot, "#top_k", "9")  # "49": out of range
        await until_shown(pilot, "a whole number from 1 to 20")
        app.screen.query_one("#top_k").value = "2"
        await pilot.press("ctrl+s")
        await until_shown(pilot, "Saved the RAG system “Lunch helper”")
        await until_shown(pilot, "Top 2 passages, any score")  # the list, read again after the notice

        await pilot.press("t")
        await type_into(pilot, "#question", "When is lunch?")
        await pilot.press("enter")
        await until_shown(pilot, FAKE_REPLY)
        await until_shown(pilot, "House rules")  # the source, listed under the answer
        await until(pilot, lambda: not app.screen.query_one("#view").is_streaming, "the end of the answer")
        await pilot.press("escape")  # out of the question box: the screen's keys work again
        assert app.focused is app.screen.query_one("#rag-systems")
        assert app.screen.query_one("#question").value == ""
        app.screen.query_one("#view").focus()
        await pilot.press("1")
        await until_shown(pilot, "half past twelve")
        assert "[bold]as typed[/bold] and [@click=app.quit]this[/]" in screen_text(app)
        await pilot.press("escape")

        app.screen.query_one("#rag-systems").focus()  # "o" in the answer lists its links
        await pilot.press("o")
        await until(pilot, lambda: app.current_mode == "chat", "the chat")
        await until_shown(pilot, "Lunch helper: When is lunch?")
        await until_shown(pilot, FAKE_REPLY)
        assert "RAG" in screen_text(app)
        await until(pilot, lambda: isinstance(app.focused, Composer), "the composer, to go on")
    sam = await chat_class.actor("sam")
    [conversation, *_] = await chat_class.workshop.chat.list(sam)
    [rag] = [r for r in await chat_class.workshop.knowledge.rag.list(sam) if r.name == "Lunch helper"]
    assert conversation.rag_system_id == rag.id and rag.top_k == 2


async def test_a_guest_may_try_a_public_rag_system_but_create_nothing(chat_class: ChatClass) -> None:
    accounts = chat_class.workshop.accounts
    await accounts.add_user(OPERATOR, "gus", Role.GUEST, AccountStatus.ACTIVE, "Gus Guest", "a long enough password")
    app = WorkshopApp(chat_class.workshop, signed_in=await accounts.login("gus", "a long enough password"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "rag", "rag-load")
        await until_shown(pilot, "Ask the rules")
        await until_shown(pilot, "Open in chat")  # the action bar is laid out a refresh after the rows
        text = screen_text(app)
        assert "Try it" in text
        assert "New" not in text and "Change" not in text and "Delete" not in text
        assert "Documents" not in text and "Vector DBs" not in text and "Embeddings" not in text  # the sidebar
