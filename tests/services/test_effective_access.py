"""What can this user see: each answer with the reason a person would give."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.errors import NotFound
from workshop_tui.domain.models import AuditEntry
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.effective_access import EffectiveAccessService, grant_origins
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.storage.tables import AuditRow

from .support import actor_for, add_model, add_tool, make_user

DEC_3 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


async def test_each_answer_says_why(ctx: ServiceContext, accounts: AccountService, approvals: ApprovalService) -> None:
    ada_id = await make_user(ctx.db, "ada", Role.INSTRUCTOR)
    ada = await actor_for(ctx.db, ada_id)
    admin_id = await make_user(ctx.db, "root", Role.ADMIN)
    llama, qwen = await add_model(ctx.db, "llama3.2:1b"), await add_model(ctx.db, "qwen2.5:0.5b")
    await add_model(ctx.db, "old:1b", enabled=False)
    calc = await add_tool(ctx.db, "calc", ada_id)
    await add_tool(ctx.db, "secret", admin_id, Visibility.PRIVATE)
    sam = await accounts.register("sam", "Sam", "a long enough password")
    await approvals.approve(ada, sam.id, Role.STUDENT, [llama], [calc])
    async with ctx.db.transaction() as session:
        await session.execute(update(AuditRow).values(at=DEC_3))
        await PromptRepository(session).add(title="Explain", template="t", visibility=Visibility.CLASS,
                                            creator_id=ada_id)
        await PromptRepository(session).add(title="Mine", template="t", creator_id=sam.id)
        await PromptRepository(session).add(title="Root's", template="t", creator_id=admin_id)
        await DocumentRepository(session).add(title="Rules", content_type="text/plain", checksum="x", text="r",
                                              visibility=Visibility.PUBLIC, creator_id=ada_id)
        db = await VectorDbRepository(session).add(name="Notes", embedding_model="llama3.2:1b", dimension=3,
                                                   collection_name="c1", visibility=Visibility.CLASS,
                                                   creator_id=ada_id)
        await RagSystemRepository(session).add(name="Ask", chat_model="qwen2.5:0.5b", vector_db_id=db.id,
                                               prompt_template="{context} {question}",
                                               visibility=Visibility.PUBLIC, creator_id=ada_id)
    explainer = EffectiveAccessService(ctx)

    seen = await explainer.explain(ada, sam.id)
    reasons = {(item.kind, item.name): (item.allowed, item.reason) for item in seen.items}
    assert reasons[("model", "llama3.2:1b")] == (True, "granted by ada on 3 Dec")
    assert reasons[("model", "qwen2.5:0.5b")] == (False, "not granted")
    assert reasons[("model", "old:1b")] == (False, "disabled in this workshop")
    assert reasons[("tool", "calc")] == (True, "granted by ada on 3 Dec")
    assert ("tool", "secret") not in reasons  # the instructor cannot see it, so is not told of it
    assert ("prompt", "Root's") not in reasons
    assert reasons[("prompt", "Explain")] == (True, "shared with the class by ada")
    assert ("prompt", "Mine") not in reasons  # sam's own, private: not the instructor's to read
    assert reasons[("document", "Rules")] == (True, "public, shared by ada")
    assert reasons[("vector DB", "Notes")] == (True, "shared with the class by ada")
    assert reasons[("RAG system", "Ask")] == (False, "readable, but not usable: not allowed to use model qwen2.5:0.5b")

    await accounts.set_grants(OPERATOR, sam.id, model_ids=[llama, qwen])
    reasons = {(i.kind, i.name): i.reason for i in (await explainer.explain(ada, sam.id)).items}
    assert reasons[("model", "llama3.2:1b")] == "granted by ada on 3 Dec"
    assert reasons[("model", "qwen2.5:0.5b")].startswith("granted by operator on ")
    assert reasons[("RAG system", "Ask")] == "public, shared by ada"

    mine = await explainer.explain(ada, ada_id)
    assert {i.reason for i in mine.of("model") if i.allowed} == {"instructor role"}
    everything = {(i.kind, i.name, i.allowed, i.reason) for i in (await explainer.explain(OPERATOR, sam.id)).items}
    assert ("prompt", "Root's", False, "private to root") in everything
    assert ("prompt", "Mine", True, "their own") in everything
    await accounts.set_role(OPERATOR, sam.id, Role.GUEST)
    as_guest = {(i.kind, i.name): i.reason for i in (await explainer.explain(ada, sam.id)).items}
    assert as_guest[("prompt", "Explain")] == "shared with the class, which guests do not see"
    await accounts.suspend(OPERATOR, sam.id)
    assert {i.reason for i in (await explainer.explain(OPERATOR, sam.id)).items} == {"the account is suspended"}


async def test_only_whoever_may_read_the_account_asks(ctx: ServiceContext) -> None:
    ines = await actor_for(ctx.db, await make_user(ctx.db, "ines", Role.INSTRUCTOR))
    admin = await make_user(ctx.db, "root", Role.ADMIN)
    maria = await make_user(ctx.db, "maria")
    leo = await make_user(ctx.db, "leo", Role.FAMILY, guardian_id=maria, status=AccountStatus.ACTIVE)
    explainer = EffectiveAccessService(ctx)
    with pytest.raises(NotFound):
        await explainer.explain(ines, admin)
    assert (await explainer.explain(await actor_for(ctx.db, maria), leo)).user.username == "leo"
    with pytest.raises(NotFound):
        await explainer.explain(await actor_for(ctx.db, leo), maria)


def test_grant_origins_replay_additions_and_removals() -> None:
    def entry(n: int, who: str, before: list[str] | None, after: list[str] | None) -> AuditEntry:
        return AuditEntry(id=n, at=datetime(2026, 12, n, tzinfo=UTC), actor_name=who, action="user.grants",
                          target_type="user", before=None if before is None else {"models": before},
                          after=None if after is None else {"models": after})

    history = [entry(1, "ada", [], ["a", "b"]), entry(2, "bo", ["a", "b"], ["a"]), entry(3, "cy", ["a"], ["a", "b"]),
               entry(4, "di", None, None), entry(5, "ed", None, ["a", "b", "c"])]
    given = grant_origins(history, "models")
    assert {name: str(g) for name, g in given.items()} == {
        "a": "granted by ada on 1 Dec", "b": "granted by cy on 3 Dec", "c": "granted by ed on 5 Dec"}
