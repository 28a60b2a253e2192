"""``load_users_csv``: a class list kept in a spreadsheet, as ``username,display_name,email,role,password``.

The header row is required (it says which column is which, so a spreadsheet's column order does
not matter) and each row goes through exactly the user rules of the YAML format. Problems name the
row's line and the cell's column. Rows are split by a small RFC 4180 scanner of our own rather than
the csv module, because the csv module does not say where a field starts and every problem must.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from workshop_tui.services.workshop_file.context import Context
from workshop_tui.services.workshop_file.fields import suggestion
from workshop_tui.services.workshop_file.limits import DEFAULT_FILE_LIMITS, FileLimits
from workshop_tui.services.workshop_file.loader import new_context, shown_name
from workshop_tui.services.workshop_file.plan import CatalogueView, UserPlan, WorkshopPlan
from workshop_tui.services.workshop_file.problems import Location, Problems, Spot, join
from workshop_tui.services.workshop_file.references import Sections, check_references
from workshop_tui.services.workshop_file.users import read_user
from workshop_tui.services.workshop_file.yaml_source import read_text

CSV_COLUMNS: Final = ("username", "display_name", "email", "role", "password")
EXTRA_COLUMNS: Final = ("status", "guardian")
"""Optional beyond the five documented columns, so a family account (which needs a guardian) and a
pending registration can come from a spreadsheet too."""
Cell = tuple[str, int]  # value and character offset of the field's first character


class _CsvSyntax(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The value of the quoted field at ``start`` and the offset just after its closing quote."""
    parts: list[str] = []
    position = start + 1
    while True:
        close = text.find('"', position)
        if close == -1:
            raise _CsvSyntax(start, "a quoted field is never closed")
        parts.append(text[position:close])
        if text.startswith('""', close):
            parts.append('"')
            position = close + 2
            continue
        return "".join(parts), close + 1


def scan(text: str) -> Iterator[list[Cell]]:
    """Records of comma-separated fields with their offsets; quotes may hold commas and newlines."""
    position, size = 0, len(text)
    record: list[Cell] = []
    while True:
        start = position
        if position < size and text[position] == '"':
            value, position = _quoted(text, start)
            if position < size and text[position] not in ",\r\n":
                raise _CsvSyntax(position, "unexpected text after a closing quote")
        else:
            end = position
            while end < size and text[end] not in ",\r\n":
                end += 1
            value, position = text[start:end], end
            if '"' in value:
                raise _CsvSyntax(start + value.index('"'), "a quote inside an unquoted field; quote the whole field "
                                                           'and double the quote ("")')
        record.append((value, start))
        if position < size and text[position] == ",":
            position += 1
            continue
        yield record
        record = []
        if text.startswith("\r\n", position):
            position += 2
        elif position < size:
            position += 1
        if position >= size:
            return


class _Lines:
    """Offset → 1-based line and column."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

    def at(self, offset: int) -> Location:
        line = bisect.bisect_right(self.starts, offset)
        return Location(line, offset - self.starts[line - 1] + 1)


def _header(cells: list[Cell], lines: _Lines, problems: Problems) -> list[str] | None:
    names = [value.strip().lower() for value, _ in cells]
    allowed = CSV_COLUMNS + EXTRA_COLUMNS
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        used = "';'" if ";" in names[0] else "tabs"
        problems.add_at(Location(1, 1), "", f"the header has one column; separate columns with commas (this file "
                                            f"seems to use {used}): {','.join(CSV_COLUMNS)}")
        return None
    if not set(names) & set(allowed):
        problems.add_at(Location(1, 1), "", "the first row must be a header naming the columns, with at least "
                                            f"'username': {','.join(CSV_COLUMNS)}")
        return None
    ok = True
    seen: set[str] = set()
    for name, (_, offset) in zip(names, cells, strict=True):
        if name not in allowed:
            columns = f"{', '.join(CSV_COLUMNS)} (and optionally {', '.join(EXTRA_COLUMNS)})"
            problems.add_at(lines.at(offset), "", f"unknown column {name!r}; the columns are {columns}"
                                                  f"{suggestion(name, allowed)}")
            ok = False
        elif name in seen:
            problems.add_at(lines.at(offset), "", f"the column {name!r} appears twice")
            ok = False
        seen.add(name)
    if "username" not in names:
        problems.add_at(Location(1, 1), "", "the header has no 'username' column, and every row needs one")
        ok = False
    return names if ok else None


Rows = list[tuple[str, dict[str, Any]]]  # (origin, cells by column)


def _parse_csv(text: str, problems: Problems, limits: FileLimits) -> tuple[Rows, dict[str, Spot]] | None:
    """The rows (by origin, cells by column) and where every row and cell sits, or None after
    reporting why not. Like ``parse_yaml``: ``located`` indexes the file again with it."""
    lines = _Lines(text)
    try:
        records = list(scan(text))
    except _CsvSyntax as error:
        problems.add_at(lines.at(error.offset), "", f"CSV syntax error: {error}")
        return None
    records = [r for r in records if any(value.strip() for value, _ in r)]  # blank spreadsheet rows
    if not records:
        problems.add_at(Location(1, 1), "", f"the file is empty; start it with the header {','.join(CSV_COLUMNS)}")
        return None
    header = _header(records[0], lines, problems)
    if header is None:
        return None
    cap = limits.sections.get("users", 2000)
    if len(records) - 1 > cap:
        problems.add_at(lines.at(records[cap + 1][0][1]), "users", f"has {len(records) - 1:,} rows; at most {cap:,} "
                                                                   "users are allowed in one file")
        return None
    rows: Rows = []
    index: dict[str, Spot] = {}
    for number, record in enumerate(records[1:]):
        origin = join("users", number)
        row_at = lines.at(record[0][1])
        index[origin] = Spot(row_at, row_at)
        if len(record) != len(header):
            problems.add_at(row_at, origin, f"has {len(record)} fields but the header has {len(header)}; check for "
                                            "a missing or extra comma")
            continue
        row: dict[str, Any] = {}
        for name, (value, offset) in zip(header, record, strict=True):
            cell_at = lines.at(offset)
            index[join(origin, name)] = Spot(cell_at, cell_at)
            row[name] = value if value.strip() else None
        rows.append((origin, row))
    return rows, index


def load_users_csv(path: Path, *, catalogue: CatalogueView | None = None, limits: FileLimits = DEFAULT_FILE_LIMITS,
                   environ: Mapping[str, str] | None = None, problems: Problems | None = None) -> WorkshopPlan:
    """Validate a users CSV and return a plan holding only users; raise WorkshopFileErrors otherwise.

    An empty cell means "not given": an empty role is student, an empty password is generated.
    ``problems`` is as for `load_workshop_file`.
    """
    path = Path(path)
    problems = Problems(shown_name(path), limit=limits.max_problems) if problems is None else problems
    text = read_text(path, problems, limits)
    parsed = _parse_csv(text, problems, limits) if text is not None else None
    if parsed is None:
        raise problems.error()
    rows, problems.index = parsed
    ctx: Context = new_context(path, problems, catalogue, limits, environ)
    users: list[UserPlan] = []
    for origin, row in rows:
        user = read_user(row, origin, ctx, allowed=tuple(row))
        if user is not None:
            users.append(user)
    settled = check_references(ctx, Sections(users, [], [], [], [], []))
    problems.raise_if_any()
    return WorkshopPlan(source=path, users=tuple(settled.users))
