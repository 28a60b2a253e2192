"""Alembic environment. The project runs migrations through `storage.migrate`, which hands in an
open connection (see `config.attributes["connection"]`); this file never builds its own engine."""

from __future__ import annotations

from alembic import context

from workshop_tui.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `workshop-tui db upgrade`, which supplies the connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
