"""A workshop on a fresh data directory for the app's tests, with cheap password hashing and an
Ollama address where nothing listens (the screens under test do not need it)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from workshop_tui.config.loader import load_settings
from workshop_tui.services.passwords import FAST_FOR_TESTS, Passwords
from workshop_tui.services.workshop import Workshop

from .support import TIMEOUT


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def open_test_workshop(data_dir: Path, ollama_url: str) -> Workshop:
    settings = load_settings(data_dir=data_dir, ollama_url=ollama_url, env={}, dotenv_path=None)
    workshop = await Workshop.open(settings)
    workshop.accounts.passwords.close()
    workshop.accounts.passwords = Passwords(settings.auth, FAST_FOR_TESTS)
    return workshop


@pytest.fixture
async def workshop(tmp_path: Path) -> AsyncIterator[Workshop]:
    opened = await open_test_workshop(tmp_path / "data", f"http://127.0.0.1:{unused_port()}")
    try:
        yield opened
    finally:
        await asyncio.wait_for(opened.close(), TIMEOUT)
