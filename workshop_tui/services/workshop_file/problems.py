"""Problems found in a workshop file, each tied to a file, line, column and field path.

An organiser fixes a class list in one sitting only if every mistake is reported at once, each
pointing at the exact spot in the file. So validation never raises on the first error: it records a
:class:`Problem` in a :class:`Problems` collector and carries on, and the loader raises one
:class:`WorkshopFileErrors` at the end if anything was recorded.

Locations come from an index of field paths (``users[3].role``) built while the file was parsed.
A check that only knows the path of what is wrong (a dangling reference found long after parsing)
still gets the right line: the collector looks the path up, and falls back to the nearest enclosing
entry when the field itself is absent from the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.text import one_line


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based line and column, as editors count them."""

    line: int
    column: int


@dataclass(frozen=True)
class Spot:
    """Where a path's value sits and where its key (or list entry) starts.

    ``key`` is used when the value is missing (``role:`` with nothing after it), so the message
    points at the line that needs a value rather than at the empty space after the colon.
    """

    value: Location
    key: Location


@dataclass(frozen=True)
class Problem:
    """One error: where it is, which field, and what is wrong, written for the organiser."""

    file: str
    line: int
    column: int
    field_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.field_path}: {self.message}" if self.field_path else f"{where}: {self.message}"


class WorkshopFileErrors(Invalid):
    """Every problem found in a workshop file; ``str()`` lists them one per line, in file order."""

    def __init__(self, problems: Iterable[Problem], *, omitted: int = 0) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.omitted = omitted
        lines = [str(p) for p in self.problems]
        if omitted:
            lines.append(f"... and {omitted} more problem(s) not shown; fix these and check again")
        super().__init__("\n".join(lines))


def join(path: str, key: str | int) -> str:
    """Extend a field path: ``users`` + 3 → ``users[3]``, ``users[3]`` + ``role`` → ``users[3].role``.

    Keys that are not plain identifiers (lookup-table entries, say) are quoted, so the path stays
    unambiguous: ``config.entries["GPU (graphics)"]``.
    """
    if isinstance(key, int):
        return f"{path}[{key}]"
    if key.isidentifier():
        return f"{path}.{key}" if path else key
    shown = one_line(key, 60).replace('"', '\\"')
    return f'{path}["{shown}"]'


def parent(path: str) -> str:
    """The enclosing path: ``users[3].role`` → ``users[3]`` → ``users`` → ``""``."""
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


@dataclass
class Problems:
    """Collects problems for one file, resolving each field path to its location."""

    file: str
    index: Mapping[str, Spot] = field(default_factory=dict)
    limit: int = 500
    found: list[Problem] = field(default_factory=list)
    omitted: int = 0

    def locate(self, path: str, *, at_key: bool = False) -> Location:
        """The spot of ``path``, or of its nearest ancestor that the file has (at worst line 1)."""
        probe = path
        while True:
            spot = self.index.get(probe)
            if spot is not None:
                return spot.key if at_key or probe != path else spot.value
            if not probe:
                return Location(1, 1)
            probe = parent(probe)

    def add(self, path: str, message: str, *, at_key: bool = False) -> None:
        """Record a problem with the value at ``path`` (or its key, for a key that should not be there)."""
        self.add_at(self.locate(path, at_key=at_key), path, message)

    def add_at(self, location: Location, path: str, message: str) -> None:
        """Record a problem at a location known directly (syntax errors, CSV cells)."""
        if len(self.found) >= self.limit:
            self.omitted += 1
            return
        self.found.append(Problem(self.file, location.line, location.column, path, message))

    def __bool__(self) -> bool:
        return bool(self.found) or self.omitted > 0

    def error(self) -> WorkshopFileErrors:
        """The exception to raise, problems in file order (stable for problems at the same spot)."""
        ordered = sorted(self.found, key=lambda p: (p.line, p.column))
        return WorkshopFileErrors(ordered, omitted=self.omitted)

    def raise_if_any(self) -> None:
        if self:
            raise self.error()
