"""What each kind of chunk says, as Rich `Text` built from clean plain strings, and how it renders.

Every string from a user, a document, a tool or a model goes through `strip_terminal_controls` here,
when the chunk is rendered, and into `Text` as plain text (never as markup).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.style import Style
from rich.text import Text

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.domain.text import strip_terminal_controls
from workshop_tui.ui.widgets.conversation_entries import (
    CITATION,
    ERROR,
    HEADER,
    MARKDOWN,
    OPEN,
    SOURCES,
    SPACER,
    STATS,
    THINKING,
    TOOL,
    WAITING,
    Chunk,
    Entry,
    ToolView,
)
from workshop_tui.ui.widgets.line_block import LineBlock
from workshop_tui.ui.widgets.markdown_lines import PARSER, BlockRenderer

TOOL_RESULT_LINES = 12
TOOL_RESULT_CHARS = 2000
ARGUMENT_CHARS = 300


@dataclass(frozen=True)
class EntryStyles:
    """Rich styles for the parts of a message that are not Markdown, taken from the widget's CSS."""

    user_label: Style
    assistant_label: Style
    meta: Style
    thinking: Style
    tool: Style
    tool_result: Style
    error: Style
    sources: Style
    citation: Style
    waiting: Style


def clean(value: object) -> str:
    return strip_terminal_controls(str(value))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def header_text(entry: Entry, styles: EntryStyles) -> Text:
    if entry.role is MessageRole.USER:
        text = Text("You", style=styles.user_label)
    elif entry.role is MessageRole.SYSTEM:
        text = Text("System", style=styles.meta)
    else:
        text = Text(clean(entry.model or "Assistant"), style=styles.assistant_label)
    if entry.created_at is not None:
        text.append(f" · {entry.created_at.astimezone().strftime('%H:%M')}", style=styles.meta)
    if entry.streaming:
        text.append(" · writing…", style=styles.meta)
    return text


def thinking_text(entry: Entry, styles: EntryStyles) -> Text:
    words = _plural(entry.thinking_words, "word")
    if not entry.thinking_expanded:
        label = f"▸ Thinking… ({words})" if entry.streaming else f"▸ Thinking ({words})"
        return Text(label, style=styles.thinking, no_wrap=True, overflow="ellipsis")
    text = Text(f"▾ Thinking ({words})\n", style=styles.thinking)
    text.append(clean(entry.thinking).strip("\n"), style=styles.thinking)
    return text


def _cleaned(value: Any) -> Any:
    """Arguments with terminal controls removed from every string (keys included)."""
    if isinstance(value, str):
        return strip_terminal_controls(value)
    if isinstance(value, dict):
        return {_cleaned(str(key)): _cleaned(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_cleaned(item) for item in value]
    return value


def format_arguments(arguments: dict[str, Any]) -> str:
    try:
        shown = json.dumps(_cleaned(arguments), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        shown = repr(arguments)
    shown = clean(shown)
    return shown if len(shown) <= ARGUMENT_CHARS else shown[: ARGUMENT_CHARS - 1] + "…"


def tool_text(tool: ToolView, styles: EntryStyles) -> Text:
    """The call and its result, with a blank line above and below to set it apart from the text."""
    text = Text("\n")
    text.append(f"⚙ {clean(tool.name)} ", style=styles.tool)
    text.append(format_arguments(tool.arguments), style=styles.tool_result)
    text.append(f" · {clean(tool.status)}", style=styles.error if tool.status == "refused" else styles.meta)
    if tool.result:
        result = clean(tool.result).strip("\n")
        lines = result[:TOOL_RESULT_CHARS].split("\n")
        hidden = result.count("\n") + 1 - min(len(lines), TOOL_RESULT_LINES)
        for line in lines[:TOOL_RESULT_LINES]:
            text.append(f"\n  {line}", style=styles.tool_result)
        if hidden > 0 or len(result) > TOOL_RESULT_CHARS:
            text.append(f"\n  … ({_plural(max(hidden, 0), 'more line')})", style=styles.meta)
    text.append("\n")
    return text


def error_text(entry: Entry, styles: EntryStyles) -> Text:
    if entry.status is MessageStatus.INTERRUPTED and not entry.error:
        return Text("⏸ Interrupted: the reply stopped here.", style=styles.error)
    label = "⏸ Interrupted" if entry.status is MessageStatus.INTERRUPTED else "✖ Error"
    return Text(f"{label}: {clean(entry.error or 'the reply failed')}", style=styles.error)


def citation_title(citation: dict[str, Any]) -> str:
    return clean(citation.get("document_title") or citation.get("title") or "Untitled document")


def citation_text(number: int, citation: dict[str, Any], styles: EntryStyles) -> Text:
    text = Text(f"[{number}] ", style=styles.sources)
    text.append(citation_title(citation), style=styles.citation)
    location = citation.get("location")
    if location:
        text.append(f" · {clean(location)}", style=styles.meta)
    score = citation.get("score")
    if isinstance(score, int | float):
        text.append(f" · score {score:.2f}", style=styles.meta)
    return text


def chunk_text(chunk: Chunk, styles: EntryStyles) -> Text:
    """The text of a chunk that is not Markdown."""
    entry = chunk.entry
    kind = chunk.kind
    if kind == HEADER:
        return header_text(entry, styles)
    if kind == THINKING:
        return thinking_text(entry, styles)
    if kind == TOOL:
        tool = entry.parts[chunk.arg]
        assert isinstance(tool, ToolView)
        return tool_text(tool, styles)
    if kind == WAITING:
        return Text(f"⏳ {clean(entry.waiting or '')}", style=styles.waiting)
    if kind == ERROR:
        return error_text(entry, styles)
    if kind == SOURCES:
        return Text("\nSources", style=styles.sources)
    if kind == CITATION:
        return citation_text(chunk.arg + 1, entry.citations[chunk.arg], styles)
    if kind == STATS:
        return Text(clean(entry.stats or ""), style=styles.meta)
    if kind == SPACER:
        return Text("")
    raise ValueError(f"no text for a {kind} chunk")


def render_chunk(chunk: Chunk, renderer: BlockRenderer, styles: EntryStyles, width: int) -> LineBlock:
    """Render a chunk at `width` (Markdown from its clean source, everything else from its text)."""
    lead = chunk.arg == 1  # a block follows another in the same run of text
    if chunk.kind == MARKDOWN:
        return renderer.markdown(chunk.source, width, parsed=chunk.tokens, lead=lead)
    if chunk.kind == OPEN:
        if chunk.tokens is None:  # re-rendered after a resize or a theme change
            return renderer.open_block(chunk.source, PARSER.parse(chunk.source), width, lead=lead)
        return renderer.open_block(chunk.source, chunk.tokens, width, chunk.first_line, lead=lead)
    return renderer.text(chunk_text(chunk, styles), width)
