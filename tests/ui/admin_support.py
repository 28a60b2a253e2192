"""Helpers for the admin screens' Pilot tests: accounts made through the services, an app per
person on the same workshop, and waits for the admin sections."""

from __future__ import annotations

from collections.abc import Callable

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.models import User
from workshop_tui.services.access import OPERATOR, Actor
from workshop_tui.services.workshop import Workshop
from workshop_tui.ui.app import WorkshopApp
from workshop_tui.ui.session import SessionContext

from .support import until

PASSWORD = "correct horse battery"
SIZE = (110, 36)


async def add(workshop: Workshop, name: str, role: Role = Role.STUDENT, *, guardian_id: int | None = None) -> User:
    return await workshop.accounts.add_user(OPERATOR, name, role, AccountStatus.ACTIVE, name.title(), PASSWORD,
                                            guardian_id=guardian_id)


async def actor(workshop: Workshop, name: str) -> Actor:
    return await workshop.accounts.login(name, PASSWORD, allow_waiting=True)


async def app_for(workshop: Workshop, name: str, source: str | None = None) -> WorkshopApp:
    """An app signed in as `name` (a waiting account opens on its pending screen)."""
    return WorkshopApp(workshop, session=SessionContext(source=source), signed_in=await actor(workshop, name))


def busy(app: WorkshopApp, group: str) -> bool:
    return any(w.group == group and not w.is_finished for w in app.workers)


async def in_app(pilot, function: Callable[..., object], *args: object) -> None:  # type: ignore[no-untyped-def]
    """Run `function` in the app's own loop turn: with several apps open in one test, code run from
    the test itself would find another app as the active one."""
    pilot.app.call_later(function, *args)
    await pilot.pause()


async def open_admin(pilot, section: str = "approvals") -> None:  # type: ignore[no-untyped-def]
    """Go to the Admin place and show `section`, once the session is open."""
    app = pilot.app
    await until(pilot, lambda: app.current_mode == "chat", "the places to open")
    app.request_go("admin")
    await until(pilot, lambda: app.current_mode == "admin" and bool(app.screen.query("TabbedContent"))
                and bool(app.screen.query_one("TabbedContent").active), "Admin")
    await in_app(pilot, setattr, app.screen.query_one("TabbedContent"), "active", section)
    await until(pilot, lambda: app.screen.query_one("TabbedContent").active == section, section)
    await pilot.pause(0.05)


def rows(app: WorkshopApp, selector: str) -> list[list[str]]:
    """Every row of a DataTable on the current screen, as the plain text of its cells."""
    table = app.screen.query_one(selector)
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)] for i in range(table.row_count)]


def toasts(app: WorkshopApp) -> list[str]:
    """The notifications shown on the app's screen now, each as "title: message".

    With several headless apps open in one test, only some get their screen laid out again between
    the test's steps, so the toasts are read from the screen's widgets rather than from its text."""
    return [f"{toast._notification.title}: {toast._notification.message}" for toast in app.screen.query("Toast")]
