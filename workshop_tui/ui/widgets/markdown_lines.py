"""Markdown split into top-level blocks and rendered by Rich into `LineBlock`s.

Everything here treats its input as plain text from a user, a document or a model:
- every source passes through `strip_terminal_controls` here, at render time, on whole blocks, so an
  escape sequence split across two streamed chunks is removed whole;
- Rich's Markdown is used with hyperlinks off (no OSC 8; a link shows as "text (url)"), and no text
  is ever read as Rich console markup or Textual content markup.

A reply is streamed as blocks: every top-level block but the last is final and rendered once; the
last ("open") block is rendered again as it grows, and an open code fence is shown as plain text
until its closing fence arrives, when it is highlighted once.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import Token as PygmentsToken
from pygments.util import ClassNotFound
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markdown import CodeBlock, Markdown
from rich.padding import Padding
from rich.style import Style
from rich.syntax import PygmentsSyntaxTheme, Syntax, SyntaxTheme
from rich.text import Text
from rich.theme import Theme

from workshop_tui.domain.text import strip_terminal_controls
from workshop_tui.ui.widgets.line_block import LineBlock

# Rich's own Markdown parser settings, made once instead of once per render.
PARSER = MarkdownIt().enable("strikethrough").enable("table")
_FENCE_CLOSE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*\Z")
GROUP_SOURCE_LINES = 40
"""A finished message is split into groups of whole blocks of about this many source lines, each
rendered only when it comes near the viewport."""


def line_offsets(text: str) -> list[int]:
    """The offset of the start of every line of `text`."""
    offsets = [0]
    find = text.find
    position = find("\n")
    while position != -1:
        offsets.append(position + 1)
        position = find("\n", position + 1)
    return offsets


def top_level_indices(tokens: Sequence[Token]) -> list[int]:
    """Indices of the tokens that open (or are) a top-level block."""
    return [i for i, token in enumerate(tokens) if token.level == 0 and token.nesting != -1 and token.map]


def fence_is_closed(token: Token, lines: Sequence[str], first_line: int = 0) -> bool:
    """Whether a fence token's closing fence has arrived (markdown-it runs an open fence to the end).

    `lines` are the source lines, the first of which is line `first_line` of what was parsed.
    """
    if token.map is None:
        return False
    start, end = token.map[0] - first_line, token.map[1] - first_line
    if end - start < 2 or end > len(lines):
        return False
    match = _FENCE_CLOSE.match(lines[end - 1].rstrip("\n"))
    marker = token.markup
    return bool(match and marker and match.group(1)[0] == marker[0] and len(match.group(1)) >= len(marker))


@dataclass
class TailSplit:
    """The unfinished end of a reply, parsed: the blocks that are final and the open last block."""

    final_source: str
    """Clean text of the blocks that can be rendered for good ("" when there are none)."""
    final_tokens: list[Token]
    raw_cut: int
    """How far into the raw tail the final blocks reach."""
    open_source: str
    open_tokens: list[Token]
    open_line: int = 0
    """The line of the parsed text that `open_source` starts at (token maps count from there)."""


def split_tail(raw_tail: str) -> TailSplit:
    """Parse the unfinished end of a reply and find where its last top-level block starts.

    The text is cleaned first, and the cut is mapped back to the raw text by line number; this holds
    whenever cleaning kept every newline. When it did not (an escape sequence that spans lines), the
    whole tail stays open for now, which is slower but never wrong.
    """
    clean = strip_terminal_controls(raw_tail)
    tokens = PARSER.parse(clean)
    starts = top_level_indices(tokens)
    if len(starts) < 2 or clean.count("\n") != raw_tail.count("\n"):
        return TailSplit("", [], 0, clean, tokens)
    last = starts[-1]
    first_line = tokens[last].map[0]  # type: ignore[index]
    clean_cut = line_offsets(clean)[first_line]
    raw_cut = line_offsets(raw_tail)[first_line]
    return TailSplit(clean[:clean_cut], tokens[:last], raw_cut, clean[clean_cut:], tokens[last:], first_line)


def group_sources(text: str, max_lines: int = GROUP_SOURCE_LINES) -> list[str]:
    """Cut a finished message's clean text into groups of whole top-level blocks."""
    tokens = PARSER.parse(text)
    offsets = line_offsets(text)
    cuts = [tokens[i].map[0] for i in top_level_indices(tokens)]  # type: ignore[index]
    groups: list[str] = []
    group_start = 0
    for line in cuts[1:]:
        if line - group_start >= max_lines:
            groups.append(text[offsets[group_start]:offsets[line]])
            group_start = line
    tail = text[offsets[group_start]:] if group_start < len(offsets) else ""
    if tail.strip() or not groups:
        groups.append(tail)
    return groups


def estimate_height(source: str, width: int) -> int:
    """Lines that `source` will take once rendered at `width`, roughly, before it is rendered."""
    width = max(width, 8)
    total = 0
    for line in source.split("\n"):
        total += (len(line) + width - 1) // width or 1
    return total


_LEXERS: dict[str, Lexer | None] = {}
_LEXER_CACHE_SIZE = 64


def lexer_for(name: str) -> Lexer | None:
    """A Pygments lexer for a fence's language name (None: show the code plain), made once per name."""
    key = name.strip().lower()[:40]
    if key in _LEXERS:
        return _LEXERS[key]
    try:
        lexer: Lexer | None = get_lexer_by_name(key or "text", stripnl=False, ensurenl=True, tabsize=4)
    except ClassNotFound:
        lexer = None
    if len(_LEXERS) < _LEXER_CACHE_SIZE:
        _LEXERS[key] = lexer
    return lexer


class _CodeBlock(CodeBlock):
    """A code block on the theme's code background, highlighted with a shared syntax theme."""

    background: str | None = None

    @classmethod
    def create(cls, markdown: Markdown, token: Token) -> _CodeBlock:
        block = cls((token.info or "").partition(" ")[0] or "text", markdown.code_theme)
        block.background = getattr(markdown, "code_background", None)
        return block

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        code = str(self.text).rstrip()
        yield Syntax(code, lexer_for(self.lexer_name) or lexer_for("text"),  # type: ignore[arg-type]
                     theme=self.theme, word_wrap=True, padding=1,
                     background_color=self.background)


class SafeMarkdown(Markdown):
    """Rich's Markdown with hyperlinks always off, one shared parser, and pre-parsed tokens allowed."""

    elements = {**Markdown.elements, "fence": _CodeBlock, "code_block": _CodeBlock}

    def __init__(self, tokens: list[Token], *, code_theme: SyntaxTheme, code_background: str | None) -> None:
        # Markdown.__init__ builds a new parser for every instance; these are the attributes it sets.
        self.markup = ""
        self.parsed = tokens
        self.code_theme = code_theme  # type: ignore[assignment]
        self.justify = None
        self.style = "none"
        self.hyperlinks = False
        self.inline_code_lexer = None
        self.inline_code_theme = code_theme  # type: ignore[assignment]
        self.code_background = code_background


@dataclass(frozen=True)
class RenderStyles:
    """What rendering takes from the app's theme."""

    markdown: dict[str, Style]
    """Rich theme entries (`markdown.h1`, `markdown.code`, ...)."""
    code_theme: str
    """Pygments style for highlighted code, chosen for a dark or a light theme."""
    code_background: str | None
    base: Style
    """The widget's own colours, under everything."""


class BlockRenderer:
    """Renders clean Markdown, plain text and Rich `Text` to `LineBlock`s at a given width."""

    def __init__(self, styles: RenderStyles) -> None:
        self.styles = styles
        self.syntax_theme: SyntaxTheme = PygmentsSyntaxTheme(styles.code_theme)
        self.console = Console(file=io.StringIO(), width=200, force_terminal=True, color_system="truecolor",
                               theme=Theme(styles.markdown), legacy_windows=False, markup=False, emoji=False,
                               highlight=False, safe_box=False, _environ={})

    def render(self, renderable: RenderableType, width: int) -> LineBlock:
        options = self.console.options.update(width=width, min_width=width, height=None)
        lines = self.console.render_lines(renderable, options, style=self.styles.base, pad=True)
        return LineBlock.from_lines(lines, width)

    def _markdown(self, tokens: list[Token], width: int) -> LineBlock:
        block = self.render(SafeMarkdown(tokens, code_theme=self.syntax_theme,
                                         code_background=self.styles.code_background), width)
        block.strip_trailing_blanks(self.styles.base.bgcolor)
        block.strip_leading_blanks(self.styles.base.bgcolor)
        return block

    def markdown(self, source: str, width: int, *, parsed: list[Token] | None = None, lead: bool = False) -> LineBlock:
        """Finished blocks; `lead` puts a blank line above them (they follow other blocks).

        `parsed`, if given, must be the tokens of `source`.
        """
        tokens = parsed if parsed is not None else PARSER.parse(strip_terminal_controls(source))
        return self._lead(self._markdown(tokens, width), lead)

    def _lead(self, block: LineBlock, lead: bool) -> LineBlock:
        if not lead or not len(block):
            return block
        spaced = LineBlock(block.width)
        spaced.add_blank(self.styles.base)
        spaced.extend(block)
        return spaced

    def open_block(self, source: str, tokens: list[Token], width: int, first_line: int = 0, *,
                   lead: bool = False) -> LineBlock:
        """The block still being written; an unclosed code fence shows as plain text.

        `tokens` are the tokens of `source`, parsed as part of a text where it starts at `first_line`.
        """
        starts = top_level_indices(tokens)
        if starts:
            last = tokens[starts[-1]]
            if last.type == "fence" and not fence_is_closed(last, source.split("\n"), first_line):
                body = self.render(self._plain_code(last.content.rstrip("\n")), width)
                if not starts[-1]:
                    return self._lead(body, lead)
                head = self._markdown(tokens[:starts[-1]], width)
                head.add_blank(self.styles.base)
                head.extend(body)
                return self._lead(head, lead)
        return self._lead(self._markdown(tokens, width), lead)

    def _plain_code(self, code: str) -> RenderableType:
        """Code as Syntax shows it (padding, background, the theme's text colour), without
        highlighting: cheap enough to redo every time an open fence grows."""
        text_style = self.syntax_theme.get_style_for_token(PygmentsToken.Text)
        background = Style(bgcolor=self.styles.code_background or text_style.bgcolor)
        text = Text(code, style=Style(color=text_style.color) + background, tab_size=4)
        return Padding(text, 1, style=background, expand=True)

    def text(self, text: Text, width: int) -> LineBlock:
        """A Rich Text the caller built from clean strings (never from markup)."""
        return self.render(text, width)

