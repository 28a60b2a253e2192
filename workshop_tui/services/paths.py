"""Resolving user-given paths that must stay inside an operator-chosen root (imports, exports).

A headless import names files relative to an import root. The classic escapes are ``..``, an
absolute path elsewhere, and a symbolic link planted inside the root that points outside it (or at a
device, or at another user's files). We refuse all three outright rather than resolving and checking
afterwards, because a link that is harmless now can be retargeted between check and use. Each path
component is examined with ``lstat`` so a link is seen as a link, never followed.
"""

from __future__ import annotations

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
