"""Engine and session factories, built from settings in functions and never at import time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from workshop_tui.config.paths import ensure_private_dir

SessionFactory = async_sessionmaker[AsyncSession]


def sqlite_file(url: str) -> Path | None:
    """The database file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `url`. SQLite gets WAL, foreign keys, and a file only its owner can read."""
    path = sqlite_file(url)
    if path is None:
        return create_async_engine(url, echo=echo, pool_pre_ping=True)
    ensure_private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    path.chmod(0o600)
    # No rollback when a connection goes back to the pool: sessions and connections end their own
    # transactions on close, and through aiosqlite each extra rollback is a round trip to the
    # connection's thread, paid by every service call.
    engine = create_async_engine(url, echo=echo, pool_reset_on_return=None)
    event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
    event.listen(engine.sync_engine, "connect", lambda *_: _restrict_sidecars(path))
    return engine


def _restrict_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            sidecar.chmod(0o600)


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)
