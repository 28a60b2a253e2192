"""Importing the sample class into a fresh data directory with the fake Ollama up, importing it again
(nothing changes), and importing a changed copy (exactly the change is applied)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import AccountStatus, JobStatus, Role, Visibility
from workshop_tui.domain.models import User
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop
from workshop_tui.services.workshop_file import load_workshop_file
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.storage.tables import AuditRow, EmbeddingJobRow
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import SAMPLE, copy_sample, counts, db_snapshot, folder_snapshot, run_import


async def _tool_names(session: AsyncSession, user_id: int) -> set[str]:
    granted = await UserRepository(session).tool_ids(user_id)
    return {t.name for t in (await ToolRepository(session).by_ids(granted)).values()}


PLAN = load_workshop_file(SAMPLE / "workshop.yaml", environ={})
SECTIONS = {k: v for k, v in PLAN.counts().items() if k != "conversations"}  # sample_data/README.md checks them


def _grants(users: dict[str, User], granted: dict[int, set[str]], kind: str) -> dict[str, set[str]]:
    return {u.username: granted[users[u.username].id] for u in PLAN.users if getattr(u, kind) is not None}


async def test_the_sample_class_is_imported_whole(workshop: Workshop) -> None:
    result = await run_import(workshop, SAMPLE / "workshop.yaml")

    assert result.ok, result.vector_failure
    assert counts(result, "created") == SECTIONS
    assert result.pulled == ["qwen2.5:0.5b"]  # the one model the fake Ollama did not have
    assert sorted(result.passwords) == sorted(u.username for u in PLAN.users)
    db = workshop.ctx.db
    async with db.reading() as session:
        users = {u.username: u for u in await UserRepository(session).list()}
        tool_grants = {u.id: await _tool_names(session, u.id) for u in users.values()}
        vector_dbs = {v.name: v for v in await VectorDbRepository(session).list_all()}
        tools = {t.name: t for t in await ToolRepository(session).list()}
        rag = {r.name: r for r in await RagSystemRepository(session).list_readable(None, None)}
        prompts = {p.title: p for p in await PromptRepository(session).list_readable(None, None)}
        documents = {d.title: d for d in await DocumentRepository(session).list_readable(None, None)}
        jobs = await EmbeddingJobRepository(session).list()
        audit = (await session.scalars(select(AuditRow))).all()
    by_role = Counter((u.role, u.status) for u in users.values())
    assert by_role == Counter((u.role, u.status) for u in PLAN.users)
    assert by_role[(Role.INSTRUCTOR, AccountStatus.ACTIVE)] == 1 and by_role[(Role.GUEST, AccountStatus.ACTIVE)] == 1
    assert users["leo"].role is Role.FAMILY and users["leo"].guardian_id == users["maria"].id
    assert (users["leo"].quota_messages_per_day, users["leo"].quota_concurrent_generations) == (100, 1)
    assert users["jordan"].status is AccountStatus.PENDING and users["jordan"].approved_at is None
    model_grants = {u.id: set((await workshop.accounts.grants(OPERATOR, u.id))[0]) for u in users.values()}
    assert _grants(users, model_grants, "models") == {u.username: set(u.models or ()) for u in PLAN.users
                                                      if u.models is not None}
    assert _grants(users, tool_grants, "tools") == {u.username: set(u.tools or ()) for u in PLAN.users
                                                    if u.tools is not None}
    assert "handbook_search" in tool_grants[users["sam"].id] and tool_grants[users["visitor"].id] == set()
    assert {name: v.dimension for name, v in vector_dbs.items()} == {"Ollama handbook (MiniLM)": 384,
                                                                      "RAG notes (Nomic)": 768}
    assert tools["handbook_search"].config == {"vector_db_id": vector_dbs["Ollama handbook (MiniLM)"].id}
    assert rag["RAG tutor"].prompt_id == prompts["Workshop RAG answer"].id
    assert rag["RAG tutor"].prompt_template == prompts["Workshop RAG answer"].template
    assert rag["Ask the handbook"].vector_db_id == vector_dbs["Ollama handbook (MiniLM)"].id
    assert prompts["My study notes"].visibility is Visibility.PRIVATE
    assert prompts["My study notes"].creator_id == users["priya"].id
    assert documents["Ollama cheat sheet"].page_count == 2
    assert documents["House rules"].source == "paste"
    assert len(jobs) == 13 and {j.status for j in jobs} == {JobStatus.DONE}
    for vdb in vector_dbs.values():
        stored = sum(j.chunks_done for j in jobs if j.vector_db_id == vdb.id)
        assert stored > 0 and await workshop.store.count(vdb.collection_name) == stored
    assert {a.actor_name for a in audit} == {"operator"}
    text = json.dumps([[a.before, a.after] for a in audit])
    assert "$argon2" not in text
    assert not any(secret.get_secret_value() in text for secret in result.passwords.values())
    actor = await workshop.accounts.login("sam", result.passwords["sam"])  # the printed password works
    assert actor.user is not None and actor.user.username == "sam"


async def test_importing_the_same_file_again_changes_nothing(workshop: Workshop) -> None:
    first = await run_import(workshop, SAMPLE / "workshop.yaml")
    assert first.ok
    rows = await db_snapshot(workshop.ctx.db)
    vectors = folder_snapshot(workshop.settings.qdrant_path)

    again = await run_import(workshop, SAMPLE / "workshop.yaml")

    assert again.ok and not again.changed
    assert counts(again, "unchanged") == SECTIONS
    assert counts(again, "created") == counts(again, "updated") == dict.fromkeys(SECTIONS, 0)
    assert again.passwords == {} and again.jobs == [] and again.pulled == []
    assert await db_snapshot(workshop.ctx.db) == rows  # no new audit rows, jobs, or touched timestamps
    assert folder_snapshot(workshop.settings.qdrant_path) == vectors


async def test_a_changed_file_updates_exactly_what_changed(workshop: Workshop, tmp_path: Path) -> None:
    path = copy_sample(tmp_path)
    assert (await run_import(workshop, path)).ok
    db = workshop.ctx.db
    async with db.reading() as session:
        before_users = {u.username: u for u in await UserRepository(session).list()}
        audit_before = await session.scalar(select(func.count()).select_from(AuditRow))
        jobs_before = await session.scalar(select(func.count()).select_from(EmbeddingJobRow))
    added = "\n\nA changed paragraph: cosine similarity compares the angle between two vectors.\n"
    with (path.parent / "docs" / "embeddings.md").open("a", encoding="utf-8") as handle:
        handle.write(added)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    users_in_file = {u["username"]: u for u in data["users"]}
    assert users_in_file["tomas"]["role"] == "student" and "unit_converter" in users_in_file["sam"]["tools"]
    users_in_file["tomas"]["role"] = "instructor"
    users_in_file["sam"]["tools"].remove("unit_converter")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    result = await run_import(workshop, path)

    assert result.ok, result.vector_failure
    assert [(str(e)) for e in result.sections["users"].updated] == ["sam (tools)", "tomas (role)"]
    assert [str(e) for e in result.sections["documents"].updated] == ["Embeddings (text)"]
    assert counts(result, "created") == {**dict.fromkeys(SECTIONS, 0), "embedding_jobs": 2}
    assert counts(result, "updated") == {**dict.fromkeys(SECTIONS, 0), "users": 2, "documents": 1}
    assert sorted((j.document, j.vector_db, j.status) for j in result.jobs) == [
        ("Embeddings", "Ollama handbook (MiniLM)", JobStatus.DONE), ("Embeddings", "RAG notes (Nomic)", JobStatus.DONE)]
    async with db.reading() as session:
        users = {u.username: u for u in await UserRepository(session).list()}
        sam_tools = await _tool_names(session, users["sam"].id)
        documents = {d.title: d for d in await DocumentRepository(session).list_readable(None, None)}
        embeddings = await DocumentRepository(session).get(documents["Embeddings"].id)
        audit = (await session.scalars(select(AuditRow).order_by(AuditRow.id).offset(audit_before))).all()
        jobs_after = await session.scalar(select(func.count()).select_from(EmbeddingJobRow))
    assert users["tomas"].role is Role.INSTRUCTOR
    assert sam_tools == set(users_in_file["sam"]["tools"]) and "unit_converter" not in sam_tools
    assert embeddings is not None and "cosine similarity compares the angle" in embeddings.text
    assert sorted((a.action, a.target_name) for a in audit) == [
        ("document.update", "Embeddings"), ("user.update", "sam"), ("user.update", "tomas"),
        ("workshop.import", "workshop.yaml")]
    sam_audit = next(a for a in audit if a.target_name == "sam")
    assert sam_audit.before == {"tools": sorted([*users_in_file["sam"]["tools"], "unit_converter"])}
    assert sam_audit.after == {"tools": sorted(users_in_file["sam"]["tools"])}
    assert jobs_after == jobs_before + 2
    changed = {name for name, u in users.items() if u.auth_version != before_users[name].auth_version}
    assert changed == set()  # new rights apply to open sessions; only a new password ends them


async def test_a_skip_vectors_import_is_completed_by_the_next_import(workshop: Workshop, fake: FakeOllama) -> None:
    url = workshop.gateway.pool.urls[0]
    fake.stop()  # Ollama is not running yet
    waiting = await run_import(workshop, SAMPLE / "workshop.yaml", skip_vectors=True)
    assert waiting.ok and waiting.skipped_vectors is not None and f"Ollama at {url} is not reachable" in \
        waiting.skipped_vectors
    assert counts(waiting, "skipped") == {**dict.fromkeys(SECTIONS, 0), "vector_dbs": SECTIONS["vector_dbs"],
                                          "embedding_jobs": SECTIONS["embedding_jobs"],
                                          "rag_systems": SECTIONS["rag_systems"], "tools": 1}
    workshop.gateway.pool.mark_up(url)
    fake.start()  # same port: Ollama now runs

    done = await run_import(workshop, SAMPLE / "workshop.yaml")

    assert done.ok, done.vector_failure
    created = counts(done, "created")
    assert (created["vector_dbs"], created["rag_systems"], created["tools"], created["embedding_jobs"]) == (
        SECTIONS["vector_dbs"], SECTIONS["rag_systems"], 1, SECTIONS["embedding_jobs"])
    granted = {u.username for u in PLAN.users if u.tools and "handbook_search" in u.tools}
    assert {e.name for e in done.sections["users"].updated} == granted  # the search tool's grants arrive now
    assert done.passwords == {} and {j.status for j in done.jobs} == {JobStatus.DONE}
    assert counts(await run_import(workshop, SAMPLE / "workshop.yaml"), "unchanged") == SECTIONS
