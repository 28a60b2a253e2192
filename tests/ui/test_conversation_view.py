"""ConversationView as a user sees it: what is on screen, and what it asks the screen to do."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.message import Message as TextualMessage
from textual.pilot import Pilot

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.domain.models import Message
from workshop_tui.ui.widgets.conversation_view import ConversationView

CODE_REPLY = (
    "Two snippets follow.\n\n```python\nprint('first')\n```\n\nAnd another one, see https://example.org/docs.\n\n"
    "```sh\necho second\n```\n"
)


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.posted: list[TextualMessage] = []

    def compose(self) -> ComposeResult:
        yield ConversationView(id="conversation")

    def on_conversation_view_copy_requested(self, message: ConversationView.CopyRequested) -> None:
        self.posted.append(message)

    def on_conversation_view_link_requested(self, message: ConversationView.LinkRequested) -> None:
        self.posted.append(message)

    def on_conversation_view_citation_requested(self, message: ConversationView.CitationRequested) -> None:
        self.posted.append(message)


def message(index: int, role: MessageRole, content: str, **fields: Any) -> Message:
    return Message(id=index, conversation_id=1, role=role, content=content, **fields)


def history(count: int) -> list[Message]:
    messages = []
    for index in range(count):
        if index % 2 == 0:
            messages.append(message(index, MessageRole.USER, f"Question {index}"))
        else:
            messages.append(message(index, MessageRole.ASSISTANT, f"Answer {index} with code:\n\n```python\n"
                                    f"value = {index}\nprint(value)\n```\n\nThat was answer {index}.",
                                    model="llama3.2:1b"))
    return messages


def screen_text(view: ConversationView) -> str:
    return "\n".join(view.rendered_text())


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """Wait (bounded) for something the ticker or a refresh will bring."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


def line_with(view: ConversationView, text: str) -> int:
    for y, line in enumerate(view.rendered_text()):
        if text in line:
            return y
    raise AssertionError(f"{text!r} is not on screen:\n{screen_text(view)}")


def colours_of(view: ConversationView, y: int) -> set[str]:
    return {str(segment.style.color) for segment in view.render_line(y)
            if segment.text.strip() and segment.style is not None}


async def test_history_loads_with_its_end_visible_and_older_messages_left_as_data() -> None:
    app = Host()
    async with app.run_test(size=(90, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.load(history(200))
        await pilot.pause()
        assert "That was answer 199." in screen_text(view)
        assert "Question 198" in screen_text(view)
        assert not view.entries[0].expanded
        assert sum(entry.expanded for entry in view.entries) < 20


async def test_scrolling_up_renders_older_messages() -> None:
    app = Host()
    async with app.run_test(size=(90, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.load(history(200))
        await pilot.pause()
        view.scroll_to(y=0, animate=False, immediate=True)
        await until(pilot, lambda: "Question 0" in screen_text(view), "the first message")
        assert view.entries[0].expanded
        assert "Answer 1 with code:" in screen_text(view)
        assert not view.following


async def test_a_streamed_reply_appears_then_finishes() -> None:
    app = Host()
    async with app.run_test(size=(90, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.load(history(4))
        view.add_user_message("Tell me a story")
        view.begin_reply("llama3.2:1b")
        view.set_waiting("2nd in queue")
        await until(pilot, lambda: "⏳ 2nd in queue" in screen_text(view), "the queue position")
        for word in "Once upon a time there was a **terminal**.".split(" "):
            view.append_content(word + " ")
        await until(pilot, lambda: "Once upon a time there was a terminal." in screen_text(view), "the reply")
        assert "writing…" in screen_text(view)
        assert "2nd in queue" not in screen_text(view)
        view.finish_reply(None, stats="9 tokens · 30.0 tok/s")
        await pilot.pause()
        text = screen_text(view)
        assert "9 tokens · 30.0 tok/s" in text
        assert "writing…" not in text
        assert not view.is_streaming


async def test_a_code_block_is_highlighted_once_its_fence_closes() -> None:
    app = Host()
    async with app.run_test(size=(90, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.begin_reply("llama3.2:1b")
        view.append_content("Here:\n\n```python\ndef add(a, b):\n    return a + b\n")
        await until(pilot, lambda: "def add(a, b):" in screen_text(view), "the open fence")
        assert len(colours_of(view, line_with(view, "def add(a, b):"))) == 1  # plain while open
        view.append_content("```\n\nDone.")
        await until(pilot, lambda: "Done." in screen_text(view), "the text after the fence")
        assert len(colours_of(view, line_with(view, "def add(a, b):"))) > 1
        assert "```" not in screen_text(view)


async def test_thinking_is_one_collapsed_line_until_expanded() -> None:
    app = Host()
    async with app.run_test(size=(90, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.begin_reply("qwen3:4b")
        view.append_thinking("First I consider ")
        view.append_thinking("the question carefully.")
        view.append_content("The answer is 42.")
        await until(pilot, lambda: "The answer is 42." in screen_text(view), "the answer")
        assert "▸ Thinking… (6 words)" in screen_text(view)
        assert "consider" not in screen_text(view)
        view.finish_reply(None)
        view.focus()
        await pilot.press("t")
        text = screen_text(view)
        assert "▾ Thinking (6 words)" in text
        assert "First I consider the question carefully." in text
        await pilot.press("t")
        assert "consider" not in screen_text(view)


async def test_tool_calls_and_citations_are_shown() -> None:
    app = Host()
    async with app.run_test(size=(90, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.begin_reply("llama3.2:1b")
        view.append_content("Let me compute that.")
        view.add_tool_activity("calculator", {"expression": "6*7"}, "calling")
        await until(pilot, lambda: "calling" in screen_text(view), "the tool call")
        view.add_tool_activity("calculator", {"expression": "6*7"}, "done", "42")
        view.append_content("It is 42, as the guide says.")
        view.finish_reply(None, citations=[{"document_title": "Field guide", "location": "page 3", "score": 0.8765,
                                            "document_id": 4, "chunk_index": 2, "text": "..."}])
        await until(pilot, lambda: "Field guide" in screen_text(view), "the citation")
        text = screen_text(view)
        assert '⚙ calculator {"expression": "6*7"} · done' in text
        assert "  42" in text
        assert text.index("Let me compute that.") < text.index("⚙ calculator") < text.index("It is 42")
        assert "[1] Field guide · page 3 · score 0.88" in text


async def test_errors_and_interruptions_keep_the_partial_reply() -> None:
    app = Host()
    async with app.run_test(size=(90, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.begin_reply("llama3.2:1b")
        view.append_content("The first half of an answer")
        await until(pilot, lambda: "first half" in screen_text(view), "the partial reply")
        view.finish_reply(None, error="model runner crashed")
        await pilot.pause()
        text = screen_text(view)
        assert "The first half of an answer" in text
        assert "✖ Error: model runner crashed" in text

        view.begin_reply("llama3.2:1b")
        view.append_content("Cut short here")
        stored = message(9, MessageRole.ASSISTANT, "Cut short here", status=MessageStatus.INTERRUPTED)
        view.finish_reply(stored)
        await pilot.pause()
        assert "Cut short here" in screen_text(view)
        assert "⏸ Interrupted" in screen_text(view)


async def test_copy_posts_the_message_text_and_cycles_through_code_blocks() -> None:
    app = Host()
    async with app.run_test(size=(90, 40)) as pilot:
        view = app.query_one(ConversationView)
        view.load([message(1, MessageRole.USER, "Show me"),
                   message(2, MessageRole.ASSISTANT, CODE_REPLY, model="llama3.2:1b")])
        view.focus()
        await pilot.pause()
        await pilot.press("c", "y", "y", "y")
        await pilot.pause()
        copies = [m for m in app.posted if isinstance(m, ConversationView.CopyRequested)]
        assert [c.text for c in copies] == [CODE_REPLY.strip("\n"), "print('first')", "echo second", "print('first')"]
        assert [c.what for c in copies] == ["message", "code", "code", "code"]
        assert all(c.control is view for c in copies)
        await pilot.press("k", "c")
        await pilot.pause()
        assert app.posted[-1].text == "Show me"  # type: ignore[attr-defined]


async def test_links_and_citations_are_requested_not_opened() -> None:
    app = Host()
    citation = {"document_title": "Manual", "location": "section 2", "score": 0.5}
    async with app.run_test(size=(90, 40)) as pilot:
        view = app.query_one(ConversationView)
        view.load([message(1, MessageRole.USER, "Where?"),
                   message(2, MessageRole.ASSISTANT, "See [the docs](https://example.org/a) and https://example.org/b.",
                           model="m", citations=(citation,))])
        view.focus()
        await pilot.pause()
        await pilot.press("o", "o", "1")
        await pilot.pause()
        links = [m for m in app.posted if isinstance(m, ConversationView.LinkRequested)]
        assert [link.url for link in links] == ["https://example.org/a", "https://example.org/b"]
        assert links[0].urls == ("https://example.org/a", "https://example.org/b")
        cited = [m for m in app.posted if isinstance(m, ConversationView.CitationRequested)]
        assert cited[-1].citation == citation and cited[-1].number == 1
        await pilot.press("k", "j", "j", "enter")  # the cursor goes through the citations below a reply
        await pilot.pause()
        assert view.cursor.citation == 0
        assert len([m for m in app.posted if isinstance(m, ConversationView.CitationRequested)]) == 2


async def test_a_click_selects_the_message_under_the_pointer() -> None:
    app = Host()
    async with app.run_test(size=(90, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.load(history(6))
        await pilot.pause()
        y = line_with(view, "Question 4")
        await pilot.click(ConversationView, offset=(10, y))
        await pilot.pause()
        assert view.cursor.entry == 4
        assert view.has_focus
        assert view.render_line(y).text.startswith("▌")


async def test_model_output_cannot_reach_the_terminal_or_run_markup() -> None:
    hostile = ["Look: [bold]loud[/bold] and [@click=app.quit]click me[/] ", "now \x1b]52;c;aG", "k=\x07 and ",
               "\x1b[", "2Jcleared? ", "\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07 done."]
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.begin_reply("evil\x1b[31m-model")
        for piece in hostile:
            view.append_content(piece)
            await pilot.pause(0.1)
        view.add_tool_activity("tool\x1b]0;title\x07", {"x": "\x1b[2J"}, "done", "result \x1b[1mbold\x1b[0m")
        view.finish_reply(None, citations=[{"document_title": "Doc\x1b]52;c;aGk=\x07[red]", "location": "p\x07 1",
                                            "score": 0.5}])
        await until(pilot, lambda: "done." in screen_text(view), "the end of the reply")
        text = screen_text(view)
        assert "[bold]loud[/bold] and [@click=app.quit]click me[/]" in text
        assert "now  and cleared?" in text
        assert "link done." in text
        assert "aGk=" not in text and "evil.example" not in text and "2J" not in text
        assert "evil-model" in text and "tool {" in text and "Doc[red]" in text and "result bold" in text
        for y in range(view.scrollable_content_region.height):
            for segment in view.render_line(y):
                assert "\x1b" not in segment.text and "\x07" not in segment.text
                assert segment.style is None or segment.style.link is None
        for chunk in view._layout.chunks:
            if chunk.lines is not None:
                assert not any("\x1b" in line for line in chunk.lines.texts)
        assert app.is_running


async def test_the_theme_and_the_width_are_followed() -> None:
    app = Host()
    async with app.run_test(size=(90, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.load(history(10))
        await pilot.pause()
        dark = colours_of(view, line_with(view, "That was answer 9."))
        app.theme = "textual-light"
        await until(pilot, lambda: colours_of(view, line_with(view, "That was answer 9.")) != dark, "light colours")
        await pilot.resize_terminal(50, 30)
        await until(pilot, lambda: len(view.render_line(0).text) <= 50, "the narrower width")
        assert "That was answer 9." in screen_text(view)


async def test_scrolling_up_while_a_reply_streams_keeps_the_view_still() -> None:
    app = Host()
    async with app.run_test(size=(90, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.load(history(40))
        view.begin_reply("llama3.2:1b")
        view.append_content("First paragraph of the reply.\n\n")
        await until(pilot, lambda: "First paragraph" in screen_text(view), "the reply")
        view.scroll_to(y=view.scroll_offset.y - 40, animate=False, immediate=True)
        await pilot.pause()
        assert not view.following
        before = view.rendered_text()
        for number in range(30):
            view.append_content(f"Paragraph {number} arrives while the reader looks elsewhere.\n\n")
        await pilot.pause(0.3)
        assert view.rendered_text() == before
        view.scroll_end(animate=False, immediate=True)
        await until(pilot, lambda: "Paragraph 29 arrives" in screen_text(view), "the end of the reply")
        assert view.following
        view.finish_reply(None)


async def test_a_reply_keeps_streaming_across_a_resize() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(ConversationView)
        view.begin_reply("llama3.2:1b")
        view.append_content("A long line of text that will need to wrap once the terminal gets narrow enough.\n\n")
        view.append_content("```python\nfor item in range(3):\n")
        await until(pilot, lambda: "for item in range(3):" in screen_text(view), "the open fence")
        await pilot.resize_terminal(40, 30)
        view.append_content("    print(item)\n```\n\nAfter the code.")
        await until(pilot, lambda: "After the code." in screen_text(view), "the rest of the reply")
        view.finish_reply(None)
        await pilot.pause()
        text = screen_text(view)
        assert "print(item)" in text
        assert all(len(line) <= 40 for line in view.rendered_text())
