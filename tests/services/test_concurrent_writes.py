"""Read-check-write changes made at the same moment by two staff members, on a real SQLite file.

Each pair of calls runs truly concurrently: separate connections, each with its own database
thread, interleaving at every await. Whatever the interleaving, the outcome must be one that
could have happened one after the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Conflict
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.user_admin import UserAdministration
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.storage.repositories.users import UserRepository

from .support import actor_for, make_user

PASSWORD = "correct horse battery"
ROUNDS = 5  # interleavings differ from run to run; a few rounds make a lucky pass unlikely


async def together(*calls: Awaitable[Any]) -> list[Any]:
    return await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 30)


async def test_two_approvers_at_once_approve_once_and_the_second_hears_who_did(
        accounts: AccountService, approvals: ApprovalService, ctx: ServiceContext) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    ada = await actor_for(ctx.db, await make_user(ctx.db, "ada", Role.ADMIN))
    for round_number in range(ROUNDS):
        uid = (await accounts.register(f"newcomer{round_number}", "New", PASSWORD)).id
        results = await together(approvals.approve(ines, uid, Role.STUDENT),
                                 approvals.approve(ada, uid, Role.INSTRUCTOR))
        refused = [r for r in results if isinstance(r, Conflict)]
        approved = [r for r in results if not isinstance(r, BaseException)]
        assert len(approved) == 1 and len(refused) == 1, results
        winner = "ines" if approved[0].role is Role.STUDENT else "ada"
        assert f"already approved by {winner}" in str(refused[0])
        async with ctx.db.reading() as session:
            entries = await AuditRepository(session).list(target_id=uid, action="user.approve")
            user = await UserRepository(session).get(uid)
        assert len(entries) == 1 and entries[0].actor_name == winner
        assert user is not None and user.role is approved[0].role


async def test_two_super_admins_demoting_each_other_at_once_leave_one(ctx: ServiceContext) -> None:
    admin = UserAdministration(ctx)
    for round_number in range(ROUNDS):
        async with ctx.db.transaction() as session:  # only these two are super_admins this round
            for user in await UserRepository(session).list(role=Role.SUPER_ADMIN):
                await UserRepository(session).update(user.id, role=Role.ADMIN)
        first = await actor_for(ctx.db, await make_user(ctx.db, f"root{round_number}a", Role.SUPER_ADMIN))
        second = await actor_for(ctx.db, await make_user(ctx.db, f"root{round_number}b", Role.SUPER_ADMIN))
        results = await together(admin.set_role(first, second.id, Role.ADMIN),
                                 admin.set_role(second, first.id, Role.ADMIN))
        async with ctx.db.reading() as session:
            left = await UserRepository(session).list(role=Role.SUPER_ADMIN, status=AccountStatus.ACTIVE)
        assert len(left) == 1, results
        assert sum(isinstance(r, BaseException) for r in results) == 1, results


async def test_suspending_both_super_admins_at_once_leaves_one(ctx: ServiceContext) -> None:
    admin = UserAdministration(ctx)
    for round_number in range(ROUNDS):
        async with ctx.db.transaction() as session:
            for user in await UserRepository(session).list(role=Role.SUPER_ADMIN):
                await UserRepository(session).update(user.id, role=Role.ADMIN)
        first = await actor_for(ctx.db, await make_user(ctx.db, f"top{round_number}a", Role.SUPER_ADMIN))
        second = await actor_for(ctx.db, await make_user(ctx.db, f"top{round_number}b", Role.SUPER_ADMIN))
        await together(admin.suspend(first, second.id, reason="leaving"),
                       admin.suspend(second, first.id, reason="leaving"))
        async with ctx.db.reading() as session:
            left = await UserRepository(session).list(role=Role.SUPER_ADMIN, status=AccountStatus.ACTIVE)
        assert len(left) == 1
