"""The generated access matrix: every registered operation × every actor (each role, plus a
pending, a suspended and a rejected account) × every resource variant, each answer checked
against the capability table (see access_registry.py for where the expected answers come from)."""

from __future__ import annotations

from workshop_tui.domain.errors import Forbidden, NotFound
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.context import ServiceContext

from . import access_operations  # noqa: F401 - registers the operations
from .access_registry import REGISTRY
from .access_world import PROFILES, build_world

MIN_CASES = 2500


async def test_access_matrix(ctx: ServiceContext, accounts: AccountService) -> None:
    world = await build_world(ctx, accounts)
    cases, wrong = 0, []
    for operation in REGISTRY:
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
    print(f"access matrix: {cases} cases")
    assert wrong == []
    assert cases >= MIN_CASES
    assert set(PROFILES) == set(world.actors)
    assert {op.kind for op in REGISTRY} >= {"user", "usage", "model", "kind", "prompt", "document", "vectordb",
                                            "ragsystem", "tool", "conversation"}
