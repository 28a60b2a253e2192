"""The services behind the admin screens: the audit log, usage over time, class broadcasts, the
approval dialog's choices and queue feed, wards, searching accounts and generated password resets."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.errors import Forbidden, Invalid, NotAuthenticated
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.audit_log import AuditLogService, AuditQuery
from workshop_tui.services.broadcasts import MESSAGE_MAX, BroadcastService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.quotas import QuotaService
from workshop_tui.services.usage import UsageService
from workshop_tui.storage.repositories.users import UserRepository

from .support import WallClock, actor_for, add_model, add_tool, make_user

PASSWORD = "a long enough password"


async def test_the_audit_log_filters_by_actor_action_target_and_time(ctx: ServiceContext, accounts: AccountService,
                                                                    wall_clock: WallClock) -> None:
    ada = await actor_for(ctx.db, await make_user(ctx.db, "ada", Role.ADMIN))
    sam = await make_user(ctx.db, "sam")
    bo = await make_user(ctx.db, "bo")
    await accounts.set_role(ada, sam, Role.GUEST)
    await accounts.suspend(OPERATOR, bo, reason="left")
    await accounts.set_quota(ada, bo, messages_per_day=3)
    audit = AuditLogService(ctx)

    by_ada = await audit.search(ada, AuditQuery(actor="ADA"))
    assert [(e.action, e.target_name) for e in by_ada.entries] == [("user.quota", "bo"), ("user.role", "sam")]
    assert by_ada.total == 2
    assert [e.target_name for e in (await audit.search(ada, AuditQuery(action="user.suspend"))).entries] == ["bo"]
    assert {e.action for e in (await audit.search(ada, AuditQuery(action="user"))).entries} == {
        "user.role", "user.suspend", "user.quota"}
    role_change = (await audit.search(ada, AuditQuery(target="sam"))).entries[0]
    assert role_change.before == {"role": "student", "guardian_id": None}
    assert role_change.after == {"role": "guest", "guardian_id": None}
    now = datetime.now(UTC)
    assert (await audit.search(ada, AuditQuery(since=now + timedelta(minutes=1)))).total == 0
    assert (await audit.search(ada, AuditQuery(until=now + timedelta(minutes=1)))).total == 3
    assert await audit.actions(ada) == ["user.quota", "user.role", "user.suspend"]
    with pytest.raises(Invalid, match="until"):
        await audit.search(ada, AuditQuery(since=now, until=now - timedelta(hours=1)))
    page = await audit.search(ada, AuditQuery(), offset=1, limit=1)
    assert len(page.entries) == 1 and page.total == 3
    instructor = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    with pytest.raises(Forbidden):
        await audit.search(instructor)


async def test_usage_is_summed_by_day_and_model_for_the_class_and_for_one_account(
        ctx: ServiceContext, wall_clock: WallClock) -> None:
    quotas = QuotaService(ctx, clock=wall_clock)
    usage = UsageService(ctx, clock=wall_clock)
    admin = await actor_for(ctx.db, await make_user(ctx.db, "ada", Role.ADMIN))
    sam = await actor_for(ctx.db, await make_user(ctx.db, "sam"))
    guardian = await actor_for(ctx.db, await make_user(ctx.db, "maria"))
    leo_id = await make_user(ctx.db, "leo", Role.FAMILY, guardian_id=guardian.id)
    leo = await actor_for(ctx.db, leo_id)
    guardian = await actor_for(ctx.db, guardian.id)
    await quotas.record(sam, "llama3.2:1b", 10, 20)
    await quotas.record(sam, "llama3.2:1b", 1, 2)
    await quotas.record(leo, "qwen2.5:0.5b", 5, 5)
    wall_clock.advance(days=-2)
    await quotas.record(sam, "qwen2.5:0.5b", 100, 200)
    wall_clock.advance(days=2)
    today = wall_clock.now.date()

    everyone = await usage.summary(admin, days=3)
    assert [(u.day, u.model, u.messages, u.tokens) for u in everyone.by_day_model] == [
        (today - timedelta(days=2), "qwen2.5:0.5b", 1, 300),
        (today, "llama3.2:1b", 2, 33),
        (today, "qwen2.5:0.5b", 1, 10)]
    assert [(u.username, u.messages, u.tokens) for u in everyone.by_user] == [("sam", 3, 333), ("leo", 1, 10)]
    assert everyone.days() == [today - timedelta(days=2), today - timedelta(days=1), today]
    assert [u.day for u in (await usage.summary(admin, days=1)).by_day_model] == [today, today]

    own = await usage.summary(sam, user_id=sam.id, days=7)
    assert own.by_user == [] and sum(u.tokens for u in own.by_day_model) == 333
    ward = await usage.summary(guardian, user_id=leo_id)
    assert [(u.model, u.tokens) for u in ward.by_day_model] == [("qwen2.5:0.5b", 10)]
    with pytest.raises(Forbidden):
        await usage.summary(sam, user_id=leo_id)
    with pytest.raises(Forbidden):
        await usage.summary(guardian)
    with pytest.raises(Invalid, match="days"):
        await usage.summary(admin, days=0)
    assert isinstance(everyone.first_day, date)


async def test_a_broadcast_is_cleaned_bounded_stored_for_the_day_and_delivered(ctx: ServiceContext,
                                                                               wall_clock: WallClock) -> None:
    broadcasts = BroadcastService(ctx, clock=wall_clock)
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    sam = await actor_for(ctx.db, await make_user(ctx.db, "sam"))
    wall_clock.now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    await broadcasts.send(ines, "yesterday's news")
    wall_clock.advance(days=1)
    async with broadcasts.subscribe(sam) as feed:
        sent = await broadcasts.send(ines, "break until 11:00\x1b]52;c;cm0gLXJmIH4=\x07 [bold]now[/bold]")
        heard = await asyncio.wait_for(feed.get(), 5)
    assert sent.text == "break until 11:00 [bold]now[/bold]" and heard == sent
    assert sent.author_name == "ines"
    assert [b.text for b in await broadcasts.today(sam)] == [sent.text]
    with pytest.raises(Invalid, match="message"):
        await broadcasts.send(ines, "x" * (MESSAGE_MAX + 1))
    with pytest.raises(Invalid, match="message"):
        await broadcasts.send(ines, " \x1b[2J ")
    with pytest.raises(Forbidden):
        await broadcasts.send(sam, "I am the teacher now")
    entry, _yesterday = (await AuditLogService(ctx).search(OPERATOR, AuditQuery(action="broadcast"))).entries
    assert entry.actor_name == "ines" and entry.after == {"text": sent.text}


async def test_the_approval_dialog_offers_what_the_approver_may_give_and_the_class_defaults(
        ctx: ServiceContext, approvals: ApprovalService, accounts: AccountService) -> None:
    ines_id = await make_user(ctx.db, "ines", Role.INSTRUCTOR)
    ines = await actor_for(ctx.db, ines_id)
    llama, qwen = await add_model(ctx.db, "llama3.2:1b"), await add_model(ctx.db, "qwen2.5:0.5b")
    await add_model(ctx.db, "old:1b", enabled=False)
    calc, glossary = await add_tool(ctx.db, "calc", ines_id), await add_tool(ctx.db, "glossary", ines_id)
    admin_id = await make_user(ctx.db, "ada", Role.ADMIN)
    await add_tool(ctx.db, "admins_own", admin_id, visibility=Visibility.PRIVATE)
    choices = await approvals.choices(ines)
    assert choices.roles == [Role.STUDENT, Role.FAMILY, Role.GUEST]
    assert [m.name for m in choices.models] == ["llama3.2:1b", "qwen2.5:0.5b"]
    assert [t.name for t in choices.tools] == ["calc", "glossary"]
    assert choices.default_model_ids == [] and choices.default_tool_ids == []  # no student yet
    assert [g.username for g in choices.guardians] == ["ines"]

    for name, models, tools in (("sam", [llama, qwen], [calc, glossary]), ("priya", [llama], [calc])):
        uid = await make_user(ctx.db, name)
        await accounts.set_grants(OPERATOR, uid, model_ids=models, tool_ids=tools)
    await make_user(ctx.db, "gone", status=AccountStatus.SUSPENDED)  # holds nothing, and does not count
    await make_user(ctx.db, "leo", Role.FAMILY, guardian_id=ines_id)
    choices = await approvals.choices(ines)
    assert choices.default_model_ids == [llama] and choices.default_tool_ids == [calc]
    assert [g.username for g in choices.guardians] == ["ines", "sam", "priya"]


async def test_the_queue_feed_hears_registrations_approvals_and_rejections(
        ctx: ServiceContext, approvals: ApprovalService, accounts: AccountService) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    async with approvals.subscribe_queue(ines) as feed:
        first = await accounts.register("newone", "New One", PASSWORD)
        await accounts.register("another", "Another", PASSWORD)
        event = await asyncio.wait_for(feed.get(), 5)
        assert event.topic == "user.registered" and event.user_id == first.id
        await approvals.approve(ines, first.id, Role.STUDENT)
        event = await asyncio.wait_for(feed.get(), 5)  # the second registration was folded into the first
        assert event.topic == "user.approved"
        await accounts.set_role(OPERATOR, ines.id, Role.STUDENT)
        await accounts.register("third", "Third", PASSWORD)
        with pytest.raises(Forbidden):
            await asyncio.wait_for(feed.get(), 5)


async def test_a_registration_keeps_where_it_came_from(accounts: AccountService, ctx: ServiceContext) -> None:
    user = await accounts.register("remote", "Remote", PASSWORD, source="203.0.113.9\x1b[2J")
    assert user.registered_from == "203.0.113.9"


async def test_wards_search_and_a_generated_password(ctx: ServiceContext, accounts: AccountService) -> None:
    maria = await make_user(ctx.db, "maria")
    leo = await make_user(ctx.db, "leo", Role.FAMILY, guardian_id=maria)
    await make_user(ctx.db, "ana", Role.FAMILY, guardian_id=maria, status=AccountStatus.REJECTED)
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    assert [u.username for u in await accounts.wards(await actor_for(ctx.db, maria))] == ["leo"]
    assert await accounts.wards(ines) == []
    assert [u.username for u in await accounts.list_users(ines, text="MAR")] == ["maria"]
    assert [u.username for u in await accounts.list_users(ines, text="%")] == []
    async with ctx.db.transaction() as session:
        await UserRepository(session).update(leo, email="leo@example.org")
    assert [u.username for u in await accounts.list_users(ines, text="example.org")] == ["leo"]

    leo_before = await actor_for(ctx.db, leo)
    password = await accounts.reset_password_generated(ines, leo)
    assert len(password.get_secret_value()) == 20 and "**" in str(password)
    await accounts.login("leo", password.get_secret_value())
    with pytest.raises(NotAuthenticated):
        await accounts.my_account(leo_before)
