"""The private Textual (and Rich) names the SSH server relies on are where it expects them. If a
Textual upgrade moves one, this fails, naming it, before sessions start leaking or losing crash
reports. Textual is pinned exactly in pyproject.toml for the same reason."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import rich.console
import textual
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.driver import Driver
from textual.reactive import Reactive
from textual.strip import Strip

from workshop_tui.ssh.textual_internals import (
    PRIVATE_NAMES,
    STILL_CURSORS,
    TEXTUAL_ORIGINALS,
    ended_by,
    uncached_extended_key_parser,
)

REPO = Path(__file__).resolve().parents[2]


def test_textual_is_pinned_to_the_version_these_names_were_checked_against() -> None:
    pins = re.findall(r'"textual==([^"]+)"', (REPO / "pyproject.toml").read_text())
    assert pins == [textual.__version__]


INSTANCES = {"App": App, "Strip": lambda: Strip([]), "Console": rich.console.Console,
             "Reactive": lambda: Reactive(True), "Stylesheet": Stylesheet}


def test_every_private_name_exists() -> None:
    missing = []
    for dotted in PRIVATE_NAMES:
        module_name, class_name, attribute = dotted.rsplit(".", 2)
        owner = getattr(importlib.import_module(module_name), class_name, None)
        if owner is None or not (hasattr(owner, attribute) or hasattr(INSTANCES[class_name](), attribute)):
            missing.append(dotted)
    assert missing == []


def test_textual_strips_render_with_the_names_the_server_reimplements() -> None:
    source = inspect.getsource(TEXTUAL_ORIGINALS["Strip.render"]) + inspect.getsource(Strip.render_style)
    for name in ("self._render_cache", "console._color_system", "self._segments", "style._ansi",
                 "cls.render_ansi(style, color_system)", "style._link"):
        assert name in source, name


def test_the_extended_key_parser_is_still_cached_and_unwraps() -> None:
    from textual._xterm_parser import XTermParser

    assert hasattr(XTermParser._parse_extended_key, "cache_info")  # the cache we step around
    assert inspect.isfunction(uncached_extended_key_parser())


def test_the_app_redirects_output_with_the_names_the_server_replaces() -> None:
    source = inspect.getsource(App._process_messages)
    assert "redirect_stdout(" in source and "redirect_stderr(" in source


def test_an_app_keeps_its_fatal_error_where_the_crash_report_reads_it() -> None:
    app = App()
    assert ended_by(app) is None
    source = inspect.getsource(App._handle_exception)
    assert "self._exception = error" in source


def test_the_driver_interface_is_the_one_the_session_driver_implements() -> None:
    abstract = {name for name, value in vars(Driver).items() if getattr(value, "__isabstractmethod__", False)}
    assert abstract == {"write", "start_application_mode", "disable_input", "stop_application_mode"}
    parameters = list(inspect.signature(Driver.__init__).parameters)
    assert parameters == ["self", "app", "debug", "mouse", "size"]
    assert "_size" in inspect.getsource(App.size.fget)  # type: ignore[attr-defined]


def test_rich_consoles_still_take_an_environment_of_their_own() -> None:
    assert "_environ" in inspect.signature(rich.console.Console.__init__).parameters


def test_text_cursors_still_blink_through_a_reactive_the_server_can_default() -> None:
    for widget in STILL_CURSORS:
        assert isinstance(vars(widget).get("cursor_blink"), Reactive), widget


def test_stylesheets_parse_through_the_method_the_server_shares_and_with_these_parameters() -> None:
    textual_parse = TEXTUAL_ORIGINALS["Stylesheet._parse_rules"]
    parameters = list(inspect.signature(textual_parse).parameters)
    assert parameters == ["self", "css", "read_from", "is_default_rules", "tie_breaker", "scope"]
    assert "self._parse_rules(" in inspect.getsource(Stylesheet.parse)
    assert "variable_tokens=self._variable_tokens" in inspect.getsource(textual_parse)
