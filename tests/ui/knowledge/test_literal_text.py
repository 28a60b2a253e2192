"""Names, titles and document text holding markup and escape sequences are shown as the characters
they are, on every knowledge screen, and do nothing."""

from __future__ import annotations

import pytest

from workshop_tui.domain.enums import JobStatus

from ..chat_support import ChatClass
from ..support import screen_text, until_shown
from .support import SIZE, go, open_as

TITLE = "[bold]Doc[/bold] \x1b]52;c;aGk=\x07"
VECTOR_DB = "[@click=app.quit]DB[/]"
RAG = "[red]Ask[/red] \x1b[2J"
TEXT = "# [b]Heading[/b]\n\nClick [@click=app.quit]here[/] \x1b]52;c;aGk=\x07 or \x1b[2J nothing happens."


async def test_markup_and_escapes_in_names_and_text_are_shown_literally(
        chat_class: ChatClass, monkeypatch: pytest.MonkeyPatch) -> None:
    ines = await chat_class.actor("ines")
    knowledge = chat_class.workshop.knowledge
    document = await knowledge.documents.import_text(ines, TITLE, TEXT, content_type="text/markdown")
    vector_db = await knowledge.vector_dbs.create(ines, VECTOR_DB, "all-minilm")
    job = await knowledge.jobs.enqueue(ines, document.id, vector_db.id)
    assert (await knowledge.jobs.wait(ines, job.id, timeout_s=30)).status is JobStatus.DONE
    await knowledge.rag.create(ines, RAG, "llama3.2:1b", vector_db.id)
    copied: list[str] = []
    app = await open_as(chat_class, "ines")
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for place, loading, shown in (("documents", "documents-load", "[bold]Doc[/bold]"),
                                      ("vector_dbs", "vector-dbs-load", "[@click=app.quit]DB[/]"),
                                      ("embeddings", "embeddings-load", "[bold]Doc[/bold]"),
                                      ("rag", "rag-load", "[red]Ask[/red]")):
            await go(pilot, place, loading)
            await until_shown(pilot, shown)
            text = screen_text(app)
            assert "\x1b" not in text and "52;c;" not in text
        await go(pilot, "documents", "documents-load")
        await pilot.press("enter")
        await until_shown(pilot, "[b]Heading[/b]")
        assert "Click [@click=app.quit]here[/]" in screen_text(app)
        await pilot.click("#chunk-text")
        assert app.is_running and copied == []
