"""The tests of the Models, Prompts and Tools places run on the small chat class of `chat_support`,
with an account of every role added, against the fake Ollama over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.testing.fake_ollama import FakeOllama

from ..chat_support import ChatClass, import_chat_class
from ..support import TIMEOUT
from .places import EXTRA, PASSWORD


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


@pytest.fixture
async def resource_class(tmp_path: Path, fake: FakeOllama) -> AsyncIterator[ChatClass]:
    prepared = await import_chat_class(tmp_path / "data", fake)
    accounts = prepared.workshop.accounts
    ines = await accounts.find_user(OPERATOR, "ines")
    for username, role in EXTRA.items():
        await accounts.add_user(OPERATOR, username, role, AccountStatus.ACTIVE, username.title(), PASSWORD,
                                guardian_id=ines.id if role is Role.FAMILY else None)
        prepared.passwords[username] = PASSWORD
    try:
        yield prepared
    finally:
        await asyncio.wait_for(prepared.workshop.close(), TIMEOUT)
