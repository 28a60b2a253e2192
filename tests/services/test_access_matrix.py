"""The generated access matrix: every registered operation × every actor (each role, plus a
pending, a suspended and a rejected account) × every resource variant, each answer checked
against the capability table (see access_registry.py for where the expected answers come from).

The operations call the real services, built as the composition root builds them, over a real
SQLite file, the fake Ollama on loopback and an embedded vector store; one of each for the module."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from workshop_tui.domain.errors import Forbidden, NotFound
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.context import ServiceContext
from workshop_tui.testing.fake_ollama import FakeOllama
from workshop_tui.vectors import VectorStore

from . import (  # noqa: F401 - they register the operations
    access_operations,
    access_ops_admin,
    access_ops_chat,
    access_ops_knowledge,
    access_ops_rag,
    access_ops_tools,
)
from .access_registry import REGISTRY
from .access_world import PROFILES, fake_models, open_world

MIN_CASES = 4600
TIMEOUT = 30.0


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOllama]:
    with FakeOllama(models=fake_models()) as server:
        yield server


async def test_access_matrix(ctx: ServiceContext, accounts: AccountService, fake: FakeOllama,
                             store: VectorStore) -> None:
    cases, wrong, timings = 0, [], {}
    async with open_world(ctx, accounts, fake, store) as world:
        for operation in REGISTRY:
            started = time.perf_counter()
            for profile, held in world.actors.items():
                for variant in operation.variants:
                    actor = await world.fresh(held)
                    if not operation.applies(actor, variant):
                        continue
                    subject = await operation.prepare(world, actor, variant)
                    actor = await world.fresh(held)
                    expected = operation.expect(actor, subject)
                    try:
                        await operation.run(world, actor, subject)
                        allowed = True
                    except (Forbidden, NotFound):
                        allowed = False
                    cases += 1
                    if allowed != expected:
                        verdict = "allowed" if allowed else "refused"
                        wrong.append(f"{operation.name} by {profile} on {variant}: {verdict}, table says otherwise")
            timings[operation.name] = time.perf_counter() - started
    slowest = sorted(timings.items(), key=lambda item: -item[1])[:5]
    print(f"access matrix: {cases} cases")
    print("slowest operations: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in slowest))
    assert wrong == []
    assert cases >= MIN_CASES
    assert set(PROFILES) == set(world.actors)
    assert {op.kind for op in REGISTRY} >= {"user", "usage", "model", "kind", "prompt", "document", "vectordb",
                                            "ragsystem", "tool", "conversation", "embedding_job", "audit",
                                            "broadcast", "activity"}
