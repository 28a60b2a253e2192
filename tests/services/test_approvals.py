"""Approval as one transaction, rejection, the pending list and the live feed of registrations."""

from __future__ import annotations

import asyncio

import pytest

from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext
from workshop_tui.storage.repositories.audit import AuditRepository

from .support import actor_for, add_model, add_tool, grants_of, make_user

PASSWORD = "correct horse battery"


async def pending(accounts: AccountService, name: str) -> int:
    return (await accounts.register(name, name.title(), PASSWORD)).id


async def test_approve_sets_everything_and_the_user_can_log_in(
        accounts: AccountService, approvals: ApprovalService, ctx: ServiceContext) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    model = await add_model(ctx.db, "llama3.2:1b")
    tool = await add_tool(ctx.db, "calc", ines.id, Visibility.CLASS)
    uid = await pending(accounts, "stu")
    async with ctx.events.subscribe("user.approved", user_id=uid) as feed:
        user = await approvals.approve(ines, uid, Role.STUDENT, [model], [tool], "from the Tuesday class")
        assert (await feed.get(timeout=1)).data["by"] == "ines"
    assert (user.status, user.role, user.approved_by_id, user.admin_notes) == (
        AccountStatus.ACTIVE, Role.STUDENT, ines.id, "from the Tuesday class")
    assert user.approved_at is not None
    actor = await accounts.login("stu", PASSWORD)
    assert actor.model_names == {"llama3.2:1b"} and actor.tool_ids == {tool}
    async with ctx.db.reading() as session:
        [entry] = await AuditRepository(session).list(target_id=uid, action="user.approve")
    assert entry.actor_name == "ines"
    assert entry.before == {"status": "pending", "role": "guest", "models": [], "tools": []}
    assert entry.after["models"] == ["llama3.2:1b"] and entry.after["tools"] == ["calc"]


async def test_a_failure_inside_approval_leaves_the_user_pending_without_grants(
        accounts: AccountService, approvals: ApprovalService, ctx: ServiceContext,
        monkeypatch: pytest.MonkeyPatch) -> None:
    model = await add_model(ctx.db, "llama3.2:1b")
    uid = await pending(accounts, "stu")

    async def broken_audit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(AuditRepository, "record", broken_audit)
    with pytest.raises(RuntimeError, match="disk full"):
        await approvals.approve(OPERATOR, uid, Role.STUDENT, [model], [], "ok")
    monkeypatch.undo()
    with pytest.raises(NotFound, match="model 4242 is not in the catalogue"):
        await approvals.approve(OPERATOR, uid, Role.STUDENT, [model, 4242])
    user = await accounts.get_user(OPERATOR, uid)
    assert (user.status, user.role, user.approved_at, user.approved_by_id) == (
        AccountStatus.PENDING, Role.GUEST, None, None)
    assert await grants_of(ctx.db, uid) == (set(), set())
    with pytest.raises(NotAuthenticated, match="waiting for approval"):
        await accounts.login("stu", PASSWORD)


async def test_instructors_approve_only_the_roles_they_manage(accounts: AccountService, approvals: ApprovalService,
                                                              ctx: ServiceContext) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    student = await actor_for(ctx.db, await make_user(ctx.db, "sam"))
    uid = await pending(accounts, "hopeful")
    with pytest.raises(Forbidden, match="a instructor may not make someone a admin"):
        await approvals.approve(ines, uid, Role.ADMIN)
    with pytest.raises(Forbidden, match="a student may not approve registrations"):
        await approvals.approve(student, uid, Role.GUEST)
    assert (await accounts.get_user(OPERATOR, uid)).status is AccountStatus.PENDING
    await approvals.approve(ines, uid, Role.GUEST)
    with pytest.raises(Conflict, match="hopeful was already approved by ines"):
        await approvals.approve(ines, uid, Role.STUDENT)


async def test_family_accounts_need_an_active_non_family_guardian(accounts: AccountService,
                                                                  approvals: ApprovalService,
                                                                  ctx: ServiceContext) -> None:
    parent = await make_user(ctx.db, "parent")
    other_kid = await make_user(ctx.db, "otherkid", Role.FAMILY, guardian_id=parent)
    away = await make_user(ctx.db, "away", status=AccountStatus.SUSPENDED)
    uid = await pending(accounts, "kid")
    with pytest.raises(Invalid, match="needs a guardian"):
        await approvals.approve(OPERATOR, uid, Role.FAMILY)
    for bad in (other_kid, away):
        with pytest.raises(Invalid, match="cannot be a guardian"):
            await approvals.approve(OPERATOR, uid, Role.FAMILY, guardian_id=bad)
    with pytest.raises(Invalid, match="only family accounts have a guardian"):
        await approvals.approve(OPERATOR, uid, Role.STUDENT, guardian_id=parent)
    kid = await approvals.approve(OPERATOR, uid, Role.FAMILY, guardian_id=parent)
    assert kid.guardian_id == parent
    assert (await actor_for(ctx.db, parent)).wards == {other_kid, uid}


async def test_reject_records_the_rejection(accounts: AccountService, approvals: ApprovalService,
                                            ctx: ServiceContext) -> None:
    uid = await pending(accounts, "spam")
    user = await approvals.reject(OPERATOR, uid, "not a workshop attendee")
    assert (user.status, user.admin_notes) == (AccountStatus.REJECTED, "not a workshop attendee")
    with pytest.raises(Conflict, match="only pending accounts are rejected"):
        await approvals.reject(OPERATOR, uid)
    async with ctx.db.reading() as session:
        [entry] = await AuditRepository(session).list(target_id=uid, action="user.reject")
    assert entry.actor_name == "operator" and entry.after["status"] == "rejected"
    assert (await approvals.list_pending(OPERATOR)).total == 0


async def test_pending_list_is_paginated_oldest_first(accounts: AccountService, approvals: ApprovalService,
                                                      ctx: ServiceContext) -> None:
    names = [f"user{i:02d}" for i in range(7)]
    for name in names:
        await pending(accounts, name)
    await make_user(ctx.db, "already", Role.STUDENT)
    first = await approvals.list_pending(OPERATOR, offset=0, limit=3)
    second = await approvals.list_pending(OPERATOR, offset=3, limit=3)
    last = await approvals.list_pending(OPERATOR, offset=6, limit=3)
    assert first.total == second.total == 7
    assert [u.username for u in first.items + second.items + last.items] == names


async def test_approvers_hear_of_registrations_as_they_happen(accounts: AccountService, approvals: ApprovalService,
                                                              ctx: ServiceContext) -> None:
    ines_id = await make_user(ctx.db, "ines", Role.INSTRUCTOR)
    ines = await actor_for(ctx.db, ines_id)
    student = await actor_for(ctx.db, await make_user(ctx.db, "sam"))
    with pytest.raises(Forbidden, match="a student may not approve"):
        async with approvals.subscribe_registrations(student):
            pass
    async with approvals.subscribe_registrations(ines) as feed:
        waiter = asyncio.create_task(feed.get(timeout=2))
        await asyncio.sleep(0)
        uid = await pending(accounts, "newcomer")
        event = await waiter
        assert (event.topic, event.user_id, event.data["username"]) == ("user.registered", uid, "newcomer")
        await accounts.set_role(OPERATOR, ines_id, Role.STUDENT)  # the approver loses the right...
        await pending(accounts, "another")
        with pytest.raises(Forbidden):
            await feed.get(timeout=2)  # ...and hears no more
