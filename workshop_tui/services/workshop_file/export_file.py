"""Writing an export: YAML text, a new file created atomically with mode 0600, the documents in a
folder beside it, and a check that the file loads as a workshop file on its own.

Exports go only where the operator asked (security item 6): the file named on the command line, in
a folder that must already exist, never replaced unless asked (``force``). The file holds names and
email addresses, so it is created readable by its owner only, and it appears whole or not at all: the
text goes to a temporary file in the same folder, which is then linked (or, when replacing, renamed)
into place. The documents go first to ``NAME.documents/`` (``export_documents.py``), which is kept
only if the file is then written, so a failed export leaves nothing new behind.

The written file is then loaded with the same loader an import uses, against an empty database (the
file must stand alone, as a restore starts from an empty data directory), so an export that an import
would refuse is reported at once, with the file's own lines and field paths, rather than on the day
of the restore. The loader applies the server's own caps, so a file over ``workshop_file.max_file_mb``
(a class with many chats) is reported with the setting that raises it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import yaml

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.errors import Invalid
from workshop_tui.services.workshop_file.export import WorkshopExport, build_export
from workshop_tui.services.workshop_file.export_documents import (
    DocumentFile,
    PlacedDocuments,
    documents_folder,
    exists_message,
    split_documents,
    write_private,
)
from workshop_tui.services.workshop_file.limits import DEFAULT_FILE_LIMITS, FileLimits
from workshop_tui.services.workshop_file.loader import load_workshop_file
from workshop_tui.services.workshop_file.plan import WorkshopInfo
from workshop_tui.services.workshop_file.problems import Problem, WorkshopFileErrors
from workshop_tui.storage.database import Database

log = get_logger(__name__)
LABELS: Final = {"vector_dbs": "vector DBs", "rag_systems": "RAG systems"}
HEADER: Final = """\
# A workshop written by `workshop-tui export`; docs/WORKSHOP_FILE.md describes every field.
#
# No passwords and no password hashes are exported: importing this file generates a new password
# for every user and prints it once (give a user `password_env: VAR` first to choose it instead).
# Documents are written as files in the folder NAME.documents/ beside this file (keep the two
# together): the original files (PDF, HTML...) are not kept, only the text extracted from them.
# Suspended and rejected accounts are not exported.
#
#   workshop-tui import FILE --dry-run    # check, change nothing
#   workshop-tui import FILE              # recreate the workshop
"""


class _Dumper(yaml.SafeDumper):
    """``yaml.safe_dump``'s dumper, writing multi-line text as literal blocks and never an alias
    (an alias would make the reader look elsewhere in the file for a value)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent a list under its key, as docs/WORKSHOP_FILE.md and the sample write it.
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted scalar by itself when a literal block cannot hold the text.
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)


def render_yaml(data: dict[str, Any]) -> str:
    """The file's text: the header comment, then the data in block style, keys in the given order."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100, indent=2)
    return HEADER + body


def _check_target(path: Path, *, force: bool) -> None:
    """Refuse a folder, a missing parent folder, or (without ``force``) a file already there."""
    if path.is_dir():
        raise Invalid(f"{path} is a folder; give the name of the file to write")
    if not force and (path.exists() or path.is_symlink()):
        raise Invalid(_exists(path))
    if not path.parent.is_dir():
        raise Invalid(f"the folder {path.parent} does not exist; create it first")


def _exists(path: Path) -> str:
    return f"{path} already exists; use --force to replace it"


def write_new_file(path: Path, content: bytes, *, force: bool = False) -> None:
    """Create ``path`` with ``content`` and mode 0600 in one step; refuse to replace a file unless ``force``."""
    _check_target(path, force=force)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write_private(handle, content)
        if force:
            os.replace(temporary, path)
        else:
            _link_new(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def _link_new(temporary: str, path: Path) -> None:
    """Put the file in place only if nothing is there: a hard link fails on an existing name, so a
    file created since the first check is never replaced. Where links are not supported, rename."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise Invalid(_exists(path)) from None
    except OSError:
        if path.exists() or path.is_symlink():
            raise Invalid(_exists(path)) from None
        os.replace(temporary, path)


def check_written(path: Path, limits: FileLimits = DEFAULT_FILE_LIMITS) -> tuple[Problem, ...]:
    """Load the written file as an import into an empty database would: its problems, if any."""
    try:
        load_workshop_file(path, catalogue=None, limits=limits, environ={})
    except WorkshopFileErrors as errors:
        return errors.problems
    return ()


@dataclass(frozen=True)
class ExportReport:
    """What ``export_workshop`` did: the file, its documents folder (None when there are no
    documents), what it holds, the notes, and any load problems."""

    path: Path
    export: WorkshopExport
    problems: tuple[Problem, ...]
    documents_folder: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts = ", ".join(f"{LABELS.get(key, key)} {count}" for key, count in self.export.counts().items())
        where = f"{self.path} (documents in {self.documents_folder}/)" if self.documents_folder else self.path
        return f"exported to {where}: {counts}"


def refuse_early(path: Path, folder: Path, *, force: bool) -> None:
    """The checks that need no database, made before the whole database is read."""
    _check_target(path, force=force)
    if not force and os.path.lexists(folder):
        raise Invalid(exists_message(folder))


def write_export(path: Path, content: bytes, folder: Path, files: Sequence[DocumentFile], *,
                 force: bool) -> Path | None:
    """The documents folder, then the file; both or neither. Returns an old folder that ``force``
    replaced but could not delete, if any."""
    placed = PlacedDocuments(folder, files, force=force)
    with placed:
        write_new_file(path, content, force=force)
    return placed.leftover


def _write_and_check(path: Path, data: dict[str, Any], folder: Path, files: Sequence[DocumentFile], force: bool,
                     limits: FileLimits) -> tuple[Path | None, tuple[Problem, ...]]:
    leftover = write_export(path, render_yaml(data).encode("utf-8"), folder, files, force=force)
    return leftover, check_written(path, limits)


async def export_workshop(db: Database, path: Path, info: WorkshopInfo, *, include_chats: bool = False,
                          force: bool = False, limits: FileLimits = DEFAULT_FILE_LIMITS) -> ExportReport:
    """Export the workshop in ``db`` to ``path`` (documents to ``NAME.documents/`` beside it) and
    check that the file loads on its own."""
    path = Path(path)
    folder = documents_folder(path)
    refuse_early(path, folder, force=force)
    export = await build_export(db, info, include_chats=include_chats)
    data, files = split_documents(export.data, folder.name)
    export = replace(export, data=data)
    # Rendering, writing and re-loading a large class take seconds: off the event loop.
    leftover, problems = await asyncio.to_thread(_write_and_check, path, data, folder, files, force, limits)
    if leftover is not None:
        export = replace(export, notes=(*export.notes, f"the previous documents folder could not be deleted; it "
                                                       f"was kept as {leftover}"))
    log.info("workshop exported", extra={"counts": export.counts(), "notes": len(export.notes),
                                         "documents": len(files), "problems": len(problems),
                                         "include_chats": include_chats})
    return ExportReport(path=path, export=export, problems=problems,
                        documents_folder=folder if files else None)
