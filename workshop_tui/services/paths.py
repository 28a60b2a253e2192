"""Resolving user-given paths that must stay inside an operator-chosen root (imports, exports).

A headless import names files relative to an import root. The classic escapes are ``..``, an
absolute path elsewhere, and a symbolic link planted inside the root that points outside it (or at a
device, or at another user's files). We refuse all three outright rather than resolving and checking
afterwards, because a link that is harmless now can be retargeted between check and use. Each path
component is examined with ``lstat`` so a link is seen as a link, never followed.

Checking is not enough where the folders are someone else's to change (attendees write their upload
folders over SFTP): a folder can be swapped for a link after the check. So the file is then opened
with :func:`open_without_links`, one component at a time, each relative to the folder opened before
it and with ``O_NOFOLLOW``: no component of the path can be a link at the moment of opening.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePath

from workshop_tui.domain.errors import Invalid, NotFound
from workshop_tui.domain.text import one_line


def _shown(path: str | PurePath) -> str:
    """The path as it may appear in an error message: one line, no terminal controls."""
    return one_line(str(path), 200)


def resolve_inside(root: Path, relative: str | Path) -> Path:
    """Return the absolute path of ``relative`` under ``root``, refusing every way out of ``root``.

    ``relative`` may also be an absolute path, if it lies inside ``root``. ``root`` itself is the
    operator's choice and may sit behind symbolic links (it is resolved once); everything below it
    must be real directories and a final non-link entry. Raises Invalid naming the path and the
    reason, or NotFound when a component does not exist.
    """
    text = str(relative)
    if not text.strip():
        raise Invalid("no path given", field="path")
    if "\x00" in text:
        raise Invalid(f"{_shown(text)!r} contains a NUL character", field="path")
    try:
        base = Path(root).resolve(strict=True)
    except OSError as error:
        raise NotFound(f"import root {_shown(root)!r} does not exist ({error.strerror})") from None
    if not base.is_dir():
        raise Invalid(f"import root {_shown(root)!r} is not a folder", field="path")
    candidate = PurePath(text)
    if candidate.is_absolute():
        candidate = _relative_to_root(candidate, Path(root).absolute(), base, text)
    if ".." in candidate.parts:
        raise Invalid(f"{_shown(text)!r} is refused: '..' may not appear in an import path", field="path")
    current = base
    for part in candidate.parts:
        if part in ("", "."):
            continue
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            raise NotFound(f"{_shown(text)!r} does not exist in the import root") from None
        except OSError as error:
            raise Invalid(f"{_shown(text)!r} cannot be read: {error.strerror}", field="path") from None
        if stat.S_ISLNK(mode):
            inner = current.relative_to(base)
            raise Invalid(
                f"{_shown(text)!r} is refused: {_shown(inner)!r} is a symbolic link, and links are not "
                "followed in imports",
                field="path",
            )
    return current


def _relative_to_root(candidate: PurePath, root_as_given: Path, base: Path, text: str) -> PurePath:
    """Turn an absolute path into one relative to the root, or refuse it as outside."""
    for prefix in (base, root_as_given):
        try:
            return candidate.relative_to(prefix)
        except ValueError:
            continue
    raise Invalid(f"{_shown(text)!r} is refused: it is outside the import root", field="path")


_FOLDER_FLAGS = (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0))
_LINK_ERRORS = frozenset({errno.ELOOP, errno.EMLINK})  # EMLINK: what some BSDs answer for O_NOFOLLOW


def open_without_links(path: str | Path, flags: int) -> int:
    """Open ``path`` and return the descriptor, refusing a symbolic link at any component.

    Walks the absolute path from ``/``, opening each folder relative to the previous one with
    ``O_NOFOLLOW | O_DIRECTORY`` and the last component with ``flags | O_NOFOLLOW``. Raises OSError
    as ``os.open`` does; a link anywhere gives ``ELOOP``, with ``filename`` set to the folder when
    the link is not the last component. Give it paths from :func:`resolve_inside`, which resolves
    the root: a root that sits behind a link is refused here.
    """
    nofollow = flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    if os.open not in os.supports_dir_fd:  # no descriptor-relative opens on this system
        return os.open(path, nofollow)
    parts = Path(os.path.abspath(path)).parts
    folder = os.open(parts[0], _FOLDER_FLAGS)
    try:
        for part in parts[1:-1]:
            try:
                inner = os.open(part, _FOLDER_FLAGS, dir_fd=folder)
            except OSError as error:
                if error.errno in _LINK_ERRORS or (error.errno == errno.ENOTDIR and _is_link(part, folder)):
                    raise OSError(errno.ELOOP, "a folder on the path is a symbolic link", part) from None
                raise
            os.close(folder)
            folder = inner
        try:
            return os.open(parts[-1], nofollow, dir_fd=folder)
        except OSError as error:
            if error.errno in _LINK_ERRORS:
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP)) from None
            raise
    finally:
        os.close(folder)


def _is_link(name: str, folder: int) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(name, dir_fd=folder).st_mode)
    except OSError:
        return False
