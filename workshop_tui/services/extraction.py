"""Turning an uploaded or imported document into clean text, with hard limits.

Documents come from attendees, so every one is hostile until proven otherwise: it may be huge, a
PDF with thousands of pages, binary data renamed ``.txt``, or text laced with terminal escape
sequences. Limits are checked before the expensive step (size before reading, pages before
extracting text, characters while extracting), and the text is normalised with
:func:`~workshop_tui.domain.text.normalize_text` so it is safe to display and to embed.

Parsing is CPU-bound and synchronous, so the async entry points run it in one of a few extraction
threads (`EXTRACTING_AT_ONCE`) and the event loop (shared by every session) never stalls on a large
PDF.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import hashlib
import os
import stat
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any, TypeVar

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.text import normalize_text, one_line
from workshop_tui.services.extraction_formats import (
    SOURCE_EXTENSIONS,
    decode_text,
    html_to_text,
    pdf_to_text,
)
from workshop_tui.services.paths import open_without_links, resolve_inside

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_LIMITS",
    "EXTRACTING_AT_ONCE",
    "ExtractedText",
    "ExtractionLimits",
    "extract_bytes",
    "extract_file",
    "extract_upload",
    "resolve_inside",
]

_MB = 1024 * 1024
T = TypeVar("T")
_KINDS: dict[str, tuple[str, str]] = {  # extension -> (kind, content type)
    ".txt": ("text", "text/plain"),
    ".text": ("text", "text/plain"),
    ".log": ("text", "text/plain"),
    ".csv": ("text", "text/csv"),
    ".md": ("text", "text/markdown"),
    ".markdown": ("text", "text/markdown"),
    ".rst": ("text", "text/x-rst"),
    ".pdf": ("pdf", "application/pdf"),
    ".html": ("html", "text/html"),
    ".htm": ("html", "text/html"),
    ".xhtml": ("html", "text/html"),
    **{ext: ("text", mime) for ext, mime in SOURCE_EXTENSIONS.items()},
}
_MIME_KINDS = {"application/pdf": "pdf", "text/html": "html", "application/xhtml+xml": "html"}
CONTENT_TYPES: Mapping[str, str] = MappingProxyType({ext: mime for ext, (_, mime) in _KINDS.items()})
"""The formats a file on disk is read as, by extension (lower case, with the dot) → content type.
Public so that checks made before extraction (the workshop file's document paths) accept exactly
what extraction reads."""


@dataclass(frozen=True)
class ExtractionLimits:
    """Caps on one document, from security item 9: bytes read, PDF pages, characters kept."""

    max_bytes: int = 20 * _MB
    max_pages: int = 500
    max_chars: int = 2_000_000

    def __post_init__(self) -> None:
        """A zero or negative cap would refuse everything, which is surely a configuration slip."""
        for name in ("max_bytes", "max_pages", "max_chars"):
            if getattr(self, name) < 1:
                raise Invalid("must be at least 1", field=name)


DEFAULT_LIMITS = ExtractionLimits()
EXTRACTING_AT_ONCE = 4
"""Documents parsed at the same time in the whole process: uploads, pastes, server paths and the
workshop file's documents all queue for the same few threads, so a class importing at once cannot
take every core (and the interpreter's lock) from the event loop that all sessions share."""


@functools.cache
def _threads() -> ThreadPoolExecutor:
    """The extraction threads, started on first use (never at import time)."""
    return ThreadPoolExecutor(max_workers=EXTRACTING_AT_ONCE, thread_name_prefix="extract")


async def _in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``function`` in one of the extraction threads, waiting for a free one."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_threads(), functools.partial(function, *args, **kwargs))


@dataclass(frozen=True)
class ExtractedText:
    """A document's text and the facts stored beside it.

    ``filename`` is the display-safe base name (metadata only, never used as a storage path);
    ``page_count`` is None for formats without pages; ``checksum`` is the SHA-256 of the original
    bytes, so re-importing an unchanged file can be detected.
    """

    text: str
    content_type: str
    page_count: int | None
    checksum: str
    size_bytes: int
    filename: str


def _display_name(filename: str) -> str:
    """Base name of an upload's name (which may carry a client's folders, with either slash)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return one_line(base, 200) or "unnamed file"


def _size_text(size: int) -> str:
    return f"{size / _MB:.1f} MB" if size >= _MB else f"{size:,} bytes"


def _detect(data: bytes, name: str, content_type: str | None) -> tuple[str, str]:
    """Pick the parser from the extension, else the declared content type, else the content."""
    suffix = PurePath(name).suffix.lower()
    if suffix in _KINDS:
        return _KINDS[suffix]
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared in _MIME_KINDS:
        return _MIME_KINDS[declared], declared
    head = data[:512].lstrip().lower()
    if data.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html", "text/html"
    return "text", "text/plain"


def extract_bytes(
    data: bytes, filename: str, limits: ExtractionLimits = DEFAULT_LIMITS, *, content_type: str | None = None
) -> ExtractedText:
    """Extract normalised text from ``data``; raises Invalid naming the file for every refusal.

    Synchronous and CPU-bound: call it through :func:`extract_upload` or :func:`extract_file` from
    async code.
    """
    name = _display_name(filename)
    if len(data) > limits.max_bytes:
        raise Invalid(
            f"'{name}' is {_size_text(len(data))}, over the {_size_text(limits.max_bytes)} limit",
            field="file",
        )
    kind, mime = _detect(data, name, content_type)
    page_count: int | None = None
    if kind == "pdf":
        raw, page_count = pdf_to_text(data, name, limits.max_pages, limits.max_chars)
    else:
        raw = decode_text(data, name)
        if kind == "html":
            raw = html_to_text(raw)
    text = normalize_text(raw)
    if len(text) > limits.max_chars:
        raise Invalid(
            f"'{name}' has {len(text):,} characters of text, over the {limits.max_chars:,} limit",
            field="file",
        )
    if not text.strip():
        hint = " (a scanned PDF needs text recognition first)" if kind == "pdf" else ""
        raise Invalid(f"'{name}' contains no text{hint}", field="file")
    return ExtractedText(
        text=text,
        content_type=mime,
        page_count=page_count,
        checksum=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        filename=name,
    )


def _read_limited(path: Path, limits: ExtractionLimits) -> bytes:
    """Read a regular file, checking its size with ``fstat`` before reading a byte.

    No component of the path is followed if it is a link (see `paths.open_without_links`), and the
    file is opened without blocking, so a link swapped in after the path checks, a FIFO or a device
    is refused instead of followed or hung on.
    """
    name = _display_name(str(path))
    try:
        fd = open_without_links(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise Invalid(f"'{name}' does not exist", field="file") from None
    except OSError as error:
        if error.errno == errno.ELOOP and error.filename:
            raise Invalid(f"'{name}' is refused: the folder '{one_line(str(error.filename), 100)}' on its path is "
                          "a symbolic link, which is not followed", field="file") from None
        if error.errno == errno.ELOOP:
            raise Invalid(f"'{name}' is a symbolic link, which is not followed", field="file") from None
        raise Invalid(f"'{name}' cannot be opened: {error.strerror}", field="file") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Invalid(f"'{name}' is not a regular file", field="file")
        if info.st_size > limits.max_bytes:
            raise Invalid(
                f"'{name}' is {_size_text(info.st_size)}, over the {_size_text(limits.max_bytes)} limit",
                field="file",
            )
        return handle.read(limits.max_bytes + 1)  # a file still growing is caught by extract_bytes


def _extract_path(path: Path, limits: ExtractionLimits) -> ExtractedText:
    return extract_bytes(_read_limited(path, limits), path.name, limits)


class PastedTooLong(Invalid):
    """A pasted text over the character or byte limit once normalised."""


class PastedEmpty(Invalid):
    """A pasted text with nothing left once control characters are removed."""


def _pasted(text: str, content_type: str, limits: ExtractionLimits, name: str) -> ExtractedText:
    clean = normalize_text(text)
    data = clean.encode("utf-8")
    if len(clean) > limits.max_chars or len(data) > limits.max_bytes:
        raise PastedTooLong(f"over the {limits.max_chars:,}-character limit")
    if not clean.strip():
        raise PastedEmpty("contains no text")
    return ExtractedText(clean, content_type, None, hashlib.sha256(data).hexdigest(), len(data), name)


async def extract_pasted(text: str, content_type: str, limits: ExtractionLimits = DEFAULT_LIMITS, *,
                         name: str = "") -> ExtractedText:
    """Pasted text normalised, held to the same limits as files and checksummed, off the event loop.
    Raises PastedTooLong or PastedEmpty, which callers word for their own context."""
    return await _in_thread(_pasted, text, content_type, limits, name)


async def extract_file(path: Path, limits: ExtractionLimits = DEFAULT_LIMITS) -> ExtractedText:
    """Extract a file on disk in a worker thread. Resolve user-given paths with resolve_inside first."""
    return await _in_thread(_extract_path, Path(path), limits)


async def extract_upload(
    data: bytes, filename: str, limits: ExtractionLimits = DEFAULT_LIMITS, *, content_type: str | None = None
) -> ExtractedText:
    """Extract uploaded bytes in a worker thread; an oversized upload is refused without a thread."""
    if len(data) > limits.max_bytes:
        return extract_bytes(data, filename, limits)  # raises the size refusal at once
    return await _in_thread(extract_bytes, data, filename, limits, content_type=content_type)
