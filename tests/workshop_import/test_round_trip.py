"""Export followed by import into an empty data directory reproduces the workshop, however large\nits documents."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

from workshop_tui.cli import main
from workshop_tui.domain.enums import Visibility
from workshop_tui.services.workshop import Workshop
from workshop_tui.services.workshop_file.export_file import export_workshop
from workshop_tui.services.workshop_file.limits import MB
from workshop_tui.services.workshop_file.plan import WorkshopInfo
from workshop_tui.services.workshop_file.snapshot import snapshot_workshop
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import SAMPLE, TIMEOUT, open_workshop, run_import


async def test_export_then_import_into_an_empty_data_dir_reproduces_the_sample(
        workshop: Workshop, fake: FakeOllama, tmp_path: Path) -> None:
    first = await run_import(workshop, SAMPLE / "workshop.yaml")
    assert first.vector_failure is None
    exported = tmp_path / "export" / "class.yaml"
    exported.parent.mkdir()
    report = await export_workshop(workshop.ctx.db, exported, WorkshopInfo(name="Intro to local LLMs with Ollama"))
    assert report.ok, report.problems

    second = await open_workshop(tmp_path / "fresh", fake.url)
    try:
        again = await run_import(second, exported)
        assert again.vector_failure is None
        original, restored = await snapshot_workshop(workshop), await snapshot_workshop(second)
        assert restored == original
        assert restored["users"] and restored["vector_dbs"] and restored["rag_systems"]
    finally:
        await asyncio.wait_for(second.close(), TIMEOUT)


CHAPTERS = 40
ENDINGS = ("", "\n", "\n\n\n", "  \n\t\n")
"""How the chapters end: a file keeps exactly what inline text kept, trailing newlines and all."""


def chapter(number: int) -> str:
    """About 100 KB of text, with accents, other scripts, tabs and an unusual ending."""
    paragraph = f"Chapter {number}: models run locally.\tCafé, naïve, 日本語, Ελληνικά; [bold]not markup[/bold].\n"
    body = f"# Chapter {number}\n\n" + paragraph * (100_000 // len(paragraph))
    text = body.rstrip("\n") + ENDINGS[number % len(ENDINGS)]
    return "\ufeff" + text if number == 7 else text  # a text that really starts with a byte-order mark


async def add_chapters(db: Database) -> dict[str, tuple[str, str]]:
    """CHAPTERS documents of the operator's, half Markdown and half plain text: title → (text, type)."""
    made: dict[str, tuple[str, str]] = {}
    async with db.transaction() as session:
        documents = DocumentRepository(session)
        for number in range(1, CHAPTERS + 1):
            title = f"Chapter {number}: Über {'Ollama' if number % 2 else 'embeddings'}?"
            content_type = "text/markdown" if number % 2 else "text/plain"
            text = chapter(number)
            await documents.add(title=title, content_type=content_type, checksum=f"{number:064d}", text=text,
                                size_bytes=len(text.encode("utf-8")), visibility=Visibility.CLASS, creator_id=None)
            made[title] = (text, content_type)
    return made


async def stored_documents(db: Database) -> dict[str, tuple[str, str, str]]:
    """Every document as title → (text, content type, checksum)."""
    async with db.reading() as session:
        repo = DocumentRepository(session)
        found = [await repo.get(d.id) for d in await repo.list_readable(None, None)]
    return {d.title: (d.text, d.content_type, d.checksum) for d in found if d is not None}


async def test_megabytes_of_documents_export_as_files_and_import_into_an_empty_data_dir(
        workshop: Workshop, fake: FakeOllama, data_dir: Path, tmp_path: Path) -> None:
    """Far more text than the 2 MB cap on a workshop file: the documents go to files beside it."""
    made = await add_chapters(workshop.ctx.db)
    assert sum(len(text.encode("utf-8")) for text, _ in made.values()) > 3 * MB
    exported = tmp_path / "export" / "class.yaml"
    exported.parent.mkdir()
    assert await asyncio.to_thread(main, ["export", str(exported), "--data-dir", str(data_dir)]) == 0

    folder = tmp_path / "export" / "class.documents"
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == CHAPTERS  # numbered in title order, as the file lists them ("10:" sorts before "1:")
    assert names[:2] == ["001-chapter-10-uber-embeddings.txt", "002-chapter-11-uber-ollama.md"]
    assert all(re.fullmatch(r"\d{3}-chapter-\d+-uber-(ollama\.md|embeddings\.txt)", name) for name in names)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {(folder / name).stat().st_mode & 0o777 for name in names} == {0o600}
    assert exported.stat().st_size < 100_000 and "text:" not in exported.read_text(encoding="utf-8")

    second = await open_workshop(tmp_path / "fresh", fake.url)
    try:
        result = await run_import(second, exported)
        assert result.vector_failure is None
        restored = await stored_documents(second.ctx.db)
        assert {title: (text, kind) for title, (text, kind, _) in restored.items()} == made
        # The checksum is of the file's bytes: the text's UTF-8 bytes, except that a text starting
        # with a byte-order mark is written with a second one (the import drops one as it reads).
        def file_bytes(text: str) -> bytes:
            return (("\ufeff" + text) if text.startswith("\ufeff") else text).encode("utf-8")

        assert all(checksum == hashlib.sha256(file_bytes(text)).hexdigest()
                   for text, _, checksum in restored.values())
        assert [title for title, (text, _, checksum) in restored.items()
                if checksum != hashlib.sha256(text.encode("utf-8")).hexdigest()] == ["Chapter 7: Über Ollama?"]
        assert await snapshot_workshop(second) == await snapshot_workshop(workshop)
    finally:
        await asyncio.wait_for(second.close(), TIMEOUT)
