"""Reading a workshop YAML file into plain data plus an index of where every value sits.

Only YAML's safe subset is accepted: the loader is PyYAML's SafeLoader, so no tag can build a Python
object. On top of it:

- the composer counts nesting as it goes, so a file of ten thousand ``[`` fails fast instead of
  exhausting the stack;
- values are built by our own walk over the node graph rather than by the constructor, so every
  value's line and column is kept under its field path (``users[3].role``), duplicate keys are
  refused instead of silently overwritten, and alias expansion is counted (a few lines of nested
  anchors would otherwise expand into millions of values);
- each scalar is still constructed by SafeLoader itself, so ``yes``, ``1.5`` and dates mean what
  YAML says they mean.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from workshop_tui.services.workshop_file.limits import MB, SIZE_HINT, FileLimits
from workshop_tui.services.workshop_file.problems import Location, Problems, Spot, join
from workshop_tui.services.workshop_file.values import UNREADABLE, describe_char

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"


class _TooDeep(Exception):
    def __init__(self, location: Location) -> None:
        super().__init__("too deep")
        self.location = location


class _TooMany(Exception):
    pass


def _location(mark: yaml.Mark | None) -> Location:
    return Location(mark.line + 1, mark.column + 1) if mark is not None else Location(1, 1)


def _shown_tag(tag: str) -> str:
    """A tag as it is written in the file: ``!!python/object`` rather than its expanded URI."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix):] if tag.startswith(prefix) else tag


def location_of_offset(text: str, offset: int) -> Location:
    """Line and column of a character offset, for errors that only know the offset."""
    before = text[:offset]
    return Location(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer refuses nesting deeper than ``max_depth``."""

    def __init__(self, text: str, max_depth: int) -> None:
        super().__init__(text)
        self._depth = 0
        self._max_depth = max_depth

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                raise _TooDeep(_location(self.peek_event().start_mark))
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def read_text(path: Path, problems: Problems, limits: FileLimits) -> str | None:
    """The file's text, after checking it is a regular file under the size cap and valid UTF-8."""
    start = Location(1, 1)
    try:
        info = path.stat()
    except FileNotFoundError:
        problems.add_at(start, "", "the file does not exist")
        return None
    except OSError as error:
        problems.add_at(start, "", f"the file cannot be read: {error.strerror}")
        return None
    if not stat.S_ISREG(info.st_mode):
        problems.add_at(start, "", "is not a regular file")
        return None
    if info.st_size > limits.max_file_bytes:
        problems.add_at(start, "", f"the file is {info.st_size / MB:.2f} MB, over the "
                                   f"{limits.max_file_bytes / MB:g} MB limit; {SIZE_HINT}")
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except OSError as error:
        problems.add_at(start, "", f"the file cannot be read: {os.strerror(error.errno or 0)}")
        return None
    if len(data) > limits.max_file_bytes:  # grew after the stat
        problems.add_at(start, "", f"the file is over the {limits.max_file_bytes / MB:g} MB limit; {SIZE_HINT}")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8", errors="replace")
        problems.add_at(location_of_offset(good, len(good)), "",
                        f"the file is not valid UTF-8 (byte 0x{data[error.start]:02x}); save it as UTF-8")
        return None


def parse_yaml(text: str, problems: Problems, limits: FileLimits) -> tuple[Any, dict[str, Spot]] | None:
    """The file's single document as plain data and its location index; None after a fatal problem.

    Fatal problems are those after which nothing sensible can be read: a syntax error, nesting too
    deep, too many values, more than one document. Problems inside values (a duplicate key, a
    Python tag) are recorded and reading goes on.
    """
    try:
        loader = _Loader(text, limits.max_depth)  # checks every character of the text first
    except yaml.reader.ReaderError as error:
        char = chr(error.character) if isinstance(error.character, int) else str(error.character)
        problems.add_at(location_of_offset(text, error.position), "",
                        f"the control character {describe_char(char)} may not appear in a YAML file; remove it")
        return None
    try:
        if not loader.check_node():
            problems.add_at(Location(1, 1), "", "the file is empty; start it with 'version: 1'")
            return None
        root = loader.get_node()
        if loader.check_node():
            where = _location(loader.peek_event().start_mark)
            problems.add_at(where, "", "the file holds more than one YAML document; a workshop file describes "
                                       "exactly one workshop, so remove the '---' and what follows or use two files")
            return None
    except _TooDeep as error:
        problems.add_at(error.location, "", f"nesting is deeper than {limits.max_depth} levels")
        return None
    except yaml.MarkedYAMLError as error:
        reason = error.problem or "syntax error"
        context = f" ({error.context})" if error.context else ""
        problems.add_at(_location(error.problem_mark), "", f"YAML syntax error: {reason}{context}")
        return None
    finally:
        loader.dispose()
    builder = _Builder(loader, problems, limits)
    try:
        data = builder.build(root, "", Location(1, 1), 1)
    except _TooDeep as error:
        problems.add_at(error.location, "", f"nesting is deeper than {limits.max_depth} levels (through aliases)")
        return None
    except _TooMany:
        problems.add_at(Location(1, 1), "", f"the file expands to more than {limits.max_values:,} values "
                                            "(through aliases); write the values out or split the file")
        return None
    return data, builder.index


class _Builder:
    """Turns the node graph into dicts, lists and scalars, indexing every value by field path."""

    def __init__(self, loader: _Loader, problems: Problems, limits: FileLimits) -> None:
        self.loader = loader
        self.problems = problems
        self.limits = limits
        self.index: dict[str, Spot] = {}
        self.count = 0

    def build(self, node: Node, path: str, key_at: Location, depth: int) -> Any:
        self.count += 1
        if self.count > self.limits.max_values:
            raise _TooMany
        here = _location(node.start_mark)
        if depth > self.limits.max_depth:
            raise _TooDeep(here)
        if isinstance(node, ScalarNode):
            missing = node.tag == _NULL_TAG and node.value == "" and node.style is None
            self.index.setdefault(path, Spot(key_at if missing else here, key_at))
            return self._scalar(node, path)
        self.index.setdefault(path, Spot(here, key_at))
        if isinstance(node, SequenceNode) and node.tag == _SEQ_TAG:
            return [self.build(item, join(path, i), _location(item.start_mark), depth + 1)
                    for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode) and node.tag == _MAP_TAG:
            return self._mapping(node, path, depth)
        self._refuse(path, f"the tag {_shown_tag(node.tag)!r} is not allowed; workshop files hold plain values only")
        return UNREADABLE

    def _refuse(self, path: str, message: str) -> None:
        """Record a problem with the value just indexed (the collector's index is not set yet)."""
        self.problems.add_at(self.index[path].value, path, message)

    def _scalar(self, node: ScalarNode, path: str) -> Any:
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as error:
            problem = error.problem or "cannot be read"
            if "could not determine a constructor" in problem:
                problem = f"the tag {_shown_tag(node.tag)!r} is not allowed; workshop files hold plain values only"
            self._refuse(path, problem)
            return UNREADABLE
        if isinstance(value, str) and len(value) > self.limits.max_string_chars:
            self._refuse(path, f"is {len(value):,} characters long, over the "
                               f"{self.limits.max_string_chars:,}-character limit for one value")
            return UNREADABLE
        return value

    def _mapping(self, node: MappingNode, path: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            key_at = _location(key_node.start_mark)
            if key_node.tag == _MERGE_TAG:
                self.problems.add_at(key_at, path, "merge keys ('<<') are not supported; write the values out")
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR_TAG:
                shown = key_node.value if isinstance(key_node, ScalarNode) else "a list or mapping"
                self.problems.add_at(key_at, path, f"the key {shown!r} is not text; put it in quotes")
                continue
            key = str(key_node.value)
            child = join(path, key)
            if key in first_seen:
                self.problems.add_at(key_at, child, f"duplicate key {key!r} (first at line {first_seen[key].line}); "
                                                    "each key may appear once")
                continue
            first_seen[key] = key_at
            result[key] = self.build(value_node, child, key_at, depth + 1)
        return result
