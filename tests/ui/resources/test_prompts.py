"""The Prompts place: writing a prompt with typed variables, and using it in a chat."""

from __future__ import annotations

from workshop_tui.domain.enums import Visibility
from workshop_tui.ui.widgets.composer import Composer

from ..chat_support import ChatClass
from ..support import screen_text, type_into, until, until_shown
from .places import SIZE, go, keys_offered, open_at

TITLE = "Recipe [bold]helper[/bold] [@click=app.quit]q[/]"
TEMPLATE = "Suggest a {{dish}} for {{people}} people.\nKeep [@click=app.quit]this[/] as typed."


async def write_prompt(pilot) -> None:  # type: ignore[no-untyped-def]
    """Title, tags and template typed; the variables declared from the template."""
    await pilot.press("n")
    await until_shown(pilot, "New prompt")
    await type_into(pilot, "#title", TITLE)
    await type_into(pilot, "#tags", "cooking, fun")
    pilot.app.screen.query_one("#template").load_text(TEMPLATE)
    await until_shown(pilot, "template uses {{dish}} and {{people}}, which are not declared")
    await pilot.click("#declare")
    await until_shown(pilot, "Suggest a <dish> for <people> people.")


async def test_a_prompt_with_variables_goes_from_creation_to_a_chat(resource_class: ChatClass) -> None:
    app = await open_at(resource_class, "ines")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "prompts", "#prompts-table")
        await write_prompt(pilot)
        options = app.screen.query_one("#variables")
        options.focus()
        options.highlighted = 1
        await pilot.press("enter")  # the second variable, people
        await until_shown(pilot, "Name (letters, digits")
        app.screen.query_one("#var-type").value = "number"
        await type_into(pilot, "#var-default", "2")
        await pilot.press("ctrl+s")
        await until_shown(pilot, "people · number · required · default 2")
        await until_shown(pilot, "Suggest a <dish> for 2 people.")
        app.screen.query_one("#visibility").value = Visibility.CLASS
        await pilot.press("ctrl+s")
        await until_shown(pilot, "Saved “Recipe")
        await until_shown(pilot, "Keep [@click=app.quit]this[/] as")  # as typed, and inert, once read again
        assert TITLE in screen_text(app)
        await pilot.press("u")
        await until_shown(pilot, "Use the prompt “Recipe")
        await type_into(pilot, "#var-dish", "soup")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.current_mode == "chat", "the chat")
        composer = app.screen.query_one(Composer)
        await until(pilot, lambda: composer.text.startswith("Suggest a soup for 2 people."), "the prompt in chat")
        assert composer.text == "Suggest a soup for 2 people.\nKeep [@click=app.quit]this[/] as typed."
        assert "New conversation" in screen_text(app) and app.is_running
    [saved] = [p for p in await resource_class.workshop.knowledge.prompts.list(await resource_class.actor("sam"))
               if p.title == TITLE]  # shared with the class: the student reads it
    assert saved.tags == ("cooking", "fun") and [v["name"] for v in saved.variables] == ["dish", "people"]


def error_beside(app, field: str) -> str:  # type: ignore[no-untyped-def]
    """The error line under `field`, as shown ('' while hidden)."""
    line = app.screen.query_one(f"#{field}-error")
    return str(line.render()) if line.display else ""


async def test_refusals_appear_beside_the_field_they_name(resource_class: ChatClass) -> None:
    app = await open_at(resource_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "prompts", "#prompts-table")
        await pilot.press("n")
        await until_shown(pilot, "New prompt")
        assert "private; instructors share" in screen_text(app)  # no choice of visibility for a student
        await type_into(pilot, "#tags", "a-tag-that-is-far-too-long-to-be-a-tag")
        await until(pilot, lambda: "longer than 32" in error_beside(app, "tags"), "the tag's problem, as typed")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "must not be empty" in error_beside(app, "title"), "the service's word on the title")
        await type_into(pilot, "#title", "Mine")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "longer than 32" in error_beside(app, "tags"), "the service's word on the tags")
        assert error_beside(app, "title") == ""
        app.screen.query_one("#tags").value = "fine"
        app.screen.query_one("#template").load_text("Hello {{ who")
        await until(pilot, lambda: "is never closed" in error_beside(app, "template"), "the template's problem")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "is never closed" in error_beside(app, "template")
                    and not any(w.group == "prompt-save" and not w.is_finished for w in app.workers),
                    "the service's word on the template")
        assert error_beside(app, "tags") == "" and "New prompt" in screen_text(app)


async def test_search_and_tag_filter_narrow_the_list(resource_class: ChatClass) -> None:
    sam = await resource_class.actor("sam")
    prompts = resource_class.workshop.knowledge.prompts
    await prompts.create(sam, "Haiku", "A haiku about {{user_name}}.", tags=["poetry"])
    app = await open_at(resource_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "prompts", "#prompts-table")
        await until_shown(pilot, "2 prompt(s)")
        app.screen.query_one("#prompt-tag").value = "poetry"
        await until_shown(pilot, "2 prompt(s) (1 shown)")
        assert "Explain like I'm new" not in screen_text(app)
        app.screen.query_one("#prompt-tag").clear()
        await pilot.press("slash")
        await type_into(pilot, "#prompt-search", "sentences")  # in the class prompt's template only
        await until_shown(pilot, "2 prompt(s) (1 shown)")
        assert "Explain like I'm new" in screen_text(app) and "Haiku" not in screen_text(app)
        assert "Edit" not in await keys_offered(pilot)  # the instructor's prompt: used, not changed
