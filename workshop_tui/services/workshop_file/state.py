"""What the database holds, read once, in the terms a workshop file uses (names, not ids).

An import compares the file with this snapshot to decide what to create, update or leave alone,
and fills the loader's :class:`CatalogueView` from it, so references to things already in the
database validate. It is read twice: before anything is written (for the checks and ``--dry-run``)
and again inside the import's transaction, so the writes act on what the database holds then.

Prompts and documents are keyed by (owner, title): titles are only unique per owner (two
attendees may each have "My notes"). Tools, vector DBs and RAG systems have globally unique names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.models import Document, EmbeddingJob, ModelInfo, Prompt, RagSystem, Tool, User, VectorDb
from workshop_tui.services.workshop_file.plan import CatalogueUser, CatalogueView
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.storage.tables import user_allowed_models, user_allowed_tools

OwnedKey = tuple[str | None, str]
"""(owner's username or None for the operator, title): how prompts and documents are told apart."""


@dataclass
class DbState:
    users: dict[str, User] = field(default_factory=dict)
    models: dict[str, ModelInfo] = field(default_factory=dict)
    tools: dict[str, Tool] = field(default_factory=dict)
    prompts: dict[OwnedKey, Prompt] = field(default_factory=dict)
    documents: dict[OwnedKey, Document] = field(default_factory=dict)
    vector_dbs: dict[str, VectorDb] = field(default_factory=dict)
    rag_systems: dict[str, RagSystem] = field(default_factory=dict)
    model_grants: dict[int, set[str]] = field(default_factory=dict)
    tool_grants: dict[int, set[str]] = field(default_factory=dict)
    jobs: dict[tuple[int, int], EmbeddingJob] = field(default_factory=dict)
    """The latest job of each (document id, vector DB id) pair."""
    usernames: dict[int, str] = field(default_factory=dict)
    conversations: set[tuple[str, str, str, str]] = field(default_factory=set)
    """(owner, title, model, start time) of every conversation: how an imported chat is recognised."""

    def username(self, user_id: int | None) -> str | None:
        return None if user_id is None else self.usernames.get(user_id)

    def owned_key(self, item: Prompt | Document) -> OwnedKey:
        return self.username(item.creator_id), item.title

    def catalogue(self) -> CatalogueView:
        """The loader's view of the database: what a file may refer to without describing it."""
        embedding = frozenset(m.name for m in self.models.values() if m.is_embedding or m.embedding_dimension)
        return CatalogueView(
            models=frozenset(self.models), embedding_models=embedding,
            users=MappingProxyType({name: CatalogueUser(u.role, u.status) for name, u in self.users.items()}),
            tools=frozenset(self.tools), prompts=frozenset(title for _, title in self.prompts),
            documents=frozenset(title for _, title in self.documents), vector_dbs=frozenset(self.vector_dbs))

    def vector_db_ids_of(self, document_id: int) -> set[int]:
        """Every vector DB the document was ever sent to (where its points may be)."""
        return {vdb for doc, vdb in self.jobs if doc == document_id}


async def read_grants(session: AsyncSession) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Every user's granted model ids and tool ids (user id → ids), one select per grant table;
    a user without grants is absent."""
    models: dict[int, set[int]] = defaultdict(set)
    for user_id, model_id in (await session.execute(select(user_allowed_models))).all():
        models[user_id].add(model_id)
    tools: dict[int, set[int]] = defaultdict(set)
    for user_id, tool_id in (await session.execute(select(user_allowed_tools))).all():
        tools[user_id].add(tool_id)
    return dict(models), dict(tools)


async def latest_jobs(session: AsyncSession) -> dict[tuple[int, int], EmbeddingJob]:
    """The latest embedding job of each (document id, vector DB id) pair."""
    latest: dict[tuple[int, int], EmbeddingJob] = {}
    for job in await EmbeddingJobRepository(session).list():  # oldest first: later jobs replace earlier
        latest[(job.document_id, job.vector_db_id)] = job
    return latest


async def read_state(session: AsyncSession, *, with_conversations: bool = False) -> DbState:
    """Everything an import compares against, in one session (a class is hundreds of rows, not millions);
    the conversations' keys only when the file has conversations."""
    state = DbState()
    for user in await UserRepository(session).list():
        state.users[user.username] = user
        state.usernames[user.id] = user.username
    state.models = {m.name: m for m in await ModelRepository(session).list()}
    state.tools = {t.name: t for t in await ToolRepository(session).list()}
    tool_names = {t.id: t.name for t in state.tools.values()}
    model_names = {m.id: m.name for m in state.models.values()}
    model_grants, tool_grants = await read_grants(session)
    state.model_grants = {user_id: {model_names[i] for i in ids} for user_id, ids in model_grants.items()}
    state.tool_grants = {user_id: {tool_names[i] for i in ids} for user_id, ids in tool_grants.items()}
    for prompt in await PromptRepository(session).list_readable(None, None):
        state.prompts[state.owned_key(prompt)] = prompt
    for document in await DocumentRepository(session).list_readable(None, None, order=[]):
        key = state.owned_key(document)
        if key not in state.documents or document.id < state.documents[key].id:
            state.documents[key] = document  # the oldest of same-titled copies is the one a file means
    state.vector_dbs = {v.name: v for v in await VectorDbRepository(session).list_all()}
    state.rag_systems = {r.name: r for r in await RagSystemRepository(session).list_readable(None, None)}
    state.jobs = await latest_jobs(session)
    if with_conversations:
        from workshop_tui.services.workshop_file.diff_conversations import read_conversations

        state.conversations = await read_conversations(session, state.usernames)
    return state
