"""Prompt templates: placeholders are checked, values validated and inserted literally."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.templates import (
    BUILTIN_VARIABLES,
    VARIABLE_TYPES,
    TemplateVariable,
    check_template,
    find_variables,
    render,
)

VARIABLES = [
    TemplateVariable("topic", "text", required=True, description="What to explain"),
    TemplateVariable("notes", "multiline"),
    TemplateVariable("count", "number", default=3),
    TemplateVariable("level", "choice", default="beginner", choices=("beginner", "expert")),
    TemplateVariable("examples", "boolean", default=False),
]
TEMPLATE = (
    "Hello {{ user_name }} ({{date}}).\nExplain {{topic}} in {{count}} points for a {{ level }}.\n"
    "Examples: {{examples}}\n{{notes}}"
)
BUILTINS = {"user_name": "Ada", "date": date(2026, 3, 1), "time": "09:30"}


def test_types_constant() -> None:
    assert VARIABLE_TYPES == ("text", "multiline", "number", "choice", "boolean")
    assert set(BUILTIN_VARIABLES) == {"user_name", "date", "time"}


def test_find_variables_in_order_and_unique() -> None:
    assert find_variables("{{b}} {{ a }} {{b}}{{c}}") == ["b", "a", "c"]
    assert find_variables("no placeholders, just {braces} and }}") == []


def test_render_fills_values_defaults_and_builtins() -> None:
    text = render(TEMPLATE, VARIABLES, {"topic": "embeddings", "examples": "yes"}, builtins=BUILTINS)
    assert text == ("Hello Ada (2026-03-01).\nExplain embeddings in 3 points for a beginner.\nExamples: true\n")


def test_values_are_inserted_literally_not_re_expanded() -> None:
    values = {"topic": "{{notes}}", "notes": "{{user_name}} }}"}
    text = render("A {{topic}} B {{notes}}", VARIABLES, values, builtins={"user_name": "Ada"})
    assert text == "A {{notes}} B {{user_name}} }}"


def test_undeclared_placeholder_is_named() -> None:
    with pytest.raises(Invalid, match=r"template uses \{\{subject\}\}, which is not declared"):
        check_template("Explain {{subject}} to {{user_name}}", VARIABLES)
    with pytest.raises(Invalid, match=r"\{\{a\}\} and \{\{b\}\}, which are not declared"):
        check_template("{{a}}{{b}}", [])


@pytest.mark.parametrize(
    ("template", "fragment"),
    [("Hi {{name", "never closed"), ("Hi {{ two words }}", "two words"), ("{{1x}}", "1x"), ("{{}}", "{{}}")],
)
def test_malformed_placeholders_are_refused(template: str, fragment: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_template(template, [])
    assert fragment in str(caught.value)


def test_missing_required_and_unknown_values_name_the_variable() -> None:
    with pytest.raises(Invalid) as caught:
        render(TEMPLATE, VARIABLES, {"topic": "  "})
    assert caught.value.field == "topic" and "required" in str(caught.value)
    with pytest.raises(Invalid) as caught:
        render(TEMPLATE, VARIABLES, {"topic": "x", "tpoic": "y"})
    assert caught.value.field == "tpoic"
    with pytest.raises(Invalid) as caught:
        render(TEMPLATE, VARIABLES, {"topic": "x", "user_name": "root"})
    assert caught.value.field == "user_name"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"count": "7"}, "7"),
        ({"count": " 2.50 "}, "2.5"),
        ({"count": 4.0}, "4"),
        ({"count": 12}, "12"),
    ],
)
def test_numbers_are_coerced(values: dict[str, object], expected: str) -> None:
    assert render("{{count}}", VARIABLES, {"topic": "t", **values}) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("count", "three"),
        ("count", "nan"),
        ("count", True),
        ("level", "wizard"),
        ("examples", "maybe"),
        ("topic", "two\nlines"),
        ("topic", "x" * 20_001),
    ],
)
def test_bad_values_are_refused_naming_the_variable(name: str, value: object) -> None:
    values = {"topic": "t", name: value}
    with pytest.raises(Invalid) as caught:
        render(TEMPLATE, VARIABLES, values)
    assert caught.value.field == name
    assert str(caught.value).startswith(f"{name}: ")


@pytest.mark.parametrize(("raw", "expected"), [("Yes", "true"), ("0", "false"), ("FALSE", "false"), (True, "true")])
def test_booleans_are_coerced(raw: object, expected: str) -> None:
    assert render("{{examples}}", VARIABLES, {"topic": "t", "examples": raw}) == expected


def test_multiline_keeps_newlines() -> None:
    assert render("{{notes}}", VARIABLES, {"topic": "t", "notes": "a\nb"}) == "a\nb"


def test_date_and_time_default_to_now() -> None:
    before = datetime.now()
    text = render("{{date}} {{time}}", [], {})
    assert text.split()[0] in {before.date().isoformat(), datetime.now().date().isoformat()}
    assert len(text.split()[1]) == 5 and text.split()[1][2] == ":"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"name": "bad name"}, "letters"),
        ({"name": "date"}, "built-in"),
        ({"name": "x", "type": "colour"}, "colour"),
        ({"name": "x", "type": "choice"}, "at least one choice"),
        ({"name": "x", "choices": ("a",)}, "only choice"),
        ({"name": "x", "type": "number", "default": "many"}, "number"),
        ({"name": "x", "type": "choice", "choices": ("a",), "default": "b"}, "must be one of"),
    ],
)
def test_bad_declarations_are_refused(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(Invalid) as caught:
        TemplateVariable(**kwargs)  # type: ignore[arg-type]
    assert fragment in str(caught.value)


def test_duplicate_declarations_are_refused() -> None:
    with pytest.raises(Invalid, match="declared twice"):
        check_template("{{a}}", [TemplateVariable("a"), TemplateVariable("a")])
