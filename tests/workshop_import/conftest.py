"""Import fixtures: the fake Ollama over real HTTP on loopback, and a workshop on a fresh data directory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from workshop_tui.services.workshop import Workshop
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import TIMEOUT, open_workshop


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def workshop(data_dir: Path, fake: FakeOllama) -> AsyncIterator[Workshop]:
    opened = await open_workshop(data_dir, fake.url)
    try:
        yield opened
    finally:
        await asyncio.wait_for(opened.close(), TIMEOUT)
