"""Who is online and on which screen, as staff see it: each within their reach, woken by changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Forbidden, NotAuthenticated, NotFound
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.activity import ActivityService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.gateway import OllamaGateway

from .support import actor_for, make_user


@pytest.fixture
async def activity(ctx: ServiceContext, settings: Settings) -> AsyncIterator[ActivityService]:
    settings.ollama.urls = ["http://127.0.0.1:9"]
    gateway = OllamaGateway.from_settings(settings.ollama)
    yield ActivityService(ctx, gateway)
    await gateway.aclose()


async def test_staff_see_who_is_online_within_their_reach(ctx: ServiceContext, activity: ActivityService,
                                                          accounts: AccountService) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    ada = await actor_for(ctx.db, await make_user(ctx.db, "ada", Role.ADMIN))
    sam = await actor_for(ctx.db, await make_user(ctx.db, "sam"))
    newbie = await actor_for(ctx.db, await make_user(ctx.db, "newbie", Role.GUEST, AccountStatus.PENDING))
    tickets = [await activity.join(ines, "s-ines", "admin", source="10.0.0.1"),
               await activity.join(ada, "s-ada", "health"),
               await activity.join(sam, "s-sam", "chat", source="10.0.0.2"),
               await activity.join(newbie, "s-new", "waiting for approval")]
    seen_by_ines = await activity.snapshot(ines)
    assert [(p.username, p.place) for p in seen_by_ines.online] == [
        ("ines", "admin"), ("sam", "chat"), ("newbie", "waiting for approval")]
    assert [p.username for p in (await activity.snapshot(ada)).online] == ["ines", "ada", "sam", "newbie"]
    assert [h.url for h in seen_by_ines.hosts] == ["http://127.0.0.1:9"]

    async with activity.watch(ines) as feed:
        await asyncio.wait_for(feed.next(), 1)  # the state now
        waiting = asyncio.ensure_future(feed.next(timeout=5))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        tickets[2].move("documents\x1b[2J")
        moved = await asyncio.wait_for(waiting, 5)
    assert ("sam", "documents") in [(p.username, p.place) for p in moved.online]
    assert [p.session_id for p in await activity.sessions_of(ines, sam.id)] == ["s-sam"]
    with pytest.raises(NotFound):
        await activity.sessions_of(ines, ada.id)
    tickets[2].leave()
    tickets[2].leave()
    assert await activity.sessions_of(ines, sam.id) == []
    tickets[0].set_role(Role.STUDENT)
    with pytest.raises(Forbidden):
        await activity.snapshot(sam)
    await accounts.reset_password(OPERATOR, sam.id, "another long password")
    with pytest.raises(NotAuthenticated):
        await activity.join(sam, "s-again", "chat")
