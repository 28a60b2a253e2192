"""`workshop-tui users ...` end to end, as the operator on the server types it."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from workshop_tui.cli import main
from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.errors import NotAuthenticated
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.audit import AuditRepository

from .support import add_model, add_tool, grants_of

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The CLI configures the process's loggers (a file handler, no propagation); put them back so
    later tests that capture log records still see them."""
    loggers = [logging.getLogger(name) for name in ("workshop_tui", "alembic", "asyncssh")]
    saved = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    yield
    for lg, handlers, level, propagate in saved:
        for handler in [h for h in lg.handlers if h not in handlers]:
            lg.removeHandler(handler)
            handler.close()
        lg.setLevel(level)
        lg.propagate = propagate


@pytest.fixture
def data_dir(database: Database, settings: Settings) -> str:
    return str(settings.data_dir)


def users(data_dir: str, *args: str) -> int:
    return main(["users", *args, "--data-dir", data_dir])


async def run(data_dir: str, *args: str) -> int:
    """The CLI runs its own event loop, so async tests run it in a thread."""
    return await asyncio.to_thread(users, data_dir, *args)


def test_add_reads_the_password_from_an_environment_variable(
        data_dir: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADA_PASSWORD", PASSWORD)
    assert users(data_dir, "add", "Ada", "--role", "super_admin", "--display-name", "Ada L.",
                 "--password-env", "ADA_PASSWORD") == 0
    out = capsys.readouterr().out
    assert out == "added ada: super_admin, active\n"  # nothing secret printed
    monkeypatch.delenv("ADA_PASSWORD")
    assert users(data_dir, "add", "bob", "--role", "student", "--password-env", "ADA_PASSWORD") == 2
    assert "environment variable ADA_PASSWORD is not set" in capsys.readouterr().err


async def test_added_accounts_can_log_in(data_dir: str, accounts: AccountService,
                                         capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW", PASSWORD)
    assert await run(data_dir, "add", "ada", "--role", "admin", "--password-env", "PW") == 0
    assert (await accounts.login("ada", PASSWORD)).role is Role.ADMIN
    monkeypatch.delenv("PW")
    capsys.readouterr()
    assert await run(data_dir, "add", "gen", "--role", "student") == 0  # no terminal: generated, printed once
    out = capsys.readouterr().out
    match = re.search(r"password for gen \(shown only now\): (\S+)", out)
    assert match and len(match.group(1)) >= 20
    assert (await accounts.login("gen", match.group(1))).role is Role.STUDENT


async def test_add_prompts_on_a_terminal(data_dir: str, accounts: AccountService,
                                         monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from workshop_tui.commands import users as users_command

    answers = iter([PASSWORD, PASSWORD, PASSWORD, "something else!"])
    monkeypatch.setattr(users_command, "_interactive", lambda: True)
    monkeypatch.setattr(users_command.getpass, "getpass", lambda prompt="": next(answers))
    assert await run(data_dir, "add", "tty", "--role", "guest", "--status", "pending") == 0
    assert "password for" not in capsys.readouterr().out
    with pytest.raises(NotAuthenticated, match="waiting for approval"):
        await accounts.login("tty", PASSWORD)
    assert await run(data_dir, "add", "typo", "--role", "guest") == 2
    assert "the two passwords differ" in capsys.readouterr().err


async def test_approve_reject_set_role_suspend(data_dir: str, accounts: AccountService, database: Database,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    llama = await add_model(database, "llama3.2:latest")
    calc = await add_tool(database, "calc", None, Visibility.PUBLIC)
    parent = await accounts.add_user(OPERATOR, "parent", Role.STUDENT, AccountStatus.ACTIVE, None, PASSWORD)
    for name in ("stu", "kid", "spam"):
        await accounts.register(name, name.title(), PASSWORD)

    assert await run(data_dir, "approve", "stu", "--role", "student", "--models", "llama3.2,nope:7b") == 2
    assert "unknown model 'nope:7b' (known models: llama3.2:latest)" in capsys.readouterr().err
    assert await run(data_dir, "approve", "stu", "--role", "student", "--tools", "hammer") == 2
    assert "unknown tool 'hammer'" in capsys.readouterr().err
    assert await run(data_dir, "approve", "stu", "--role", "student", "--models", "llama3.2", "--tools", "calc",
                 "--notes", "Tuesday") == 0
    assert "approved stu as student" in capsys.readouterr().out
    stu = await accounts.find_user(OPERATOR, "stu")
    assert stu.status is AccountStatus.ACTIVE and await grants_of(database, stu.id) == ({llama}, {calc})

    assert await run(data_dir, "approve", "kid", "--role", "family", "--guardian", "parent") == 0
    assert (await accounts.find_user(OPERATOR, "kid")).guardian_id == parent.id
    assert await run(data_dir, "reject", "spam", "--notes", "bot") == 0
    assert await run(data_dir, "set-role", "stu", "guest") == 0
    assert await run(data_dir, "suspend", "stu") == 0
    assert capsys.readouterr().out.splitlines()[-3:] == ["rejected spam", "stu is now guest", "suspended stu"]
    with pytest.raises(NotAuthenticated, match="suspended"):
        await accounts.login("stu", PASSWORD)
    async with database.reading() as session:
        entries = await AuditRepository(session).list()
    assert {e.actor_name for e in entries if e.action != "user.register"} == {"operator"}
    assert {"user.approve", "user.reject", "user.role", "user.suspend"} <= {e.action for e in entries}


def test_bad_role_exits_2_and_refusals_exit_1(data_dir: str, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert users(data_dir, "add", "x1", "--role", "emperor") == 2
    assert "invalid choice: 'emperor'" in capsys.readouterr().err
    monkeypatch.setenv("PW", PASSWORD)
    assert users(data_dir, "add", "boss", "--role", "super_admin", "--password-env", "PW") == 0
    assert users(data_dir, "set-role", "boss", "king") == 2
    assert users(data_dir, "set-role", "boss", "admin") == 1
    assert "boss is the last active super_admin" in capsys.readouterr().err
    assert users(data_dir, "suspend", "nobody") == 1
    assert "no account named 'nobody'" in capsys.readouterr().err
    assert users(data_dir, "add", "Boss", "--role", "student", "--password-env", "PW") == 1
    assert "'boss' is taken" in capsys.readouterr().err


async def test_list_as_text_and_json_with_filters(data_dir: str, accounts: AccountService,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    await accounts.add_user(OPERATOR, "ines", Role.INSTRUCTOR, AccountStatus.ACTIVE, "Ines", PASSWORD)
    await accounts.register("zoe", "Zoë", PASSWORD, "zoe@example.org")
    capsys.readouterr()
    assert await run(data_dir, "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(u["username"], u["role"], u["status"]) for u in listed] == [("ines", "instructor", "active"),
                                                                        ("zoe", "guest", "pending")]
    assert listed[1]["display_name"] == "Zoë" and listed[1]["email"] == "zoe@example.org"
    assert set(listed[0]) == {"id", "username", "display_name", "role", "status", "email", "guardian_id",
                              "created_at", "approved_at", "last_login_at"}
    assert await run(data_dir, "list", "--status", "pending", "--json") == 0
    assert [u["username"] for u in json.loads(capsys.readouterr().out)] == ["zoe"]
    assert await run(data_dir, "list", "--role", "instructor") == 0
    assert capsys.readouterr().out.split()[:3] == ["ines", "instructor", "active"]
    assert await run(data_dir, "list", "--status", "suspended") == 0
    assert capsys.readouterr().out == "no accounts match\n"


def test_verbs_work_on_a_fresh_data_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "list", "--json", "--data-dir", str(tmp_path / "new")]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_every_users_verb_has_help() -> None:
    for verb in ("add", "approve", "reject", "set-role", "suspend", "list"):
        result = subprocess.run([sys.executable, "-m", "workshop_tui", "users", verb, "--help"], capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, verb
        assert "--data-dir" in result.stdout and "--config" in result.stdout and "--ollama-url" in result.stdout
