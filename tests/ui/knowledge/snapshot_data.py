"""A fixed class for the knowledge screens' snapshots, written once per module with the fake Ollama,
then opened by each snapshot app without it (nothing on those screens asks Ollama). Jobs that failed
and were cancelled are added with fixed counts, so every screenshot is the same on every run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update
from workshop_import.support import open_workshop

from workshop_tui.domain.enums import AccountStatus, JobStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop_file.importer import ImportService
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.tables import DocumentRow, EmbeddingJobRow, RagSystemRow, UserRow, VectorDbRow
from workshop_tui.testing.fake_ollama import FakeOllama

from ..snapshot_world import PASSWORD

CLASS_FILE = Path(__file__).parent / "data" / "knowledge_class.yaml"
THEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
FAILED = "the embedding model 'all-minilm' is not available on any Ollama host: pull it first"


async def _prepare(data_dir: Path) -> None:
    with FakeOllama() as fake:
        workshop = await open_workshop(data_dir, fake.url)
        try:
            await workshop.store.wait_ready(30)
            result = await asyncio.wait_for(ImportService(workshop, job_timeout_s=30, store_timeout_s=30).run(
                CLASS_FILE), 60)
            assert result.ok, result
            for name, secret in result.passwords.items():  # one password for the snapshots to sign in with
                user = (await workshop.accounts.login(name, secret.get_secret_value())).user
                assert user is not None
                await workshop.accounts.reset_password(OPERATOR, user.id, PASSWORD)
            await workshop.accounts.add_user(OPERATOR, "gus", Role.GUEST, AccountStatus.ACTIVE, "Gus Guest",
                                             PASSWORD)
            sam = await workshop.accounts.login("sam", PASSWORD)
            documents = {d.title: d.id for d in await workshop.knowledge.documents.list(sam)}
            [notes] = [v for v in await workshop.knowledge.vector_dbs.list(sam) if v.name == "Llama notes"]
            async with workshop.ctx.db.transaction() as session:
                jobs = EmbeddingJobRepository(session)
                await jobs.add(document_id=documents["Field notes"], vector_db_id=notes.id, requested_by_id=sam.id,
                               status=JobStatus.FAILED, chunks_total=3, chunks_done=1, error=FAILED, attempts=1)
                await jobs.add(document_id=documents["House rules"], vector_db_id=notes.id, requested_by_id=sam.id,
                               status=JobStatus.CANCELLED, chunks_total=1, attempts=1, error="cancelled by sam")
                await session.execute(update(EmbeddingJobRow).values(requested_by_id=sam.id))
                for table in (UserRow, DocumentRow, VectorDbRow, RagSystemRow):
                    await session.execute(update(table).values(created_at=THEN, updated_at=THEN))
                await session.execute(update(EmbeddingJobRow).values(created_at=THEN, updated_at=THEN))
        finally:
            await workshop.close()


def prepare_knowledge_data(data_dir: Path) -> None:
    asyncio.run(_prepare(data_dir))
