"""Importing documents: every format and source, the limits, path and symlink refusals, re-import
detection, access, and deletion taking the vectors with it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Forbidden, Invalid, NotFound
from workshop_tui.services import documents as documents_module
from workshop_tui.services.documents import DuplicateDocument
from workshop_tui.services.knowledge import KnowledgeServices
from workshop_tui.testing.pdf import minimal_pdf as make_pdf
from workshop_tui.vectors import VectorStore

from .support import MINILM, People, bounded, embed


async def upload(k: KnowledgeServices, actor: Any, name: str, data: bytes) -> Path:
    folder = await bounded(k.documents.upload_folder(actor))
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("name", "data", "content_type", "expected", "absent"), [
    ("notes.txt", b"Plain notes about llamas.\n", "text/plain", "Plain notes about llamas.", None),
    ("guide.md", b"# Guide\n\nUse **Markdown** here.", "text/markdown", "# Guide", None),
    ("page.html", b"<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
                  b"<body><h1>Title</h1><p>Visible text &amp; more</p></body></html>",
     "text/html", "Visible text & more", "alert"),
    ("tool.py", b"def greet(name):\n    return f'hello {name}'\n", "text/x-python", "def greet(name):", None),
    ("slides.pdf", make_pdf(["First page about embeddings", "Second page about vectors"]), "application/pdf",
     "Second page about vectors", None),
])
async def test_each_format_imports_from_the_upload_folder(
        k: KnowledgeServices, people: People, name: str, data: bytes, content_type: str, expected: str,
        absent: str | None) -> None:
    await upload(k, people.alice, name, data)
    listed = await bounded(k.documents.list_uploads(people.alice))
    assert [f.name for f in listed] == [name]

    document = await bounded(k.documents.import_upload(people.alice, name))

    assert document.content_type == content_type and document.source == "upload"
    assert document.original_filename == name and document.title == name
    assert expected in document.text
    if absent:
        assert absent not in document.text and "color:red" not in document.text
    if name.endswith(".pdf"):
        assert document.page_count == 2
    assert document.creator_id == people.alice.id and document.visibility is Visibility.PRIVATE


async def test_upload_folder_is_private_and_per_user(k: KnowledgeServices, people: People, settings: Any) -> None:
    folder = await bounded(k.documents.upload_folder(people.alice))
    assert folder == (settings.uploads_dir / "alice").resolve()
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)
    await upload(k, people.bob, "bob.txt", b"Bob's secret notes")
    with pytest.raises(NotFound):
        await k.documents.import_upload(people.alice, "bob.txt")


async def test_oversized_and_binary_files_are_refused_by_name(
        k: KnowledgeServices, people: People, settings: Any) -> None:
    settings.documents.max_file_bytes = 1024
    await upload(k, people.alice, "big.txt", b"word " * 400)
    with pytest.raises(Invalid, match=r"'big\.txt' is 2,000 bytes, over the 1,024 bytes limit"):
        await k.documents.import_upload(people.alice, "big.txt")
    await upload(k, people.alice, "blob.txt", bytes(range(256)))
    with pytest.raises(Invalid, match=r"'blob\.txt' is not a text file"):
        await k.documents.import_upload(people.alice, "blob.txt")
    settings.documents.max_chars = 1000
    with pytest.raises(Invalid, match="1,000-character limit"):
        await k.documents.import_text(people.alice, "Long paste", "x" * 1001)


async def test_paths_out_of_the_folder_and_symlinks_are_refused(
        k: KnowledgeServices, people: People, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("server secrets")
    folder = await bounded(k.documents.upload_folder(people.alice))
    os.symlink(secret, folder / "link.txt")
    (folder / "sub").mkdir()
    os.symlink(tmp_path, folder / "sub" / "escape")

    with pytest.raises(Invalid, match="'..' may not appear"):
        await k.documents.import_upload(people.alice, "../../secret.txt")
    with pytest.raises(Invalid, match="outside the import root"):
        await k.documents.import_upload(people.alice, str(secret))
    with pytest.raises(Invalid, match="symbolic link"):
        await k.documents.import_upload(people.alice, "link.txt")
    with pytest.raises(Invalid, match="symbolic link"):
        await k.documents.import_upload(people.alice, "sub/escape/secret.txt")
    assert await k.documents.list_uploads(people.alice) == []  # links are not even listed
    assert await k.documents.list(people.alice) == []


async def test_a_folder_swapped_for_a_link_after_the_check_is_not_followed(
        k: KnowledgeServices, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An attendee writes their upload folder over SFTP, so they can swap a checked folder for a
    link to elsewhere between the path check and the open: the open itself must refuse it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.md").write_text("server secrets")
    await upload(k, people.alice, "week1/notes.md", b"my own notes")
    checked = documents_module.resolve_inside

    def check_then_swap(root: Path, name: str) -> Path:
        path = checked(root, name)
        (root / "week1" / "notes.md").unlink()
        (root / "week1").rmdir()
        (root / "week1").symlink_to(outside, target_is_directory=True)
        return path

    monkeypatch.setattr(documents_module, "resolve_inside", check_then_swap)
    with pytest.raises(Invalid, match="symbolic link"):
        await bounded(k.documents.import_upload(people.alice, "week1/notes.md"))
    assert await k.documents.list(people.alice) == []


async def test_server_paths_are_for_admins_and_the_operator_inside_the_import_root(
        k: KnowledgeServices, people: People, import_root: Path, tmp_path: Path) -> None:
    (import_root / "course").mkdir()
    (import_root / "course" / "intro.md").write_text("# Intro\n\nWelcome to the course.")
    (tmp_path / "outside.txt").write_text("not for import")

    with pytest.raises(Forbidden, match="only admins"):
        await k.documents.import_path(people.teacher, "course/intro.md")
    with pytest.raises(Invalid, match="outside the import root"):
        await k.documents.import_path(people.admin, tmp_path / "outside.txt")
    with pytest.raises(Invalid, match="'..' may not appear"):
        await k.documents.import_path(people.admin, "../outside.txt")

    by_admin = await bounded(k.documents.import_path(people.admin, "course/intro.md", title="Course intro"))
    by_operator = await bounded(k.documents.import_path(people.operator, import_root / "course" / "intro.md",
                                                        as_new=True))
    assert by_admin.title == "Course intro" and by_admin.source == "path" and "Welcome" in by_admin.text
    assert by_operator.creator_id is None and by_operator.original_filename == "intro.md"


async def test_pasted_text_is_normalised_and_guests_and_pending_accounts_cannot_import(
        k: KnowledgeServices, people: People) -> None:
    document = await bounded(k.documents.import_text(
        people.alice, "Café\x1b[2J notes", "Cafe\u0301 menu\x1b]52;c;ZXZpbA==\x07 today\r\nsecond line\x00"))
    assert document.text == "Café menu today\nsecond line"
    assert document.title == "Café notes"
    with pytest.raises(Forbidden, match="guest may not create a document"):
        await k.documents.import_text(people.guest, "Mine", "guest text")
    with pytest.raises(Forbidden, match="waiting for approval"):
        await k.documents.import_text(people.pending, "Mine", "pending text")
    with pytest.raises(Invalid, match="no text"):
        await k.documents.import_text(people.alice, "Empty", " \n\t ")


async def test_reimport_is_detected_and_offered_as_an_update(
        k: KnowledgeServices, people: People, store: VectorStore) -> None:
    await upload(k, people.alice, "notes.md", b"# Notes\n\nFirst version about llamas.")
    first = await bounded(k.documents.import_upload(people.alice, "notes.md"))
    vector_db = await bounded(k.vector_dbs.create(people.alice, "notes", MINILM))
    await embed(k, people.alice, first.id, vector_db.id)

    with pytest.raises(DuplicateDocument) as same:
        await k.documents.import_upload(people.alice, "notes.md")
    assert same.value.identical and same.value.existing.id == first.id
    assert "already imported" in str(same.value)

    await upload(k, people.alice, "notes.md", b"# Notes\n\nSecond version about alpacas.")
    with pytest.raises(DuplicateDocument) as changed:
        await k.documents.import_upload(people.alice, "notes.md")
    assert not changed.value.identical and "differs" in str(changed.value)

    await bounded(k.documents.update(people.alice, first.id, title="Renamed notes"))
    updated = await bounded(k.documents.import_upload(people.alice, "notes.md", replace_id=first.id))
    assert updated.id == first.id and "alpacas" in updated.text and updated.checksum != first.checksum
    assert updated.title == "Renamed notes"  # an update keeps the title it was given
    jobs = await bounded(k.jobs.list(people.alice, vector_db_id=vector_db.id))
    assert len(jobs) == 2  # the update queued a re-embedding
    final = await k.jobs.wait(people.alice, jobs[-1].id)
    hits = await bounded(k.search.search(people.alice, vector_db.id, "alpacas", 1))
    assert "alpacas" in hits[0]["text"] and final.chunks_total == 1

    kept = await bounded(k.documents.import_upload(people.alice, "notes.md", as_new=True))
    assert kept.id != first.id
    # Another user importing the same file is not told about Alice's copy.
    await upload(k, people.bob, "notes.md", b"# Notes\n\nSecond version about alpacas.")
    assert (await bounded(k.documents.import_upload(people.bob, "notes.md"))).creator_id == people.bob.id


async def test_reading_follows_visibility(k: KnowledgeServices, people: People) -> None:
    private = await bounded(k.documents.import_text(people.alice, "Diary", "private thoughts"))
    shared = await bounded(k.documents.import_text(people.teacher, "Syllabus", "course plan",
                                                   visibility=Visibility.CLASS))
    with pytest.raises(NotFound):
        await k.documents.get(people.bob, private.id)
    with pytest.raises(Forbidden, match="only create private"):
        await k.documents.import_text(people.alice, "Shared", "text", visibility=Visibility.CLASS)
    with pytest.raises(Forbidden):
        await k.documents.update(people.alice, private.id, visibility=Visibility.PUBLIC)
    assert (await k.documents.get(people.bob, shared.id)).text == "course plan"
    assert {d.title for d in await k.documents.list(people.bob)} == {"Syllabus"}
    assert {d.title for d in await k.documents.list(people.alice)} == {"Diary", "Syllabus"}
    assert {d.title for d in await k.documents.list(people.alice, mine_only=True)} == {"Diary"}
    assert await k.documents.list(people.guest) == []
    with pytest.raises(Forbidden):
        await k.documents.delete(people.bob, shared.id)
    renamed = await bounded(k.documents.update(people.alice, private.id, title="My diary"))
    assert renamed.title == "My diary"


async def test_deleting_a_document_removes_its_vectors_from_every_vector_db(
        k: KnowledgeServices, people: People, store: VectorStore) -> None:
    doomed = await bounded(k.documents.import_text(people.alice, "Doomed", "Llamas hum when they are curious."))
    kept = await bounded(k.documents.import_text(people.alice, "Kept", "Alpacas are smaller than llamas."))
    first = await bounded(k.vector_dbs.create(people.alice, "first", MINILM))
    second = await bounded(k.vector_dbs.create(people.alice, "second", MINILM))
    for vector_db in (first, second):
        for document in (doomed, kept):
            await embed(k, people.alice, document.id, vector_db.id)
    assert await bounded(store.count(first.collection_name)) == 2

    await bounded(k.documents.delete(people.alice, doomed.id))

    for vector_db in (first, second):
        assert await bounded(store.document_ids(vector_db.collection_name)) == {kept.id}
        details = await bounded(k.vector_dbs.describe(people.alice, vector_db.id))
        assert [d.title for d in details.documents] == ["Kept"] and details.point_count == 1
    with pytest.raises(NotFound):
        await k.documents.get(people.alice, doomed.id)


async def test_the_import_root_comes_from_the_settings(
        ctx: Any, store: VectorStore, people: People, tmp_path: Path) -> None:
    from workshop_tui.services.documents import DocumentService

    assert ctx.settings.import_dir == ctx.settings.data_dir / "imports"  # the default
    chosen = tmp_path / "class-files"
    chosen.mkdir()
    (chosen / "notes.md").write_text("# Notes\n\nKept where the organiser put them.")
    ctx.settings.documents.import_dir = chosen
    service = DocumentService(ctx, store)

    document = await bounded(service.import_path(people.admin, "notes.md"))
    assert document.original_filename == "notes.md" and "organiser" in document.text
    with pytest.raises(Invalid, match="outside the import root"):
        await service.import_path(people.admin, ctx.settings.data_dir / "imports" / "notes.md")
