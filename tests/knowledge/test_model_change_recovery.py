"""Changing a vector DB's embedding model, cut short at each step, then the workshop opened again on
the same data: the vector DB ends fully embedded (with the new model once the change was recorded,
else with the old one and its jobs intact), and no collection is left that no vector DB uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import JobStatus
from workshop_tui.domain.errors import Unavailable
from workshop_tui.services.embedding_runner import chunks_of
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import MINILM, NOMIC, TIMEOUT, all_points, bounded, embed, eventually, hold_embedding_after, make_people
from .test_document_replaced import handbook

OLD_MODEL, NEW_MODEL = "all-minilm:latest", "nomic-embed-text:latest"


class Crash(BaseException):
    """The process dying: nothing after it runs, no handler sees it."""


def store_down(*args: Any, **kwargs: Any) -> Any:
    raise Unavailable("the vector store is not reachable")


def database_locked(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError("UPDATE vector_dbs", {}, Exception("database is locked"))


def crash(*args: Any, **kwargs: Any) -> Any:
    raise Crash()


@dataclass(frozen=True)
class Fault:
    """Where the change is cut short, what the caller sees, and which model the vector DB ends with."""

    patches: tuple[tuple[str, str, Any], ...]  # (object, attribute, replacement); object "store" or "repo"
    raised: type[BaseException] | None
    final_model: str


FAULTS = {
    "creating the new collection": Fault((("store", "ensure_collection", store_down),), Unavailable, OLD_MODEL),
    "recording the change (and its clean-up) fails": Fault(
        (("repo", "update", database_locked), ("store", "drop_collection", store_down)), OperationalError,
        OLD_MODEL),
    "dropping the old collection": Fault((("store", "drop_collection", store_down),), None, NEW_MODEL),
    "a crash before the re-embedding starts": Fault((("store", "drop_collection", crash),), Crash, NEW_MODEL),
}


async def open_workshop(settings: Settings) -> Workshop:
    workshop = await Workshop.open(settings, run_jobs=True)
    await workshop.store.wait_ready(TIMEOUT)
    return workshop


@pytest.mark.parametrize("step", list(FAULTS))
async def test_a_model_change_cut_short_is_finished_at_the_next_start(
        settings: Settings, fake: FakeOllama, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    fault = FAULTS[step]
    settings.ollama.urls = [fake.url]
    settings.documents.embed_batch_size = 2
    workshop = await open_workshop(settings)
    closed = False
    try:
        k = workshop.knowledge
        people = await make_people(workshop.ctx.db)
        short = await bounded(k.documents.import_text(people.alice, "Tea", "Green tea grows on hillsides."))
        long = await bounded(k.documents.import_text(people.alice, "Handbook", handbook("alpha")))
        vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
        await embed(k, people.alice, short.id, vector_db.id)

        # The handbook is still embedding when the model changes: Ollama answers two batches, then waits.
        hold_embedding_after(k, 2)  # never let go: the job is still running when the model changes
        await bounded(k.jobs.enqueue(people.alice, long.id, vector_db.id))

        async def handbook_under_way() -> bool:
            return await workshop.store.count(vector_db.collection_name) > 1

        await eventually(handbook_under_way)
        for target, name, replacement in fault.patches:
            monkeypatch.setattr(workshop.store if target == "store" else VectorDbRepository, name, replacement)
        change = k.vector_dbs.change_embedding_model(people.alice, vector_db.id, NOMIC, confirm=True)
        if fault.raised is None:
            await bounded(change)
        else:
            with pytest.raises(fault.raised):
                await bounded(change)
        monkeypatch.undo()
        await bounded(workshop.close())  # the process stops with the change wherever the fault left it
        closed = True
    finally:
        if not closed:
            await bounded(workshop.close())

    workshop = await open_workshop(settings)
    try:
        k = workshop.knowledge
        expected = len(chunks_of(workshop.ctx, short.text)) + len(chunks_of(workshop.ctx, long.text))

        async def finished() -> bool:
            current = await k.vector_dbs.describe(people.alice, vector_db.id)
            return (current.point_count == expected
                    and all(d.status is JobStatus.DONE for d in current.documents))

        async def no_orphans() -> bool:
            current = await k.vector_dbs.get(people.alice, vector_db.id)
            return await workshop.store.collection_names() == [current.collection_name]

        await eventually(finished)
        await eventually(no_orphans)
        details = await bounded(k.vector_dbs.describe(people.alice, vector_db.id))
        now = details.vector_db
        assert now.embedding_model == fault.final_model
        assert now.dimension == (768 if fault.final_model == NEW_MODEL else 384)
        assert [(d.title, d.chunks_done == d.chunks_total > 0) for d in details.documents] == [
            ("Tea", True), ("Handbook", True)]
        points = await all_points(workshop.store, now)
        assert len(points) == expected
        assert {p.payload["embedding_model"] for p in points} == {fault.final_model}
        hits = await bounded(k.search.search(people.alice, vector_db.id, "Green tea grows on hillsides", 1))
        assert hits[0]["title"] == "Tea"
    finally:
        await bounded(workshop.close())

