"""Writing an export: YAML text, a new file created atomically with mode 0600, and a check that the
file loads as a workshop file on its own.

Exports go only where the operator asked (security item 6): the file named on the command line, in
a folder that must already exist, never replaced unless asked (``force``). The file holds names and
email addresses, so it is created readable by its owner only, and it appears whole or not at all: the
text goes to a temporary file in the same folder, which is then linked (or, when replacing, renamed)
into place.

The written file is then loaded with the same loader an import uses, against an empty database (the
file must stand alone, as a restore starts from an empty data directory), so an export that an import
would refuse is reported at once, with the file's own lines and field paths, rather than on the day
of the restore.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.errors import Invalid
from workshop_tui.services.workshop_file.export import WorkshopExport, build_export
from workshop_tui.services.workshop_file.limits import DEFAULT_FILE_LIMITS, FileLimits
from workshop_tui.services.workshop_file.loader import load_workshop_file
from workshop_tui.services.workshop_file.plan import WorkshopInfo, WorkshopPlan
from workshop_tui.services.workshop_file.problems import Problem, WorkshopFileErrors
from workshop_tui.storage.database import Database

FILE_MODE: Final = 0o600
log = get_logger(__name__)
LABELS: Final = {"vector_dbs": "vector DBs", "rag_systems": "RAG systems"}
HEADER: Final = """\
# A workshop written by `workshop-tui export`; docs/WORKSHOP_FILE.md describes every field.
#
# No passwords and no password hashes are exported: importing this file generates a new password
# for every user and prints it once (give a user `password_env: VAR` first to choose it instead).
# Documents are written inline as `text:`: the original files (PDF, HTML...) are not kept, only the
# text extracted from them. Suspended and rejected accounts are not exported.
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


def write_new_file(path: Path, content: bytes, *, force: bool = False) -> None:
    """Create ``path`` with ``content`` and mode 0600 in one step; refuse to replace a file unless ``force``."""
    if path.is_dir():
        raise Invalid(f"{path} is a folder; give the name of the file to write")
    if not force and (path.exists() or path.is_symlink()):
        raise Invalid(f"{path} already exists; use --force to replace it")
    folder = path.parent
    if not folder.is_dir():
        raise Invalid(f"the folder {folder} does not exist; create it first")
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
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
        raise Invalid(f"{path} already exists; use --force to replace it") from None
    except OSError:
        if path.exists() or path.is_symlink():
            raise Invalid(f"{path} already exists; use --force to replace it") from None
        os.replace(temporary, path)


def check_written(path: Path, limits: FileLimits = DEFAULT_FILE_LIMITS) -> tuple[WorkshopPlan | None,
                                                                                tuple[Problem, ...]]:
    """Load the written file as an import into an empty database would: its plan, or its problems."""
    try:
        return load_workshop_file(path, catalogue=None, limits=limits, environ={}), ()
    except WorkshopFileErrors as errors:
        return None, errors.problems


@dataclass(frozen=True)
class ExportReport:
    """What ``export_workshop`` did: the file, what it holds, the notes, and any load problems."""

    path: Path
    export: WorkshopExport
    plan: WorkshopPlan | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts = ", ".join(f"{LABELS.get(key, key)} {count}" for key, count in self.export.counts().items())
        return f"exported to {self.path}: {counts}"


async def export_workshop(db: Database, path: Path, info: WorkshopInfo, *, include_chats: bool = False,
                          force: bool = False, limits: FileLimits = DEFAULT_FILE_LIMITS) -> ExportReport:
    """Export the workshop in ``db`` to ``path`` and check that the file loads on its own."""
    path = Path(path)
    if not force and (path.exists() or path.is_symlink()):  # refuse before reading the whole database
        raise Invalid(f"{path} already exists; use --force to replace it")
    export = await build_export(db, info, include_chats=include_chats)
    write_new_file(path, render_yaml(export.data).encode("utf-8"), force=force)
    plan, problems = check_written(path, limits)
    log.info("workshop exported", extra={"counts": export.counts(), "notes": len(export.notes),
                                         "problems": len(problems), "include_chats": include_chats})
    return ExportReport(path=path, export=export, plan=plan, problems=problems)
