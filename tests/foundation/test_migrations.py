"""Migrations and models agree, upgrades keep rows, and SQLite runs as the design asks."""

from __future__ import annotations

import stat
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from workshop_tui.storage import migrate
from workshop_tui.storage.database import Database
from workshop_tui.storage.tables import Base

EXPECTED_TABLES = {
    "users", "user_allowed_models", "user_allowed_tools", "models", "prompts", "tools", "documents",
    "vector_dbs", "embedding_jobs", "rag_systems", "conversations", "conversation_tools", "messages",
    "audit_log", "usage_counters", "collections_to_drop", "broadcasts",
}


async def test_migrated_database_has_every_table(database: Database) -> None:
    async with database.engine.connect() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    assert EXPECTED_TABLES <= tables


async def test_models_and_migrations_agree(database: Database) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with database.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_upgrade_from_first_revision_keeps_rows(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate.upgrade(db.engine, "0001")
        async with db.engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO users (id, username, display_name, role, status, auth_version, created_at, updated_at) "
                "VALUES (1, 'ada', 'Ada', 'instructor', 'active', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
                "(2, 'bob', 'Bob', 'student', 'pending', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            await conn.execute(text(
                "INSERT INTO models (id, name, capabilities, hosts, enabled, created_at, updated_at) "
                "VALUES (1, 'llama3.2:1b', '[]', '[]', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            await conn.execute(text("INSERT INTO user_allowed_models (user_id, model_id) VALUES (2, 1)"))
        assert (await db.schema_state()).current == "0001"

        state = await db.upgrade_on_start()

        assert state.is_current
        async with db.engine.connect() as conn:
            users = (await conn.execute(text("SELECT username, role, status, quota_messages_per_day FROM users "
                                             "ORDER BY id"))).all()
            grants = (await conn.execute(text("SELECT user_id, model_id FROM user_allowed_models"))).all()
        assert [tuple(u) for u in users] == [("ada", "instructor", "active", None), ("bob", "student", "pending", None)]
        assert [tuple(g) for g in grants] == [(2, 1)]
        assert (tmp_path / f"old.db.before-{migrate.head_revision()}").exists()  # the start-up path kept a copy
    finally:
        await db.close()


async def test_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'future.db'}")
    try:
        await db.upgrade()
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        state = await db.schema_state()
        assert not state.known
        try:
            await db.upgrade()
        except Exception as exc:
            assert "newer version" in str(exc)
        else:
            raise AssertionError("upgrade of a newer database must be refused")
    finally:
        await db.close()


async def test_sqlite_uses_wal_foreign_keys_and_owner_only_file(database: Database, settings) -> None:  # type: ignore[no-untyped-def]
    async with database.engine.connect() as conn:
        journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        foreign_keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    assert journal == "wal"
    assert foreign_keys == 1
    mode = stat.S_IMODE(settings.sqlite_path.stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700


async def test_foreign_keys_cascade_and_set_null(database: Database) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO users (id, username, display_name, role, status, auth_version, created_at, updated_at) "
            "VALUES (1, 'ada', 'Ada', 'student', 'active', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        await conn.execute(text(
            "INSERT INTO conversations (id, user_id, title, model, parameters, created_at, updated_at) "
            "VALUES (1, 1, 't', 'm', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        await conn.execute(text(
            "INSERT INTO prompts (id, title, description, template, variables, tags, visibility, creator_id, "
            "created_at, updated_at) VALUES (1, 'p', '', 'x', '[]', '[]', 'class', 1, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)"))
        await conn.execute(text("DELETE FROM users WHERE id = 1"))
        conversations = (await conn.execute(text("SELECT count(*) FROM conversations"))).scalar()
        creator = (await conn.execute(text("SELECT creator_id FROM prompts WHERE id = 1"))).scalar()
    assert conversations == 0  # private history goes with the account
    assert creator is None  # a shared prompt outlives its creator


def test_rows_become_read_only_domain_objects() -> None:
    from types import SimpleNamespace

    from workshop_tui.domain.enums import Visibility
    from workshop_tui.domain.models import ModelInfo, Prompt
    from workshop_tui.storage.converters import to_domain

    model = to_domain(ModelInfo, SimpleNamespace(id=1, name="m:latest", capabilities=["tools"], hosts=["h"]))
    assert model.capabilities == ("tools",) and model.hosts == ("h",)
    prompt = to_domain(Prompt, SimpleNamespace(id=2, title="t", template="x", visibility="class", tags=["a"],
                                               variables=[{"name": "v"}]))
    assert prompt.visibility is Visibility.CLASS and prompt.tags == ("a",) and prompt.variables == ({"name": "v"},)
