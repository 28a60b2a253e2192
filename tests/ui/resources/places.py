"""Opening the app on one of the Models, Prompts and Tools places, and reading what it offers."""

from __future__ import annotations

import time

from workshop_tui.domain.enums import Role
from workshop_tui.ui.app import WorkshopApp

from ..chat_support import ChatClass
from ..support import screen_text, until

SIZE = (110, 36)
PASSWORD = "correct horse battery"
EXTRA = {"sue": Role.SUPER_ADMIN, "ada": Role.ADMIN, "fay": Role.FAMILY, "gus": Role.GUEST}  # besides the class's
USER_OF = {Role.SUPER_ADMIN: "sue", Role.ADMIN: "ada", Role.INSTRUCTOR: "ines", Role.STUDENT: "sam",
           Role.FAMILY: "fay", Role.GUEST: "gus"}
HOSTILE = "[bold]x[/bold] [@click=app.quit]q[/] \x1b]52;c;aGk=\x07 \x1b[2J end"


async def open_at(resource_class: ChatClass, username: str) -> WorkshopApp:
    return WorkshopApp(resource_class.workshop, signed_in=await resource_class.actor(username))


async def go(pilot, place: str, ready: str) -> None:  # type: ignore[no-untyped-def]
    """Once signed in, open `place` and wait for its load worker to finish."""
    app = pilot.app
    await until(pilot, lambda: app.user is not None and app.current_mode != "entry", "the places")
    await app.go(place)
    await until(pilot, lambda: app.current_mode == place and bool(app.screen.query(ready))
                and not any(w.group.endswith("-load") and not w.is_finished for w in app.workers), place)


def footer(app: WorkshopApp) -> str:
    """The footer line: the keys this screen offers now."""
    return screen_text(app).rstrip("\n").splitlines()[-1]


async def keys_offered(pilot, settle: float = 0.25) -> str:  # type: ignore[no-untyped-def]
    """The footer line, once the footer has drawn its keys and stopped changing for `settle` seconds.

    A row highlighted by a load redraws the footer a refresh later, so the first footer with keys in it
    may still be the one from before the rows came."""
    await until(pilot, lambda: "Quit" in footer(pilot.app), "the footer's keys")
    seen, since = footer(pilot.app), time.monotonic()

    def settled() -> bool:
        nonlocal seen, since
        now = footer(pilot.app)
        if now != seen:
            seen, since = now, time.monotonic()
        return time.monotonic() - since >= settle

    await until(pilot, settled, "the footer to settle")
    return seen
