"""Schema migrations through Alembic, driven on an open async connection.

`upgrade()` brings any older database to head. `check_schema()` tells whether the database is
empty, behind, current or ahead of this code, so that start-up can upgrade only when it is safe.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from workshop_tui.domain.errors import ConfigError
from workshop_tui.storage.engine import sqlite_file

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str
    known: bool  # the current revision exists in this code's migration scripts

    @property
    def is_current(self) -> bool:
        return self.current == self.head

    @property
    def can_upgrade(self) -> bool:
        return self.known and not self.is_current


async def check_schema(engine: AsyncEngine) -> SchemaState:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        current = await conn.run_sync(read)
    script = ScriptDirectory.from_config(alembic_config())
    known = _exists(script, current)
    return SchemaState(current=current, head=head_revision(), known=known)


def _exists(script: ScriptDirectory, revision: str | None) -> bool:
    if revision is None:
        return True
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several types for an unknown revision
        return False


async def upgrade(engine: AsyncEngine, revision: str = "head") -> SchemaState:
    """Upgrade to `revision` in one transaction per step; refuse a database newer than the code."""
    state = await check_schema(engine)
    if not state.known:
        raise ConfigError(
            f"the database is at revision {state.current}, which this version of workshop-tui does not know; "
            "it was written by a newer version. Upgrade workshop-tui instead."
        )
    cfg = alembic_config()

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)
    return await check_schema(engine)


async def upgrade_on_start(engine: AsyncEngine, url: str) -> SchemaState:
    """The start-up path: create or upgrade, after copying a SQLite file aside if it holds data."""
    state = await check_schema(engine)
    if state.is_current:
        return state
    path = sqlite_file(url)
    if state.current is not None and path is not None and path.exists():
        async with engine.connect() as conn:  # fold the WAL into the file so the copy is whole
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        backup = path.with_name(f"{path.name}.before-{state.head}")
        shutil.copy2(path, backup)
        backup.chmod(0o600)
    return await upgrade(engine)
