"""Screenshots of each screen at 100×30, in the default theme and the light one, compared with the
stored SVGs (`pytest --snapshot-update` rewrites them after a deliberate change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workshop_tui.ui.app import WorkshopApp

from .snapshot_world import PASSWORD, open_snapshot_workshop, prepare_snapshot_data

SIZE = (100, 30)
THEMES = ["workshop-dark", "workshop-light"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("snapshots") / "data"
    prepare_snapshot_data(folder)
    return folder


def make_app(data_dir: Path) -> WorkshopApp:
    return WorkshopApp(open_workshop=lambda: open_snapshot_workshop(data_dir))


async def settle(pilot: Any, theme: str) -> None:
    """The theme, no blinking cursors, and every worker done."""
    pilot.app.theme = theme
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    for _ in range(250):  # every worker but the watchers (account, broadcasts, queues), which run for the session
        if all(w.is_finished or w.group.endswith("-watch") for w in pilot.app.workers):
            break
        await pilot.pause(0.02)
    await pilot.pause(0.2)


async def sign_in(pilot: Any, username: str) -> None:
    await pilot.app.ready()
    actor = await pilot.app.services.accounts.login(username, PASSWORD, allow_waiting=True)
    await pilot.app.sign_in(actor)
    await pilot.pause(0.2)


@pytest.mark.parametrize("theme", THEMES)
def test_sign_in(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.app.ready()
        await settle(pilot, theme)

    assert snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_register_with_a_problem(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.app.ready()
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        await pilot.press(*"ab")
        await settle(pilot, theme)

    assert snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_pending(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def run_before(pilot: Any) -> None:
        await sign_in(pilot, "newbie")
        await settle(pilot, theme)

    assert snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_chat_with_a_cited_answer(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def run_before(pilot: Any) -> None:
        await sign_in(pilot, "sam")
        await settle(pilot, theme)

    assert snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_help(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def run_before(pilot: Any) -> None:
        await sign_in(pilot, "sam")
        await settle(pilot, theme)
        await pilot.press("f1")
        await pilot.pause(0.2)

    assert snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before)
