"""Splitting a streamed reply into blocks, and rendering them free of terminal controls."""

from __future__ import annotations

from rich.style import Style

from workshop_tui.ui.widgets.line_block import LineBlock
from workshop_tui.ui.widgets.markdown_lines import BlockRenderer, RenderStyles, group_sources, split_tail


def renderer() -> BlockRenderer:
    return BlockRenderer(RenderStyles({}, "monokai", "#202020", Style()))


def test_every_block_but_the_last_is_final() -> None:
    split = split_tail("First paragraph.\n\n- one\n- two\n\nStill being wri")
    assert split.final_source == "First paragraph.\n\n- one\n- two\n\n"
    assert split.open_source == "Still being wri"
    assert split.raw_cut == len(split.final_source)


def test_an_escape_sequence_across_lines_keeps_the_tail_open_and_is_removed_whole() -> None:
    raw = "Intro.\n\n\x1b]52;c;aGk=\nbW9yZQ==\x07Visible\n\nNext"
    split = split_tail(raw)
    assert split.final_source == ""  # the cleaned text lost a newline: nothing is cut yet
    block = renderer().open_block(split.open_source, split.open_tokens, 60)
    text = block.plain_text()
    assert "Visible" in text and "Next" in text
    assert "aGk=" not in text and "bW9y" not in text
    assert not any("\x1b" in line or "\x07" in line for line in block.texts)


def test_an_open_fence_is_plain_and_a_closed_one_is_highlighted() -> None:
    render = renderer()
    split = split_tail("```python\ndef f():\n    return 1\n")
    open_lines = render.open_block(split.open_source, split.open_tokens, 40, split.open_line)
    split = split_tail("```python\ndef f():\n    return 1\n```\n")
    closed = render.open_block(split.open_source, split.open_tokens, 40, split.open_line)
    assert open_lines.plain_text() == closed.plain_text()
    assert len({str(s.style.color) for s in open_lines.segments(1) if s.text.strip()}) == 1
    assert len({str(s.style.color) for s in closed.segments(1) if s.text.strip()}) > 1


def test_links_are_text_and_never_terminal_hyperlinks() -> None:
    block = renderer().markdown("See [the docs](https://example.org/a).", 60)
    assert "the docs (https://example.org/a)" in block.plain_text()
    assert all(s.style is None or s.style.link is None for i in range(len(block)) for s in block.segments(i))


def test_finished_messages_are_cut_into_groups_of_whole_blocks() -> None:
    text = "\n\n".join(f"Paragraph {n}." for n in range(10))
    groups = group_sources(text, max_lines=6)
    assert "".join(groups) == text
    assert all(group.startswith("Paragraph") for group in groups)
    assert len(groups) == 4


def test_line_blocks_repaint_only_what_changed() -> None:
    render = renderer()
    before = render.markdown("one two three four five six seven eight nine", 12)
    after = render.markdown("one two three four five six seven eight nine ten", 12)
    assert isinstance(before, LineBlock)
    assert after.texts[:-1] == before.texts[:-1] and after.texts[-1] != before.texts[-1]
    assert after.first_difference(before) == len(before) - 1
    assert before.first_difference(before) == len(before)
