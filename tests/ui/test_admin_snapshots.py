"""Screenshots of the admin screens, the Health place and the family view at 100×30, in the default
theme and the light one, on fixed data with fixed clocks (`pytest --snapshot-update` rewrites them
after a deliberate change)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from workshop_tui.services.health import Check, HealthService
from workshop_tui.ui.app import WorkshopApp
from workshop_tui.ui.screens import health as health_screen
from workshop_tui.ui.screens.access_view import AccessViewScreen
from workshop_tui.ui.screens.user_detail import UserDetailScreen

from .admin_snapshot_world import THEN, open_admin_workshop, prepare_admin_snapshot_data, signed_in_actor
from .test_snapshots import SIZE, THEMES, settle

Steps = Callable[[Any], Awaitable[None]]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("admin-snapshots") / "data"
    prepare_admin_snapshot_data(folder)
    return folder


@pytest.fixture(autouse=True)
def fixed_health(monkeypatch: pytest.MonkeyPatch) -> None:
    """The health screen's clock, and the data folder's check (its path and size vary by run)."""
    monkeypatch.setattr(health_screen, "now", lambda: THEN)

    def disk(self: HealthService) -> Check:
        return Check("disk", True, required=False, detail={"data_dir": "/srv/workshop", "used_bytes": 123_456_789,
                                                           "free_bytes": 98_765_432_100})

    monkeypatch.setattr(HealthService, "_disk", disk)


def shot(snap_compare: Any, data_dir: Path, theme: str, who: str, steps: Steps) -> bool:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await app.ready()
        await app.sign_in(await signed_in_actor(app.services, who))
        await pilot.pause(0.2)
        await steps(pilot)
        await settle(pilot, theme)

    return snap_compare(WorkshopApp(open_workshop=lambda: open_admin_workshop(data_dir)), terminal_size=SIZE,
                        run_before=run_before)


def section(key: str) -> Steps:
    async def steps(pilot: Any) -> None:
        await pilot.app.go("admin")
        await pilot.pause(0.2)
        pilot.app.screen.query_one("TabbedContent").active = key
        await pilot.pause(0.3)
    return steps


async def user_id(pilot: Any, name: str) -> int:
    return (await signed_in_actor(pilot.app.services, name)).id  # type: ignore[return-value]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("key", ["approvals", "users", "activity"])
def test_instructor_sections(snap_compare: Any, data_dir: Path, theme: str, key: str) -> None:
    assert shot(snap_compare, data_dir, theme, "ines", section(key))


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("key", ["usage", "audit"])
def test_admin_sections(snap_compare: Any, data_dir: Path, theme: str, key: str) -> None:
    assert shot(snap_compare, data_dir, theme, "adele", section(key))


@pytest.mark.parametrize("theme", THEMES)
def test_broadcast_being_written(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def steps(pilot: Any) -> None:
        await section("broadcast")(pilot)
        await pilot.press(*"Break until 11:00")

    assert shot(snap_compare, data_dir, theme, "ines", steps)


@pytest.mark.parametrize("theme", THEMES)
def test_approval_dialog(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def steps(pilot: Any) -> None:
        await section("approvals")(pilot)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.5)

    assert shot(snap_compare, data_dir, theme, "ines", steps)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("screen", [UserDetailScreen, AccessViewScreen], ids=["user_detail", "what_it_can_see"])
def test_account_screens(snap_compare: Any, data_dir: Path, theme: str, screen: type) -> None:
    async def steps(pilot: Any) -> None:
        await pilot.app.push_screen(screen(await user_id(pilot, "sam")))
        await pilot.pause(0.3)

    assert shot(snap_compare, data_dir, theme, "ines", steps)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("who", ["ines", "sam"])
def test_health(snap_compare: Any, data_dir: Path, theme: str, who: str) -> None:
    async def steps(pilot: Any) -> None:
        await pilot.app.go("health")
        await pilot.pause(0.5)

    assert shot(snap_compare, data_dir, theme, who, steps)


@pytest.mark.parametrize("theme", THEMES)
def test_family_view(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def steps(pilot: Any) -> None:
        await pilot.app.go("family")  # opens the family member's latest conversation
        await pilot.pause(0.5)

    assert shot(snap_compare, data_dir, theme, "maria", steps)
