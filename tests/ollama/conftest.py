"""Fixtures for the Ollama layer: a real fake-Ollama HTTP server on loopback, and clients for it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from workshop_tui.ollama import OllamaClient
from workshop_tui.testing.fake_ollama import FakeOllama


@pytest.fixture
def fake_ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as fake:
        yield fake


@pytest.fixture
async def client(fake_ollama: FakeOllama) -> AsyncIterator[OllamaClient]:
    c = OllamaClient(fake_ollama.url)
    yield c
    await c.aclose()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def black_hole_url() -> Iterator[str]:
    """A loopback URL that accepts TCP connections but never answers (a hung host)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"
