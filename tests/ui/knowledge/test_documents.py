"""The Documents screen as an attendee uses it: import from the upload folder, read the chunks,
paste, update a changed file, delete."""

from __future__ import annotations

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.ui.app import WorkshopApp

from ..chat_support import ChatClass
from ..support import TIMEOUT, screen_text, type_into, until, until_shown
from .support import HOSTILE, SIZE, go, open_as, upload_folder

NOTES = "# Llama care\n\n## Feeding\n\nLlamas eat hay and grass. " + "They chew slowly. " * 80 + \
        "\n\n## Shearing\n\nShear once a year, in spring. " + "Keep the fleece dry. " * 60


async def test_a_file_from_the_upload_folder_is_imported_and_its_chunks_shown(chat_class: ChatClass) -> None:
    folder = await upload_folder(chat_class, "sam")
    (folder / "llamas.md").write_text(NOTES, encoding="utf-8")
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "documents", "documents-load")
        assert "House rules" in screen_text(app)  # the class's public document
        await pilot.press("u")
        await until_shown(pilot, "llamas.md")
        assert f"{len(NOTES.encode()) / 1000:.1f} kB" in screen_text(app)
        await pilot.press("enter")
        await until_shown(pilot, "Imported “llamas.md”")
        await until(pilot, lambda: "markdown" in screen_text(app) and f"{len(NOTES):,}" in screen_text(app),
                    "the new document's row")
        await pilot.press("enter")
        await until_shown(pilot, "chunk(s)")
        text = screen_text(app)
        assert "Llama care › Feeding" in text and "Llama care › Shearing" in text
        assert "0–" in text  # the first chunk's offsets
        assert "Chunk 1 · Llama care › Feeding, chars 0" in text or "Chunk 1 · Llama care, chars 0" in text


async def test_markup_and_escapes_in_a_pasted_document_are_shown_as_text(chat_class: ChatClass) -> None:
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "documents", "documents-load")
        await pilot.press("p")
        await until_shown(pilot, "Paste a document")
        await pilot.press("ctrl+s")
        await until_shown(pilot, "paste or type the text")  # both fields are checked before anything is sent
        assert "must not be empty" in screen_text(app)
        await type_into(pilot, "#title", "[bold]Notes[/bold]")
        app.screen.query_one("#text").insert(HOSTILE)
        await pilot.press("ctrl+s")
        await until_shown(pilot, "[bold]Notes[/bold]")
        await pilot.press("enter")
        await until_shown(pilot, "[@click=app.quit]quit[/]")
        text = screen_text(app)
        assert "[bold]Bold[/bold]" in text and "\x1b" not in text and "52;c;" not in text
        assert app.is_running


async def test_a_changed_file_is_offered_as_an_update_and_delete_names_its_vector_dbs(chat_class: ChatClass) -> None:
    sam = await chat_class.actor("sam")
    knowledge = chat_class.workshop.knowledge
    folder = await upload_folder(chat_class, "sam")
    (folder / "llamas.md").write_text(NOTES, encoding="utf-8")
    document = await knowledge.documents.import_upload(sam, "llamas.md")
    vector_db = await knowledge.vector_dbs.create(sam, "Llama notes", "all-minilm")
    job = await knowledge.jobs.enqueue(sam, document.id, vector_db.id)
    await knowledge.jobs.wait(sam, job.id, timeout_s=TIMEOUT)
    (folder / "llamas.md").write_text(NOTES + "\n\n## Sleeping\n\nLlamas sleep lying down.", encoding="utf-8")
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "documents", "documents-load")
        await pilot.press("u")
        await until_shown(pilot, "llamas.md")
        await pilot.press("enter")
        await until_shown(pilot, "Imported before")
        assert "update that document (it is re-embedded)" in screen_text(app)
        await pilot.click("#answer-0")  # Update “llamas.md”
        await until_shown(pilot, "Imported “llamas.md”")
        [updated] = [d for d in await knowledge.documents.list(sam) if d.original_filename == "llamas.md"]
        assert updated.id == document.id and "Llamas sleep lying down." in (
            await knowledge.documents.get(sam, document.id)).text
        await until(pilot, lambda: "Llama notes" in screen_text(app), "the vector DB it is in")
        await pilot.press("d")
        await until_shown(pilot, "Delete “llamas.md”?")
        assert "It leaves the vector DB(s) Llama" in screen_text(app)
        await pilot.click("#confirm")
        await until_shown(pilot, "Deleted “llamas.md”")
    assert [d for d in await knowledge.documents.list(sam) if d.id == document.id] == []


async def test_an_admin_imports_a_server_file_and_a_refused_path_is_named_beside_its_field(
        chat_class: ChatClass) -> None:
    accounts = chat_class.workshop.accounts
    await accounts.add_user(OPERATOR, "adele", Role.ADMIN, AccountStatus.ACTIVE, "Ada Admin", "a long enough password")
    root = chat_class.workshop.knowledge.documents.import_root
    root.mkdir(parents=True, exist_ok=True)
    (root / "guide.md").write_text("# Guide\n\nThe server's own copy of the guide.", encoding="utf-8")
    app = WorkshopApp(chat_class.workshop, signed_in=await accounts.login("adele", "a long enough password"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "documents", "documents-load")
        await pilot.press("s")
        await until_shown(pilot, "Import a file on the server")
        await type_into(pilot, "#path", "../secrets.md")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen.query_one("#hint-path").has_class("problem"), "the path's problem")
        assert "'..' may not appear in an import path" in screen_text(app)
        app.screen.query_one("#path").value = "guide.md"
        await pilot.press("ctrl+s")
        await until_shown(pilot, "Imported “guide.md”")
