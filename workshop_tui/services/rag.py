"""RAG systems: a chat model, a vector DB, a prompt template and retrieval settings, under one name.

`retrieve()` does everything up to the model call: check access, embed the question, search, and
fill the template. The chat service streams the answer from the returned `Retrieval` (its fair
queue and quotas apply there) and stores `citation_dicts()` with the reply.

Access, checked on every call with a fresh actor: the user needs the RAG system, its vector DB and
its chat model. Sharing a RAG system never shares its vector DB: a class-visible RAG system on a
private vector DB is refused to everyone but the vector DB's owner (and admins). To avoid building
something others cannot use, a RAG system may not be more visible than its vector DB.
"""

from __future__ import annotations

import math

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Conflict, Forbidden, Invalid, NotFound
from workshop_tui.domain.models import RagSystem, VectorDb
from workshop_tui.domain.templates import TemplateVariable, check_template, find_variables, render
from workshop_tui.services.access import Action, Actor, Kind, authorize, can_read
from workshop_tui.services.actors import fresh_actor
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.embedder import Embedder
from workshop_tui.services.knowledge_access import (
    authorize_model,
    bounded_text,
    check_new_visibility,
    check_visibility_change,
    clean_name,
    load,
    readable_visibilities,
)
from workshop_tui.services.retrieval import Citation, Retrieval, check_top_k, clean_query, nearest_chunks
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository
from workshop_tui.vectors import VectorStore

__all__ = ["DEFAULT_TEMPLATE", "Citation", "RagService", "Retrieval"]
NOUN = "RAG system"
DEFAULT_TEMPLATE = (
    "Answer the question using only the context below. If the context does not contain the answer, say that "
    "you do not know. Mention the numbers of the passages you used, like [1].\n\n"
    "Context:\n{{context}}\n\nQuestion: {{question}}"
)
VARIABLES = (TemplateVariable("context", "multiline", required=True),
             TemplateVariable("question", "multiline", required=True))
MAX_CONTEXT_CHARS = 16_000  # about 4,000 tokens: room for the answer in an 8k context window
NO_PASSAGES = "(no matching passages were found)"
_RANK = {Visibility.PRIVATE: 0, Visibility.CLASS: 1, Visibility.PUBLIC: 2}


def check_rag_template(template: str) -> str:
    """A template must use {{context}} and {{question}}, and nothing but those and the built-ins."""
    text = bounded_text(template, "prompt_template", 8000)
    check_template(text, VARIABLES)
    used = set(find_variables(text))
    missing = [f"{{{{{n}}}}}" for n in ("context", "question") if n not in used]
    if missing:
        raise Invalid(f"must contain {' and '.join(missing)}", field="prompt_template")
    return text


def _check_threshold(value: float | None) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) \
            or not -1.0 <= value <= 1.0:
        raise Invalid("must be a similarity between -1 and 1 (cosine), or empty", field="score_threshold")
    return float(value)


def format_context(citations: list[Citation]) -> tuple[str, tuple[Citation, ...]]:
    """Numbered passages up to the size cap; returns the text and the citations actually used."""
    parts: list[str] = []
    used: list[Citation] = []
    size = 0
    for citation in citations:
        part = f"[{len(used) + 1}] {citation.document_title} ({citation.location})\n{citation.text}"
        if size + len(part) > MAX_CONTEXT_CHARS:
            break
        parts.append(part)
        used.append(citation)
        size += len(part) + 2
    return ("\n\n".join(parts) or NO_PASSAGES), tuple(used)


async def usable_rag(session: AsyncSession, actor: Actor, rag_system_id: int) -> tuple[RagSystem, VectorDb, str]:
    """The RAG system, its vector DB and its chat model, if `actor` may use all three.

    A shared RAG system never opens a private vector DB: its vector DB must be visible to the
    actor in its own right, and both models it uses (the vector DB's embedding model and the chat
    model) must be ones the actor may use.
    """
    rag = await load(RagSystemRepository(session), actor, rag_system_id, Action.USE, NOUN)
    vector_db = await VectorDbRepository(session).get(rag.vector_db_id)
    if vector_db is None:
        raise NotFound(f"the vector DB of RAG system '{rag.name}' no longer exists")
    try:
        authorize(actor, Action.USE, vector_db)
    except NotFound:
        raise Forbidden(f"RAG system '{rag.name}' searches a vector DB that is not shared with you; "
                        "ask its owner to share it") from None
    chat_model = await authorize_model(session, actor, rag.chat_model)
    await authorize_model(session, actor, vector_db.embedding_model)  # the question is embedded with it
    return rag, vector_db, chat_model


class RagService:
    def __init__(self, ctx: ServiceContext, store: VectorStore, embedder: Embedder) -> None:
        self.ctx = ctx
        self.store = store
        self.embedder = embedder

    async def _vector_db_for(self, session: AsyncSession, actor: Actor, vector_db_id: int,
                             visibility: Visibility) -> VectorDb:
        vector_db = await load(VectorDbRepository(session), actor, vector_db_id, Action.USE, "vector DB")
        if _RANK[visibility] > _RANK[vector_db.visibility]:
            raise Invalid(f"the vector DB '{vector_db.name}' is {vector_db.visibility}; share it at least as widely "
                          f"as this RAG system ({visibility}) first, or others could not use it", field="visibility")
        return vector_db

    async def create(self, actor: Actor, name: str, chat_model: str, vector_db_id: int, *,
                     prompt_template: str | None = None, prompt_id: int | None = None, top_k: int = 4,
                     score_threshold: float | None = None, description: str = "",
                     visibility: Visibility = Visibility.PRIVATE) -> RagSystem:
        """A RAG system; the template comes from `prompt_template`, else prompt `prompt_id`, else the default."""
        name = clean_name(name, "name", 100)
        fields: dict[str, object] = {"description": bounded_text(description, "description", 2000),
                                     "top_k": check_top_k(top_k), "score_threshold": _check_threshold(score_threshold)}
        try:
            async with self.ctx.db.transaction() as session:
                actor = await fresh_actor(session, actor)
                authorize(actor, Action.CREATE, Kind.RAG_SYSTEM)
                vis = check_new_visibility(actor, visibility)
                fields["chat_model"] = await authorize_model(session, actor, chat_model)
                await self._vector_db_for(session, actor, vector_db_id, vis)
                template = prompt_template
                if prompt_id is not None:
                    prompt = await load(PromptRepository(session), actor, prompt_id, Action.USE, "prompt")
                    template = template if template is not None else prompt.template
                repo = RagSystemRepository(session)
                if await repo.get_by_name(name) is not None:
                    raise Conflict(f"a RAG system named '{name}' already exists")
                rag = await repo.add(name=name, vector_db_id=vector_db_id, prompt_id=prompt_id, visibility=vis,
                                     prompt_template=check_rag_template(template or DEFAULT_TEMPLATE),
                                     creator_id=actor.id, **fields)
        except IntegrityError:  # the same name chosen at the same moment, between the check and the insert
            await self._refuse_if_taken(name)
            raise
        self.ctx.events.publish("rag_system.created", user_id=actor.id, rag_system_id=rag.id)
        return rag

    async def get(self, actor: Actor, rag_system_id: int) -> RagSystem:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            return await load(RagSystemRepository(session), actor, rag_system_id, Action.READ, NOUN)

    async def list(self, actor: Actor) -> list[RagSystem]:
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            found = await RagSystemRepository(session).list_readable(actor.id, readable_visibilities(actor))
        return sorted((r for r in found if can_read(actor, r)), key=lambda r: r.name.casefold())

    async def update(self, actor: Actor, rag_system_id: int, *, name: str | None = None,
                     description: str | None = None, chat_model: str | None = None, vector_db_id: int | None = None,
                     prompt_template: str | None = None, top_k: int | None = None,
                     score_threshold: float | None = None, clear_threshold: bool = False,
                     visibility: Visibility | None = None) -> RagSystem:
        """Change any part; every id and model named is checked again as on creation."""
        new_name = None if name is None else clean_name(name, "name", 100)
        try:
            async with self.ctx.db.transaction() as session:
                actor = await fresh_actor(session, actor)
                repo = RagSystemRepository(session)
                rag = await load(repo, actor, rag_system_id, Action.UPDATE, NOUN)
                changes: dict[str, object] = {}
                if new_name is not None:
                    changes["name"] = new_name
                    other = await repo.get_by_name(new_name)
                    if other is not None and other.id != rag_system_id:
                        raise Conflict(f"a RAG system named '{new_name}' already exists")
                if description is not None:
                    changes["description"] = bounded_text(description, "description", 2000)
                if chat_model is not None:
                    changes["chat_model"] = await authorize_model(session, actor, chat_model)
                if prompt_template is not None:
                    changes["prompt_template"] = check_rag_template(prompt_template)
                if top_k is not None:
                    changes["top_k"] = check_top_k(top_k)
                if score_threshold is not None or clear_threshold:
                    changes["score_threshold"] = None if clear_threshold else _check_threshold(score_threshold)
                new_visibility = rag.visibility
                if visibility is not None:
                    new_visibility = changes["visibility"] = check_visibility_change(actor, rag, visibility)
                if vector_db_id is not None or visibility is not None:
                    changes["vector_db_id"] = (await self._vector_db_for(
                        session, actor, vector_db_id or rag.vector_db_id, new_visibility)).id
                return await repo.update(rag_system_id, **changes) if changes else rag
        except IntegrityError:  # renamed at the same moment as another took the name
            if new_name is not None:
                await self._refuse_if_taken(new_name)
            raise

    async def _refuse_if_taken(self, name: str) -> None:
        """After a failed write: Conflict when `name` is taken now (else the caller re-raises)."""
        async with self.ctx.db.reading() as session:
            if await RagSystemRepository(session).get_by_name(name) is not None:
                raise Conflict(f"a RAG system named '{name}' already exists") from None

    async def delete(self, actor: Actor, rag_system_id: int) -> None:
        async with self.ctx.db.transaction() as session:
            actor = await fresh_actor(session, actor)
            repo = RagSystemRepository(session)
            await load(repo, actor, rag_system_id, Action.DELETE, NOUN)
            await repo.delete(rag_system_id)

    async def retrieve(self, actor: Actor, rag_system_id: int, question: str) -> Retrieval:
        """Embed the question, search the RAG system's vector DB and fill its template.

        The answer is not generated here: the chat service streams it from `Retrieval.messages` with
        `Retrieval.model`, and stores `Retrieval.citation_dicts()` with the reply.
        """
        text = clean_query(question)
        async with self.ctx.db.reading() as session:
            actor = await fresh_actor(session, actor)
            rag, vector_db, model = await usable_rag(session, actor, rag_system_id)
        found = await nearest_chunks(self.ctx, self.store, self.embedder, vector_db, text, rag.top_k,
                                     rag.score_threshold)
        context, used = format_context(found)
        user_name = actor.user.display_name if actor.user else "operator"
        prompt = render(rag.prompt_template, VARIABLES, {"context": context, "question": text},
                        builtins={"user_name": user_name})
        return Retrieval(rag.id, model, text, prompt, used)
