"""The message cursor, what the keys act on (code blocks, links, citations), and theme styles.

Kept apart from the widget so that each piece is small and can be tested without an app.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.style import Style

from workshop_tui.domain.text import strip_terminal_controls
from workshop_tui.ui.widgets.conversation_entries import Entry, ToolView
from workshop_tui.ui.widgets.conversation_text import EntryStyles
from workshop_tui.ui.widgets.markdown_lines import PARSER, RenderStyles

MARKDOWN_PARTS = ("h1", "h2", "h3", "h4", "link", "link-url", "code", "code-block", "quote", "bullet", "number",
                  "hr", "table-border", "table-header")
CODE_THEMES = {True: "monokai", False: "friendly"}
"""Pygments styles for dark and light app themes; backgrounds come from the app theme."""
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]{}\"'`]+")


@dataclass(frozen=True)
class Cursor:
    """The selected message, and optionally one of its citations."""

    entry: int | None = None
    citation: int | None = None


def move(cursor: Cursor, entries: Sequence[Entry], step: int) -> Cursor:
    """The cursor one item up or down; a reply's citations are items below the reply."""
    items: list[tuple[int, int | None]] = []
    for index, entry in enumerate(entries):
        items.append((index, None))
        items.extend((index, number) for number in range(len(entry.citations)))
    if not items:
        return Cursor()
    current = (cursor.entry, cursor.citation)
    if current in items:
        position = items.index(current) + step
    else:  # nothing selected yet: start at the last message, which is in view
        position = items.index((len(entries) - 1, None))
    index, citation = items[max(0, min(len(items) - 1, position))]
    return Cursor(index, citation)


def entry_text(entry: Entry) -> str:
    """What "copy this message" copies: the text, or a tool call's result."""
    text = entry.text
    if text:
        return text
    results = [part.result for part in entry.parts if isinstance(part, ToolView) and part.result]
    return strip_terminal_controls("\n\n".join(results))


def code_blocks(entry: Entry) -> list[str]:
    """The code of every fenced or indented code block of the entry's text."""
    return [token.content.rstrip("\n") for token in PARSER.parse(entry.text)
            if token.type in ("fence", "code_block")]


def links(entry: Entry) -> list[str]:
    """Link targets and bare URLs of the entry's text, in order, each once."""
    found: list[str] = []
    for token in PARSER.parse(entry.text):
        for child in token.children or ():
            if child.type == "link_open":
                found.append(str(child.attrs.get("href", "")))
            elif child.type in ("text", "code_inline"):
                found.extend(_BARE_URL.findall(child.content))
        if token.type in ("fence", "code_block"):
            found.extend(_BARE_URL.findall(token.content))
    return list(dict.fromkeys(url.rstrip(".,;:!?") for url in found if url))


def foreground(style: Style) -> Style:
    """A style's colour and attributes without its background (which the widget supplies)."""
    return Style(color=style.color, bold=style.bold, dim=style.dim, italic=style.italic,
                 underline=style.underline, strike=style.strike, reverse=style.reverse)


def render_styles(get: Callable[[str], Style], base: Style, dark: bool) -> RenderStyles:
    """Rich theme entries for Markdown, mapped from the widget's component classes."""

    def part(name: str) -> Style:
        return foreground(get(f"conversation-view--md-{name}"))

    heading = part("h4")
    code = get("conversation-view--md-code")
    code_block = get("conversation-view--md-code-block")
    background = code_block.bgcolor
    markdown = {
        "markdown.h1": part("h1"), "markdown.h2": part("h2"), "markdown.h3": part("h3"), "markdown.h4": heading,
        "markdown.h5": heading, "markdown.h6": heading, "markdown.h7": heading,
        "markdown.link": part("link"), "markdown.link_url": part("link-url"),
        "markdown.code": Style(color=code.color, bgcolor=code.bgcolor, bold=code.bold, italic=code.italic),
        "markdown.code_block": Style(bgcolor=background),
        "markdown.block_quote": part("quote"), "markdown.list": Style(), "markdown.item.bullet": part("bullet"),
        "markdown.item.number": part("number"), "markdown.hr": part("hr"),
        "markdown.table.border": part("table-border"), "markdown.table.header": part("table-header"),
    }
    code_background = background.triplet.hex if background is not None and background.triplet else None
    return RenderStyles(markdown, CODE_THEMES[dark], code_background, base)


def entry_styles(get: Callable[[str], Style]) -> EntryStyles:
    def part(name: str) -> Style:
        return foreground(get(f"conversation-view--{name}"))

    return EntryStyles(user_label=part("user-label"), assistant_label=part("assistant-label"), meta=part("meta"),
                       thinking=part("thinking"), tool=part("tool"), tool_result=part("tool-result"),
                       error=part("error"), sources=part("sources"), citation=part("citation"),
                       waiting=part("waiting"))
