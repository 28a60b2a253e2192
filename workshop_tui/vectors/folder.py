"""The embedded Qdrant data folder: created private, and opened only if this app created it.

Local-mode Qdrant stores points as Python pickles and unpickles them when the folder is opened, so
a folder someone else could write to is a code-execution hole. We therefore create the folder with
mode 0700, drop a marker file in it, and refuse to open a folder that lacks the marker (unless it is
empty), is a symbolic link, belongs to another user, or is writable by group or others.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from workshop_tui.domain.errors import Unavailable

MARKER_NAME: Final = ".workshop-tui-vectors"
_MARKER_TEXT = "Vector data created by workshop-tui. Qdrant local mode reads pickles here: keep private.\n"


def prepare_data_folder(path: Path) -> Path:
    """Create ``path`` (mode 0700, with the marker) or check that it is ours; return it absolute.

    Runs on the vector store's worker thread, as it touches the disk. Raises Unavailable with the
    reason when the folder must not be opened.
    """
    folder = Path(path).expanduser().absolute()
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)  # mkdir's mode is reduced by the umask, never widened; be explicit
        _write_marker(folder)
        return folder
    if stat.S_ISLNK(info.st_mode):
        raise Unavailable(f"vector data folder {folder} is a symbolic link; refusing to open it")
    if not stat.S_ISDIR(info.st_mode):
        raise Unavailable(f"vector data folder {folder} is not a folder")
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid != getuid():
        raise Unavailable(f"vector data folder {folder} belongs to another user; refusing to open it")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise Unavailable(
            f"vector data folder {folder} is writable by other users, who could plant data that runs "
            "code when loaded; refusing to open it"
        )
    if not (folder / MARKER_NAME).is_file():
        if any(folder.iterdir()):
            raise Unavailable(
                f"vector data folder {folder} was not created by workshop-tui (no {MARKER_NAME} file); "
                "refusing to open it, because Qdrant local mode loads pickles from it"
            )
        _write_marker(folder)
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


def _write_marker(folder: Path) -> None:
    fd = os.open(folder / MARKER_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(_MARKER_TEXT)
