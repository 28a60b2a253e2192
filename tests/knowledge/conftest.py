"""Knowledge-service fixtures: a migrated SQLite file, the fake Ollama over real HTTP on loopback,
and a real embedded Qdrant store in tmp_path, wired as the composition root would wire them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.ollama import OllamaPool
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.embedder import RetryPolicy
from workshop_tui.services.knowledge import KnowledgeServices, build_knowledge
from workshop_tui.storage.database import Database
from workshop_tui.testing.fake_ollama import FakeOllama
from workshop_tui.vectors import VectorStore

from .support import TIMEOUT, People, make_people

FAST_RETRY = RetryPolicy(attempts=4, first_delay_s=0.05, max_delay_s=0.2)


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


@pytest.fixture
async def pool(fake: FakeOllama) -> AsyncIterator[OllamaPool]:
    hosts = OllamaPool([fake.url], retry_after=0.05)
    await asyncio.wait_for(hosts.refresh_models(), TIMEOUT)
    try:
        yield hosts
    finally:
        await hosts.aclose()


@pytest.fixture
def ctx(settings: Settings, database: Database) -> ServiceContext:
    return ServiceContext(settings=settings, db=database)


@pytest.fixture
def import_root(tmp_path: Path) -> Path:
    root = tmp_path / "imports"
    root.mkdir()
    return root


@pytest.fixture
async def k(ctx: ServiceContext, store: VectorStore, pool: OllamaPool, import_root: Path
            ) -> AsyncIterator[KnowledgeServices]:
    services = build_knowledge(ctx, store, pool, import_root=import_root, retry=FAST_RETRY)
    try:
        yield services
    finally:
        await asyncio.wait_for(services.aclose(), TIMEOUT)


@pytest.fixture
async def people(database: Database) -> People:
    return await make_people(database)
