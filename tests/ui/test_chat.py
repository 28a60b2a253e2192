"""The chat screen as an attendee uses it, against the fake Ollama over real HTTP on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from pathlib import Path

import pytest

from workshop_tui.domain.enums import AccountStatus, MessageRole, MessageStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.testing.fake_ollama import FakeOllama
from workshop_tui.ui.app import WorkshopApp
from workshop_tui.ui.widgets.composer import Composer

from .chat_support import ChatClass, import_chat_class
from .support import TIMEOUT, screen_text, type_into, until, until_shown

SIZE = (110, 36)
FAKE_REPLY = "Local language models let a workshop explore prompts"


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


@pytest.fixture
async def chat_class(tmp_path: Path, fake: FakeOllama) -> AsyncIterator[ChatClass]:
    prepared = await import_chat_class(tmp_path / "data", fake)
    try:
        yield prepared
    finally:
        await asyncio.wait_for(prepared.workshop.close(), TIMEOUT)


async def open_as(chat_class: ChatClass, username: str) -> WorkshopApp:
    return WorkshopApp(chat_class.workshop, signed_in=await chat_class.actor(username))


async def chat_ready(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await until(pilot, lambda: app.current_mode == "chat" and bool(app.screen.query("#composer"))
                and not any(w.group == "chat-load" and not w.is_finished for w in app.workers), "the chat screen")


async def send(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await type_into(pilot, "#composer", text)
    await pilot.press("enter")


async def stored_replies(chat_class: ChatClass, username: str) -> list:  # type: ignore[type-arg]
    actor = await chat_class.actor(username)
    [conversation, *_] = await chat_class.workshop.chat.list(actor)
    messages = await chat_class.workshop.chat.messages(actor, conversation.id)
    return [m for m in messages if m.role is MessageRole.ASSISTANT]


async def test_a_reply_streams_in_and_shows_its_speed(chat_class: ChatClass) -> None:
    chat_class.fake.scenario.chunk_delay = 0.01
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await send(pilot, "Hello there")
        await until_shown(pilot, FAKE_REPLY)
        await until_shown(pilot, "tok/s")
        assert "Hello there" in screen_text(app)
        assert app.screen.query_one(Composer).text == ""
    [reply] = await stored_replies(chat_class, "sam")
    assert reply.status is MessageStatus.COMPLETE and reply.content.startswith(FAKE_REPLY)


async def test_escape_stops_a_reply_and_the_text_so_far_is_kept(chat_class: ChatClass) -> None:
    chat_class.fake.scenario.chunk_delay = 0.05
    chat_class.fake.scenario.reply_tokens = 400
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await send(pilot, "Tell me a long story")
        await until_shown(pilot, "Local language")
        await pilot.press("escape")
        await until_shown(pilot, "Stopped")
    [reply] = await stored_replies(chat_class, "sam")
    assert reply.status is MessageStatus.INTERRUPTED and reply.content.startswith("Local language")
    assert len(reply.content.split()) < 400


async def test_an_error_mid_stream_shows_in_place_with_the_partial_reply(chat_class: ChatClass) -> None:
    chat_class.fake.scenario.error_after = 4
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await send(pilot, "Hello")
        await until_shown(pilot, "unexpected EOF")
        assert "Local" in screen_text(app)
    [reply] = await stored_replies(chat_class, "sam")
    assert reply.status is MessageStatus.ERROR and reply.content


async def test_a_tool_call_shows_its_arguments_and_result(chat_class: ChatClass) -> None:
    chat_class.fake.script_turn(tool_calls=[{"name": "calculator", "arguments": {"expression": "6 * 7"}}])
    chat_class.fake.script_turn(content="The answer is 42.")
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await pilot.press("ctrl+o")
        await until_shown(pilot, "Tools the model may call")
        await pilot.click("#tools")
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "calculator" not in screen_text(app) or app.screen.name == "chat", "saved")
        await send(pilot, "What is 6 times 7?")
        await until_shown(pilot, "The answer is 42.")
        text = screen_text(app)
        assert "calculator" in text and "6 * 7" in text and "42" in text


async def test_a_rag_answer_lists_its_sources_and_opens_the_chunk(chat_class: ChatClass) -> None:
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await pilot.press("ctrl+o")
        await until_shown(pilot, "RAG system")
        app.screen.query_one("#rag").value = await _rag_id(chat_class)
        await pilot.press("ctrl+s")
        await until_shown(pilot, "RAG   (Ctrl+O")
        await send(pilot, "When is lunch?")
        await until_shown(pilot, "House rules")
        await pilot.click("#view")
        await pilot.press("1")
        await until_shown(pilot, "half past twelve")
        assert "[bold]as typed[/bold] and [@click=app.quit]this[/]" in screen_text(app)  # document text, as is
        assert app.is_running


async def _rag_id(chat_class: ChatClass) -> int:
    [rag] = await chat_class.workshop.knowledge.rag.list(await chat_class.actor("sam"))
    return rag.id


async def test_the_prompt_library_fills_a_prompts_variables_into_the_composer(chat_class: ChatClass) -> None:
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await pilot.click("#composer")
        await pilot.press("slash")
        await until_shown(pilot, "Prompt library")
        await pilot.press("enter")
        await until_shown(pilot, "Use the prompt")
        await pilot.press("ctrl+s")
        await until_shown(pilot, "topic")  # required, and empty: the form says so and stays
        await type_into(pilot, "#var-topic", "tokens")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Explain tokens to an adult beginner in at most 4 sentences."
                    in app.screen.query_one(Composer).text, "the rendered prompt in the composer")


async def test_waiting_for_the_model_shows_the_place_in_line(chat_class: ChatClass) -> None:
    chat_class.fake.scenario.first_byte_delay = 1.5
    ines = await chat_class.actor("ines")
    workshop = chat_class.workshop
    conversation = await workshop.chat.create(ines, "llama3.2:1b")

    async def hold_the_slot() -> None:
        async with aclosing(workshop.chat.send(ines, conversation.id, "first")) as events:
            async for _ in events:
                pass

    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await type_into(pilot, "#composer", "second")  # typed first: on a busy machine typing takes a while
        holder = asyncio.create_task(hold_the_slot())
        await until(pilot, lambda: workshop.gateway.queue.running(chat_class.fake.url) == 1, "the first turn")
        await pilot.press("enter")
        await until_shown(pilot, "next in line for the model")
        await until_shown(pilot, "tok/s", timeout=30)
    await asyncio.wait_for(holder, TIMEOUT)


HOSTILE = "Look: [bold]bold[/bold] [@click=app.quit]quit[/] \x1b]52;c;aGk=\x07 and \x1b[2J done"


async def test_hostile_model_output_is_shown_as_text_and_does_nothing(chat_class: ChatClass,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[str] = []
    chat_class.fake.script_turn(content=HOSTILE)
    app = await open_as(chat_class, "sam")
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await send(pilot, "Say something odd")
        await until_shown(pilot, "done")
        text = screen_text(app)
        assert "[bold]bold[/bold]" in text and "[@click=app.quit]quit[/]" in text
        assert "\x1b" not in text and "52;c;" not in text
        await pilot.click("#view")
        assert app.is_running and copied == []


async def test_titles_and_names_with_markup_and_escapes_are_shown_as_text(chat_class: ChatClass) -> None:
    accounts = chat_class.workshop.accounts
    await accounts.add_user(OPERATOR, "mallory", Role.INSTRUCTOR, AccountStatus.ACTIVE,
                            "[@click=app.quit]Sam[/] \x1b[2J", "a long enough password")
    mallory = await accounts.login("mallory", "a long enough password")
    await chat_class.workshop.chat.create(mallory, "llama3.2:1b", title="[bold]Why[/bold] \x1b]52;c;aGk=\x07 this?")
    app = WorkshopApp(chat_class.workshop, signed_in=mallory)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await until_shown(pilot, "[@click=app.quit]Sam[/]")
        await until_shown(pilot, "[bold]Why[/bold]")
        text = screen_text(app)
        assert "52;c;" not in text and "\x1b" not in text
        assert app.is_running
