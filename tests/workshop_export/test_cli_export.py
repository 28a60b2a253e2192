"""`workshop-tui export` as the operator types it: exit codes, stdout, stderr and the file's mode."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.workshop_file import CatalogueView, load_workshop_file
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.users import UserRepository

from .support import export


def test_export_writes_a_private_file_and_one_summary_line(data_dir: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "class.yaml"
    assert export(data_dir, str(target), "--name", "Spring class") == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"exported to {target} (documents in {tmp_path / 'class.documents'}/): models 4, "
                                "users 7, prompts 4, tools 3, documents 4, vector DBs 1, RAG systems 2"]
    assert "note: the suspended account 'sus' is not exported" in err
    assert os.stat(target).st_mode & 0o777 == 0o600
    plan = load_workshop_file(target, catalogue=CatalogueView(), environ={})
    assert plan.workshop is not None and plan.workshop.name == "Spring class"


def test_the_default_name_comes_from_the_data_directory(data_dir: str, tmp_path: Path) -> None:
    assert export(data_dir, str(tmp_path / "class.yaml")) == 0
    plan = load_workshop_file(tmp_path / "class.yaml", environ={})
    assert plan.workshop is not None and plan.workshop.name == Path(data_dir).name


def test_an_existing_file_is_kept_without_force(data_dir: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "class.yaml"
    target.write_text("the organiser's notes", encoding="utf-8")
    assert export(data_dir, str(target)) == 2
    assert "already exists; use --force to replace it" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "the organiser's notes"
    assert export(data_dir, str(target), "--force", "--include-chats") == 0
    assert "conversations" in capsys.readouterr().out
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert load_workshop_file(target, environ={}).counts()["conversations"] == 1


def test_a_missing_folder_is_bad_input(data_dir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert export(data_dir, str(tmp_path / "nowhere" / "class.yaml")) == 2
    assert "does not exist; create it first" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_an_empty_data_directory_has_nothing_to_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert export(str(tmp_path / "fresh"), str(tmp_path / "class.yaml")) == 1
    assert "there is no workshop" in capsys.readouterr().err
    assert not (tmp_path / "class.yaml").exists() and not (tmp_path / "fresh" / "workshop.db").exists()


def test_a_name_too_long_for_the_format_is_bad_input(data_dir: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert export(data_dir, str(tmp_path / "class.yaml"), "--name", "x" * 201) == 2
    assert "--name: is 201 characters long" in capsys.readouterr().err
    assert not (tmp_path / "class.yaml").exists()


async def _long_display_name(settings: Settings) -> None:
    """Written through its own connection: the command runs its own event loop, as this does."""
    db = Database.from_url(settings.effective_database_url)
    try:
        async with db.transaction() as session:
            await UserRepository(session).add(username="longname", display_name="L" * 100, role=Role.STUDENT,
                                              status=AccountStatus.ACTIVE, password_hash=None)
    finally:
        await db.close()


def test_a_file_an_import_would_refuse_is_kept_and_its_problems_listed(
        database: Database, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The database allows longer display names than the file format: the export says where."""
    asyncio.run(_long_display_name(settings))
    target = tmp_path / "class.yaml"
    assert export(str(settings.data_dir), str(target)) == 1
    err = capsys.readouterr().err
    assert f"{target}:" in err and "users[0].display_name: is 100 characters long; at most 64" in err
    assert "was written, but an import would refuse it" in err
    assert target.exists()
