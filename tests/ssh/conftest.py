"""A workshop for the SSH tests: a fresh data directory, cheap password hashing, and an Ollama
address where nothing listens (tests that chat import a class over the fake Ollama)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from workshop_import.support import open_workshop, unused_port

from workshop_tui.services.workshop import Workshop

from .support import TIMEOUT


@pytest.fixture
async def workshop(tmp_path: Path) -> AsyncIterator[Workshop]:
    opened = await open_workshop(tmp_path / "data", f"http://127.0.0.1:{unused_port()}")
    try:
        yield opened
    finally:
        await asyncio.wait_for(opened.close(), TIMEOUT)
