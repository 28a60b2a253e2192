"""An export's documents as files in a folder beside the workshop file: ``class.yaml`` → ``class.documents/``.

Written inline, a class's documents would make the file larger than the cap an import reads
(``workshop_file.max_file_mb``), so every exported document's text goes to a file of its own and
the entry names it with ``path:``, relative to the workshop file's folder as the import resolves
it. Only the text is kept (the original PDF or HTML never was): a Markdown document becomes
``001-house-rules.md`` and anything else ``002-cheat-sheet.txt``, so the import gives it back the
same content type. The file holds exactly the text's UTF-8 bytes, so the import reads back the same
text and computes the same checksum as it would for the text written inline.

The folder holds what the workshop file holds, so it is private (0700, files 0600) and it appears
whole or not at all: it is built under a temporary name in the same parent folder, renamed into
place, and kept only if the workshop file is then written. An existing folder is never touched
unless ``force`` is given, and then it is renamed aside and deleted only once the new export is in
place; if anything fails, the new folder is removed and the old one put back.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Final

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.errors import Invalid

FOLDER_SUFFIX: Final = ".documents"
FOLDER_MODE: Final = 0o700
FILE_MODE: Final = 0o600
SLUG_MAX: Final = 40
BOM: Final = "\ufeff"
log = get_logger(__name__)


@dataclass(frozen=True)
class DocumentFile:
    """One document's file: its name inside the folder and its bytes."""

    name: str
    content: bytes


def documents_folder(path: Path) -> Path:
    """The folder beside the workshop file that holds its documents: ``class.yaml`` → ``class.documents``."""
    folder = path.with_name(f"{path.stem}{FOLDER_SUFFIX}")
    if folder == path:
        raise Invalid(f"{path}: a workshop file needs a .yaml name, e.g. {path.with_suffix('.yaml').name}")
    return folder


def exists_message(folder: Path) -> str:
    return (f"{folder} already exists (the documents of an earlier export?); use --force to replace it, or "
            "export to another file name")


def slug(title: str) -> str:
    """A short file-name-safe form of a title: lower-case ASCII words joined by ``-``, at most
    ``SLUG_MAX`` characters, so the folder reads like a table of contents on any file system."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    chosen = ""
    for word in re.findall(r"[a-z0-9]+", ascii_title.lower()):
        longer = f"{chosen}-{word}" if chosen else word
        if len(longer) > SLUG_MAX:
            chosen = chosen or word[:SLUG_MAX]
            break
        chosen = longer
    return chosen or "document"


def _encoded(text: str) -> bytes:
    """The text's UTF-8 bytes. The import drops one leading byte-order mark when it decodes a file,
    so a text that really starts with one gets a second, which the import then drops."""
    return ((BOM if text.startswith(BOM) else "") + text).encode("utf-8")


def split_documents(data: dict[str, Any], folder_name: str) -> tuple[dict[str, Any], tuple[DocumentFile, ...]]:
    """The export's data with every document's ``format`` and ``text`` replaced by a ``path`` into
    ``folder_name``, and the files to write there; file names are numbered in the file's order."""
    entries: list[dict[str, Any]] = list(data.get("documents") or ())
    width = max(3, len(str(len(entries))))
    files: list[DocumentFile] = []
    moved: list[dict[str, Any]] = []
    for number, entry in enumerate(entries, start=1):
        suffix = ".md" if entry.get("format", "markdown") == "markdown" else ".txt"
        name = f"{number:0{width}d}-{slug(str(entry['title']))}{suffix}"
        files.append(DocumentFile(name, _encoded(str(entry["text"]))))
        rest = {key: value for key, value in entry.items() if key not in ("title", "format", "text")}
        moved.append({"title": entry["title"], "path": f"{folder_name}/{name}", **rest})
    return ({**data, "documents": moved} if "documents" in data else dict(data)), tuple(files)


def write_private(handle: BinaryIO, content: bytes) -> None:
    """Write ``content`` to an open file made readable by its owner only, and make it durable."""
    os.fchmod(handle.fileno(), FILE_MODE)  # whatever the umask
    handle.write(content)
    handle.flush()
    os.fsync(handle.fileno())


def _write_file(path: Path, content: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    with os.fdopen(os.open(path, flags, FILE_MODE), "wb") as handle:
        write_private(handle, content)


def _remove(path: Path) -> None:
    """Delete a folder with what it holds, or a file or link (never what a link points at)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


class PlacedDocuments:
    """``with PlacedDocuments(folder, files, force=...):`` puts the folder in place for the body of
    the ``with`` (which writes the workshop file) and undoes everything if the body fails.

    No files means no folder; with ``force``, an existing folder is still replaced (removed), so
    the folder beside an export always matches it. ``leftover`` names an old folder that could not
    be deleted after a successful export (the export stands; the operator may delete it).
    """

    def __init__(self, folder: Path, files: Sequence[DocumentFile], *, force: bool) -> None:
        self.folder = folder
        self.files = tuple(files)
        self.force = force
        self.leftover: Path | None = None
        self._staged: Path | None = None
        self._aside: Path | None = None
        self._claimed = False
        self._placed = False

    def __enter__(self) -> PlacedDocuments:
        try:
            if self.files:
                self._build()
            if self.force and os.path.lexists(self.folder):
                self._aside = self.folder.with_name(f".{self.folder.name}.old-{secrets.token_hex(4)}")
                os.rename(self.folder, self._aside)
            if self._staged is not None:
                self._place()
        except BaseException:
            self._undo()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is not None:
            self._undo()
            return
        if self._aside is not None:
            try:
                _remove(self._aside)
            except OSError as problem:
                log.warning("old documents folder kept", extra={"path": str(self._aside), "error": str(problem)})
                self.leftover = self._aside

    def _build(self) -> None:
        """Write every file into a private folder under a temporary name beside the target."""
        self._staged = Path(tempfile.mkdtemp(dir=self.folder.parent, prefix=f".{self.folder.name}.", suffix=".tmp"))
        os.chmod(self._staged, FOLDER_MODE)  # mkdtemp's 0700 less the umask
        for document in self.files:
            _write_file(self._staged / document.name, document.content)

    def _place(self) -> None:
        """Rename the built folder into place, only if nothing is there: an empty folder is made
        first (which fails on any existing name), and a rename replaces only an empty folder, so
        nothing created since the first check is ever replaced."""
        assert self._staged is not None
        try:
            os.mkdir(self.folder, FOLDER_MODE)
        except FileExistsError:
            raise Invalid(exists_message(self.folder)) from None
        self._claimed = True
        os.rename(self._staged, self.folder)
        self._staged, self._placed = None, True

    def _undo(self) -> None:
        """Leave the parent folder as it was: no new folder, no temporary one, the old one back."""
        with contextlib.suppress(OSError):
            if self._placed:
                shutil.rmtree(self.folder)
            elif self._claimed:
                os.rmdir(self.folder)  # only while it is still the empty folder made here
        with contextlib.suppress(OSError):
            if self._staged is not None:
                shutil.rmtree(self._staged)
        if self._aside is not None:
            try:
                os.rename(self._aside, self.folder)
            except OSError as problem:
                log.error("old documents folder not restored", extra={"path": str(self._aside),
                                                                      "error": str(problem)})
        self._staged = self._aside = None
        self._claimed = self._placed = False
