""""What can this user see", checked against the services' own decisions: for a generated class
(every role, a waiting and a suspended account, random grants) and generated resources (random
creators, visibility, enabled or not, RAG systems over random vector DBs and models), the screen's
"may use" column must say yes exactly where the services let that account use or read the thing."""

from __future__ import annotations

import random

from workshop_tui.domain.enums import AccountStatus, Role, ToolKind, Visibility
from workshop_tui.domain.errors import Forbidden, NotAuthenticated, NotFound
from workshop_tui.services.access import OPERATOR, Actor
from workshop_tui.services.actors import load_actor
from workshop_tui.services.rag import usable_rag
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.ui.screens.access_view import AccessViewScreen

from .admin_support import PASSWORD, SIZE, add, app_for, in_app, rows
from .support import until

SEED = 20261203
PEOPLE = [("adele", Role.ADMIN), ("ines", Role.INSTRUCTOR), ("sam", Role.STUDENT), ("priya", Role.STUDENT),
          ("tomas", Role.STUDENT), ("leo", Role.FAMILY), ("visitor", Role.GUEST)]


async def generate(workshop: Workshop, rng: random.Random) -> dict[str, int]:
    """The class and its resources; returns username → id."""
    ids: dict[str, int] = {}
    for name, role in PEOPLE:
        guardian = ids.get("sam") if role is Role.FAMILY else None
        ids[name] = (await add(workshop, name, role, guardian_id=guardian)).id
    ids["waiting"] = (await workshop.accounts.register("waiting", "Waiting", PASSWORD)).id
    ids["gone"] = (await add(workshop, "gone")).id
    creators = [ids[n] for n in ("adele", "ines", "sam", "priya", "visitor")]
    visibility = list(Visibility)
    async with workshop.ctx.db.transaction() as session:
        models = ModelRepository(session)
        model_ids = [(await models.upsert(name, capabilities=["completion"], enabled=enabled)).id
                     for name, enabled in (("llama3.2:1b", True), ("qwen2.5:0.5b", True), ("gemma3:1b", True),
                                           ("old:1b", False))]
        model_ids.append((await models.upsert("all-minilm", capabilities=["embedding"],
                                              embedding_dimension=384)).id)
        tool_ids = [(await ToolRepository(session).add(
            name=f"tool_{n}", kind=ToolKind.CALCULATOR, visibility=rng.choice(visibility),
            creator_id=rng.choice(creators[:2]), enabled=rng.random() > 0.2)).id for n in range(5)]
        for n in range(8):
            await PromptRepository(session).add(title=f"Prompt {n}", template="t", visibility=rng.choice(visibility),
                                                creator_id=rng.choice(creators))
        for n in range(6):
            await DocumentRepository(session).add(title=f"Document {n}", content_type="text/plain", checksum=str(n),
                                                  text="x", visibility=rng.choice(visibility),
                                                  creator_id=rng.choice(creators))
        dbs = [await VectorDbRepository(session).add(
            name=f"Vectors {n}", embedding_model=rng.choice(["all-minilm", "llama3.2:1b"]), dimension=384,
            collection_name=f"c{n}", visibility=rng.choice(visibility), creator_id=rng.choice(creators))
            for n in range(4)]
        for n in range(6):
            await RagSystemRepository(session).add(
                name=f"Ask {n}", chat_model=rng.choice(["llama3.2:1b", "qwen2.5:0.5b", "old:1b"]),
                vector_db_id=rng.choice(dbs).id, prompt_template="{context} {question}",
                visibility=rng.choice(visibility), creator_id=rng.choice(creators))
    for name in ("sam", "priya", "tomas", "leo", "visitor", "waiting", "gone"):
        await workshop.accounts.set_grants(OPERATOR, ids[name], model_ids=rng.sample(model_ids, rng.randint(0, 5)),
                                           tool_ids=rng.sample(tool_ids, rng.randint(0, 5)))
    await workshop.accounts.suspend(OPERATOR, ids["gone"])
    return ids


async def decided_by_the_services(workshop: Workshop, user_id: int) -> set[tuple[str, str]]:
    """(kind, name) of everything the account may use, asking the services as that account."""
    async with workshop.ctx.db.reading() as session:
        actor: Actor = await load_actor(session, user_id)
    knowledge = workshop.knowledge
    try:
        allowed = {("model", m.name) for m in await workshop.catalog.list(actor, usable_only=True)}
        allowed |= {("tool", t.name) for t in await workshop.tools.list(actor, usable_only=True)}
        allowed |= {("prompt", p.title) for p in await knowledge.prompts.list(actor)}
        allowed |= {("document", d.title) for d in await knowledge.documents.list(actor)}
        allowed |= {("vector DB", v.name) for v in await knowledge.vector_dbs.list(actor)}
        for rag in await knowledge.rag.list(actor):
            async with workshop.ctx.db.reading() as session:
                try:
                    await usable_rag(session, actor, rag.id)
                except (Forbidden, NotFound):
                    continue
            allowed.add(("RAG system", rag.name))
    except (Forbidden, NotAuthenticated):
        return set()  # a waiting or suspended account may use nothing at all
    return allowed


async def test_the_answers_match_the_services_for_a_generated_class(workshop: Workshop) -> None:
    ids = await generate(workshop, random.Random(SEED))
    app = await app_for(workshop, "adele")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.current_mode == "chat", "the places")
        checked = 0
        for name, user_id in ids.items():
            await in_app(pilot, app.push_screen, AccessViewScreen(user_id))
            await until(pilot, lambda user_id=user_id: isinstance(app.screen, AccessViewScreen)
                        and app.screen.access is not None and app.screen.access.user.id == user_id
                        and len(rows(app, "#access-table")) == len(app.screen.access.items), f"{name}'s answers")
            shown = rows(app, "#access-table")
            assert {(kind, item) for kind, item, verdict, _ in shown} >= {("model", "old:1b"), ("prompt", "Prompt 0")}
            on_screen = {(kind, item) for kind, item, verdict, _ in shown if verdict == "yes"}
            assert on_screen == await decided_by_the_services(workshop, user_id), name
            checked += len(shown)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, AccessViewScreen), "back")
    assert checked > 250
    async with workshop.ctx.db.reading() as session:
        assert (await UserRepository(session).get(ids["waiting"])).status is AccountStatus.PENDING
