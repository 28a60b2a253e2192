"""Screenshots of Models, Prompts and Tools at 100×30 in the default theme and the light one, as
`tests/ui/test_snapshots.py` takes them (`pytest --snapshot-update` rewrites them after a
deliberate change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..test_snapshots import SIZE, THEMES, make_app, settle, sign_in
from .snapshot_data import prepare_resource_snapshots


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("resource-snapshots") / "data"
    prepare_resource_snapshots(folder)
    return folder


async def at(pilot: Any, username: str, place: str, theme: str) -> None:
    await sign_in(pilot, username)
    await pilot.app.go(place)
    await settle(pilot, theme)


@pytest.mark.parametrize("theme", THEMES)
def test_models_with_ollama_down(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def run_before(pilot: Any) -> None:
        await at(pilot, "ada", "models", theme)

    assert snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_prompts(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def run_before(pilot: Any) -> None:
        await at(pilot, "ines", "prompts", theme)

    assert snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_prompt_editor(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def run_before(pilot: Any) -> None:
        await at(pilot, "ines", "prompts", theme)
        await pilot.press("e")
        await settle(pilot, theme)

    assert snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_tools(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def run_before(pilot: Any) -> None:
        await at(pilot, "ines", "tools", theme)

    assert snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("theme", THEMES)
def test_trying_a_tool(snap_compare: Any, data_dir: Path, theme: str) -> None:
    async def run_before(pilot: Any) -> None:
        await at(pilot, "sam", "tools", theme)
        await pilot.press("t")
        await pilot.pause(0.2)
        await pilot.press("ctrl+r")
        await settle(pilot, theme)

    assert snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before)
