"""Exporting the owned sections (prompts, tools, documents, vector DBs, RAG systems) and the chats.

Each section refers to the others by the names the export gave them (``ExportState``), never by id:
a vector-search tool names its vector DB, a vector DB lists document titles, a RAG system names its
vector DB and, when it still uses one unchanged, its prompt.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from workshop_tui.domain.enums import JobStatus, MessageStatus, ToolKind
from workshop_tui.domain.models import Conversation, Message, Prompt
from workshop_tui.services.access import Kind
from workshop_tui.services.workshop_file.export_state import (
    ExportState,
    line,
    optional_text,
    put,
    text,
    unique_titles,
)
from workshop_tui.services.workshop_file.references import Account, may_read
from workshop_tui.services.workshop_file.state import latest_jobs
from workshop_tui.services.workshop_file.values import as_utc
from workshop_tui.storage.repositories.conversations import ConversationRepository
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository

NAME_MAX = 100
CONVERSATIONS_PER_USER = 100_000
MARKDOWN = "text/markdown"


def stamp(when: datetime | None) -> str | None:
    """A time as ISO 8601 UTC text to the second; a stored time without a zone is UTC already."""
    if when is None:
        return None
    return as_utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")


def cleaned(value: Any) -> Any:
    """A tool's config with every string cleaned: keys on one line, values keeping their newlines."""
    if isinstance(value, dict):
        return {line(str(k)): cleaned(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [cleaned(v) for v in value]
    return text(value) if isinstance(value, str) else value


async def vector_db_names(state: ExportState) -> list[Any]:
    """Every vector DB, in name order, with its exported name recorded for the tools and RAG systems."""
    found = sorted(await VectorDbRepository(state.session).list_all(), key=lambda v: (line(v.name), v.id))
    state.vector_dbs = unique_titles([(v.id, line(v.name)) for v in found], "vector DB", state, max_len=NAME_MAX)
    return found


async def tool_entries(state: ExportState) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for tool in await ToolRepository(state.session).list():
        name = line(tool.name)
        entry: dict[str, Any] = {"name": name, "kind": tool.kind.value}
        if tool.kind is ToolKind.VECTOR_SEARCH:
            target = state.vector_dbs.get(int(tool.config.get("vector_db_id") or 0))
            if target is None:
                state.note(f"the tool {name!r} searches a vector DB that no longer exists; it is not exported")
                continue
            config: dict[str, Any] = {"vector_db": target}
        else:
            config = cleaned(dict(tool.config))
        state.owned(entry, tool.creator_id, Kind.TOOL, tool.visibility, f"the tool {name!r}")
        put(entry, "description", line(tool.description))
        if not tool.enabled:
            entry["enabled"] = False
        put(entry, "config", config)
        state.tools[tool.id] = name
        entries.append(entry)
    return sorted(entries, key=lambda e: e["name"])


def _variable(spec: dict[str, Any]) -> dict[str, Any]:
    """A declared variable with only the settings that differ from the defaults."""
    kind = str(spec.get("type") or "text")
    entry: dict[str, Any] = {"name": line(str(spec.get("name", ""))), "type": kind}
    default = spec.get("default")
    if isinstance(default, str):
        default = line(default) if kind in ("choice", "text") else text(default)
    put(entry, "default", default)
    if spec.get("required"):
        entry["required"] = True
    put(entry, "choices", [line(str(c)) for c in spec.get("choices") or ()])
    put(entry, "description", line(spec.get("description")))
    return entry


def _prompt_order(prompt: Prompt, state: ExportState) -> tuple[str, str, int]:
    return line(prompt.title), state.username(prompt.creator_id) or "", prompt.id


async def prompt_entries(state: ExportState) -> list[dict[str, Any]]:
    found = sorted(await PromptRepository(state.session).list_readable(None, None),
                   key=lambda p: _prompt_order(p, state))
    state.prompts = unique_titles([(p.id, line(p.title)) for p in found], "prompt", state)
    entries: list[dict[str, Any]] = []
    for prompt in found:
        title = state.prompts[prompt.id]
        entry: dict[str, Any] = {"title": title}
        state.owned(entry, prompt.creator_id, Kind.PROMPT, prompt.visibility, f"the prompt {title!r}")
        state.prompt_owners[title] = (entry.get("owner"), prompt.visibility)
        put(entry, "description", optional_text(prompt.description))
        entry["template"] = state.prompt_templates[prompt.id] = text(prompt.template)
        put(entry, "variables", [_variable(dict(v)) for v in prompt.variables])
        put(entry, "tags", sorted({line(t).casefold() for t in prompt.tags} - {""}))
        entries.append(entry)
    return entries


async def document_entries(state: ExportState) -> list[dict[str, Any]]:
    """Documents with their text inline (``format`` and ``text``): the original files are not kept, only
    the text extracted from them. ``export_documents.split_documents`` then moves each text to a file
    beside the workshop file, where it does not count towards the file's size cap."""
    repo = DocumentRepository(state.session)
    found = sorted(await repo.list_readable(None, None),
                   key=lambda d: (line(d.title), state.username(d.creator_id) or "", d.id))
    titles = unique_titles([(d.id, line(d.title)) for d in found], "document", state)
    texts = await repo.texts(d.id for d in found)
    entries: list[dict[str, Any]] = []
    for summary in found:
        title = titles[summary.id]
        body = text(texts.pop(summary.id, None))  # popped: the raw text is dropped once cleaned
        if not body.strip():
            state.note(f"the document {title!r} has no text; it is not exported")
            continue
        entry: dict[str, Any] = {"title": title}
        state.owned(entry, summary.creator_id, Kind.DOCUMENT, summary.visibility, f"the document {title!r}")
        entry["format"] = "markdown" if summary.content_type == MARKDOWN else "text"
        entry["text"] = body
        state.documents[summary.id] = title
        entries.append(entry)
    return entries


async def vector_db_entries(state: ExportState, found: list[Any]) -> list[dict[str, Any]]:
    """Vector DBs with the titles of the documents whose latest embedding job into them is done."""
    done_in: dict[int, list[str]] = defaultdict(list)
    for (document_id, vector_db_id), job in (await latest_jobs(state.session)).items():
        if job.status is JobStatus.DONE and document_id in state.documents:
            done_in[vector_db_id].append(state.documents[document_id])
    entries: list[dict[str, Any]] = []
    for vdb in found:
        name = state.vector_dbs[vdb.id]
        entry: dict[str, Any] = {"name": name, "embedding_model": state.need_model(vdb.embedding_model,
                                                                                  f"the vector DB {name!r}")}
        state.owned(entry, vdb.creator_id, Kind.VECTOR_DB, vdb.visibility, f"the vector DB {name!r}")
        put(entry, "description", optional_text(vdb.description))
        put(entry, "documents", sorted(done_in.get(vdb.id, ())))
        entries.append(entry)
    return entries


async def rag_entries(state: ExportState) -> list[dict[str, Any]]:
    """RAG systems; one still using its prompt's template names the prompt, any other has it inline."""
    found = sorted(await RagSystemRepository(state.session).list_readable(None, None),
                   key=lambda r: (line(r.name), r.id))
    names = unique_titles([(r.id, line(r.name)) for r in found], "RAG system", state, max_len=NAME_MAX)
    # The loader's own check of a link: the reader is always an exported owner (or None, the operator).
    accounts = {u.username: Account(u.role, u.status) for u in state.users.values()}
    entries: list[dict[str, Any]] = []
    for rag in found:
        name = names[rag.id]
        vector_db = state.vector_dbs.get(rag.vector_db_id)
        if vector_db is None:  # the foreign key cascades, so only a database changed under us gets here
            state.note(f"the RAG system {name!r} has no vector DB; it is not exported")
            continue
        entry: dict[str, Any] = {"name": name, "chat_model": state.need_model(rag.chat_model,
                                                                              f"the RAG system {name!r}"),
                                 "vector_db": vector_db}
        state.owned(entry, rag.creator_id, Kind.RAG_SYSTEM, rag.visibility, f"the RAG system {name!r}")
        entry["top_k"] = rag.top_k
        put(entry, "score_threshold", rag.score_threshold)
        put(entry, "description", optional_text(rag.description))
        template = text(rag.prompt_template)
        prompt = state.prompts.get(rag.prompt_id) if rag.prompt_id is not None else None
        if prompt is not None and state.prompt_templates.get(rag.prompt_id) == template \
                and may_read(entry.get("owner"), accounts, *state.prompt_owners[prompt]):
            entry["prompt"] = prompt
        else:
            entry["prompt_template"] = template
        entries.append(entry)
    return entries


async def conversation_entries(state: ExportState) -> list[dict[str, Any]]:
    """Every exported user's conversations, by owner and then age, each with its messages in order."""
    repo = ConversationRepository(state.session)
    chats: dict[int, list[Conversation]] = defaultdict(list)
    for chat in await repo.list_for_users(list(state.users)):  # newest activity first: each user's cap keeps the newest
        if len(chats[chat.user_id]) < CONVERSATIONS_PER_USER:
            chats[chat.user_id].append(chat)
    kept = {chat.id for found in chats.values() for chat in found}
    messages_of: dict[int, list[Message]] = defaultdict(list)
    for message in await repo.messages_for_users(list(state.users)):  # by conversation, then oldest first
        if message.conversation_id in kept:
            messages_of[message.conversation_id].append(message)
    entries: list[dict[str, Any]] = []
    for user in sorted(state.users.values(), key=lambda u: u.username):
        for chat in sorted(chats.get(user.id, ()), key=lambda c: (stamp(c.created_at) or "", c.id)):
            entry: dict[str, Any] = {"owner": user.username, "title": line(chat.title) or "New conversation",
                                     "model": line(chat.model)}
            put(entry, "system_prompt", optional_text(chat.system_prompt))
            put(entry, "created", stamp(chat.created_at))
            messages = []
            for message in messages_of.pop(chat.id, ()):
                item: dict[str, Any] = {"role": message.role.value, "content": text(message.content)}
                put(item, "model", line(message.model))
                status = MessageStatus.INTERRUPTED if message.status is MessageStatus.STREAMING else message.status
                if status is not MessageStatus.COMPLETE:
                    item["status"] = status.value
                put(item, "created", stamp(message.created_at))
                messages.append(item)
            entry["messages"] = messages
            entries.append(entry)
    return entries
