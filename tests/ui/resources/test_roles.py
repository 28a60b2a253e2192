"""Each role sees exactly the actions of Models, Prompts and Tools that the capability table gives
it (in the footer and in the command palette); the rest is hidden. The expected answers come from
the tables in `services/access.py`, not from this file."""

from __future__ import annotations

import pytest

from workshop_tui.domain.enums import Role
from workshop_tui.services.access import ADMINS, CREATE, MANAGE, READ_ALL, Kind
from workshop_tui.ui.app import WorkshopApp

from ..chat_support import ChatClass
from ..support import screen_text
from .places import SIZE, USER_OF, go, keys_offered, open_at

MODEL_ACTIONS = ("Pull", "Delete", "Unload", "Enable/disable", "Sync")


def palette(app: WorkshopApp) -> set[str]:
    return {command.title for command in app.get_system_commands(app.screen)}


def shown(keys: str, words: tuple[str, ...]) -> set[str]:
    return {word for word in words if f" {word} " in f" {keys} "}


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_sees_the_actions_the_capability_table_gives_it(resource_class: ChatClass,
                                                                       role: Role) -> None:
    username = USER_OF[role]
    owns_class_resources = username == "ines"  # the class's prompt and calculator are the instructor's
    changes_them = owns_class_resources or role in ADMINS
    app = await open_at(resource_class, username)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await go(pilot, "models", "#models-table")
        manages = role in MANAGE[Kind.MODEL]
        assert shown(await keys_offered(pilot), MODEL_ACTIONS) == (set(MODEL_ACTIONS) if manages else set())
        assert ("Pull a model" in palette(app)) is manages
        assert ("Host" in screen_text(app)) is (role in READ_ALL[Kind.HEALTH])

        await go(pilot, "prompts", "#prompts-table")
        creates = role in CREATE[Kind.PROMPT]
        sees_class_prompt = role is not Role.GUEST  # the class's only prompt is class-wide
        keys = await keys_offered(pilot)
        assert shown(keys, ("New",)) == ({"New"} if creates else set())
        assert shown(keys, ("Use in chat",)) == ({"Use in chat"} if sees_class_prompt else set())
        assert shown(keys, ("Edit", "Delete")) == ({"Edit", "Delete"} if changes_them and sees_class_prompt
                                                    else set())
        assert ("New prompt" in palette(app)) is creates

        await go(pilot, "tools", "#tools-table")
        creates = role in CREATE[Kind.TOOL]
        may_call = creates or username == "sam"  # staff call every tool; the student holds a grant
        keys = await keys_offered(pilot)
        assert ("calculator" in screen_text(app)) is may_call
        assert shown(keys, ("New",)) == ({"New"} if creates else set())
        assert shown(keys, ("Try it",)) == ({"Try it"} if may_call else set())
        assert shown(keys, ("Edit", "Delete")) == ({"Edit", "Delete"} if changes_them and creates else set())
        assert ("New tool" in palette(app)) is creates
