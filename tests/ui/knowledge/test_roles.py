"""Who sees which action of the knowledge screens, for every role, against the capability table:
what a role may not do is hidden (the services refuse it anyway). A guest sees no Create."""

from __future__ import annotations

import pytest

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.access import ADMINS, CREATE, OPERATOR, Kind
from workshop_tui.ui.app import WorkshopApp
from workshop_tui.ui.navigation import BY_KEY

from ..chat_support import ChatClass
from ..support import screen_text
from .support import SIZE, go

PASSWORD = "a long enough password"
# place → (its loading worker, {button: the kind its creation needs, or "admin" for admins only})
PLACES = {
    "documents": ("documents-load", {"paste": Kind.DOCUMENT, "upload": Kind.DOCUMENT, "server_path": "admin"}),
    "vector_dbs": ("vector-dbs-load", {"create": Kind.VECTOR_DB, "embed": Kind.EMBEDDING_JOB}),
    "embeddings": ("embeddings-load", {"start": Kind.EMBEDDING_JOB}),
    "rag": ("rag-load", {"create": Kind.RAG_SYSTEM}),
}


def allowed(role: Role, need: Kind | str) -> bool:
    return role in ADMINS if need == "admin" else role in CREATE[need]  # type: ignore[index]


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_sees_the_actions_the_capability_table_gives_it(chat_class: ChatClass, role: Role) -> None:
    accounts = chat_class.workshop.accounts
    guardian = await chat_class.actor("ines")
    await accounts.add_user(OPERATOR, "who", role, AccountStatus.ACTIVE, "Someone", PASSWORD,
                            guardian_id=guardian.id if role is Role.FAMILY else None)
    app = WorkshopApp(chat_class.workshop, signed_in=await accounts.login("who", PASSWORD))
    async with app.run_test(size=SIZE) as pilot:
        for key, (loading, buttons) in PLACES.items():
            place = BY_KEY[key]
            if not place.visible_to(role):
                assert place.label not in screen_text(app)  # not in the sidebar either
                assert all(not allowed(role, need) for need in buttons.values())
                continue
            await go(pilot, key, loading)
            for action, need in buttons.items():
                shown = app.screen.query_one(f"#do-{action}").display
                assert shown == allowed(role, need), f"{key}: {action} for a {role}"
                assert app.screen.check_action(action, ()) == allowed(role, need)  # the key too
        assert role is not Role.GUEST or "New" not in screen_text(app)
