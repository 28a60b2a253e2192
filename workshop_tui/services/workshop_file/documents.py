"""The ``documents`` section: files beside the workshop file, or text written inline.

A document path is resolved with :func:`~workshop_tui.services.paths.resolve_inside`, rooted at the
folder that holds the workshop file: ``..``, absolute paths elsewhere and symbolic links anywhere on
the way are refused (security item 6), so a shared workshop file cannot make the server read
``/etc/shadow`` or another user's home. The size is checked with ``lstat`` and the format by
extension (the extractor's own table, so both accept the same formats); the text itself is
extracted when the plan is applied.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath
from typing import Any, Final

from workshop_tui.domain.errors import Invalid, NotFound
from workshop_tui.domain.text import one_line
from workshop_tui.services.extraction import CONTENT_TYPES
from workshop_tui.services.paths import resolve_inside
from workshop_tui.services.workshop_file.content import TITLE_MAX, message_of
from workshop_tui.services.workshop_file.context import Context
from workshop_tui.services.workshop_file.fields import Entry
from workshop_tui.services.workshop_file.plan import DocumentPlan, DocumentSource
from workshop_tui.services.workshop_file.problems import join
from workshop_tui.services.workshop_file.values import control_message, describe, first_control

DOCUMENT_KEYS: Final = ("title", "path", "text", "format", "owner", "visibility")
PATH_MAX = 1000
TEXT_FORMATS: Final = {"markdown": "text/markdown", "text": "text/plain"}
_SHOWN_FORMATS = ".md, .txt, .pdf, .html and other text formats"


def _size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _from_path(entry: Entry, ctx: Context) -> tuple[Path, int, str] | None:
    """(absolute path, size, content type) of a checked file, or None after reporting why not."""
    raw = entry.raw("path")
    if not isinstance(raw, str):
        entry.fail("path", f"expected a file path, got {describe(raw)}")
        return None
    if (char := first_control(raw, multiline=False)) is not None:
        entry.fail("path", control_message(char))
        return None
    if len(raw) > PATH_MAX or not raw.strip():
        entry.fail("path", "must be a path of 1 to 1000 characters")
        return None
    shown = one_line(raw, 200)
    try:
        resolved = resolve_inside(ctx.folder, raw.strip())
    except NotFound:
        entry.fail("path", f"{shown!r} does not exist; paths are relative to the workshop file's folder")
        return None
    except Invalid as error:
        entry.fail("path", message_of(error).replace("the import root", "the workshop file's folder")
                   .replace("an import path", "a document path"))
        return None
    suffix = PurePath(raw).suffix.lower()
    if suffix not in CONTENT_TYPES:
        what = f"the format {suffix!r}" if suffix else "a file without an extension"
        entry.fail("path", f"{shown!r}: {what} is not supported; use {_SHOWN_FORMATS}")
        return None
    try:
        info = os.lstat(resolved)
    except OSError as error:
        entry.fail("path", f"{shown!r} cannot be read: {error.strerror}")
        return None
    if not stat.S_ISREG(info.st_mode):
        entry.fail("path", f"{shown!r} is not a regular file")
        return None
    cap = ctx.limits.documents.max_bytes
    if info.st_size > cap:
        entry.fail("path", f"{shown!r} is {_size(info.st_size)}, over the {_size(cap)} limit for one document")
        return None
    if info.st_size == 0:
        entry.fail("path", f"{shown!r} is empty")
        return None
    return resolved, info.st_size, CONTENT_TYPES[suffix]


def read_documents(items: list[Any], ctx: Context) -> list[DocumentPlan]:
    plans: list[DocumentPlan] = []
    for index, item in enumerate(items):
        origin = join("documents", index)
        entry = Entry(item, origin, ctx.problems, DOCUMENT_KEYS, what="a document")
        title = entry.text("title", max_len=TITLE_MAX, required=True)
        if title is not None and not ctx.declare("document", title, entry.at("title"), noun="document title"):
            title = None
        owner, visibility = ctx.owner_and_visibility(entry, origin)
        fmt = entry.choice("format", tuple(TEXT_FORMATS), noun="a text format")
        plan: DocumentPlan | None = None
        if entry.has("path") and entry.has("text"):
            entry.fail("text", "give either path or text, not both")
        elif not entry.has("path") and not entry.has("text"):
            if entry.valid:
                ctx.problems.add(origin, "a document needs either 'path: FILE' or 'text: ...'")
        elif entry.has("path"):
            if entry.has("format"):
                entry.fail("format", "format applies to inline text only; a file's format comes from its extension")
            found = _from_path(entry, ctx)
            if found is not None and title is not None:
                path, size, content_type = found
                plan = DocumentPlan(title=title, source=DocumentSource.PATH, content_type=content_type, owner=owner,
                                    visibility=visibility, path=path,
                                    relative_path=str(entry.raw("path")).strip(), size_bytes=size, origin=origin)
        else:
            text = entry.text("text", max_len=ctx.limits.documents.max_chars, multiline=True, controls_allowed=True)
            if text is not None and not text.strip():
                entry.fail("text", "contains no text")
            elif text is not None and title is not None:
                plan = DocumentPlan(title=title, source=DocumentSource.TEXT,
                                    content_type=TEXT_FORMATS[fmt or "markdown"], owner=owner, visibility=visibility,
                                    text=text, size_bytes=len(text.encode("utf-8")), origin=origin)
        if plan is not None:
            plans.append(plan)
    return plans
