"""Every bad input is refused with its problems located in the file, and the database and the vector
store folder are left exactly as they were.

The data directory is not empty: it holds a small class with a vector DB whose points are in the
embedded Qdrant folder (built once, copied per case), plus what each case's manifest says the
database holds. Besides the loader's corpus, problems only the import can find (a PDF without text,
the last super_admin demoted) are checked the same way.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from workshop_file.corpus import Case, load_cases, prepare  # tests/ is on sys.path (rootdir-relative packages)

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.workshop import Workshop
from workshop_tui.services.workshop_file import WorkshopFileErrors
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import TIMEOUT, db_snapshot, folder_snapshot, open_workshop, run_import, unused_port

CASES = load_cases()
SEED = """version: 1
workshop: {name: Seed}
models: [{name: all-minilm}]
users: [{username: zz-seed-teacher, role: instructor, password: seed-password-1}]
documents: [{title: zz seed notes, owner: zz-seed-teacher, text: "Seed notes about vectors and embeddings."}]
vector_dbs: [{name: zz seed vectors, embedding_model: all-minilm, owner: zz-seed-teacher, documents: [zz seed notes]}]
"""


async def _seed(folder: Path) -> None:
    (folder / "seed.yaml").write_text(SEED, encoding="utf-8")
    with FakeOllama() as fake:
        workshop = await open_workshop(folder / "data", fake.url)
        try:
            result = await run_import(workshop, folder / "seed.yaml")
            assert result.ok and len(result.jobs) == 1
        finally:
            await workshop.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with a small class and points in its vector store, made once."""
    folder = tmp_path_factory.mktemp("seeded")
    asyncio.run(_seed(folder))
    return folder / "data"


async def _add_catalogue(db: Database, case: Case) -> None:
    """What the case's manifest says the database already holds."""
    if case.catalogue is None:
        return
    async with db.transaction() as session:
        for name in case.catalogue.models:
            await ModelRepository(session).upsert(name)
        for username, user in case.catalogue.users.items():
            await UserRepository(session).add(username=username, display_name=username, role=user.role,
                                              status=user.status, password_hash=None)


@asynccontextmanager
async def _seeded(template: Path, tmp_path: Path, url: str | None = None) -> AsyncIterator[Workshop]:
    """A workshop opened on a copy of the migrated template data directory, closed afterwards."""
    shutil.copytree(template, tmp_path / "data")
    workshop = await open_workshop(tmp_path / "data", url or f"http://127.0.0.1:{unused_port()}")
    try:
        yield workshop
    finally:
        await asyncio.wait_for(workshop.close(), TIMEOUT)


async def _refused(workshop: Workshop, path: Path, environ: dict[str, str]) -> WorkshopFileErrors:
    db, vectors = workshop.ctx.db, workshop.settings.qdrant_path
    rows, files = await db_snapshot(db), folder_snapshot(vectors)
    with pytest.raises(WorkshopFileErrors) as caught:
        await run_import(workshop, path, environ=environ)
    assert await db_snapshot(db) == rows
    assert folder_snapshot(vectors) == files
    return caught.value


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_a_bad_input_is_refused_and_nothing_is_written(case: Case, template: Path, tmp_path: Path) -> None:
    path = prepare(case, tmp_path)
    async with _seeded(template, tmp_path) as workshop:
        await _add_catalogue(workshop.ctx.db, case)
        error = await _refused(workshop, path, case.environ)
    got = [(p.line, p.column, p.field_path, p.message) for p in error.problems]
    expected = [(e.line, e.column, e.path, e.message) for e in case.problems]
    assert [g[:3] for g in got] == [e[:3] for e in expected], "\n".join(map(str, error.problems))
    for (*_, message), (*_, fragment) in zip(got, expected, strict=True):
        assert fragment in message
    assert all(p.file == str(path) for p in error.problems)


async def test_a_document_without_text_is_a_problem_at_its_path(template: Path, tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4\n% not really a PDF\n")
    path = tmp_path / "class.yaml"
    path.write_text("version: 1\nworkshop: {name: Broken}\nusers:\n  - {username: newcomer}\ndocuments:\n"
                    "  - {title: Notes, text: fine}\n  - title: Scan\n    path: scan.pdf\n", encoding="utf-8")
    async with _seeded(template, tmp_path) as workshop:
        error = await _refused(workshop, path, {})
    [problem] = error.problems
    assert (problem.line, problem.column, problem.field_path) == (8, 11, "documents[1].path")
    assert "'scan.pdf' is not a readable PDF" in problem.message


async def test_the_last_super_admin_cannot_be_demoted_by_a_file(template: Path, tmp_path: Path) -> None:
    path = tmp_path / "class.yaml"
    path.write_text("version: 1\nworkshop: {name: Demotion}\nusers:\n  - {username: newcomer}\n"
                    "  - username: boss\n    role: admin\n", encoding="utf-8")
    async with _seeded(template, tmp_path) as workshop:
        async with workshop.ctx.db.transaction() as session:
            await UserRepository(session).add(username="boss", display_name="Boss", role=Role.SUPER_ADMIN,
                                              status=AccountStatus.ACTIVE, password_hash=None)
        error = await _refused(workshop, path, {})
        promoted = path.read_text(encoding="utf-8") + "  - {username: heir, role: super_admin}\n"
        path.write_text(promoted, encoding="utf-8")
        result = await run_import(workshop, path)  # another super_admin in the same file makes it fine
    [problem] = error.problems
    assert (problem.line, problem.column, problem.field_path) == (6, 11, "users[1].role")
    assert "'boss' is the last active super_admin" in problem.message
    assert [str(e) for e in result.sections["users"].updated] == ["boss (role)"]


async def test_an_embedding_model_that_is_not_one_is_a_problem_at_its_entry(template: Path, tmp_path: Path) -> None:
    path = tmp_path / "class.yaml"
    path.write_text("version: 1\nworkshop: {name: Wrong model}\nmodels: [{name: llama3.2:1b}]\nvector_dbs:\n"
                    "  - {name: Notes, embedding_model: llama3.2:1b}\n", encoding="utf-8")
    with FakeOllama() as fake:
        async with _seeded(template, tmp_path, fake.url) as workshop:
            error = await _refused(workshop, path, {})
    [problem] = error.problems
    assert (problem.line, problem.column, problem.field_path) == (5, 36, "vector_dbs[0].embedding_model")
    assert "llama3.2:1b is not an embedding model" in problem.message
