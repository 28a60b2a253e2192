"""`workshop-tui import` as an organiser runs it: output, passwords, exit codes, progress, and the
sample class loaded with --skip-vectors on a machine where Ollama is not running."""

from __future__ import annotations

import asyncio
import io
import os
import re
from pathlib import Path
from typing import Any

import argon2
import pytest
import yaml

from workshop_tui.cli import main
from workshop_tui.commands.progress import PlainProgress, TerminalProgress
from workshop_tui.config.loader import load_settings
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import SAMPLE, copy_sample, db_snapshot, folder_snapshot, unused_port

SAMPLE_FILE = str(SAMPLE / "workshop.yaml")


def _state(data_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every table's rows and the vector folder's files: what "nothing was written" compares."""
    settings = load_settings(data_dir=data_dir, env={}, dotenv_path=None)

    async def rows() -> dict[str, Any]:
        db = Database.from_url(settings.effective_database_url)
        try:
            return await db_snapshot(db)
        finally:
            await db.close()

    vectors = settings.qdrant_path
    return asyncio.run(rows()), folder_snapshot(vectors) if vectors.exists() else {}


def _stored_hash(data_dir: Path, username: str) -> str | None:
    settings = load_settings(data_dir=data_dir, env={}, dotenv_path=None)

    async def read() -> str | None:
        db = Database.from_url(settings.effective_database_url)
        try:
            async with db.reading() as session:
                found = await UserRepository(session).password_hash(username)
            return found[1] if found else None
        finally:
            await db.close()

    return asyncio.run(read())


def _import(data_dir: Path, url: str, *args: str) -> int:
    return main(["import", *args, "--data-dir", str(data_dir), "--ollama-url", url])


def _down() -> str:
    return f"http://127.0.0.1:{unused_port()}"


def test_dry_run_lists_what_would_change_and_writes_nothing(tmp_path: Path, fake: FakeOllama,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    path = copy_sample(tmp_path)
    assert _import(data, _down(), str(path), "--skip-vectors") == 0
    class_file = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(u for u in class_file["users"] if u["username"] == "tomas")["role"] = "instructor"
    path.write_text(yaml.safe_dump(class_file, sort_keys=False, allow_unicode=True), encoding="utf-8")
    before = _state(data)
    capsys.readouterr()

    code = _import(data, fake.url, str(path), "--dry-run")

    out = capsys.readouterr().out
    assert code == 0
    assert _state(data) == before
    assert f"Dry run of {path}: nothing was written" in out
    # tomas's new role, and the search tool's grants that --skip-vectors left for this import
    updates = [(u["username"], ["role"] * (u["username"] == "tomas") + ["tools"] * ("handbook_search" in u["tools"]))
               for u in class_file["users"] if u["username"] == "tomas" or "handbook_search" in u.get("tools", [])]
    shown = ", ".join(f"{name} ({', '.join(fields)})" for name, fields in updates)
    assert f"users: 0 to create, {len(updates)} to update, {len(class_file['users']) - len(updates)} unchanged\n" in out
    assert f"  to update: {shown}\n" in out and "tomas (role" in shown
    assert re.search(r"^vector DBs: 2 to create, 0 to update, 0 unchanged$", out, re.M)
    assert "  to create: Ollama handbook (MiniLM), RAG notes (Nomic)\n" in out
    assert re.search(r"^documents: 0 to create, 0 to update, \d+ unchanged$", out, re.M)
    assert "models to pull: qwen2.5:0.5b" in out
    assert "Generated passwords" not in out


def test_passwords_file_is_private_new_and_never_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    data, secrets = tmp_path / "data", tmp_path / "passwords.csv"
    assert _import(data, _down(), SAMPLE_FILE, "--skip-vectors", "--passwords-file", str(secrets)) == 0
    out = capsys.readouterr().out
    assert os.stat(secrets).st_mode & 0o777 == 0o600
    rows = secrets.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "username,password" and len(rows) > 1
    name, password = rows[1].split(",", 1)
    assert argon2.PasswordHasher().verify(_stored_hash(data, name) or "", password)
    assert f"generated password(s) written to {secrets} (mode 0600)" in out
    assert not any(row.split(",", 1)[1] in out for row in rows[1:])  # in the file, not on the screen
    content = secrets.read_bytes()
    newcomer = tmp_path / "late.csv"
    newcomer.write_text("username,role\nlatecomer,student\n", encoding="utf-8")
    before = _state(data)

    code = _import(data, _down(), str(newcomer), "--passwords-file", str(secrets))

    assert code == 2
    assert "already exists" in capsys.readouterr().err
    assert secrets.read_bytes() == content and _state(data) == before  # nothing imported, nothing replaced


def test_a_users_csv_is_imported_and_its_passwords_printed_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                                ) -> None:
    data, class_list = tmp_path / "data", tmp_path / "class.csv"
    class_list.write_text("username,display_name,email,role,password\n"
                          "lena,Lena Berg,lena@example.org,student,\n"
                          "omar,Omar Haddad,,instructor,\n"
                          "guest1,Visitor,,guest,a-long-given-password\n", encoding="utf-8")

    assert _import(data, _down(), str(class_list)) == 0

    out = capsys.readouterr().out
    assert "users: 3 created, 0 updated, 0 unchanged" in out
    assert out.count("Generated passwords (shown only now") == 1
    printed = dict(re.findall(r"^  (lena|omar)\s+(\S+)$", out, re.M))
    assert sorted(printed) == ["lena", "omar"]  # guest1's password came from the file: not shown
    for name, password in printed.items():
        assert out.count(password) == 1
        assert argon2.PasswordHasher().verify(_stored_hash(data, name) or "", password)
    assert _import(data, _down(), str(class_list)) == 0
    again = capsys.readouterr().out
    assert "users: 0 created, 0 updated, 3 unchanged" in again and "Generated passwords" not in again


def test_exit_codes_and_problems_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nworkshop: {name: Bad}\nusers:\n  - {username: ada, role: teacher}\n", encoding="utf-8")
    assert main(["health", "--data-dir", str(data), "--ollama-url", _down()]) == 1  # makes the data directory
    before = _state(data)
    capsys.readouterr()

    assert _import(data, _down(), str(bad)) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4:27: users[0].role: 'teacher' is not a role" in err
    assert "1 problem(s) in" in err and "nothing was imported" in err

    assert _import(data, _down(), str(tmp_path / "class.txt")) == 2
    assert "expected a workshop file (.yaml or .yml) or a users CSV (.csv)" in capsys.readouterr().err

    url = _down()
    assert _import(data, url, SAMPLE_FILE) == 1  # the sample needs Ollama: pulls, dimensions, embeddings
    err = capsys.readouterr().err
    assert f"Ollama at {url} is not reachable" in err and "ollama serve" in err and "--skip-vectors" in err
    assert "Nothing was written" in err
    assert _state(data) == before

    assert _import(data, url, SAMPLE_FILE, "--skip-vectors") == 0


def test_progress_is_one_plain_line_per_step_when_not_a_terminal(tmp_path: Path, fake: FakeOllama,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert _import(tmp_path / "data", fake.url, SAMPLE_FILE) == 0

    captured = capsys.readouterr()
    assert "\r" not in captured.err
    steps = [r"checking .*workshop\.yaml against the database", r"reading \d+ document\(s\)",
             r"asking Ollama at .* which models it serves", r"hashing the passwords of \d+ new account\(s\)",
             r"pulling qwen2\.5:0\.5b \(it is not on any Ollama host yet\)",
             r"writing the database \(one transaction\)", r"creating 2 vector collection\(s\)",
             r"embedding \d+ document\(s\) with Ollama at .*",
             r"embedding finished: (\d+) of \1 job\(s\) done"]
    lines = captured.err.splitlines()
    assert len(lines) == len(steps), captured.err
    for line, step in zip(lines, steps, strict=True):
        assert re.fullmatch(step, line), line
    assert re.search(r"^embedding: (\d+) of \1 job\(s\) done$", captured.out, re.M)


def test_a_terminal_gets_a_bar_redrawn_in_place() -> None:
    screen = io.StringIO()
    progress = TerminalProgress(screen, width=80)
    progress.step("embedding 3 document(s)")
    progress.advance("embedding 'Ollama basics'", 1, 3)
    progress.advance("embedding 'Embeddings'", 2, 3)
    progress.advance("embedding 'RAG'", 3, 3)
    progress.step("done")
    assert screen.getvalue() == ("embedding 3 document(s)\n"
                                 "\r[###-------] 1/3 embedding 'Ollama basics'"
                                 "\r[######----] 2/3 embedding 'Embeddings'   "
                                 "\r[##########] 3/3 embedding 'RAG'       \n"
                                 "done\n")
    plain = io.StringIO()
    PlainProgress(plain).advance("embedding 'RAG'", 3, 3)
    assert plain.getvalue() == ""


def test_the_sample_loads_with_skip_vectors_without_ollama(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    url = _down()

    code = main(["import", SAMPLE_FILE, "--skip-vectors",
                 "--data-dir", str(tmp_path / "data"), "--ollama-url", url])

    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"^users: [1-9]\d* created", out, re.M) and re.search(r"^documents: [1-9]\d* created", out, re.M)
    assert re.search(r"^vector DBs: 0 created, 0 updated, 0 unchanged, 2 skipped$", out, re.M)
    assert f"(Ollama at {url} is not reachable)" in out and "without --skip-vectors creates them" in out
    assert "Generated passwords (shown only now" in out
    assert main(["health", "--data-dir", str(tmp_path / "data"), "--ollama-url", url]) == 1
    assert "pending" in capsys.readouterr().out  # the populated class shows in health: a pending registration
    assert main(["users", "list", "--data-dir", str(tmp_path / "data"), "--ollama-url", url]) == 0
    assert "jordan" in capsys.readouterr().out
