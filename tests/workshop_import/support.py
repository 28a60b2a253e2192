"""Helpers for the import tests: a workshop on a data directory, bounded imports, and snapshots
that prove nothing was written (every table's rows, the vector store folder's files)."""

from __future__ import annotations

import asyncio
import shutil
import socket
from pathlib import Path
from typing import Any

from sqlalchemy import select

from workshop_tui.config.loader import load_settings
from workshop_tui.services.passwords import FAST_FOR_TESTS, Passwords
from workshop_tui.services.workshop import Workshop
from workshop_tui.services.workshop_file.importer import ImportService
from workshop_tui.services.workshop_file.result import ImportResult
from workshop_tui.storage.database import Database
from workshop_tui.storage.tables import Base

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
TIMEOUT = 60.0


def unused_port() -> int:
    """A loopback port nothing listens on (bound and released at once): "Ollama is not running"."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def open_workshop(data_dir: Path, ollama_url: str) -> Workshop:
    """The composition root on ``data_dir``, with cheap password hashing (tests only)."""
    settings = load_settings(data_dir=data_dir, ollama_url=ollama_url, env={}, dotenv_path=None)
    workshop = await Workshop.open(settings)
    workshop.accounts.passwords.close()
    workshop.accounts.passwords = Passwords(settings.auth, FAST_FOR_TESTS)
    await workshop.store.wait_ready(TIMEOUT)
    return workshop


async def run_import(workshop: Workshop, path: Path, **options: Any) -> ImportResult:
    service = ImportService(workshop, job_timeout_s=TIMEOUT, store_timeout_s=TIMEOUT)
    return await asyncio.wait_for(service.run(path, **options), TIMEOUT * 2)


def copy_sample(tmp_path: Path) -> Path:
    """A private copy of the sample class, to change without touching the repository's."""
    folder = tmp_path / "class"
    shutil.copytree(SAMPLE, folder)
    return folder / "workshop.yaml"


async def db_snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with db.reading() as session:
        for table in Base.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            found[table.name] = [tuple(row) for row in (await session.execute(query)).all()]
    return found


def folder_snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``folder`` with its size and modification time."""
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def counts(result: ImportResult, what: str) -> dict[str, int]:
    """``{section: number}`` of entries with outcome ``what`` (created, updated, unchanged, skipped)."""
    return {section: value[what] for section, value in result.counts().items()}
