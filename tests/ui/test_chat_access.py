"""An open chat screen follows what an approver allows: a model granted while the attendee waits is
offered at once and answers, and one taken away is no longer offered."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from workshop_tui.domain.models import ModelInfo
from workshop_tui.services.access import OPERATOR, Actor
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.ui import account_watch
from workshop_tui.ui.app import WorkshopApp

from .chat_support import ChatClass
from .support import screen_text, until, until_shown
from .test_chat import FAKE_REPLY, SIZE, chat_class, chat_ready, fake, open_as, send  # noqa: F401 - fixtures

NO_MODELS = "No chat models are available to you yet"


async def sam_without_models(prepared: ChatClass) -> tuple[Actor, ModelInfo, WorkshopApp]:
    """Sam, with his chat model's grant taken away; the model; and an app signed in as him."""
    workshop = prepared.workshop
    sam = await prepared.actor("sam")
    llama = next(model for model in await workshop.catalog.list(OPERATOR) if model.name == "llama3.2:1b")
    await workshop.accounts.set_grants(OPERATOR, sam.id, model_ids=[])
    return sam, llama, await open_as(prepared, "sam")


async def no_model_offered(pilot: Pilot[None]) -> None:
    await chat_ready(pilot)
    await until_shown(pilot, NO_MODELS)


async def grant_behind_the_bus(prepared: ChatClass, user_id: int, model_ids: list[int]) -> None:
    """Write the grant as the CLI run beside the server does: in the database, with no event on this
    process's bus."""
    async with prepared.workshop.ctx.db.transaction() as session:
        await UserRepository(session).set_model_ids(user_id, model_ids)


async def test_a_model_granted_while_chat_is_open_is_offered_and_answers(chat_class: ChatClass) -> None:  # noqa: F811
    workshop = chat_class.workshop
    sam, llama, app = await sam_without_models(chat_class)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await chat_ready(pilot)
        await until_shown(pilot, NO_MODELS)
        assert "New conversation · no model" in screen_text(app)

        await workshop.accounts.set_grants(OPERATOR, sam.id, model_ids=[llama.id])
        await until_shown(pilot, "You may now use models llama3.2:1b")
        await until_shown(pilot, "New conversation · llama3.2:1b")
        assert NO_MODELS not in screen_text(app)
        await send(pilot, "Hello after the grant")
        await until_shown(pilot, FAKE_REPLY)

        await workshop.accounts.set_grants(OPERATOR, sam.id, model_ids=[])
        await until_shown(pilot, "You may no longer use models llama3.2:1b")
        await pilot.press("ctrl+n")
        await until_shown(pilot, NO_MODELS)
        await until(pilot, lambda: app.screen.models == [], "the model list to empty")  # type: ignore[attr-defined]


async def test_the_settings_offer_a_model_granted_by_another_process(chat_class: ChatClass) -> None:  # noqa: F811
    """Opening the settings reads the models again, before the account watch's next recheck."""
    sam, llama, app = await sam_without_models(chat_class)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await no_model_offered(pilot)
        await grant_behind_the_bus(chat_class, sam.id, [llama.id])
        await pilot.press("ctrl+o")
        await until_shown(pilot, "Conversation settings")
        await until_shown(pilot, "llama3.2:1b —")


async def test_an_open_chat_follows_a_grant_written_by_another_process(chat_class: ChatClass,  # noqa: F811
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """With no event, the account watch's recheck finds the new grant, says so, and Chat offers it."""
    monkeypatch.setattr(account_watch, "RECHECK_S", 0.3)
    sam, llama, app = await sam_without_models(chat_class)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await no_model_offered(pilot)
        await until(pilot, lambda: app._watch.granted is not None, "the watch's first read of the grants")
        await grant_behind_the_bus(chat_class, sam.id, [llama.id])
        await until_shown(pilot, "You may now use models llama3.2:1b")
        await until_shown(pilot, "New conversation · llama3.2:1b")
        await send(pilot, "Hello after the grant")
        await until_shown(pilot, FAKE_REPLY)

        await grant_behind_the_bus(chat_class, sam.id, [])
        await until_shown(pilot, "You may no longer use models llama3.2:1b")
        await until(pilot, lambda: app.screen.models == [], "the model list to empty")  # type: ignore[attr-defined]
