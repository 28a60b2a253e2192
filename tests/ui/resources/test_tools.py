"""The Tools place: a tool created from a vetted kind and tried, and what a student may do."""

from __future__ import annotations

from workshop_tui.domain.enums import ToolKind

from ..chat_support import ChatClass
from ..support import screen_text, type_into, until, until_shown
from .places import HOSTILE, SIZE, go, keys_offered, open_at


async def new_lookup_table(pilot, entries: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press("n")
    await until_shown(pilot, "New tool")
    app.screen.query_one("#kind").value = ToolKind.LOOKUP_TABLE
    await until_shown(pilot, "one entry per line: key = value")
    await type_into(pilot, "#name", "capitals")
    await type_into(pilot, "#description", "Capital [bold]cities[/bold]")
    app.screen.query_one("#config-entries").load_text(entries)
    await pilot.press("ctrl+s")


async def test_a_tool_created_from_a_kind_is_tried_and_its_result_shown_as_text(resource_class: ChatClass) -> None:
    app = await open_at(resource_class, "ines")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "tools", "#tools-table")
        await new_lookup_table(pilot, f"France = Paris\nOdd = {HOSTILE}")
        await until_shown(pilot, "Saved the tool capitals")
        await until_shown(pilot, "Capital [bold]cities[/bold]")
        assert "Lookup table" in screen_text(app)
        await pilot.press("t")
        await until_shown(pilot, "Try the tool capitals")
        assert app.screen.query_one("#arguments-key").value == "France"  # the sample: the table's first key
        await pilot.press("ctrl+r")
        await until_shown(pilot, "Paris")
        field = app.screen.query_one("#arguments-key")
        field.value = "Odd"
        await pilot.press("ctrl+r")
        await until_shown(pilot, "[bold]x[/bold] [@click=app.quit]q[/]")
        text = screen_text(app)
        assert "\x1b" not in text and "52;c;" not in text and app.is_running
    [tool] = [t for t in await resource_class.workshop.tools.list(await resource_class.actor("ines"))
              if t.name == "capitals"]
    assert tool.kind is ToolKind.LOOKUP_TABLE and tool.config["entries"]["France"] == "Paris"


async def test_config_problems_appear_beside_the_field(resource_class: ChatClass) -> None:
    app = await open_at(resource_class, "ines")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "tools", "#tools-table")
        await new_lookup_table(pilot, "no equals sign here")
        await until_shown(pilot, "line 1: write each entry as key = value")
        app.screen.query_one("#kind").value = ToolKind.VECTOR_SEARCH
        await until_shown(pilot, "vector_db_id (required)")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "is required" in str(app.screen.query_one("#config-vector_db_id-error").render())
                    and app.screen.query_one("#config-vector_db_id-error").display, "the service's word, beside it")
        await type_into(pilot, "#name", "X")
        await until_shown(pilot, "use 2–48 lower-case letters")


async def test_a_student_tries_a_granted_tool_and_sees_the_refusal_of_bad_arguments(
        resource_class: ChatClass) -> None:
    app = await open_at(resource_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "tools", "#tools-table")
        await until_shown(pilot, "calculator")
        keys = await keys_offered(pilot)
        assert "Try it" in keys and not any(word in keys for word in ("New", "Edit", "Delete"))
        await pilot.press("enter")
        await until_shown(pilot, "Try the tool calculator")
        app.screen.query_one("#arguments-expression").value = "__import__('os')"
        await pilot.press("ctrl+r")
        await until_shown(pilot, "Refused: the model would read this")
        assert "not allowed in a calculation" in screen_text(app)
        app.screen.query_one("#arguments-expression").value = "6 * 7"
        await pilot.press("ctrl+r")
        await until_shown(pilot, "Result")
        assert "42" in screen_text(app)
