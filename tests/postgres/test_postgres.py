"""The same code on PostgreSQL: the migrations, the schema they produce, and the repositories."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.actors import load_actor
from workshop_tui.storage import migrate
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.tables import Base


async def test_migrations_from_first_revision_keep_rows_and_match_the_models(pg: Database) -> None:
    await migrate.upgrade(pg.engine, "0001")
    async with pg.engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO users (username, display_name, role, status) VALUES ('ada', 'Ada', 'student', 'active')"))
    state = await pg.upgrade()
    assert state.is_current

    def diff(connection):  # type: ignore[no-untyped-def]
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)

    async with pg.engine.connect() as conn:
        assert await conn.run_sync(diff) == []
        assert (await conn.execute(text("SELECT username FROM users"))).scalars().all() == ["ada"]


async def test_repositories_and_actor_loading_work_on_postgres(pg: Database) -> None:
    await pg.upgrade()
    async with pg.transaction() as session:
        users = UserRepository(session)
        guardian = await users.add(username="Gina", display_name="Gina", role=Role.STUDENT,
                                   status=AccountStatus.ACTIVE, password_hash=None)
        ward = await users.add(username="kid", display_name="Kid", role=Role.FAMILY, status=AccountStatus.ACTIVE,
                               password_hash=None, guardian_id=guardian.id)
        model = await ModelRepository(session).upsert("llama3.2:1b", capabilities=["completion"], hosts=["h"])
        await users.set_model_ids(guardian.id, [model.id])
        conversation = await ConversationRepository(session).add(user_id=ward.id, model="llama3.2:1b")
        await ConversationRepository(session).add_message(conversation.id, "user", "hello")
    async with pg.reading() as session:
        actor = await load_actor(session, guardian.id)
        assert (await UserRepository(session).get_by_username("GINA")) is not None
        messages = await ConversationRepository(session).messages(conversation.id)
        found = await ConversationRepository(session).get_with_model(conversation.id)
        kid = await load_actor(session, ward.id)
    assert actor.model_names == {"llama3.2:1b"} and actor.wards == {ward.id}
    assert kid.user.username == "kid" and kid.model_names == frozenset() and kid.wards == frozenset()
    assert [m.content for m in messages] == ["hello"]
    assert found is not None and found[0].id == conversation.id and found[1] is not None
    assert found[1].name == "llama3.2:1b" and found[0].tool_ids == ()
