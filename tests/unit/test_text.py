"""Terminal-safety of user, document and model text: what reaches the screen and the exports."""

from __future__ import annotations

import pytest

from workshop_tui.domain.text import normalize_text, one_line, strip_terminal_controls

HOSTILE = [
    ("clipboard write (OSC 52, BEL)", "a\x1b]52;c;aGVsbG8=\x07b", "ab"),
    ("clipboard write (OSC 52, ST)", "a\x1b]52;c;aGVsbG8=\x1b\\b", "ab"),
    ("hyperlink (OSC 8)", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"),
    ("clear screen", "before\x1b[2Jafter", "beforeafter"),
    ("colour and cursor moves", "\x1b[1;31mred\x1b[0m \x1b[10;5H\x1b[?25l", "red "),
    ("8-bit CSI and OSC", "x\x9b2Jy\x9d52;c;Zm9v\x9cz", "xyz"),
    ("other escapes", "a\x1bcb\x1b(Bc\x1b7d", "abcd"),
    ("C0 and C1 controls", "a\x00b\x07c\x08d\x0be\x1ff\x7fg\x85h", "abcdefgh"),
    ("DCS string", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),
]


@pytest.mark.parametrize(("case", "raw", "expected"), HOSTILE, ids=[c[0] for c in HOSTILE])
def test_escape_sequences_and_controls_are_removed(case: str, raw: str, expected: str) -> None:
    cleaned = strip_terminal_controls(raw)
    assert cleaned == expected
    assert "\x1b" not in cleaned and "aGVsbG8" not in cleaned


def test_ordinary_text_newlines_tabs_and_markup_lookalikes_survive() -> None:
    text = "Title [bold]not bold[/bold] [@click=app.quit]x[/]\n\tindented — café ünïcödé 😀\nline 3"
    assert strip_terminal_controls(text) == text
    assert normalize_text(text) == text


def test_unterminated_osc_loses_its_power() -> None:
    cleaned = strip_terminal_controls("x\x1b]52;c;aGVsbG8=")
    assert "\x1b" not in cleaned
    assert cleaned.startswith("x")


def test_normalize_unifies_line_endings_and_composes_accents() -> None:
    assert normalize_text("cafe\u0301\r\nnext\rlast") == "caf\u00e9\nnext\nlast"


def test_normalize_strips_controls_from_document_text() -> None:
    assert normalize_text("para\x1b[2J one\r\n\x1b]52;c;aGVsbG8=\x07para two") == "para one\npara two"


def test_one_line_flattens_and_truncates_names() -> None:
    assert one_line("  My\n\tdoc\x1b[2J  name\r\n", 50) == "My doc name"
    short = one_line("abcdefghij klmnop", 8)
    assert len(short) <= 8 and short.endswith("…") and short.startswith("abcdefg")
    assert one_line("exact", 5) == "exact"
    with pytest.raises(ValueError):
        one_line("x", 0)
