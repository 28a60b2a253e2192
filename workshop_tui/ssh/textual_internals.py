"""The few private Textual names the server relies on, and the process-wide settings it needs.

Textual is pinned to one version in pyproject.toml; `tests/ssh/test_textual_contract.py` checks every
name listed here, so an upgrade that moves one fails loudly instead of leaking apps or losing
crash reports in production.

- `XTermParser._parse_extended_key` is an `lru_cache` on a method. The cache is process-wide: its
  keys hold each session's parser and its values the key events it made, which name their app, so
  every closed session would stay in memory. `SessionParser` uses the undecorated function.
- `textual.app.redirect_stdout` / `redirect_stderr`: each running app swaps `sys.stdout` and
  `sys.stderr` for its own capture object. With many apps in one process they interleave and leave
  `sys.stdout` pointing at a dead app; the server makes them leave the streams alone.
- `Strip._render_cache`, `Strip._segments`: a strip keeps the text it rendered, in the colours of
  the console that rendered it, and Rich styles keep their first escape codes (`Style._ansi`), which
  `Strip.render` prefers. Strips and styles are shared by every app in the process (`Strip.blank`
  and `Style.parse` are cached), so the first session's colours would reach everyone. The server
  renders strips with a cache that remembers its colours, from codes made for the console at hand.
- `App._exception`: the error that ended an app, for the crash report in the log.
- `Stylesheet._parse_rules`, `Stylesheet._variables`: each app parses every CSS source it uses,
  the same text into the same rules for every session with the same theme: a quarter of a
  session's start-up CPU. The server keeps one parse per CSS source and set of theme variables for
  the whole process (Textual already reuses parsed rules within one stylesheet; nothing changes a
  rule once it is parsed).
- `Reactive._default`: text cursors blink by default, a timer and a repaint every half second in
  every session, sent over the network (about 270 bytes a second each, and most of an idle
  session's CPU). In the server they hold still.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import textual.app
from rich.color import ColorSystem
from rich.console import Console
from textual._xterm_parser import XTermParser
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.strip import Strip
from textual.widgets import Input, TextArea

PRIVATE_NAMES = (
    "textual._xterm_parser.XTermParser._parse_extended_key",
    "textual.app.redirect_stdout",
    "textual.app.redirect_stderr",
    "textual.app.App._exception",
    "textual.strip.Strip._render_cache",
    "textual.strip.Strip._segments",
    "textual.strip.Strip.render_ansi",
    "rich.console.Console._color_system",
    "textual.reactive.Reactive._default",
    "textual.css.stylesheet.Stylesheet._parse_rules",
    "textual.css.stylesheet.Stylesheet._variables",
)
PARSED_KEPT = 4096
STILL_CURSORS = (Input, TextArea)


def uncached_extended_key_parser() -> Any:
    """The body of `XTermParser._parse_extended_key` without its process-wide cache."""
    return XTermParser._parse_extended_key.__wrapped__  # type: ignore[attr-defined]


@contextlib.contextmanager
def _streams_unchanged(_target: object) -> Iterator[None]:
    yield


class _Standard(str):
    pass


class _EightBit(str):
    pass


class _Truecolor(str):
    pass


_RENDERED = {ColorSystem.STANDARD: _Standard, ColorSystem.EIGHT_BIT: _EightBit, ColorSystem.TRUECOLOR: _Truecolor,
             ColorSystem.WINDOWS: _Standard}


def _render_for_its_console(self: Strip, console: Console) -> str:
    """`Strip.render` for this console's colours: the codes come from `Strip.render_ansi` (cached
    per colour system), and the strip's cache holds for one colour system only."""
    system = console._color_system or ColorSystem.TRUECOLOR
    kind = _RENDERED[system]
    cached = self._render_cache
    if type(cached) is kind:
        return cached
    render_ansi = Strip.render_ansi
    parts = []
    for text, style, _ in self._segments:
        if style is None:
            parts.append(text)
            continue
        ansi = render_ansi(style, system)
        output = f"\x1b[{ansi}m{text}\x1b[0m" if ansi else text
        if style.link:
            output = f"\x1b]8;id={style.link_id};{style.link}\x1b\\{output}\x1b]8;;\x1b\\"
        parts.append(output)
    rendered = kind("".join(parts))
    self._render_cache = rendered
    return rendered


_textual_parse_rules = Stylesheet._parse_rules
TEXTUAL_ORIGINALS = {"Strip.render": Strip.render, "Stylesheet._parse_rules": _textual_parse_rules}
"""Textual's own versions of what `prepare_process` replaces (the contract test reads these)."""
_parsed: OrderedDict[tuple[Any, ...], list[RuleSet]] = OrderedDict()


def _parse_rules_once(self: Stylesheet, css: str, read_from: Any, is_default_rules: bool = False,
                      tie_breaker: int = 0, scope: str = "") -> list[RuleSet]:
    """`Stylesheet._parse_rules`, shared by every app in the process that has the same variables."""
    key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(sorted(self._variables.items())))
    rules = _parsed.get(key)
    if rules is None:
        rules = _textual_parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        _parsed[key] = rules
        if len(_parsed) > PARSED_KEPT:
            _parsed.popitem(last=False)
    else:
        _parsed.move_to_end(key)
    return rules


def prepare_process() -> None:
    """Set up the process for many apps on one loop; call once, in the server process, before any
    app starts (idempotent)."""
    textual.app.redirect_stdout = _streams_unchanged  # type: ignore[attr-defined,assignment]
    textual.app.redirect_stderr = _streams_unchanged  # type: ignore[attr-defined,assignment]
    Strip.render = _render_for_its_console  # type: ignore[method-assign]
    Stylesheet._parse_rules = _parse_rules_once  # type: ignore[method-assign]
    for widget in STILL_CURSORS:
        vars(widget)["cursor_blink"]._default = False
    if sys.version_info >= (3, 12):
        # Textual switches the running loop to eager tasks when an app starts; do it before the
        # first session, so that every session (and the server's own tasks) run the same way.
        asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined]


def ended_by(app: textual.app.App[Any]) -> BaseException | None:
    """The unhandled error that ended `app`, if one did."""
    return getattr(app, "_exception", None)
