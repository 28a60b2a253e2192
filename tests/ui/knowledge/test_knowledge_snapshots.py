"""Screenshots of the knowledge screens at 100×30, in the default theme and the light one, compared
with the stored SVGs (`pytest --snapshot-update` rewrites them after a deliberate change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..snapshot_world import PASSWORD
from ..test_snapshots import make_app
from .snapshot_data import prepare_knowledge_data

SIZE = (100, 30)
THEMES = ["workshop-dark", "workshop-light"]
# They follow the session until it ends.
FOREVER = {"account-watch", "job-watch", "embeddings-follow", "vector-dbs-follow"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("knowledge-snapshots") / "data"
    prepare_knowledge_data(folder)
    return folder


async def settle(pilot: Any, theme: str) -> None:
    """The theme, no blinking cursors, and every worker done but those that follow the session."""
    pilot.app.theme = theme
    for _ in range(250):
        for widget in pilot.app.screen.query("Input, TextArea"):
            widget.cursor_blink = False
        if all(w.is_finished or w.group in FOREVER for w in pilot.app.workers):
            break
        await pilot.pause(0.02)
    await pilot.pause(0.3)


async def open_place(pilot: Any, username: str, place: str) -> None:
    await pilot.app.ready()
    actor = await pilot.app.services.accounts.login(username, PASSWORD)
    await pilot.app.services.store.wait_ready(30)
    await pilot.app.sign_in(actor)
    await pilot.app.go(place)
    await pilot.pause(0.2)


def shot(snap_compare: Any, data_dir: Path, theme: str, username: str, place: str, *keys: str) -> bool:
    async def run_before(pilot: Any) -> None:
        await open_place(pilot, username, place)
        await settle(pilot, theme)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, theme)

    return bool(snap_compare(make_app(data_dir), terminal_size=SIZE, run_before=run_before))


@pytest.mark.parametrize("theme", THEMES)
def test_documents(snap_compare: Any, data_dir: Path, theme: str) -> None:
    assert shot(snap_compare, data_dir, theme, "sam", "documents")


@pytest.mark.parametrize("theme", THEMES)
def test_a_documents_chunks(snap_compare: Any, data_dir: Path, theme: str) -> None:
    assert shot(snap_compare, data_dir, theme, "sam", "documents", "down", "enter", "down")


@pytest.mark.parametrize("theme", THEMES)
def test_vector_dbs(snap_compare: Any, data_dir: Path, theme: str) -> None:
    assert shot(snap_compare, data_dir, theme, "sam", "vector_dbs")


@pytest.mark.parametrize("theme", THEMES)
def test_embeddings_with_a_failed_job(snap_compare: Any, data_dir: Path, theme: str) -> None:
    assert shot(snap_compare, data_dir, theme, "sam", "embeddings")


@pytest.mark.parametrize("theme", THEMES)
def test_rag_systems(snap_compare: Any, data_dir: Path, theme: str) -> None:
    assert shot(snap_compare, data_dir, theme, "sam", "rag", "down")


@pytest.mark.parametrize("theme", THEMES)
def test_a_new_rag_system(snap_compare: Any, data_dir: Path, theme: str) -> None:
    assert shot(snap_compare, data_dir, theme, "sam", "rag", "n")


@pytest.mark.parametrize("theme", THEMES)
def test_rag_systems_as_a_guest(snap_compare: Any, data_dir: Path, theme: str) -> None:
    assert shot(snap_compare, data_dir, theme, "gus", "rag")
