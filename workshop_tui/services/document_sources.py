"""Where imported documents come from on disk: the operator's import root and each user's upload folder.

Both are roots that a user-given name must stay inside (`resolve_inside` refuses `..`, absolute
paths elsewhere and every symbolic link). The upload folders are where attendees will drop files over
SFTP; each is created private to the server's account, and listing one never follows a link.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workshop_tui.config.paths import ensure_private_dir
from workshop_tui.domain.errors import Invalid

MAX_LISTED = 1000
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


@dataclass(frozen=True)
class UploadedFile:
    """A file waiting in a user's upload folder; `name` is its path relative to that folder."""

    name: str
    size_bytes: int
    modified_at: datetime


def upload_folder(uploads_dir: Path, username: str) -> Path:
    """`<uploads>/<username>`, created private if missing. The name is checked even though accounts
    validate it, because it becomes a path."""
    if not _USERNAME.fullmatch(username) or ".." in username:
        raise Invalid(f"{username!r} cannot name an upload folder", field="username")
    ensure_private_dir(uploads_dir)
    return ensure_private_dir(uploads_dir / username)


def list_folder(folder: Path, limit: int = MAX_LISTED) -> list[UploadedFile]:
    """Regular files under `folder`, sorted by name; links, devices and hidden entries are skipped."""
    found: list[UploadedFile] = []
    for current, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(current) / name
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            found.append(UploadedFile(path.relative_to(folder).as_posix(), info.st_size,
                                      datetime.fromtimestamp(info.st_mtime, UTC)))
            if len(found) >= limit:
                return found
    return sorted(found, key=lambda f: f.name)
