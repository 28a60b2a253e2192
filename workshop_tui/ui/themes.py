"""Themes are data: `themes/*.yaml`, one Textual `Theme` per file, checked before it is used.

A file holds the fields of `textual.theme.Theme` (name, dark, and colours such as primary,
background, surface) plus an optional `variables` mapping of CSS variables. Every problem in every
file is collected, so a bad file costs one notification naming it, and the app keeps the default
theme. Colours live here and in the theme files only; `.tcss` files use theme variables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "workshop-dark"
COLOUR_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background",
                 "surface", "panel", "boost")
OTHER_FIELDS = {"name", "dark", "variables", "luminosity_spread", "text_alpha"}
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_VARIABLE = re.compile(r"[a-z][a-z0-9-]{0,63}")
MAX_FILE_BYTES = 64 * 1024
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when built in: themes load before the first paint


@dataclass
class ThemeSet:
    """The themes found in a folder, and what was wrong with the others."""

    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return [theme.name for theme in self.themes]


def load_themes(folder: Path) -> ThemeSet:
    """Every valid theme in `folder` (sorted by file name), with one line per problem elsewhere."""
    found = ThemeSet()
    if not folder.is_dir():
        found.problems.append(f"{folder}: the themes folder is missing")
        return found
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        try:
            theme = _load_file(path)
        except ValueError as exc:
            found.problems.append(f"{path.name}: {exc}")
            continue
        if theme.name in seen:
            found.problems.append(f"{path.name}: the theme name {theme.name!r} is used by another file")
            continue
        seen.add(theme.name)
        found.themes.append(theme)
    return found


def _load_file(path: Path) -> Theme:
    if path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"not a regular file of at most {MAX_FILE_BYTES // 1024} KiB")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read ({exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ValueError(f"{where}not valid YAML") from exc
    return theme_from_mapping(data)


def theme_from_mapping(data: Any) -> Theme:
    """A `Theme` from one file's mapping, or ValueError naming every bad field."""
    if not isinstance(data, dict):
        raise ValueError("a theme file holds a mapping of theme fields")
    problems = [f"unknown field {key!r}" for key in data if key not in OTHER_FIELDS and key not in COLOUR_FIELDS]
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        problems.append("name: lower-case letters, digits and dashes, up to 64 characters")
    if not isinstance(data.get("dark", True), bool):
        problems.append("dark: true or false")
    colours: dict[str, str] = {}
    for key in COLOUR_FIELDS:
        if key in data:
            colours[key] = _colour(data[key], key, problems)
    if "primary" not in data:
        problems.append("primary: a colour is required")
    variables = _variables(data.get("variables", {}), problems)
    numbers = {key: data[key] for key in ("luminosity_spread", "text_alpha") if key in data}
    for key, value in numbers.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            problems.append(f"{key}: a number from 0 to 1")
    if problems:
        raise ValueError("; ".join(problems))
    return Theme(name=name, dark=data.get("dark", True), variables=variables, **colours, **numbers)


def _colour(value: Any, key: str, problems: list[str]) -> str:
    if isinstance(value, str):
        try:
            Color.parse(value)
            return value
        except ColorParseError:
            pass
    problems.append(f"{key}: not a colour ({str(value)[:40]!r}); write it like \"#4EA8DE\"")
    return ""


def _variables(value: Any, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append("variables: a mapping of CSS variable names to values")
        return {}
    variables: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not _VARIABLE.fullmatch(key):
            problems.append(f"variables: {str(key)[:40]!r} is not a variable name")
        elif not isinstance(item, str | int | float) or isinstance(item, bool) or len(str(item)) > 64 \
                or any(ch in str(item) for ch in ";{}\n"):
            problems.append(f"variables.{key}: a short value without ; {{ }} or line breaks")
        else:
            variables[key] = str(item)
    return variables


def install_themes(app: App[Any], themes: ThemeSet) -> None:
    """Register `themes` on an app that has not started, and make the default one current.

    It is set quietly, and the not yet parsed stylesheet gets its variables, so the first parse is
    the right one. Assigning `theme` would also re-parse and re-apply all the CSS once the app runs
    (about 7 ms before the first paint). Both candidates are dark, as Textual's default is, so the
    ANSI colour mapping Textual set up stays right."""
    for theme in themes.themes:
        app.register_theme(theme)
    name = DEFAULT_THEME if DEFAULT_THEME in app.available_themes else "textual-dark"
    app.set_reactive(App.theme, name)
    app.stylesheet.set_variables(app.get_css_variables())
    app.update_classes({f"-theme-{name}": True, "-dark-mode": True, "-light-mode": False}, update=False)
