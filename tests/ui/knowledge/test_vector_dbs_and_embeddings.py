"""Vector DBs and Embeddings as an attendee uses them: create a vector DB, embed a document into it
and watch the job to the end across a change of screen, search it, change its model, delete it."""

from __future__ import annotations

import asyncio

import pytest

from workshop_tui.domain.enums import JobStatus
from workshop_tui.storage.repositories.models import ModelRepository

from ..chat_support import ChatClass
from ..support import screen_text, type_into, until, until_shown
from .support import SIZE, go, open_as


class Gate:
    """Holds every embed request of the knowledge services until let through: `let(n)` lets n more
    through, `open()` all of them. A job stores a batch once two more are queued behind it."""

    def __init__(self, chat_class: ChatClass, monkeypatch: pytest.MonkeyPatch) -> None:
        embedder = chat_class.workshop.knowledge.embedder
        self._real = embedder.embed_documents
        self._passes = asyncio.Semaphore(0)
        self._open = False
        monkeypatch.setattr(embedder, "embed_documents", self._held)

    async def _held(self, model: str, texts: list[str]) -> list[list[float]]:
        if not self._open:
            await self._passes.acquire()
        return await self._real(model, texts)

    def let(self, count: int) -> None:
        for _ in range(count):
            self._passes.release()

    def open(self) -> None:
        self._open = True
        self.let(1000)


HANDBOOK = "# Handbook\n\n" + "\n\n".join(
    f"## Part {n}\n\n" + f"Paragraph {n} explains how llamas live in the Andes and eat grass. " * 12
    for n in range(12))


async def test_a_vector_db_is_created_and_a_job_watched_to_done_across_a_screen_change(
        chat_class: ChatClass, monkeypatch: pytest.MonkeyPatch) -> None:
    sam = await chat_class.actor("sam")
    knowledge = chat_class.workshop.knowledge
    chat_class.workshop.settings.documents.embed_batch_size = 2
    gate = Gate(chat_class, monkeypatch)
    await knowledge.documents.import_text(sam, "Handbook", HANDBOOK, content_type="text/markdown")
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "vector_dbs", "vector-dbs-load")
        await pilot.press("n")
        await until_shown(pilot, "New vector DB")
        assert "all-minilm:latest — 46 MB" in screen_text(app)  # the only embedding model sam may use
        await type_into(pilot, "#name", "Llama notes")
        await pilot.press("ctrl+s")
        await until_shown(pilot, "Saved the vector DB “Llama notes”")
        await until_shown(pilot, "No documents yet: press e to embed some.")
        await pilot.press("e")
        await until_shown(pilot, "Embed documents into a vector DB")
        await pilot.press("space")  # the first document, the handbook (newest first)
        await pilot.press("ctrl+s")
        await until_shown(pilot, "Started 1 embedding job(s)")

        await go(pilot, "embeddings", "embeddings-load")
        gate.let(5)  # three batches of two chunks stored
        await until(pilot, lambda: "running" in screen_text(app) and "6/12" in screen_text(app)
                    and "/s" in screen_text(app), "a running job with its rate")
        assert "Handbook" in screen_text(app) and "Llama notes" in screen_text(app)
        await go(pilot, "chat", "chat-load")
        gate.open()  # the rest of the job runs while another screen is open
        await until_shown(pilot, "Embedding done")
        assert "“Handbook” is embedded into “Llama notes”" in screen_text(app)
        await go(pilot, "embeddings", "embeddings-load")
        [job] = await knowledge.jobs.list(sam)
        assert job.status is JobStatus.DONE
        await until_shown(pilot, f"████████ {job.chunks_total}/{job.chunks_total}")
        assert "done" in screen_text(app)
        await go(pilot, "vector_dbs", "vector-dbs-load", "vector-dbs-describe")
        await until_shown(pilot, f"Handbook (done {job.chunks_total}/{job.chunks_total})")
        assert f"{job.chunks_total} points" in screen_text(app)


async def test_search_shows_hits_with_scores_and_a_hit_opens(chat_class: ChatClass) -> None:
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "vector_dbs", "vector-dbs-load", "vector-dbs-describe")
        await until_shown(pilot, "House rules (done 1/1)")
        assert "Ask the rules" in screen_text(app)  # the RAG system built on it
        text = screen_text(app)
        assert "New" in text and "Change" not in text and "Delete" not in text  # the instructor's, not sam's
        await pilot.press("slash")
        await type_into(pilot, "#query", "When is lunch?")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.query_one("#hits").row_count == 1, "a hit")
        await until_shown(pilot, "House rules")
        assert any(f"0.{d}" in screen_text(app) or f"-0.{d}" in screen_text(app) for d in range(10))
        app.screen.query_one("#hits").focus()
        await pilot.press("enter")
        await until_shown(pilot, "half past twelve")
        assert "[@click=app.quit]this[/]" in screen_text(app)


async def test_changing_the_model_warns_and_deleting_names_the_rag_systems(chat_class: ChatClass) -> None:
    async with chat_class.workshop.ctx.db.transaction() as session:  # a second embedding model to change to
        await ModelRepository(session).upsert("nomic-embed-text:latest", capabilities=["embedding"],
                                              embedding_dimension=768)
    app = await open_as(chat_class, "ines")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "vector_dbs", "vector-dbs-load", "vector-dbs-describe")
        await until_shown(pilot, "House rules (done 1/1)")
        await pilot.press("c")
        await until_shown(pilot, "Change the vector DB “Rules”")
        models = app.screen.query_one("#model")
        models.value = "nomic-embed-text:latest"
        await until_shown(pilot, "changing it re-embeds every document")
        await pilot.press("ctrl+s")
        await until_shown(pilot, "re-embedding its 1 document(s)")
        await pilot.click("#cancel")
        await until_shown(pilot, "the model is unchanged")
        await pilot.press("escape")
        await pilot.press("d")
        await until_shown(pilot, "Delete the vector DB “Rules”")
        assert "Ask the rules" in screen_text(app)
        await pilot.click("#confirm")
        await until_shown(pilot, "Deleted the vector DB “Rules”")
    assert await chat_class.workshop.knowledge.rag.list(await chat_class.actor("ines")) == []


async def test_a_job_is_cancelled_then_resumed_to_the_end(chat_class: ChatClass,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    sam = await chat_class.actor("sam")
    knowledge = chat_class.workshop.knowledge
    chat_class.workshop.settings.documents.embed_batch_size = 2
    gate = Gate(chat_class, monkeypatch)
    document = await knowledge.documents.import_text(sam, "Handbook", HANDBOOK, content_type="text/markdown")
    vector_db = await knowledge.vector_dbs.create(sam, "Llama notes", "all-minilm")
    job = await knowledge.jobs.enqueue(sam, document.id, vector_db.id)
    app = await open_as(chat_class, "sam")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "embeddings", "embeddings-load")
        gate.let(5)
        await until_shown(pilot, "6/12")
        await pilot.press("x")
        await until_shown(pilot, "Why: cancelled by sam")
        await until_shown(pilot, "Embedding cancelled")  # said on any screen, here too
        assert (await knowledge.jobs.get(sam, job.id)).status is JobStatus.CANCELLED
        gate.open()
        await pilot.press("r")
        await until_shown(pilot, "Embedding done")
        finished = await knowledge.jobs.get(sam, job.id)
        assert finished.status is JobStatus.DONE
        await until_shown(pilot, f"████████ {finished.chunks_total}/{finished.chunks_total}")
