"""Comparing the file's prompts, documents, vector DBs, tools and RAG systems with the database,
and deciding which documents must be embedded.

A document is embedded into a vector DB when the pair has never been embedded to the end, when the
vector DB is new or gets a new embedding model or lost its collection, or when the document's text
changed (then into every vector DB that holds it). An unchanged pair whose last job finished is
left alone, so a second import re-embeds nothing. A pair whose job is still queued or running (an
import or a server stopped half-way) is picked up where it stopped.

Under ``--skip-vectors`` nothing needs Ollama: new vector DBs, embedding-model changes, every
embedding job, and what hangs on a skipped vector DB (its RAG systems and search tools) wait for a
later import, which completes them.
"""

from __future__ import annotations

from typing import Any

from workshop_tui.domain.enums import JobStatus, ToolKind
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import Document, VectorDb
from workshop_tui.domain.templates import TemplateVariable
from workshop_tui.domain.text import normalize_text
from workshop_tui.services.embedding_jobs import ACTIVE
from workshop_tui.services.prompts import stored_variable
from workshop_tui.services.rag import DEFAULT_TEMPLATE, check_rag_template
from workshop_tui.services.workshop_file.changes import Change, Changes, Prepared, settle
from workshop_tui.services.workshop_file.content import message_of
from workshop_tui.services.workshop_file.names import Ambiguous, Resolver
from workshop_tui.services.workshop_file.plan import VectorDbPlan, WorkshopPlan
from workshop_tui.services.workshop_file.problems import join
from workshop_tui.services.workshop_file.result import Outcome
from workshop_tui.services.workshop_file.state import DbState, OwnedKey

WAITS = "waits for Ollama: --skip-vectors"


def _variables(variables: tuple[TemplateVariable, ...]) -> list[dict[str, Any]]:
    return [stored_variable(v) for v in variables]


def knowledge_changes(plan: WorkshopPlan, state: DbState, prepared: Prepared, changes: Changes) -> None:
    resolve = Resolver(plan, state)
    changes.sections["prompts"] = _prompts(plan, state)
    changes.sections["documents"] = _documents(plan, state, prepared)
    changes.sections["vector_dbs"] = [_vector_db(v, state, prepared, changes) for v in plan.vector_dbs]
    skipped = {c.name for c in changes.of("vector_dbs") if c.outcome is Outcome.SKIP}
    changes.sections["tools"] = _tools(plan, state, skipped)
    changes.sections["rag_systems"] = _rag_systems(plan, state, resolve, skipped, changes)
    changes.sections["embedding_jobs"] = _jobs(plan, state, prepared, resolve, changes)


def _prompts(plan: WorkshopPlan, state: DbState) -> list[Change]:
    result = []
    for prompt in plan.prompts:
        key = (prompt.owner, prompt.title)
        existing = state.prompts.get(key)
        wanted = {"template": normalize_text(prompt.template), "description": normalize_text(prompt.description),
                  "variables": _variables(prompt.variables), "tags": list(prompt.tags),
                  "visibility": prompt.visibility}
        change = Change("prompts", prompt.title, Outcome.CREATE, plan=prompt, existing=existing, wanted=wanted,
                        key=key)
        if existing is not None:
            settle(change, {"template": existing.template, "description": existing.description,
                            "variables": [dict(v) for v in existing.variables], "tags": list(existing.tags),
                            "visibility": existing.visibility})
        result.append(change)
    return result


def _documents(plan: WorkshopPlan, state: DbState, prepared: Prepared) -> list[Change]:
    result = []
    for document in plan.documents:
        key = (document.owner, document.title)
        text = prepared.texts.get(document.title)
        if text is None:  # unreadable: reported as a problem at its path, and nothing is written
            continue
        existing = state.documents.get(key)
        wanted = {"checksum": text.checksum, "content_type": text.content_type, "source": text.source,
                  "original_filename": text.filename, "visibility": document.visibility}
        change = Change("documents", document.title, Outcome.CREATE, plan=document, existing=existing,
                        wanted=wanted, key=key, extra={"text": text})
        if existing is not None:
            settle(change, {"checksum": existing.checksum, "content_type": existing.content_type,
                            "source": existing.source, "original_filename": existing.original_filename,
                            "visibility": existing.visibility})
        result.append(change)
    return result


def _vector_db(vdb: VectorDbPlan, state: DbState, prepared: Prepared, changes: Changes) -> Change:
    existing = state.vector_dbs.get(vdb.name)
    wanted = {"embedding_model": vdb.embedding_model, "description": normalize_text(vdb.description),
              "visibility": vdb.visibility, "owner": vdb.owner}
    change = Change("vector_dbs", vdb.name, Outcome.CREATE, plan=vdb, existing=existing, wanted=wanted, key=vdb.name)
    if existing is None:
        if prepared.skip_vectors:
            change.outcome, change.reason = Outcome.SKIP, WAITS
        else:
            change.extra["new_collection"] = True
        return change
    if existing.embedding_model != vdb.embedding_model and prepared.skip_vectors:
        wanted["embedding_model"] = existing.embedding_model
        changes.notes.append(f"vector DB '{vdb.name}' keeps {existing.embedding_model} for now: changing its "
                             f"embedding model to {vdb.embedding_model} re-embeds it, which waits for Ollama")
    settle(change, {"embedding_model": existing.embedding_model, "description": existing.description,
                    "visibility": existing.visibility, "owner": state.username(existing.creator_id)})
    if not prepared.skip_vectors and (wanted["embedding_model"] != existing.embedding_model
                                      or vdb.name in prepared.missing_collections):
        change.extra["new_collection"] = True
        if vdb.name in prepared.missing_collections and "embedding_model" not in change.before:
            change.before["collection"] = "missing"
            change.wanted["collection"] = "recreated"
            change.outcome = Outcome.UPDATE
    return change


def _tools(plan: WorkshopPlan, state: DbState, skipped_vector_dbs: set[str]) -> list[Change]:
    by_id = {v.id: v.name for v in state.vector_dbs.values()}
    result = []
    for tool in plan.tools:
        wanted = {"kind": tool.kind, "description": tool.description, "config": dict(tool.config),
                  "vector_db": tool.vector_db, "enabled": tool.enabled, "visibility": tool.visibility,
                  "owner": tool.owner}
        existing = state.tools.get(tool.name)
        change = Change("tools", tool.name, Outcome.CREATE, plan=tool, existing=existing, wanted=wanted, key=tool.name)
        if existing is None and tool.vector_db in skipped_vector_dbs:
            change.outcome, change.reason = Outcome.SKIP, f"on a vector DB that {WAITS}"
        elif existing is not None:
            config = dict(existing.config)
            vector_db = by_id.get(config.pop("vector_db_id", None)) if existing.kind is ToolKind.VECTOR_SEARCH else None
            settle(change, {"kind": existing.kind, "description": existing.description, "config": config,
                            "vector_db": vector_db, "enabled": existing.enabled, "visibility": existing.visibility,
                            "owner": state.username(existing.creator_id)})
        result.append(change)
    return result


def _rag_systems(plan: WorkshopPlan, state: DbState, resolve: Resolver, skipped: set[str],
                 changes: Changes) -> list[Change]:
    prompts_by_id = {p.id: key for key, p in state.prompts.items()}
    file_prompts = {(p.owner, p.title): p.template for p in plan.prompts}
    result = []
    for rag in plan.rag_systems:
        prompt: OwnedKey | None = None
        if rag.prompt is not None:
            try:
                prompt = resolve.prompt(rag.prompt, rag.owner)
            except (Ambiguous, LookupError) as error:
                changes.problems.append((join(rag.origin, "prompt"), str(error)))
                continue
            try:
                template = check_rag_template(file_prompts.get(prompt) or state.prompts[prompt].template)
            except Invalid as error:
                changes.problems.append((join(rag.origin, "prompt"), f"the template of prompt {rag.prompt!r} cannot "
                                                                     f"serve a RAG system: {message_of(error)}"))
                continue
        else:
            template = check_rag_template(rag.prompt_template or DEFAULT_TEMPLATE)
        wanted = {"chat_model": rag.chat_model, "vector_db": rag.vector_db, "prompt": prompt,
                  "prompt_template": template, "top_k": rag.top_k, "score_threshold": rag.score_threshold,
                  "description": normalize_text(rag.description), "visibility": rag.visibility, "owner": rag.owner}
        existing = state.rag_systems.get(rag.name)
        change = Change("rag_systems", rag.name, Outcome.CREATE, plan=rag, existing=existing, wanted=wanted,
                        key=rag.name)
        if existing is None and rag.vector_db in skipped:
            change.outcome, change.reason = Outcome.SKIP, f"on a vector DB that {WAITS}"
        elif existing is not None:
            vdb_name = next((v.name for v in state.vector_dbs.values() if v.id == existing.vector_db_id), None)
            settle(change, {"chat_model": existing.chat_model, "vector_db": vdb_name,
                            "prompt": prompts_by_id.get(existing.prompt_id),
                            "prompt_template": existing.prompt_template,
                            "top_k": existing.top_k, "score_threshold": existing.score_threshold,
                            "description": existing.description, "visibility": existing.visibility,
                            "owner": state.username(existing.creator_id)})
        result.append(change)
    return result


def _jobs(plan: WorkshopPlan, state: DbState, prepared: Prepared, resolve: Resolver, changes: Changes) -> list[Change]:
    """One change per (vector DB, document) pair the file lists, plus the other vector DBs that hold a
    document whose text changed."""
    pairs: dict[tuple[str, OwnedKey], Change] = {}
    for vdb in plan.vector_dbs:
        vdb_change = changes.find("vector_dbs", vdb.name)
        assert vdb_change is not None
        for number, title in enumerate(vdb.documents):
            try:
                key = resolve.document(title, vdb.owner)
            except (Ambiguous, LookupError) as error:
                changes.problems.append((join(join(vdb.origin, "documents"), number), str(error)))
                continue
            pairs[(vdb.name, key)] = _job(vdb_change, key, state, prepared, changes)
    by_id = {v.id: v for v in state.vector_dbs.values()}
    documents_by_id = {d.id: key for key, d in state.documents.items()}
    for doc_change in changes.of("documents"):  # a changed text is re-embedded wherever the document is
        if _text_changed(doc_change):
            for vdb_id in sorted(state.vector_db_ids_of(doc_change.existing.id)):
                vdb = by_id.get(vdb_id)
                if vdb is not None and (vdb.name, doc_change.key) not in pairs:
                    held = changes.find("vector_dbs", vdb.name) or Change(
                        "vector_dbs", vdb.name, Outcome.UNCHANGED, existing=vdb, key=vdb.name,
                        wanted={"embedding_model": vdb.embedding_model})
                    pairs[(vdb.name, doc_change.key)] = _job(held, doc_change.key, state, prepared, changes)
    for vdb_change in changes.of("vector_dbs"):  # a new collection is refilled with everything it held
        if vdb_change.existing is not None and vdb_change.extra.get("new_collection"):
            for document_id, vdb_id in list(state.jobs):
                key = documents_by_id.get(document_id)
                if vdb_id == vdb_change.existing.id and key is not None and (vdb_change.name, key) not in pairs:
                    pairs[(vdb_change.name, key)] = _job(vdb_change, key, state, prepared, changes)
    return list(pairs.values())


def _job(vdb: Change, key: OwnedKey, state: DbState, prepared: Prepared, changes: Changes) -> Change:
    doc_change = changes.find("documents", key)
    document: Document | None = doc_change.existing if doc_change is not None else state.documents.get(key)
    existing_vdb: VectorDb | None = vdb.existing
    latest = state.jobs.get((document.id, existing_vdb.id)) if document and existing_vdb else None
    name = f"'{key[1]}' into '{vdb.name}'"
    model = vdb.wanted.get("embedding_model")
    change = Change("embedding_jobs", name, Outcome.UNCHANGED, existing=latest, key=(vdb.name, key),
                    extra={"vector_db": vdb.name, "document": key, "model": model})
    if prepared.skip_vectors or vdb.outcome is Outcome.SKIP:
        done = latest is not None and latest.status is JobStatus.DONE and not _text_changed(doc_change)
        if not done:
            change.outcome, change.reason = Outcome.SKIP, WAITS
        return change
    why = None
    if vdb.extra.get("new_collection"):
        why = "new vector DB" if existing_vdb is None else ("new model" if "embedding_model" in vdb.before
                                                             else "collection recreated")
    elif doc_change is not None and doc_change.outcome is Outcome.CREATE:
        why = "new document"
    elif _text_changed(doc_change):
        why = "text changed"
    elif latest is None:
        why = "never embedded"
    elif latest.status in ACTIVE:
        why = "resumed"
    elif latest.status is not JobStatus.DONE:
        why = f"last job {latest.status}"
    if why is not None:
        change.outcome, change.reason = Outcome.CREATE, why
    return change


def _text_changed(doc_change: Change | None) -> bool:
    return doc_change is not None and doc_change.outcome is Outcome.UPDATE and "checksum" in doc_change.before
