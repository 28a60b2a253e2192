"""Managing accounts: the hierarchy, the last super_admin, audit records, guardians, quotas, and
changes that bite at once in sessions that are already open."""

from __future__ import annotations

import asyncio
import json

import pytest

from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.conversations import ConversationService
from workshop_tui.services.passwords import Passwords
from workshop_tui.services.quotas import QuotaService
from workshop_tui.storage.repositories.audit import AuditRepository

from .support import actor_for, add_model, add_tool, grants_of, make_user

PASSWORD = "correct horse battery"


async def test_admins_manage_everyone_below_super_admin(accounts: AccountService, ctx: ServiceContext) -> None:
    admin = await actor_for(ctx.db, await make_user(ctx.db, "ann", Role.ADMIN))
    boss = await make_user(ctx.db, "boss", Role.SUPER_ADMIN)
    other_admin = await make_user(ctx.db, "abe", Role.ADMIN)
    with pytest.raises(NotFound, match=f"^user {boss} not found$"):  # out of reach, so not even seen
        await accounts.suspend(admin, boss)
    with pytest.raises(Forbidden, match="may not make someone a super_admin"):
        await accounts.set_role(admin, other_admin, Role.SUPER_ADMIN)
    assert (await accounts.set_role(admin, other_admin, Role.INSTRUCTOR)).role is Role.INSTRUCTOR


async def test_instructors_manage_only_students_family_and_guests(accounts: AccountService,
                                                                  ctx: ServiceContext) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    colleague = await make_user(ctx.db, "ivan", Role.INSTRUCTOR)
    student = await make_user(ctx.db, "sam")
    with pytest.raises(NotFound, match=f"^user {colleague} not found$"):
        await accounts.suspend(ines, colleague)
    with pytest.raises(Forbidden, match="may not make someone a instructor"):
        await accounts.set_role(ines, student, Role.INSTRUCTOR)
    assert (await accounts.set_role(ines, student, Role.GUEST)).role is Role.GUEST
    assert (await accounts.suspend(ines, student)).status is AccountStatus.SUSPENDED


async def test_nobody_changes_their_own_role(accounts: AccountService, ctx: ServiceContext) -> None:
    for role in (Role.SUPER_ADMIN, Role.ADMIN, Role.INSTRUCTOR):
        me = await make_user(ctx.db, f"self_{role}", role)
        with pytest.raises(Forbidden, match="nobody changes their own"):
            await accounts.set_role(await actor_for(ctx.db, me), me, Role.GUEST)


async def test_the_last_active_super_admin_stays(accounts: AccountService, ctx: ServiceContext) -> None:
    only = await make_user(ctx.db, "root1", Role.SUPER_ADMIN)
    attempts = ((lambda: accounts.set_role(OPERATOR, only, Role.ADMIN), "demoted"),
                (lambda: accounts.suspend(OPERATOR, only), "suspended"),
                (lambda: accounts.delete_user(OPERATOR, only), "deleted"))
    for attempt, verb in attempts:
        with pytest.raises(Conflict, match=f"root1 is the last active super_admin and cannot be {verb}"):
            await attempt()
    second = await make_user(ctx.db, "root2", Role.SUPER_ADMIN)
    await accounts.set_role(await actor_for(ctx.db, second), only, Role.ADMIN)
    with pytest.raises(Conflict, match="root2 is the last active super_admin and cannot be deleted"):
        await accounts.delete_user(OPERATOR, second)
    assert (await accounts.get_user(OPERATOR, second)).is_active


async def test_every_change_is_audited_and_only_a_new_password_moves_auth_version(
        accounts: AccountService, ctx: ServiceContext) -> None:
    admin = await actor_for(ctx.db, await make_user(ctx.db, "ann", Role.ADMIN))
    target = await make_user(ctx.db, "tom")
    model = await add_model(ctx.db, "llama3.2:1b")
    before = await accounts.get_user(admin, target)
    await accounts.set_role(admin, target, Role.GUEST)
    await accounts.set_grants(admin, target, model_ids=[model])
    await accounts.set_quota(admin, target, messages_per_day=5, tokens_per_day=1000)
    await accounts.reset_password(admin, target, "a reset password")
    await accounts.suspend(admin, target, reason="left early")
    await accounts.reactivate(admin, target)
    after = await accounts.get_user(admin, target)
    assert after.auth_version == before.auth_version + 1  # the reset; the rest apply to open sessions
    async with ctx.db.reading() as session:
        entries = {e.action: e for e in await AuditRepository(session).list(target_id=target)}
    assert set(entries) == {"user.role", "user.grants", "user.quota", "user.password_reset", "user.suspend",
                            "user.reactivate"}
    assert all(e.actor_name == "ann" and e.actor_id == admin.id for e in entries.values())
    assert (entries["user.role"].before["role"], entries["user.role"].after["role"]) == ("student", "guest")
    assert (entries["user.grants"].before["models"], entries["user.grants"].after["models"]) == ([], ["llama3.2:1b"])
    assert entries["user.quota"].after == {"quota_messages_per_day": 5, "quota_tokens_per_day": 1000}
    assert entries["user.suspend"].after == {"status": "suspended", "reason": "left early"}
    dumped = json.dumps([(e.before, e.after) for e in entries.values()])
    assert "a reset password" not in dumped and "argon2" not in dumped


async def test_suspension_ends_open_sessions_and_bites_at_the_next_call(
        accounts: AccountService, approvals: ApprovalService, ctx: ServiceContext, passwords: Passwords) -> None:
    user = await accounts.register("sid", "Sid", PASSWORD)
    await approvals.approve(OPERATOR, user.id, Role.INSTRUCTOR)
    other_client = AccountService(ctx, passwords=passwords)  # another SSH session's view of the service
    held = await other_client.login("sid", PASSWORD)
    assert (await approvals.list_pending(held)).total == 0
    async with ctx.events.subscribe("user", user_id=user.id) as mine:
        await accounts.suspend(OPERATOR, user.id)
        event = await mine.get(timeout=1)
    assert event.topic == "user.suspended" and event.data["ends_session"] is True
    with pytest.raises(Forbidden, match="suspended"):
        await ApprovalService(ctx).list_pending(held)
    with pytest.raises(Forbidden, match="suspended"):
        await other_client.change_password(held, PASSWORD, "another long password")


async def test_demotion_bites_at_the_next_call(accounts: AccountService, approvals: ApprovalService,
                                               ctx: ServiceContext) -> None:
    ines = await make_user(ctx.db, "ines", Role.INSTRUCTOR)
    held = await actor_for(ctx.db, ines)
    await accounts.register("newbie", "Newbie", PASSWORD)
    assert (await approvals.list_pending(held)).total == 1
    async with ctx.events.subscribe("user.changed", user_id=ines) as mine:
        await accounts.set_role(OPERATOR, ines, Role.STUDENT)
        event = await mine.get(timeout=1)
    assert event.data["changes"]["role"] == {"before": "instructor", "after": "student"}
    assert held.role is Role.INSTRUCTOR  # the object the session holds is unchanged...
    with pytest.raises(Forbidden, match="a student may not approve"):
        await approvals.list_pending(held)  # ...but the service reads the truth


async def test_deleted_account_is_refused(accounts: AccountService, ctx: ServiceContext) -> None:
    uid = await make_user(ctx.db, "gone")
    held = await actor_for(ctx.db, uid)
    async with ctx.events.subscribe("user", user_id=uid) as mine:
        await accounts.delete_user(OPERATOR, uid)
        event = await mine.get(timeout=1)
    assert (event.topic, event.data["ends_session"]) == ("user.deleted", True)
    with pytest.raises(NotAuthenticated, match="no longer exists"):
        await QuotaService(ctx).status(held)


async def test_a_removed_model_grant_is_refused_at_the_next_use(accounts: AccountService, ctx: ServiceContext,
                                                                quotas: QuotaService) -> None:
    model = await add_model(ctx.db, "llama3.2:1b")
    uid = await make_user(ctx.db, "sam")
    await accounts.set_grants(OPERATOR, uid, model_ids=[model])
    held = await actor_for(ctx.db, uid)
    conversations = ConversationService(ctx)
    conversation = await conversations.create(held, "llama3.2:1b")
    await quotas.check(held, "llama3.2:1b")
    await accounts.set_grants(OPERATOR, uid, model_ids=[])
    with pytest.raises(Forbidden, match="not allowed to use model llama3.2:1b"):
        await quotas.check(held, "llama3.2:1b")
    with pytest.raises(Forbidden, match="not allowed to use model llama3.2:1b"):
        await conversations.prepare_turn(held, conversation.id, "hello")


async def test_a_guardian_narrows_but_never_widens_a_wards_grants(accounts: AccountService,
                                                                  ctx: ServiceContext) -> None:
    parent = await make_user(ctx.db, "parent")
    ward = await make_user(ctx.db, "kid", Role.FAMILY, guardian_id=parent)
    stranger = await actor_for(ctx.db, await make_user(ctx.db, "stranger"))
    small, big = await add_model(ctx.db, "small:1b"), await add_model(ctx.db, "big:70b")
    tool = await add_tool(ctx.db, "calc", None, Visibility.PUBLIC)
    await accounts.set_grants(OPERATOR, ward, model_ids=[small, big], tool_ids=[tool])
    guardian = await actor_for(ctx.db, parent)
    assert await accounts.grants(guardian, ward) == (["big:70b", "small:1b"], ["calc"])
    await accounts.set_grants(guardian, ward, model_ids=[small], tool_ids=[])
    assert await grants_of(ctx.db, ward) == ({small}, set())
    with pytest.raises(Forbidden, match="narrow .* never widen"):
        await accounts.set_grants(guardian, ward, model_ids=[small, big])
    with pytest.raises(NotFound, match=f"^user {ward} not found$"):
        await accounts.set_grants(stranger, ward, model_ids=[])
    assert await grants_of(ctx.db, ward) == ({small}, set())


async def test_grants_name_only_existing_visible_things(accounts: AccountService, ctx: ServiceContext) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    uid = await make_user(ctx.db, "sam")
    admins_private = await add_tool(ctx.db, "secret", await make_user(ctx.db, "ann", Role.ADMIN), Visibility.PRIVATE)
    with pytest.raises(NotFound, match="model 999 is not in the catalogue"):
        await accounts.set_grants(ines, uid, model_ids=[999])
    with pytest.raises(NotFound, match=f"tool {admins_private} not found"):
        await accounts.set_grants(ines, uid, tool_ids=[admins_private])
    assert await grants_of(ctx.db, uid) == (set(), set())


async def test_quota_overrides_are_checked(accounts: AccountService, ctx: ServiceContext) -> None:
    uid = await make_user(ctx.db, "sam")
    with pytest.raises(Invalid, match="concurrent_generations: must be empty or a whole number of at least 1"):
        await accounts.set_quota(OPERATOR, uid, concurrent_generations=0)
    user = await accounts.set_quota(OPERATOR, uid, messages_per_day=3)
    assert (user.quota_messages_per_day, user.quota_tokens_per_day) == (3, None)
    assert (await accounts.set_quota(OPERATOR, uid, messages_per_day=None)).quota_messages_per_day is None


async def test_add_user_checks_role_assignment_and_family_guardian(accounts: AccountService,
                                                                   ctx: ServiceContext) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    with pytest.raises(Forbidden, match="may not make someone a admin"):
        await accounts.add_user(ines, "newadmin", Role.ADMIN, AccountStatus.ACTIVE, None, PASSWORD)
    with pytest.raises(Invalid, match="guardian: a family account needs a guardian"):
        await accounts.add_user(ines, "kiddo", Role.FAMILY, AccountStatus.ACTIVE, None, PASSWORD)
    kid = await accounts.add_user(ines, "kiddo", Role.FAMILY, AccountStatus.ACTIVE, "Kiddo", PASSWORD,
                                  guardian_id=ines.id)
    assert kid.guardian_id == ines.id and kid.approved_by_id == ines.id
    assert (await actor_for(ctx.db, ines.id)).wards == {kid.id}


async def test_listing_shows_only_managed_accounts(accounts: AccountService, ctx: ServiceContext) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    for name, role in (("ann", Role.ADMIN), ("sam", Role.STUDENT), ("gus", Role.GUEST)):
        await make_user(ctx.db, name, role)
    assert [u.username for u in await accounts.list_users(ines)] == ["sam", "gus"]
    assert [u.username for u in await accounts.list_users(OPERATOR, role=Role.ADMIN)] == ["ann"]
    student = await actor_for(ctx.db, (await accounts.find_user(OPERATOR, "SAM")).id)
    with pytest.raises(Forbidden, match="a student may not list accounts"):
        await accounts.list_users(student)


async def test_an_account_out_of_reach_answers_exactly_as_one_that_does_not_exist(
        accounts: AccountService, ctx: ServiceContext) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    ann = await actor_for(ctx.db, await make_user(ctx.db, "ann", Role.ADMIN))
    hidden = {ines: await make_user(ctx.db, "ivan", Role.INSTRUCTOR),
              ann: await make_user(ctx.db, "boss", Role.SUPER_ADMIN)}
    absent = 10_000

    async def refusal(call: object) -> str:
        with pytest.raises(NotFound) as caught:
            await call  # type: ignore[misc]
        return str(caught.value)

    for actor, uid in hidden.items():
        target = await accounts.get_user(OPERATOR, uid)
        for method in (accounts.get_user, accounts.grants, accounts.suspend, accounts.reactivate,
                       accounts.delete_user):
            shown = await refusal(method(actor, uid))
            assert shown == (await refusal(method(actor, absent))).replace(str(absent), str(uid)), method
            assert target.role.value not in shown
        assert await refusal(accounts.set_role(actor, uid, Role.GUEST)) == f"user {uid} not found"
        assert await refusal(accounts.set_grants(actor, uid, model_ids=[])) == f"user {uid} not found"
        assert await refusal(accounts.find_user(actor, target.username.upper())) == \
            f"no account named {target.username!r}"
        assert await refusal(accounts.find_user(actor, "nobody")) == "no account named 'nobody'"


async def test_adding_one_username_at_once_gives_one_account_and_conflicts(accounts: AccountService) -> None:
    results = await asyncio.wait_for(asyncio.gather(
        *(accounts.add_user(OPERATOR, "twin", Role.STUDENT, AccountStatus.ACTIVE, None, PASSWORD) for _ in range(6)),
        return_exceptions=True), 60)
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, Conflict) and "'twin'" in str(r) for r in refused), refused
