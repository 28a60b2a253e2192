"""The account services on PostgreSQL: registration, approval and login with their audit records,
and usage counting under real concurrency (where two first writes of a day do race)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from workshop_tui.config.loader import load_settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Conflict, LimitExceeded
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.actors import load_actor
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.passwords import FAST_FOR_TESTS, Passwords
from workshop_tui.services.quotas import QuotaService
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.storage.repositories.models import ModelRepository

PASSWORD = "correct horse battery"


@pytest.fixture
async def ctx(pg: Database, tmp_path) -> AsyncIterator[ServiceContext]:  # type: ignore[no-untyped-def]
    db = pg
    await db.upgrade()
    yield ServiceContext(settings=load_settings(data_dir=tmp_path, env={}, dotenv_path=None), db=db)


async def test_register_approve_login_on_postgres(ctx: ServiceContext) -> None:
    passwords = Passwords(ctx.settings.auth, FAST_FOR_TESTS)
    try:
        accounts = AccountService(ctx, passwords=passwords)
        async with ctx.db.transaction() as session:
            model = await ModelRepository(session).upsert("llama3.2:1b", capabilities=["completion"])
        user = await accounts.register("Ada", "Ada", PASSWORD)
        await ApprovalService(ctx).approve(OPERATOR, user.id, Role.STUDENT, [model.id], [], "ok")
        actor = await accounts.login("ADA", PASSWORD)
    finally:
        passwords.close()
    assert actor.role is Role.STUDENT and actor.model_names == {"llama3.2:1b"}
    async with ctx.db.reading() as session:
        [entry] = await AuditRepository(session).list(action="user.approve")
    assert entry.after["models"] == ["llama3.2:1b"] and entry.actor_name == "operator"


async def test_usage_counting_under_concurrency_on_postgres(ctx: ServiceContext) -> None:
    passwords = Passwords(ctx.settings.auth, FAST_FOR_TESTS)
    accounts = AccountService(ctx, passwords=passwords)
    try:
        async with ctx.db.transaction() as session:
            model = await ModelRepository(session).upsert("llama3.2:1b", capabilities=["completion"])
        user = await accounts.add_user(OPERATOR, "sam", Role.STUDENT, AccountStatus.ACTIVE, None, PASSWORD)
        await accounts.set_grants(OPERATOR, user.id, model_ids=[model.id])
        await accounts.set_quota(OPERATOR, user.id, messages_per_day=12)
    finally:
        passwords.close()
    async with ctx.db.reading() as session:
        actor = await load_actor(session, user.id)
    quotas = QuotaService(ctx)
    await quotas.check(actor, "llama3.2:1b")
    await asyncio.gather(*(quotas.record(actor, "llama3.2:1b", 10, 5) for _ in range(12)))
    [line] = await quotas.usage_report(OPERATOR)
    assert (line.messages, line.prompt_tokens, line.completion_tokens) == (12, 120, 60)
    with pytest.raises(LimitExceeded, match="all 12 messages"):
        await quotas.check(actor, "llama3.2:1b")


async def test_two_approvers_at_once_approve_once_on_postgres(ctx: ServiceContext) -> None:
    passwords = Passwords(ctx.settings.auth, FAST_FOR_TESTS)
    accounts = AccountService(ctx, passwords=passwords)
    approvals = ApprovalService(ctx)
    try:
        ines = await accounts.add_user(OPERATOR, "ines", Role.INSTRUCTOR, AccountStatus.ACTIVE, None, PASSWORD)
        ada = await accounts.add_user(OPERATOR, "ada", Role.ADMIN, AccountStatus.ACTIVE, None, PASSWORD)
        async with ctx.db.reading() as session:
            ines_actor, ada_actor = await load_actor(session, ines.id), await load_actor(session, ada.id)
        for round_number in range(5):
            uid = (await accounts.register(f"newcomer{round_number}", "New", PASSWORD)).id
            results = await asyncio.wait_for(asyncio.gather(
                approvals.approve(ines_actor, uid, Role.STUDENT), approvals.approve(ada_actor, uid, Role.INSTRUCTOR),
                return_exceptions=True), 30)
            assert sum(isinstance(r, Conflict) for r in results) == 1, results
            assert any("already approved by" in str(r) for r in results if isinstance(r, Conflict))
            async with ctx.db.reading() as session:
                assert len(await AuditRepository(session).list(target_id=uid, action="user.approve")) == 1
    finally:
        passwords.close()
