"""The data a `ConversationView` shows: one `Entry` per message, cut into `Chunk`s of lines.

An entry holds what arrived (text, thinking, tool activity, citations, status), never rendered
output. Its chunks are the units that are rendered, measured and re-rendered: a header, the thinking
line, groups of Markdown blocks, each tool call, each citation. A chunk that is not rendered at the
current width has an estimated height; an entry far from the viewport is a single placeholder chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markdown_it.token import Token

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.domain.models import Message
from workshop_tui.domain.text import strip_terminal_controls
from workshop_tui.ui.widgets.line_block import LineBlock
from workshop_tui.ui.widgets.markdown_lines import estimate_height, group_sources, split_tail

PLACEHOLDER = "placeholder"
HEADER = "header"
THINKING = "thinking"
MARKDOWN = "markdown"
OPEN = "open"
TOOL = "tool"
WAITING = "waiting"
ERROR = "error"
SOURCES = "sources"
CITATION = "citation"
STATS = "stats"
SPACER = "spacer"


class Chunk:
    """A run of lines of one entry. `lines` is None until rendered at the current width."""

    __slots__ = ("arg", "entry", "first_line", "height", "index", "kind", "lines", "previous", "source", "tokens",
                 "version")

    def __init__(self, entry: Entry, kind: str, source: str = "", arg: int = 0, height: int = 1) -> None:
        self.entry = entry
        self.kind = kind
        self.source = source
        self.arg = arg
        self.lines: LineBlock | None = None
        self.previous: LineBlock | None = None
        """The last rendering while it is stale, to repaint only the lines that change."""
        self.height = height
        self.version = 0
        """How many times the chunk was rendered (0: its height is only an estimate)."""
        self.index = 0
        self.tokens: list[Token] | None = None
        """Tokens of `source` from the streaming parse, used once by the first render."""
        self.first_line = 0

    def invalidate(self) -> None:
        if self.lines is not None:
            self.previous = self.lines
        self.lines = None

    def set_lines(self, lines: LineBlock) -> None:
        self.lines = lines
        self.previous = None
        self.height = len(lines)
        self.version += 1
        self.tokens = None


@dataclass(eq=False)
class ToolView:
    """One tool call: "calling", then "done" or "refused" with its result."""

    name: str
    arguments: dict[str, Any]
    status: str
    result: str | None = None


class ContentPart:
    """A run of reply text; a reply has one more after each round of tool calls.

    While streaming, `append` only adds to `pending`; `advance` (run by the view's ticker) moves it
    into `raw`, renders nothing, and updates the chunks: finished blocks become `done` chunks and the
    rest is the `open` chunk.
    """

    __slots__ = ("closed", "committed", "done", "open", "pending", "raw")

    def __init__(self, text: str = "", *, closed: bool = False) -> None:
        self.raw = text
        self.pending: list[str] = []
        self.committed = 0
        self.done: list[Chunk] = []
        self.open: Chunk | None = None
        self.closed = closed

    @property
    def text(self) -> str:
        return self.raw + "".join(self.pending) if self.pending else self.raw

    def chunks(self, entry: Entry) -> list[Chunk]:
        if self.closed and not self.done and self.raw.strip():
            sources = group_sources(strip_terminal_controls(self.raw))
            self.done = [Chunk(entry, MARKDOWN, source, arg=int(n > 0)) for n, source in enumerate(sources)]
        return [*self.done, self.open] if self.open is not None else list(self.done)

    def advance(self, entry: Entry) -> tuple[bool, bool]:
        """Take in pending text. Returns (a chunk was added, the open chunk changed)."""
        if not self.pending and self.open is not None:
            return False, False
        self.raw += "".join(self.pending)
        self.pending.clear()
        split = split_tail(self.raw[self.committed:])
        added = False
        if split.final_source:
            chunk = Chunk(entry, MARKDOWN, split.final_source, arg=int(bool(self.done)),
                          height=self.open.height if self.open else 1)
            chunk.tokens = split.final_tokens
            self.done.append(chunk)
            self.committed += split.raw_cut
            added = True
        if self.open is None:
            self.open = Chunk(entry, OPEN, height=0)
            added = True
        lead = int(bool(self.done))
        if split.open_source != self.open.source or self.open.arg != lead or self.open.lines is None:
            self.open.arg = lead
            self.open.source = split.open_source
            self.open.tokens = split.open_tokens
            self.open.first_line = split.open_line
            self.open.invalidate()
            return added, True
        return added, False

    def close(self, entry: Entry) -> None:
        """The part is complete: its open block becomes a finished one (highlighted if code)."""
        self.advance(entry)
        if self.open is not None and self.open.source.strip():
            chunk = Chunk(entry, MARKDOWN, self.open.source, arg=int(bool(self.done)), height=self.open.height)
            self.done.append(chunk)
        self.open = None
        self.closed = True


@dataclass(eq=False)
class Entry:
    """One message as shown: user text, or an assistant reply with everything that came with it."""

    role: MessageRole
    model: str | None = None
    parts: list[ContentPart | ToolView] = field(default_factory=list)
    thinking: str = ""
    thinking_pending: list[str] = field(default_factory=list)
    thinking_words: int = 0
    thinking_expanded: bool = False
    citations: tuple[dict[str, Any], ...] = ()
    status: MessageStatus = MessageStatus.COMPLETE
    error: str | None = None
    stats: str | None = None
    waiting: str | None = None
    created_at: datetime | None = None
    message: Message | None = None
    index: int = 0
    first: int = 0
    """Index of this entry's first chunk in the view's flat chunk list."""
    chunks: list[Chunk] = field(default_factory=list)
    expanded: bool = False
    """False while the entry is a single placeholder chunk."""
    code_turn: int = 0
    """Which code block "copy code" gives next (it cycles)."""
    link_turn: int = 0
    _small: dict[tuple[str, int], Chunk] = field(default_factory=dict)

    @property
    def streaming(self) -> bool:
        return self.status is MessageStatus.STREAMING

    def chunk(self, kind: str, arg: int = 0) -> Chunk:
        """The entry's chunk of this kind, kept between rebuilds so its rendering is reused."""
        found = self._small.get((kind, arg))
        if found is None:
            found = self._small[(kind, arg)] = Chunk(self, kind, arg=arg)
        return found

    def invalidate(self, *kinds: str) -> None:
        for (kind, _arg), chunk in self._small.items():
            if kind in kinds:
                chunk.invalidate()

    def content_part(self) -> ContentPart:
        """The part new reply text goes to (a new one after a tool call)."""
        if not self.parts or not isinstance(self.parts[-1], ContentPart) or self.parts[-1].closed:
            self.parts.append(ContentPart())
        part = self.parts[-1]
        assert isinstance(part, ContentPart)
        return part

    def take_thinking(self) -> bool:
        """Move pending thinking into `thinking` and count its words. True if anything arrived."""
        if not self.thinking_pending:
            return False
        new = "".join(self.thinking_pending)
        self.thinking_pending.clear()
        words = len(new.split())
        if words and self.thinking and not self.thinking[-1].isspace() and not new[0].isspace():
            words -= 1  # a word cut in two by the chunking
        self.thinking += new
        self.thinking_words += words
        return True

    @property
    def text(self) -> str:
        """The reply text as received, parts joined, free of terminal controls."""
        texts = [part.text for part in self.parts if isinstance(part, ContentPart)]
        return strip_terminal_controls("\n\n".join(text.strip("\n") for text in texts if text.strip()))

    def build(self) -> list[Chunk]:
        """The entry's chunks in display order."""
        chunks = [self.chunk(HEADER)] if self.role is not MessageRole.TOOL else []
        if self.thinking or self.thinking_pending:
            chunks.append(self.chunk(THINKING))
        for number, part in enumerate(self.parts):
            if isinstance(part, ContentPart):
                chunks.extend(part.chunks(self))
            else:
                chunks.append(self.chunk(TOOL, number))
        if self.waiting:
            chunks.append(self.chunk(WAITING))
        if self.error or self.status in (MessageStatus.ERROR, MessageStatus.INTERRUPTED):
            chunks.append(self.chunk(ERROR))
        if self.citations:
            chunks.append(self.chunk(SOURCES))
            chunks.extend(self.chunk(CITATION, number) for number in range(len(self.citations)))
        if self.stats:
            chunks.append(self.chunk(STATS))
        chunks.append(self.chunk(SPACER))
        return chunks

    def estimate(self, width: int) -> int:
        """Height of the whole entry before any of it is rendered."""
        lines = 2 + len(self.citations) + (1 if self.citations else 0) + (1 if self.thinking else 0)
        for part in self.parts:
            lines += estimate_height(part.text, width) + 1 if isinstance(part, ContentPart) else 2
        return lines


def entry_from_message(message: Message) -> Entry:
    """An entry for a stored message. A tool message shows as its tool call with the result."""
    entry = Entry(role=message.role, model=message.model, thinking=message.thinking or "",
                  citations=tuple(message.citations or ()), status=message.status, error=message.error,
                  created_at=message.created_at, message=message)
    entry.thinking_words = len(entry.thinking.split())
    if message.role is MessageRole.TOOL:
        record = (message.tool_calls or ({},))[0]
        arguments = record.get("arguments")
        entry.parts.append(ToolView(message.tool_name or str(record.get("name", "tool")),
                                    arguments if isinstance(arguments, dict) else {},
                                    "done" if record.get("ok", True) else "refused", message.content))
    elif message.content:
        entry.parts.append(ContentPart(message.content, closed=True))
    if message.status is MessageStatus.STREAMING:
        entry.status = MessageStatus.INTERRUPTED  # a reply left half-written by a crash
    return entry
