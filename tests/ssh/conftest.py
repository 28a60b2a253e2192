"""The SSH tests use the app's own fixtures: `workshop` (a fresh data directory, cheap password
hashing, an Ollama address where nothing listens) and, for the tests that chat, `fake` and
`chat_class` (the chat screen's small class imported over the fake Ollama)."""

from __future__ import annotations

from ui.conftest import workshop  # noqa: F401 - shared fixtures
from ui.test_chat import chat_class, fake  # noqa: F401
