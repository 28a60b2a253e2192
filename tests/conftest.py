"""Fixtures shared by every test folder: a private data directory and a migrated database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from workshop_tui.config.loader import load_settings
from workshop_tui.config.settings import Settings
from workshop_tui.storage.database import Database
from workshop_tui.vectors import VectorStore


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh data directory, ignoring the machine's environment and any .env."""
    return load_settings(data_dir=tmp_path / "data", env={}, dotenv_path=None)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """A real SQLite file in tmp_path, migrated to head."""
    db = Database.from_url(settings.effective_database_url)
    await db.upgrade()
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[VectorStore]:
    """A real embedded Qdrant store in tmp_path, opened and ready."""
    vectors = VectorStore(path=tmp_path / "vectors")
    vectors.start()
    await vectors.wait_ready(30)
    try:
        yield vectors
    finally:
        await asyncio.wait_for(vectors.close(), 30)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Commands point the project's loggers at a file and stop propagation, as the app must;
    put them back after each test so that `caplog` keeps working in the tests that follow."""
    loggers = [logging.getLogger(name) for name in ("workshop_tui", "alembic", "asyncssh")]
    saved = [(lg, list(lg.handlers), lg.propagate, lg.level) for lg in loggers]
    yield
    for logger, handlers, propagate, level in saved:
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.setLevel(level)
