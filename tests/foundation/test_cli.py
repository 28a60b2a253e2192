"""The command line as an operator uses it: version, schema upgrade, and exit codes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from workshop_tui import __version__
from workshop_tui.cli import main

EXPECTED_TABLES = {
    "users", "user_allowed_models", "user_allowed_tools", "models", "prompts", "tools", "documents",
    "vector_dbs", "embedding_jobs", "rag_systems", "conversations", "conversation_tools", "messages",
    "audit_log", "usage_counters",
}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workshop_tui", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"workshop-tui {__version__}"


def test_db_upgrade_creates_every_table_and_is_repeatable(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    assert main(["db", "upgrade", "--data-dir", str(data)]) == 0
    assert "upgraded from empty to" in capsys.readouterr().out
    with sqlite3.connect(data / "workshop.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert EXPECTED_TABLES <= tables
    assert main(["db", "upgrade", "--data-dir", str(data)]) == 0
    assert "already at revision" in capsys.readouterr().out
    assert main(["db", "status", "--data-dir", str(data)]) == 0
    log_lines = (data / "logs" / "workshop.log").read_text()
    assert log_lines == "" or log_lines.lstrip().startswith("{")


def test_bad_setting_exits_2_naming_the_key(tmp_path: Path) -> None:
    env = {"WORKSHOP_SSH__PORT": "not-a-port", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = run_cli("db", "upgrade", "--data-dir", str(tmp_path / "d"), env=env)
    assert result.returncode == 2
    assert "ssh.port" in result.stderr and "WORKSHOP_SSH__PORT" in result.stderr
    assert result.stdout == ""


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("db", "status", "--config", str(tmp_path / "nope.yaml"), "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "nope.yaml: cannot be read" in result.stderr


def test_every_verb_has_help() -> None:
    for verb in (["db"], ["db", "upgrade"], ["health"]):
        result = run_cli(*verb, "--help")
        assert result.returncode == 0, verb
        assert "--data-dir" in result.stdout and "--config" in result.stdout


def test_common_options_count_before_the_verb_as_after_it(tmp_path: Path) -> None:
    from workshop_tui.cli import build_parser

    parser = build_parser()
    before = parser.parse_args(["--data-dir", str(tmp_path), "users", "list"])
    after = parser.parse_args(["users", "list", "--data-dir", str(tmp_path)])
    assert before.data_dir == after.data_dir == str(tmp_path)
    assert not hasattr(parser.parse_args(["users", "list"]), "data_dir")
