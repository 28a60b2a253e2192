"""The world the access matrix runs in: one real SQLite database with an actor per role (plus a
pending, a suspended and a rejected one), another user who owns "someone else's" resources, a
guardian for family approvals, a ward for every actor that can have one, and models and tools
with and without grants; and every service built as `services/workshop.py` builds them, over that
database, the fake Ollama on loopback and an embedded vector store in tmp_path."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.models import ModelInfo, User
from workshop_tui.ollama import normalize_model_name
from workshop_tui.services.access import Actor
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.actors import load_actor
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.catalog import CatalogService
from workshop_tui.services.chat import ChatService, Grounding
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.embedder import RetryPolicy
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.services.knowledge import KnowledgeServices, build_knowledge
from workshop_tui.services.quotas import QuotaService
from workshop_tui.services.tool_resources import ToolService
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.testing.fake_ollama import FakeModel, FakeOllama
from workshop_tui.testing.fake_ollama_models import default_models
from workshop_tui.vectors import VectorStore

from .support import add_model, add_tool, make_user

PASSWORD = "matrix password 1"
PROFILES: dict[str, tuple[Role, AccountStatus]] = {
    **{role.value: (role, AccountStatus.ACTIVE) for role in Role},
    "pending_instructor": (Role.INSTRUCTOR, AccountStatus.PENDING),
    "suspended_admin": (Role.ADMIN, AccountStatus.SUSPENDED),
    "rejected_student": (Role.STUDENT, AccountStatus.REJECTED),
}
GRANTED_MODEL, UNGRANTED_MODEL, DISABLED_MODEL = "granted:1b", "ungranted:1b", "disabled:1b"
UNLISTED_MODEL = "unlisted:1b"  # served by Ollama, not (yet) in the workshop catalogue
CHAT_MODELS = {"granted": GRANTED_MODEL, "ungranted": UNGRANTED_MODEL, "disabled": DISABLED_MODEL,
               "unlisted": UNLISTED_MODEL}
EMBED_MODELS = {"granted": "embed-granted:1b", "ungranted": "embed-ungranted:1b", "disabled": "embed-disabled:1b",
                "unlisted": "embed-unlisted:1b", "spare": "embed-spare:1b"}  # spare: a second granted one
EMBED_DIMENSION = 384
FAST_RETRY = RetryPolicy(attempts=3, first_delay_s=0.05, max_delay_s=0.2)


def fake_models() -> list[FakeModel]:
    """The fake Ollama's models: the usual set plus every chat and embedding model named above."""
    usual = default_models()
    chat = next(m for m in usual if m.name == "llama3.2:1b")
    embed = next(m for m in usual if m.embedding_length == EMBED_DIMENSION and "embedding" in m.capabilities)
    return [*usual, *(chat.renamed(name) for name in CHAT_MODELS.values()),
            *(embed.renamed(name) for name in EMBED_MODELS.values())]


@dataclass
class Stack:
    """The services that talk to Ollama and the vector store, wired as the composition root does."""

    fake: FakeOllama
    store: VectorStore
    gateway: OllamaGateway
    knowledge: KnowledgeServices
    chat: ChatService
    catalog: CatalogService
    tools: ToolService

    async def aclose(self) -> None:
        await self.knowledge.aclose()
        await self.gateway.aclose()


def build_stack(ctx: ServiceContext, quotas: QuotaService, fake: FakeOllama, store: VectorStore) -> Stack:
    ctx.settings.ollama.urls = [fake.url]
    gateway = OllamaGateway.from_settings(ctx.settings.ollama)
    knowledge = build_knowledge(ctx, store, gateway.pool, import_root=ctx.settings.data_dir / "imports",
                                retry=FAST_RETRY)

    async def ground(actor: Actor, rag_system_id: int, question: str) -> Grounding:
        retrieval = await knowledge.rag.retrieve(actor, rag_system_id, question)
        return Grounding(prompt=retrieval.prompt, citations=list(retrieval.citation_dicts()))

    chat = ChatService(ctx, gateway, quotas, retriever=ground, search=knowledge.search.search_function)
    return Stack(fake, store, gateway, knowledge, chat, CatalogService(ctx, gateway),
                 ToolService(ctx, search=knowledge.search.search_function))


@dataclass
class World:
    ctx: ServiceContext
    accounts: AccountService
    approvals: ApprovalService
    quotas: QuotaService
    stack: Stack
    actors: dict[str, Actor] = field(default_factory=dict)
    other_id: int = 0  # owner of another user's resources
    guardian_id: int = 0  # an active student, guardian for family approvals
    wards: dict[int, int] = field(default_factory=dict)  # actor id -> a ward of theirs
    model_ids: dict[str, int] = field(default_factory=dict)
    granted_tool_id: int = 0
    _names: itertools.count = field(default_factory=itertools.count)
    _fresh: dict[int, Actor] = field(default_factory=dict)

    async def fresh(self, actor: Actor) -> Actor:
        """The actor as the database says now (any status), cached until a target changes it."""
        assert actor.id is not None
        if actor.id not in self._fresh:
            async with self.ctx.db.reading() as session:
                self._fresh[actor.id] = await load_actor(session, actor.id)
        return self._fresh[actor.id]

    async def make_target(self, role: Role, status: AccountStatus = AccountStatus.ACTIVE, *,
                          guardian_id: int | None = None) -> User:
        """A new account for one case, holding the granted model (so narrowing is a real change)."""
        password_hash = await self.accounts.passwords.hash(PASSWORD)
        uid = await make_user(self.ctx.db, f"t{next(self._names)}", role, status, guardian_id=guardian_id,
                              password_hash=password_hash)
        async with self.ctx.db.transaction() as session:
            await UserRepository(session).set_model_ids(uid, [self.model_ids[GRANTED_MODEL]])
            user = await UserRepository(session).get(uid)
        if guardian_id is not None:
            self._fresh.pop(guardian_id, None)
        assert user is not None
        return user

    def adopt(self, renewed: Actor) -> None:
        """Keep signing in as `renewed` where the world held the same account's older actor."""
        for profile, actor in list(self.actors.items()):
            if actor.id == renewed.id:
                self.actors[profile] = renewed
        self.forget(renewed.id)

    def forget(self, user_id: int | None) -> None:
        """Drop the cached actor after a case changed its grants."""
        self._fresh.pop(user_id or 0, None)

    def next_name(self) -> str:
        return f"n{next(self._names)}"

    async def model_info(self, name: str) -> ModelInfo:
        """The catalogue's entry for `name` as it is now, or what services use for a model it lacks."""
        name = normalize_model_name(name)
        async with self.ctx.db.reading() as session:
            return await ModelRepository(session).get_by_name(name) or ModelInfo(id=0, name=name)


@asynccontextmanager
async def open_world(ctx: ServiceContext, accounts: AccountService, fake: FakeOllama,
                     store: VectorStore) -> AsyncIterator[World]:
    quotas = QuotaService(ctx)
    stack = build_stack(ctx, quotas, fake, store)
    try:
        yield await build_world(World(ctx, accounts, ApprovalService(ctx), quotas, stack))
    finally:
        await stack.aclose()


async def build_world(world: World) -> World:
    ctx, accounts = world.ctx, world.accounts
    world.other_id = await make_user(ctx.db, "other_owner", Role.STUDENT)
    world.guardian_id = await make_user(ctx.db, "some_guardian", Role.STUDENT)
    for name, enabled in ((GRANTED_MODEL, True), (UNGRANTED_MODEL, True), (DISABLED_MODEL, False)):
        world.model_ids[name] = await add_model(ctx.db, name, enabled=enabled)
    async with ctx.db.transaction() as session:
        for key, name in EMBED_MODELS.items():
            if key != "unlisted":
                world.model_ids[name] = (await ModelRepository(session).upsert(
                    name, capabilities=["embedding"], embedding_dimension=EMBED_DIMENSION,
                    enabled=key != "disabled")).id
    granted_names = (GRANTED_MODEL, DISABLED_MODEL, *(EMBED_MODELS[k] for k in ("granted", "spare", "disabled")))
    granted = [world.model_ids[name] for name in granted_names]
    world.granted_tool_id = await add_tool(ctx.db, "granted_tool", world.other_id, Visibility.CLASS)
    password_hash = await accounts.passwords.hash(PASSWORD)
    for profile, (role, status) in PROFILES.items():
        uid = await make_user(ctx.db, f"p_{profile}", role, status, password_hash=password_hash)
        async with ctx.db.transaction() as session:
            users = UserRepository(session)
            await users.set_model_ids(uid, granted)
            await users.set_tool_ids(uid, [world.granted_tool_id])
        if role is not Role.FAMILY:
            world.wards[uid] = await make_user(ctx.db, f"w_{profile}", Role.FAMILY, guardian_id=uid)
        async with ctx.db.reading() as session:
            world.actors[profile] = await load_actor(session, uid)
    return world
