"""The Documents screen as an attendee uses it: import from the upload folder, read the chunks,
paste, update a changed file, delete."""

from __future__ import annotations

from ..chat_support import ChatClass
from ..support import screen_text, type_into, until, until_shown
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
        assert f"{len(NOTES.encode()) / 1000:.1f} KB" in screen_text(app)
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
