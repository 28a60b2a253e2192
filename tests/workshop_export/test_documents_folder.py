"""The documents folder beside an export (``class.yaml`` → ``class.documents/``): written whole or not
at all, never replacing anything without ``--force``; and the size cap on a workshop file, a setting."""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path

import pytest

from workshop_tui.config.loader import load_settings
from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Invalid
from workshop_tui.services.workshop_file import WorkshopFileErrors, export_documents, export_file, load_workshop_file
from workshop_tui.services.workshop_file.export_documents import documents_folder, slug
from workshop_tui.services.workshop_file.export_file import export_workshop
from workshop_tui.services.workshop_file.limits import MB, FileLimits
from workshop_tui.services.workshop_file.plan import WorkshopInfo
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.users import UserRepository

from .support import Built, export

INFO = WorkshopInfo("Test class")
DOCUMENTS = ["001-cheat-sheet.txt", "002-draft.md", "003-house-rules.md", "004-house-rules-2.txt"]
SIZE_VARIABLE = "WORKSHOP_WORKSHOP_FILE__MAX_FILE_MB"


async def _in_thread(data_dir: str, *args: str) -> int:
    """The command runs its own event loop, so from an async test it runs in a thread of its own."""
    return await asyncio.to_thread(export, data_dir, *args)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The folder exports go to (the data directory is in tmp_path too)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder`` (hidden ones too) with a file's bytes, or None for a folder."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def test_file_names_are_numbered_safe_slugs_of_the_titles() -> None:
    assert slug("What is Ollama?") == "what-is-ollama"
    assert slug("Über Modelle & Co.") == "uber-modelle-co"
    assert slug("../../etc/passwd\x1b[2J") == "etc-passwd-2j"
    assert slug("日本語") == "document"
    assert len(slug("word " * 50)) <= 40 and slug("x" * 100) == "x" * 40
    assert documents_folder(Path("out/class.yaml")) == Path("out/class.documents")
    assert documents_folder(Path("class.yml")) == Path("class.documents")
    with pytest.raises(Invalid, match="needs a .yaml name"):
        documents_folder(Path("class.documents"))


def test_an_existing_documents_folder_is_kept_without_force_and_replaced_with_it(
        data_dir: str, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = out / "class.documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("the organiser's notes", encoding="utf-8")
    assert export(data_dir, str(out / "class.yaml")) == 2
    err = capsys.readouterr().err
    assert f"{folder} already exists" in err and "use --force to replace it" in err
    assert not (out / "class.yaml").exists()  # refused before anything was written
    assert tree(out) == {"class.documents": None, "class.documents/notes.txt": b"the organiser's notes"}

    assert export(data_dir, str(out / "class.yaml"), "--force") == 0
    assert sorted(p.name for p in folder.iterdir()) == DOCUMENTS  # the old file is gone
    assert folder.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in out.iterdir()) == ["class.documents", "class.yaml"]  # nothing set aside
    # Exporting over an export of one's own works the same way.
    assert export(data_dir, str(out / "class.yaml"), "--force") == 0
    assert sorted(p.name for p in out.iterdir()) == ["class.documents", "class.yaml"]


async def test_a_failed_file_write_leaves_nothing_new_behind(database: Database, built: Built, out: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    target = out / "class.yaml"

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(export_file, "write_new_file", disk_full)
        with pytest.raises(OSError, match="No space left"):
            await export_workshop(database, target, INFO)
    assert tree(out) == {}

    # With --force over an earlier export, the earlier file and folder are left exactly as they were.
    await export_workshop(database, target, INFO)
    before = tree(out)
    with monkeypatch.context() as patch:
        patch.setattr(export_file, "write_new_file", disk_full)
        with pytest.raises(OSError, match="No space left"):
            await export_workshop(database, target, WorkshopInfo("Another name"), force=True)
    assert tree(out) == before


async def test_a_failure_while_writing_the_documents_leaves_nothing_behind(
        database: Database, built: Built, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write = export_documents._write_file
    written: list[Path] = []

    def third_fails(path: Path, content: bytes) -> None:
        if len(written) == 2:
            raise OSError(errno.EIO, "Input/output error")
        written.append(path)
        write(path, content)

    monkeypatch.setattr(export_documents, "_write_file", third_fails)
    with pytest.raises(OSError, match="Input/output error"):
        await export_workshop(database, out / "class.yaml", INFO)
    assert len(written) == 2 and tree(out) == {}


async def test_a_workshop_without_documents_writes_no_folder(database: Database, out: Path) -> None:
    report = await export_workshop(database, out / "class.yaml", INFO)
    assert report.ok and report.documents_folder is None
    assert sorted(p.name for p in out.iterdir()) == ["class.yaml"]
    # --force replaces the file and its folder together: a folder of an earlier export goes.
    (out / "class.documents").mkdir()
    (out / "class.documents" / "001-old.md").write_text("old", encoding="utf-8")
    await export_workshop(database, out / "class.yaml", INFO, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["class.yaml"]


async def _long_chat(database: Database) -> None:
    """About 1.5 MB of chat: over a 1 MB cap, under the default 2 MB."""
    content = ("a token is about four characters " * 2 + "\n") * 1200
    async with database.transaction() as session:
        sam = await UserRepository(session).add(username="sam", display_name="Sam", role=Role.STUDENT,
                                                status=AccountStatus.ACTIVE, password_hash=None)
        chats = ConversationRepository(session)
        chat = await chats.add(user_id=sam.id, model="llama3.2:1b", title="A long talk")
        for number in range(18):
            await chats.add_message(chat.id, "user" if number % 2 == 0 else "assistant", content)


def _limits(settings: Settings, megabytes: str) -> FileLimits:
    return FileLimits.from_settings(load_settings(data_dir=settings.data_dir, env={SIZE_VARIABLE: megabytes},
                                                  dotenv_path=None))


async def test_the_file_size_cap_is_a_setting_for_export_and_import(
        database: Database, settings: Settings, out: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    await _long_chat(database)
    target = out / "chats.yaml"
    monkeypatch.setenv(SIZE_VARIABLE, "1")
    code = await _in_thread(str(settings.data_dir), str(target), "--include-chats")
    err = capsys.readouterr().err
    assert code == 1 and "was written, but an import would refuse it" in err
    size = target.stat().st_size
    assert MB < size < 2 * MB
    assert (f"{target}:1:1: the file is {size / MB:.2f} MB, over the 1 MB limit; raise it with {SIZE_VARIABLE} "
            "(the setting workshop_file.max_file_mb)") in err
    with pytest.raises(WorkshopFileErrors, match="over the 1 MB limit"):
        load_workshop_file(target, limits=_limits(settings, "1"), environ={})  # an import on the same server

    monkeypatch.setenv(SIZE_VARIABLE, "2")
    assert await _in_thread(str(settings.data_dir), str(target), "--include-chats", "--force") == 0
    plan = load_workshop_file(target, limits=_limits(settings, "2"), environ={})
    assert plan.counts()["conversations"] == 1 and len(plan.conversations[0].messages) == 18
