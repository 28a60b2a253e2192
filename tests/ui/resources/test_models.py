"""The Models place as an admin and an attendee use it, against the fake Ollama over loopback."""

from __future__ import annotations

import dataclasses
import re

from workshop_tui.services.access import OPERATOR
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.testing.fake_ollama import FakeOllama

from ..chat_support import ChatClass
from ..support import screen_text, type_into, until, until_shown
from .places import HOSTILE, SIZE, go, keys_offered, open_at

PULLED = "qwen2.5:0.5b"  # in the fake's library, not installed


async def start_pull(pilot, name: str) -> None:  # type: ignore[no-untyped-def]
    await go(pilot, "models", "#models-table")
    await pilot.press("p")
    await until_shown(pilot, "Pull a model")
    await type_into(pilot, "#name", name)
    await pilot.press("enter")


async def test_an_admin_watches_each_layer_of_a_pull_with_its_rate_then_cancels_it(
        resource_class: ChatClass, fake: FakeOllama) -> None:
    fake.scenario.pull_chunk_delay = 0.05
    fake.scenario.pull_steps = 400  # a long pull: stopped long before it ends
    app = await open_at(resource_class, "ada")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_pull(pilot, PULLED)
        await until_shown(pilot, f"Pulling {PULLED}")
        await until(pilot, lambda: "/s" in screen_text(app) and " left" in screen_text(app), "a rate and a time left")
        text = screen_text(app)
        assert "% of 398 MB" in text and "━" in text  # the weights layer's bar, filling
        await pilot.click("#pull-stop")
        await until_shown(pilot, "cancelled; nothing was kept")
        assert "Close" in screen_text(app)
    assert PULLED not in {m.name for m in await resource_class.workshop.catalog.list(OPERATOR)}
    assert fake.registry.get(PULLED) is None and [d.path for d in fake.disconnects] == ["/api/pull"]
    async with resource_class.workshop.ctx.db.reading() as session:
        [end] = await AuditRepository(session).list(action="model.pull.end")
    assert end.after is not None and end.after["outcome"] == "interrupted"


async def test_a_finished_pull_puts_the_model_in_the_table(resource_class: ChatClass, fake: FakeOllama) -> None:
    app = await open_at(resource_class, "ada")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_pull(pilot, PULLED)
        await until_shown(pilot, "pulled, and the catalogue synced")
        await until(pilot, lambda: PULLED in screen_text(app).split("Pulling")[0], "the model in the table")
        assert "100% of 398 MB" in screen_text(app)


async def test_a_name_that_is_no_model_name_is_refused_beside_the_field(resource_class: ChatClass) -> None:
    app = await open_at(resource_class, "ada")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_pull(pilot, "llama@sha256")
        await until_shown(pilot, "pins a digest")
        assert app.screen.query_one("#name").has_focus or "Pull a model" in screen_text(app)


async def test_an_attendee_reads_details_and_loaded_models_but_manages_nothing(
        resource_class: ChatClass, fake: FakeOllama) -> None:
    llama = fake.registry.get("llama3.2:1b")
    assert llama is not None
    fake.registry.add(dataclasses.replace(llama, template=HOSTILE))
    fake.registry.touch("llama3.2:1b", "5m")
    app = await open_at(resource_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "models", "#models-table")
        await until_shown(pilot, "Loaded in memory:")
        table = app.screen.query_one("#models-table")
        table.move_cursor(row=table.get_row_index("llama3.2:1b"))
        await until_shown(pilot, "── Parameters ──")
        app.screen.query_one("#model-details").scroll_end(animate=False)
        await until_shown(pilot, "Sample licence text.")
        text = screen_text(app)
        assert "[bold]x[/bold] [@click=app.quit]q[/]" in text and "\x1b" not in text and "52;c;" not in text
        assert re.search(r"llama3\.2:1b +1\.3 GB +for [45] min", text)  # loaded, with its memory and expiry
        assert "Host" not in text and fake.url not in text  # hosts are health details, for staff
        keys = await keys_offered(pilot)
        assert "Refresh" in keys and not any(word in keys for word in ("Pull", "Delete", "Unload", "Sync"))
        await pilot.press("p", "d", "u", "e", "s")  # hidden, and inert
        assert "Pull a model" not in screen_text(app) and app.is_running


async def test_with_ollama_down_the_table_shows_the_catalogue_under_a_banner(
        resource_class: ChatClass, fake: FakeOllama) -> None:
    fake.stop()
    app = await open_at(resource_class, "ines")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "models", "#models-table")
        await until_shown(pilot, "Ollama is not reachable")
        await until_shown(pilot, "Ollama's description is not available")
        text = screen_text(app)
        assert "llama3.2:1b" in text and "all-minilm" in text and "Something went wrong" not in text


async def test_an_admin_disables_a_model_for_the_class_and_deletes_another(
        resource_class: ChatClass, fake: FakeOllama) -> None:
    app = await open_at(resource_class, "ada")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "models", "#models-table")
        table = app.screen.query_one("#models-table")
        table.move_cursor(row=table.get_row_index("llama3.2:1b"))
        await pilot.press("e")
        await until_shown(pilot, "llama3.2:1b is disabled for the class")
        await until(pilot, lambda: "disabled" in screen_text(app).split("llama3.2:1b")[1][:30], "the new status")
        table.move_cursor(row=table.get_row_index("all-minilm:latest"))
        await pilot.press("d")
        await until_shown(pilot, "Everyone's grants to it go too")
        await pilot.click("#confirm")
        await until_shown(pilot, "Deleted all-minilm:latest")
    catalogue = {m.name: m for m in await resource_class.workshop.catalog.list(OPERATOR)}
    assert not catalogue["llama3.2:1b"].enabled and "all-minilm:latest" not in catalogue
    assert fake.registry.get("all-minilm") is None
