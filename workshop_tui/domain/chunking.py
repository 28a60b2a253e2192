"""Split Markdown (or plain) text into overlapping chunks for embedding and citation.

Chunks follow the document's own structure first: every ATX heading starts a section, and a chunk
never spans two sections, so a retrieved passage is about one topic and can be cited as
"Install \u203a Linux". Long sections are then cut by size at the most natural boundary available
(paragraph, then sentence, then line, then space), and consecutive chunks overlap so a sentence cut
at a boundary still appears whole in one of them.

Each chunk records character offsets into the original text, and ``text[start:end] == chunk.text``
always holds, so citations can point back at (and highlight) the exact source passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workshop_tui.domain.errors import Invalid

_SEPARATOR = " \u203a "  # single right-pointing angle quotation mark between heading titles
_EN_DASH = "\u2013"  # en dash in character ranges
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
# Break preferences, best first: paragraph, sentence end, line, any whitespace.
_BREAKS = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"[.!?…][\"')\]]*\s+"),
    re.compile(r"\n\s*"),
    re.compile(r"\s+"),
)


@dataclass(frozen=True)
class Chunk:
    """One passage of a document, with where it came from."""

    index: int
    text: str
    heading_path: tuple[str, ...]
    start: int
    end: int

    @property
    def location(self) -> str:
        """Human-readable position for citations, e.g. ``Install \u203a Linux, chars 120\u2013980``."""
        span = f"chars {self.start}{_EN_DASH}{self.end}"
        return f"{_SEPARATOR.join(self.heading_path)}, {span}" if self.heading_path else span


@dataclass(frozen=True)
class _Section:
    start: int
    end: int
    heading_path: tuple[str, ...]
    body_start: int  # where the text after the heading line begins


def chunk_markdown(text: str, *, size: int = 1000, overlap: int = 100, min_chunk: int = 200) -> list[Chunk]:
    """Split ``text`` into chunks of at most about ``size`` characters, ``overlap`` shared between
    neighbours within a section.

    A trailing piece shorter than ``min_chunk`` is merged into the previous chunk of its section
    (which may then exceed ``size`` by less than ``min_chunk``), because a scrap of a few words
    embeds poorly and wastes a search slot. Leading and trailing whitespace is never part of a chunk.
    """
    if size < 1:
        raise Invalid(f"must be at least 1, not {size}", field="size")
    if not 0 <= overlap < size:
        raise Invalid(f"must be at least 0 and smaller than size ({size}), not {overlap}", field="overlap")
    if not 0 <= min_chunk < size:
        raise Invalid(f"must be at least 0 and smaller than size ({size}), not {min_chunk}", field="min_chunk")
    chunks: list[Chunk] = []
    for section in _sections(text):
        for start, end in _split_section(text, section.start, section.end, size, overlap, min_chunk):
            chunks.append(Chunk(len(chunks), text[start:end], section.heading_path, start, end))
    return chunks


def _sections(text: str) -> list[_Section]:
    """Cut ``text`` at ATX headings outside fenced code blocks.

    A section holding only its heading line (a heading directly followed by a sub-heading) is merged
    into the next section, so the parent title stays in the text without becoming a chunk of its own;
    an empty heading followed by a sibling is dropped, as it says nothing.
    """
    raw: list[_Section] = []
    path: list[tuple[int, str]] = []
    current_start, current_body, current_path = 0, 0, ()
    fence: str | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        fence_match = _FENCE.match(content)
        if fence is not None:
            if fence_match and fence_match.group(1).startswith(fence) and not fence_match.group(2).strip():
                fence = None
        elif fence_match and not (fence_match.group(1)[0] == "`" and "`" in fence_match.group(2)):
            fence = fence_match.group(1)
        else:
            heading = _HEADING.match(content)
            if heading:
                raw.append(_Section(current_start, offset, current_path, current_body))
                level = len(heading.group(1))
                title = _CLOSING_HASHES.sub("", heading.group(2) or "").strip()
                path = [(lvl, name) for lvl, name in path if lvl < level] + [(level, title)]
                current_start, current_body = offset, offset + len(line)
                current_path = tuple(name for _, name in path if name)
        offset += len(line)
    raw.append(_Section(current_start, len(text), current_path, current_body))

    sections: list[_Section] = []
    carry: tuple[int, tuple[str, ...]] | None = None
    for section in raw:
        start = section.start
        if carry is not None and section.heading_path[: len(carry[1])] == carry[1]:
            start = carry[0]
        if not text[section.body_start : section.end].strip() and section is not raw[-1]:
            # Only a heading: its title carries into the next section if that one is nested under it.
            carry = (start, section.heading_path) if text[section.start : section.end].strip() else None
            continue
        carry = None
        if text[start : section.end].strip():
            sections.append(_Section(start, section.end, section.heading_path, section.body_start))
    return sections


def _split_section(text: str, start: int, end: int, size: int, overlap: int, min_chunk: int) -> list[tuple[int, int]]:
    """Return (start, end) spans covering ``text[start:end]``, trimmed of surrounding whitespace."""
    start, end = _trim(text, start, end)
    spans: list[tuple[int, int]] = []
    while start < end:
        if end - start <= size:
            spans.append((start, end))
            break
        cut = _best_break(text, start, start + size)
        piece = _trim(text, start, cut)
        if piece[0] < piece[1]:
            spans.append(piece)
        next_start = _overlap_start(text, start, cut, overlap)
        start, _ = _trim(text, next_start, end)
    if len(spans) >= 2 and spans[-1][1] - spans[-1][0] < min_chunk:
        tail = spans.pop()
        spans[-1] = (spans[-1][0], tail[1])
    return spans


def _best_break(text: str, start: int, limit: int) -> int:
    """Where to end a chunk that starts at ``start`` and may not pass ``limit``.

    Only the second half of the window is searched, so a preferred boundary never produces a chunk
    much smaller than ``size``; with no boundary at all the cut falls at ``limit``.
    """
    floor = start + (limit - start) // 2
    window = text[floor:limit]
    for pattern in _BREAKS:
        last = None
        for match in pattern.finditer(window):
            last = match
        if last is not None and floor + last.end() > start:
            return floor + last.end()
    return limit


def _overlap_start(text: str, start: int, cut: int, overlap: int) -> int:
    """Start of the next chunk: ``overlap`` characters before ``cut``, moved forward to a word start.

    Never before the middle of the finished chunk, so each step advances by at least half a chunk
    however the boundaries fall (an overlap close to ``size`` would otherwise crawl).
    """
    if overlap == 0:
        return cut
    candidate = max(cut - overlap, start + max(1, (cut - start) // 2))
    if candidate < cut and not text[candidate - 1].isspace():
        space = re.compile(r"\s").search(text, candidate, cut)
        if space is not None:
            candidate = space.end()
    return min(candidate, cut)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so it neither starts nor ends with whitespace (may become empty)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
