"""A workshop as plain, comparable data: for the export → import round-trip test.

``snapshot_workshop`` reads the database on its own, independently of the exporter, so a field the
exporter forgets shows up as a difference instead of vanishing from both sides. Entries are keyed by
name and every reference is a name, so two data directories compare equal when they hold the same
class, whatever their ids and timestamps. Left out on purpose:

- ids, timestamps, approvals and the auth version (they differ by construction);
- passwords and hashes (an import generates new passwords);
- what Ollama reports about a model (size, digest, capabilities, dimensions, hosts) and a vector
  DB's dimension and collection, which come from the model, not from the class;
- a document's original file (name, size, checksum, pages, content type): an export keeps only the
  text, so a document is compared by its text and its ``format`` (``markdown`` or ``text``);
- per-user UI preferences (theme) and embedding job progress (only whether the latest job is done).

Strings are compared as stored. What the export changes on purpose therefore shows up as a
difference: terminal escapes it strips, duplicate titles it renames, suspended and rejected accounts
it skips, a chat message still streaming (exported as interrupted). Build the round-trip class
without those, or expect them.
"""

from __future__ import annotations

from typing import Any

from workshop_tui.domain.enums import JobStatus
from workshop_tui.storage.database import Database
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository


def _database(workshop: Any) -> Database:
    """Accept a ``Workshop`` (or anything with ``ctx.db``) as well as a bare ``Database``."""
    context = getattr(workshop, "ctx", None)
    return context.db if context is not None else workshop  # type: ignore[no-any-return]


def _key(owner: str | None, title: str) -> str:
    """Prompt and document titles are unique per owner only, so the owner is part of the key."""
    return f"{owner or '(operator)'}/{title}"


def _variable(spec: Any) -> dict[str, Any]:
    """A declared variable with every setting present, so a default left out compares as the default."""
    default = spec.get("default")
    return {"name": spec.get("name"), "type": spec.get("type") or "text",
            "default": None if default == "" else default, "required": bool(spec.get("required")),
            "choices": list(spec.get("choices") or ()), "description": spec.get("description") or ""}


async def snapshot_workshop(workshop: Any, *, include_chats: bool = False) -> dict[str, Any]:
    """Everything an export carries, read from ``workshop`` (a Workshop or a Database)."""
    async with _database(workshop).reading() as session:
        users = await UserRepository(session).list()
        names = {u.id: u.username for u in users}
        models = await ModelRepository(session).list()
        model_names = {m.id: m.name for m in models}
        tools = await ToolRepository(session).list()
        tool_names = {t.id: t.name for t in tools}
        vector_dbs = await VectorDbRepository(session).list_all()
        vdb_names = {v.id: v.name for v in vector_dbs}
        prompts = await PromptRepository(session).list_readable(None, None)
        prompt_titles = {p.id: p.title for p in prompts}
        documents_repo = DocumentRepository(session)
        documents = [await documents_repo.get(d.id) for d in await documents_repo.list_readable(None, None)]
        doc_titles = {d.id: d.title for d in documents if d is not None}
        latest: dict[tuple[int, int], JobStatus] = {}
        for job in await EmbeddingJobRepository(session).list():
            latest[(job.vector_db_id, job.document_id)] = job.status
        rags = await RagSystemRepository(session).list_readable(None, None)
        repo = UserRepository(session)
        snapshot: dict[str, Any] = {
            "models": {m.name: {"enabled": m.enabled, "description": m.description or ""} for m in models},
            "users": {u.username: {
                "display_name": u.display_name, "email": u.email, "role": u.role.value, "status": u.status.value,
                "guardian": names.get(u.guardian_id) if u.guardian_id is not None else None,
                "notes": u.admin_notes or None,
                "quota": [u.quota_messages_per_day, u.quota_tokens_per_day, u.quota_concurrent_generations],
                "models": sorted(model_names[i] for i in await repo.model_ids(u.id)),
                "tools": sorted(tool_names[i] for i in await repo.tool_ids(u.id)),
            } for u in users},
            "tools": {t.name: {
                "kind": t.kind.value, "description": t.description, "enabled": t.enabled,
                "visibility": t.visibility.value, "owner": names.get(t.creator_id or 0),
                "config": {("vector_db" if k == "vector_db_id" else k): (vdb_names.get(v) if k == "vector_db_id" else v)
                           for k, v in t.config.items()},
            } for t in tools},
            "prompts": {_key(names.get(p.creator_id or 0), p.title): {
                "template": p.template, "description": p.description, "visibility": p.visibility.value,
                "variables": [_variable(v) for v in p.variables], "tags": sorted(p.tags),
            } for p in prompts},
            "documents": {_key(names.get(d.creator_id or 0), d.title): {
                "text": d.text, "visibility": d.visibility.value,
                "format": "markdown" if d.content_type == "text/markdown" else "text",
            } for d in documents if d is not None},
            "vector_dbs": {v.name: {
                "embedding_model": v.embedding_model, "description": v.description, "distance": v.distance.value,
                "visibility": v.visibility.value, "owner": names.get(v.creator_id or 0),
                "documents": sorted(doc_titles[d] for (vdb, d), status in latest.items()
                                    if vdb == v.id and status is JobStatus.DONE and d in doc_titles),
            } for v in vector_dbs},
            "rag_systems": {r.name: {
                "chat_model": r.chat_model, "vector_db": vdb_names.get(r.vector_db_id),
                "prompt": prompt_titles.get(r.prompt_id) if r.prompt_id is not None else None,
                "prompt_template": r.prompt_template, "top_k": r.top_k, "score_threshold": r.score_threshold,
                "description": r.description, "visibility": r.visibility.value,
                "owner": names.get(r.creator_id or 0),
            } for r in rags},
        }
        if include_chats:
            snapshot["conversations"] = await _conversations(ConversationRepository(session), users)
    return snapshot


async def _conversations(repo: ConversationRepository, users: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """Each user's conversations, oldest first, with their messages in order."""
    found: dict[str, list[dict[str, Any]]] = {}
    for user in users:
        chats = sorted(await repo.list_for_user(user.id, limit=100_000),
                       key=lambda c: (c.created_at is None, c.created_at, c.id))
        entries = []
        for chat in chats:
            messages = [{"role": m.role.value, "content": m.content, "model": m.model, "status": m.status.value}
                        for m in await repo.messages(chat.id)]
            entries.append({"title": chat.title, "model": chat.model, "system_prompt": chat.system_prompt or None,
                            "messages": messages})
        if entries:
            found[user.username] = entries
    return found
