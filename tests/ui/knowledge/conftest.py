"""Fixtures of the knowledge screens' tests: the chat tests' small class, over the fake Ollama."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ..chat_support import ChatClass
from .support import chat_class_in


@pytest.fixture
async def chat_class(tmp_path: Path) -> AsyncIterator[ChatClass]:
    async with chat_class_in(tmp_path / "data") as prepared:
        yield prepared
