"""Daily quotas, concurrent generations, usage counting and the admin's usage view."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from workshop_tui.config.settings import Quota, Settings
from workshop_tui.domain.enums import Role
from workshop_tui.domain.errors import Forbidden, LimitExceeded
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.quotas import QuotaService
from workshop_tui.storage.tables import UsageCounterRow

from .support import WallClock, actor_for, add_model, make_user

MODEL = "llama3.2:1b"


@pytest.fixture
async def student(ctx: ServiceContext, accounts: AccountService) -> int:
    uid = await make_user(ctx.db, "sam")
    await accounts.set_grants(OPERATOR, uid, model_ids=[await add_model(ctx.db, MODEL)])
    return uid


async def test_message_limit_says_when_it_resets(quotas: QuotaService, accounts: AccountService,
                                                 ctx: ServiceContext, student: int, wall_clock: WallClock) -> None:
    await accounts.set_quota(OPERATOR, student, messages_per_day=2)
    actor = await actor_for(ctx.db, student)
    for _ in range(2):
        await quotas.check(actor, MODEL)
        await quotas.record(actor, MODEL, 10, 20)
    with pytest.raises(LimitExceeded) as caught:  # the clock says 21:30 UTC
        await quotas.check(actor, MODEL)
    assert str(caught.value) == ("you have used all 2 messages for today; "
                                 "the limit resets at 00:00 UTC, in 2 h 30 min")
    assert caught.value.retry_after_s == pytest.approx(2.5 * 3600)
    wall_clock.advance(hours=2, minutes=31)  # a new UTC day
    await quotas.check(actor, MODEL)


async def test_token_limit(quotas: QuotaService, accounts: AccountService, ctx: ServiceContext,
                           student: int) -> None:
    await accounts.set_quota(OPERATOR, student, tokens_per_day=1000)
    actor = await actor_for(ctx.db, student)
    await quotas.record(actor, MODEL, 400, 500)
    await quotas.check(actor, MODEL)
    await quotas.record(actor, MODEL, 50, 50)
    with pytest.raises(LimitExceeded, match="you have used all 1,000 tokens for today; the limit resets at 00:00 UTC"):
        await quotas.check(actor, MODEL)


async def test_role_defaults_apply_and_per_user_overrides_win(quotas: QuotaService, accounts: AccountService,
                                                              ctx: ServiceContext, settings: Settings) -> None:
    settings.quotas["guest"] = Quota(messages_per_day=1, tokens_per_day=None, concurrent_generations=1)
    guest = await make_user(ctx.db, "gus", Role.GUEST)
    await accounts.set_grants(OPERATOR, guest, model_ids=[await add_model(ctx.db, MODEL)])
    actor = await actor_for(ctx.db, guest)
    await quotas.record(actor, MODEL, 1, 1)
    with pytest.raises(LimitExceeded, match="all 1 messages"):
        await quotas.check(actor, MODEL)
    await accounts.set_quota(OPERATOR, guest, messages_per_day=5)
    await quotas.check(actor, MODEL)
    status = await quotas.status(actor)
    assert (status.limits.messages_per_day, status.messages_today, status.tokens_today) == (5, 1, 2)
    assert status.resets_at.isoformat() == "2026-03-11T00:00:00+00:00"


async def test_defaults_rank_guests_lowest_and_staff_unlimited(settings: Settings) -> None:
    quotas = settings.quotas
    for role in ("super_admin", "admin", "instructor"):
        assert quotas[role] == Quota()
    assert quotas["guest"].messages_per_day < quotas["family"].messages_per_day <= quotas["student"].messages_per_day


async def test_concurrent_generations_are_capped(quotas: QuotaService, accounts: AccountService,
                                                 ctx: ServiceContext, student: int) -> None:
    await accounts.set_quota(OPERATOR, student, concurrent_generations=1)
    actor = await actor_for(ctx.db, student)
    async with quotas.generation(actor):
        with pytest.raises(LimitExceeded, match=r"you already have 1 reply being generated \(your limit is 1\)"):
            async with quotas.generation(actor):
                pass
        other = await actor_for(ctx.db, await make_user(ctx.db, "olga"))
        async with quotas.generation(other):  # one user's slot is not another's
            pass
    async with quotas.generation(actor):  # released when the first ended
        pass
    with pytest.raises(RuntimeError):
        async with quotas.generation(actor):
            raise RuntimeError("the reply failed")
    async with quotas.generation(actor):  # released on failure too
        pass


async def test_usage_is_counted_per_user_model_and_day(quotas: QuotaService, ctx: ServiceContext, student: int,
                                                       wall_clock: WallClock) -> None:
    actor = await actor_for(ctx.db, student)
    await quotas.record(actor, MODEL, 10, 5)
    await quotas.record(actor, MODEL, 1, 2)
    await quotas.record(actor, "gemma3:1b", 3, 3)
    wall_clock.advance(hours=3)
    await quotas.record(actor, MODEL, 7, 7)
    async with ctx.db.reading() as session:
        rows = sorted((r.model, r.day.isoformat(), r.messages, r.prompt_tokens, r.completion_tokens)
                      for r in (await session.scalars(select(UsageCounterRow))).all())
    assert rows == [("gemma3:1b", "2026-03-10", 1, 3, 3), (MODEL, "2026-03-10", 2, 11, 7),
                    (MODEL, "2026-03-11", 1, 7, 7)]
    report = await quotas.usage_report(OPERATOR, date(2026, 3, 10))
    assert [(u.username, u.model, u.messages, u.prompt_tokens, u.completion_tokens) for u in report] == [
        ("sam", "gemma3:1b", 1, 3, 3), ("sam", MODEL, 2, 11, 7)]
    assert [(u.model, u.messages) for u in await quotas.usage_report(OPERATOR)] == [(MODEL, 1)]


async def test_only_admins_see_the_usage_view(quotas: QuotaService, ctx: ServiceContext) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    with pytest.raises(Forbidden, match="a instructor may not see everyone's usage"):
        await quotas.usage_report(ines)
    admin = await actor_for(ctx.db, await make_user(ctx.db, "ann", Role.ADMIN))
    assert await quotas.usage_report(admin) == []


async def test_staff_use_every_enabled_model_without_limits(quotas: QuotaService, ctx: ServiceContext) -> None:
    await add_model(ctx.db, MODEL)
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    for _ in range(3):
        await quotas.record(ines, MODEL, 100_000, 100_000)
    await quotas.check(ines, MODEL)
    async with quotas.generation(ines), quotas.generation(ines), quotas.generation(ines):
        pass


async def test_simultaneous_records_of_a_new_day_all_count(quotas: QuotaService, ctx: ServiceContext,
                                                           student: int) -> None:
    actor = await actor_for(ctx.db, student)
    await asyncio.gather(*(quotas.record(actor, MODEL, 1, 1) for _ in range(8)))
    [line] = await quotas.usage_report(OPERATOR)
    assert (line.messages, line.prompt_tokens, line.completion_tokens) == (8, 8, 8)


async def test_a_record_that_loses_the_insert_race_still_counts(quotas: QuotaService, ctx: ServiceContext,
                                                                student: int, monkeypatch: pytest.MonkeyPatch) -> None:
    actor = await actor_for(ctx.db, student)
    await quotas.record(actor, MODEL, 1, 1)  # the row a parallel writer made
    real_bump = QuotaService._bump
    calls: list[bool] = []

    async def first_update_misses(*args: object) -> bool:
        if not calls:  # as if the row did not exist yet when this writer looked
            calls.append(False)
            return False
        calls.append(True)
        return await real_bump(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(QuotaService, "_bump", staticmethod(first_update_misses))
    await quotas.record(actor, MODEL, 2, 2)
    assert calls == [False, True]  # the INSERT hit the unique key and fell back to the UPDATE
    [line] = await quotas.usage_report(OPERATOR)
    assert (line.messages, line.prompt_tokens, line.completion_tokens) == (2, 3, 3)
