"""The per-format parsers behind :mod:`workshop_tui.services.extraction`: text decoding, HTML, PDF.

Kept apart from the limits and entry points so each parser can be read on its own. Each one raises
Invalid naming the file when the content is not what it claims to be.
"""

from __future__ import annotations

import io
import logging
import re
from html.parser import HTMLParser

from pypdf import PdfReader

from workshop_tui.domain.errors import Invalid

log = logging.getLogger(__name__)

SOURCE_EXTENSIONS: dict[str, str] = {  # source and config files, read as text
    ".py": "text/x-python",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".ts": "text/x-typescript",
    ".tsx": "text/x-typescript",
    ".jsx": "text/javascript",
    ".go": "text/x-go",
    ".rs": "text/x-rust",
    ".java": "text/x-java",
    ".kt": "text/x-kotlin",
    ".c": "text/x-c",
    ".h": "text/x-c",
    ".cpp": "text/x-c++",
    ".hpp": "text/x-c++",
    ".cc": "text/x-c++",
    ".cs": "text/x-csharp",
    ".rb": "text/x-ruby",
    ".php": "text/x-php",
    ".swift": "text/x-swift",
    ".sh": "text/x-shellscript",
    ".bash": "text/x-shellscript",
    ".ps1": "text/plain",
    ".json": "application/json",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".toml": "application/toml",
    ".ini": "text/plain",
    ".cfg": "text/plain",
    ".sql": "application/sql",
    ".css": "text/css",
    ".xml": "application/xml",
    ".r": "text/x-r",
    ".lua": "text/x-lua",
    ".ipynb": "application/json",
}

_DISALLOWED_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_RATIO = 0.05  # above this share of control characters, content is taken as binary


def _looks_textual(text: str) -> bool:
    """No NUL and only a sprinkling of control characters (a log with colour codes still passes)."""
    if "\x00" in text:
        return False
    sample = text[:65536]
    return len(_DISALLOWED_CONTROLS.findall(sample)) <= _CONTROL_RATIO * max(len(sample), 1)


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes as text: UTF-8 (BOM allowed), UTF-16 with a BOM, then Windows-1252/Latin-1.

    The single-byte fallback accepts anything, so it is used only when the result looks like text;
    otherwise the file is refused as binary rather than imported as garbage.
    """
    candidates: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            candidates.append(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    try:
        candidates.append(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        for encoding in ("cp1252", "latin-1"):
            try:
                candidates.append(data.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
    for text in candidates:
        if _looks_textual(text):
            return text
    raise Invalid(f"'{name}' is not a text file", field="file")


class _TextOnly(HTMLParser):
    """Collects an HTML page's visible text; block elements become line breaks."""

    SKIPPED = frozenset({"script", "style", "noscript", "template", "svg"})
    BLOCKS = frozenset(
        "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 h2 "
        "h3 h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot tr td th title ul "
        "caption details summary".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skip_depth += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
            if tag == "pre":
                self.pre_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:  # <br/>, <hr/>; a self-closed <script/> opens nothing
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            self.parts.append(data)
            return
        text = re.sub(r"\s+", " ", data)
        if not self.parts or self.parts[-1].endswith("\n"):
            text = text.lstrip()  # indentation of the HTML source is not part of the text
        if text:
            self.parts.append(text)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page: scripts, styles, templates dropped; entities decoded."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    lines = (line.rstrip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def pdf_to_text(data: bytes, name: str, max_pages: int, max_chars: int) -> tuple[str, int]:
    """Text of every page, pages separated by a blank line; returns (text, page count).

    The page count is checked before any text is extracted and the character count as pages are
    read, so an oversized PDF costs little. pypdf can fail on hostile input with almost any
    exception type, so every failure becomes an Invalid naming the file.
    """
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _decrypts_without_password(reader):
            raise Invalid(f"'{name}' is an encrypted PDF; upload an unprotected copy", field="file")
        page_count = len(reader.pages)
    except Invalid:
        raise
    except Exception as error:
        log.info("unreadable PDF %r: %s", name, error)
        raise Invalid(f"'{name}' is not a readable PDF", field="file") from None
    if page_count > max_pages:
        raise Invalid(f"'{name}' has {page_count} pages, over the {max_pages}-page limit", field="file")
    texts: list[str] = []
    total = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            page_text = page.extract_text() or ""
        except Exception as error:
            log.info("unreadable page %d of PDF %r: %s", number, name, error)
            raise Invalid(f"'{name}': page {number} cannot be read", field="file") from None
        total += len(page_text) + 2
        if total > max_chars + 2:
            raise Invalid(f"'{name}' has more than {max_chars:,} characters of text, over the limit", field="file")
        texts.append(page_text.strip())
    return "\n\n".join(texts), page_count


def _decrypts_without_password(reader: PdfReader) -> bool:
    """Many PDFs are "encrypted" with an empty user password only to restrict printing; those open."""
    try:
        return bool(reader.decrypt(""))
    except Exception:
        return False
