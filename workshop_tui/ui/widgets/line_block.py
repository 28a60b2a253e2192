"""Rendered lines kept compactly, so that thousands of them cost the collector almost nothing.

A conversation can hold tens of thousands of rendered lines across twenty sessions in one process.
Rich segments and Textual strips are several small objects each, and the generation-2 collections
over them stalled the event loop. A `LineBlock` keeps one string per line plus three arrays of
integers (segment lengths, style ids, where each line's segments start); arrays and strings are not
tracked by the collector. Strips are built only for the lines on screen (see `ConversationView`).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

from rich.color import Color
from rich.segment import Segment
from rich.style import Style


class StylePool:
    """Numbers every distinct Rich style once. Styles come from a handful of themes and token
    types, so the pool stays small however much text is rendered."""

    __slots__ = ("_ids", "_styles")

    def __init__(self) -> None:
        self._ids: dict[Style | None, int] = {None: 0}
        self._styles: list[Style | None] = [None]

    def id_of(self, style: Style | None) -> int:
        ident = self._ids.get(style)
        if ident is None:
            ident = self._ids[style] = len(self._styles)
            self._styles.append(style)
        return ident

    def __getitem__(self, ident: int) -> Style | None:
        return self._styles[ident]

    def __len__(self) -> int:
        return len(self._styles)


STYLES = StylePool()


class LineBlock:
    """Lines rendered at one width: the text of each line and runs of (length, style id) over it."""

    __slots__ = ("_line_start", "_seg_len", "_seg_style", "texts", "width")

    def __init__(self, width: int) -> None:
        self.width = width
        self.texts: list[str] = []
        self._line_start = array("I", [0])
        self._seg_len = array("I")
        self._seg_style = array("I")

    @classmethod
    def from_lines(cls, lines: Iterable[Iterable[Segment]], width: int) -> LineBlock:
        """Store lines as Rich renders them (`Console.render_lines` pads each to `width` cells).

        Control segments are dropped: rendered text never moves the cursor or talks to the terminal.
        Neighbouring segments with the same style are merged.
        """
        block = cls(width)
        id_of = STYLES.id_of
        texts, seg_len, seg_style, line_start = block.texts, block._seg_len, block._seg_style, block._line_start
        for line in lines:
            parts: list[str] = []
            last_style = -1
            for text, style, control in line:
                if control or not text:
                    continue
                ident = id_of(style)
                if ident == last_style:
                    seg_len[-1] += len(text)
                else:
                    seg_len.append(len(text))
                    seg_style.append(ident)
                    last_style = ident
                parts.append(text)
            texts.append("".join(parts))
            line_start.append(len(seg_len))
        return block

    def __len__(self) -> int:
        return len(self.texts)

    def segments(self, index: int) -> list[Segment]:
        """The segments of line `index`, made fresh (callers cache the strips they build)."""
        text = self.texts[index]
        styles = STYLES
        out: list[Segment] = []
        position = 0
        seg_len, seg_style = self._seg_len, self._seg_style
        for k in range(self._line_start[index], self._line_start[index + 1]):
            end = position + seg_len[k]
            out.append(Segment(text[position:end], styles[seg_style[k]]))
            position = end
        return out

    def is_blank(self, index: int, background: Color | None = None) -> bool:
        """A line with no visible text and no background but `background` (a spacer Rich left)."""
        if self.texts[index].strip():
            return False
        for k in range(self._line_start[index], self._line_start[index + 1]):
            style = STYLES[self._seg_style[k]]
            if style is not None and style.bgcolor is not None and style.bgcolor != background:
                return False
        return True

    def strip_trailing_blanks(self, background: Color | None = None) -> None:
        """Drop blank lines at the end; callers add exactly the spacing they want."""
        while self.texts and self.is_blank(len(self.texts) - 1, background):
            self.texts.pop()
            self._line_start.pop()
            del self._seg_len[self._line_start[-1]:]
            del self._seg_style[self._line_start[-1]:]

    def strip_leading_blanks(self, background: Color | None = None) -> None:
        """Drop blank lines at the start (Rich opens some blocks, such as quotes, with one)."""
        count = 0
        while count < len(self.texts) and self.is_blank(count, background):
            count += 1
        if count:
            first = self._line_start[count]
            del self.texts[:count]
            del self._seg_len[:first]
            del self._seg_style[:first]
            self._line_start = array("I", (start - first for start in self._line_start[count:]))

    def add_blank(self, style: Style | None = None) -> None:
        """Append one empty line of the block's width."""
        self.texts.append(" " * self.width)
        self._seg_len.append(self.width)
        self._seg_style.append(STYLES.id_of(style))
        self._line_start.append(len(self._seg_len))

    def extend(self, other: LineBlock) -> None:
        """Append the lines of `other` (rendered at the same width)."""
        offset = len(self._seg_len)
        self.texts.extend(other.texts)
        self._seg_len.extend(other._seg_len)
        self._seg_style.extend(other._seg_style)
        self._line_start.extend(start + offset for start in other._line_start[1:])

    def first_difference(self, other: LineBlock) -> int:
        """The first line that differs from `other` in text or style (a block re-rendered after
        more text arrived usually differs only in its last lines, and only those are repainted)."""
        if other.width != self.width:
            return 0
        count = min(len(self.texts), len(other.texts))
        for index in range(count):
            if self.texts[index] != other.texts[index]:
                return index
            start, end = self._line_start[index], self._line_start[index + 1]
            other_start, other_end = other._line_start[index], other._line_start[index + 1]
            if (self._seg_len[start:end] != other._seg_len[other_start:other_end]
                    or self._seg_style[start:end] != other._seg_style[other_start:other_end]):
                return index
        return count if len(self.texts) != len(other.texts) else len(self.texts)

    def plain_text(self) -> str:
        return "\n".join(text.rstrip() for text in self.texts)
