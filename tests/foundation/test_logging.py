"""Logs are JSON lines in the data directory, tagged with the session, and free of secrets."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from workshop_tui.config.logging import configure_logging, get_logger, session_context


def _lines(path: Path) -> list[dict]:
    for handler in logging.getLogger("workshop_tui").handlers:
        handler.flush()
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_json_lines_carry_the_session_id_across_tasks(tmp_path: Path) -> None:
    path = configure_logging(tmp_path / "logs")
    log = get_logger("services.test")

    async def work() -> None:
        log.info("inside a task")

    async def session() -> None:
        with session_context("sess-1"):
            log.info("started")
            await asyncio.create_task(work())

    asyncio.run(session())
    log.info("outside")
    records = _lines(path)
    assert [(r["message"], r["session"]) for r in records] == [
        ("started", "sess-1"), ("inside a task", "sess-1"), ("outside", "-")]
    assert records[0]["logger"] == "workshop_tui.services.test"
    assert (path.stat().st_mode & 0o077) == 0


def test_secrets_never_reach_the_file(tmp_path: Path) -> None:
    path = configure_logging(tmp_path / "logs")
    log = get_logger("auth")
    fake_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"
    log.info("login attempt password=hunter22 for ada", extra={"password": "hunter22", "user": "ada",
                                                                "detail": {"api_key": "xyz-123", "hash": fake_hash}})
    try:
        raise ValueError(f"bad hash {fake_hash}")
    except ValueError:
        log.exception("verify failed")
    text = path.read_text()
    assert "hunter22" not in text and "xyz-123" not in text and fake_hash not in text
    records = _lines(path)
    assert records[0]["user"] == "ada"
    assert records[1]["error"].startswith("ValueError: bad hash")


def test_nothing_is_written_to_the_terminal(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    configure_logging(tmp_path / "logs")
    get_logger("x").warning("quiet please")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
