"""Writing an import's changes: every database row in ONE transaction, names turned into ids inside it.

The caller opens the transaction; if anything here raises, nothing of the class is left behind.
Order matters only for links: owners (users) first, then what they own, vector DBs before the tools
and RAG systems that use them, tools before the grants that name them, and embedding jobs last,
queued (the vector work runs after the commit). Each create and update gets one audit record,
attributed to the operator, with before and after values in the file's terms; passwords and hashes
never appear, only the time a password changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from workshop_tui.domain.enums import AccountStatus, Distance, JobStatus, Role, ToolKind
from workshop_tui.domain.errors import Conflict
from workshop_tui.domain.models import VectorDb
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.tools.kinds import spec_for
from workshop_tui.services.workshop_file.changes import Change, Changes, Prepared, audit_value
from workshop_tui.services.workshop_file.diff_conversations import write_conversation
from workshop_tui.services.workshop_file.diff_people import PASSWORD
from workshop_tui.services.workshop_file.result import Outcome
from workshop_tui.services.workshop_file.state import DbState
from workshop_tui.services.workshop_file.users import QUOTA_KEYS
from workshop_tui.storage.repositories.audit import AuditRepository
from workshop_tui.storage.repositories.documents import DocumentRepository
from workshop_tui.storage.repositories.embedding_jobs import EmbeddingJobRepository
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.prompts import PromptRepository
from workshop_tui.storage.repositories.rag_systems import RagSystemRepository
from workshop_tui.storage.repositories.tools import ToolRepository
from workshop_tui.storage.repositories.users import UserRepository
from workshop_tui.storage.repositories.vector_dbs import VectorDbRepository

TARGETS = {"models": "model", "users": "user", "prompts": "prompt", "documents": "document",
           "vector_dbs": "vector_db", "tools": "tool", "rag_systems": "rag_system", "conversations": "conversation"}
AUTH_FIELDS = {PASSWORD}  # a new password ends the account's open sessions; other changes apply to them


@dataclass(frozen=True)
class QueuedJob:
    document_id: int
    vector_db_id: int
    change: Change


@dataclass
class Written:
    """What the vector work after the commit needs: the vector DBs, the queued jobs, old collections."""

    vector_dbs: dict[str, VectorDb] = field(default_factory=dict)
    jobs: list[QueuedJob] = field(default_factory=list)
    old_collections: list[str] = field(default_factory=list)
    new_collections: set[str] = field(default_factory=set)


class Writer:
    def __init__(self, session: AsyncSession, state: DbState, prepared: Prepared, source: Path) -> None:
        self.session, self.state, self.prepared, self.source = session, state, prepared, source
        self.user_ids = {name: u.id for name, u in state.users.items()}
        self.audit = AuditRepository(session)
        self.written = Written(vector_dbs=dict(state.vector_dbs))
        self.now = datetime.now(UTC)

    def owner_id(self, username: str | None) -> int | None:
        if username is None:
            return None
        if username not in self.user_ids:
            raise Conflict(f"the account {username!r} disappeared during the import; run the import again")
        return self.user_ids[username]

    async def record(self, change: Change, target_id: int | None) -> None:
        if change.outcome not in (Outcome.CREATE, Outcome.UPDATE):
            return
        target = TARGETS[change.section]
        create = change.outcome is Outcome.CREATE
        action = {"user": "user.add", "model": "model.register"}.get(target, f"{target}.create") if create \
            else f"{target}.update"
        after = {k: v for k, v in change.wanted.items() if k != PASSWORD} if create else change.after()
        if PASSWORD in after or (create and target == "user"):
            after.pop(PASSWORD, None)
            after["password_changed_at"] = self.now.isoformat()
        await self.audit.record(actor_id=OPERATOR.id, actor_name=OPERATOR.name, action=action, target_type=target,
                                target_id=target_id, target_name=change.name[:200],
                                before=None if create else audit_value(change.before), after=audit_value(after))

    async def write(self, changes: Changes) -> Written:
        await self._models(changes.of("models"))
        await self._users(changes.of("users"))
        await self._prompts(changes.of("prompts"))
        document_ids = await self._documents(changes.of("documents"))
        await self._vector_dbs(changes.of("vector_dbs"))
        await self._tools(changes.of("tools"))
        await self._grants_and_audit(changes.of("users"))
        await self._rag_systems(changes.of("rag_systems"))
        await self._jobs(changes.of("embedding_jobs"), document_ids)
        for change in changes.of("conversations"):
            if change.outcome is Outcome.CREATE:
                conversation_id = await write_conversation(self.session, change.plan, self.owner_id(change.plan.owner))
                await self.record(change, conversation_id)
        await self._summary(changes)
        return self.written

    async def _models(self, changes: list[Change]) -> None:
        repo = ModelRepository(self.session)
        for change in changes:
            if change.outcome is Outcome.CREATE:
                facts = dict(self.prepared.model_facts.get(change.name, {}))
                model = await repo.upsert(change.name, **(facts | change.wanted))
                await self.record(change, model.id)
            elif change.outcome is Outcome.UPDATE:
                model = await repo.upsert(change.name, **change.after())
                await self.record(change, model.id)

    async def _users(self, changes: list[Change]) -> None:
        """Accounts without their links: guardians and grants follow once every account and tool exists."""
        repo = UserRepository(self.session)
        for change in changes:
            wanted = change.wanted
            if change.outcome is Outcome.CREATE:
                password_hash = self.prepared.hashes.get(change.name)
                if password_hash is None:
                    raise Conflict(f"the account {change.name!r} appeared or vanished during the import; run it again")
                active = wanted["status"] is AccountStatus.ACTIVE
                user = await repo.add(username=change.name, display_name=wanted["display_name"], role=wanted["role"],
                                      status=wanted["status"], password_hash=password_hash, email=wanted.get("email"),
                                      admin_notes=wanted.get("notes"), approved_at=self.now if active else None,
                                      **{f"quota_{c}": wanted.get(f"quota_{c}") for c in QUOTA_KEYS})
                self.user_ids[change.name] = user.id
            elif change.outcome is Outcome.UPDATE:
                columns = {("admin_notes" if k == "notes" else k): wanted[k] for k in change.before
                           if k in {"display_name", "role", "status", "email", "notes"} or k.startswith("quota_")}
                if change.before.get("status") is AccountStatus.PENDING:
                    columns.update(approved_at=self.now, approved_by_id=None)
                if change.before.get("role") is Role.FAMILY and wanted["role"] is not Role.FAMILY:
                    columns["guardian_id"] = None
                if PASSWORD in change.before:
                    columns.update(password_hash=self.prepared.hashes[change.name], password_changed_at=self.now)
                await repo.update(change.existing.id, bump_auth=bool(AUTH_FIELDS & set(change.before)), **columns)

    async def _grants_and_audit(self, changes: list[Change]) -> None:
        repo = UserRepository(self.session)
        changes = [c for c in changes if c.outcome in (Outcome.CREATE, Outcome.UPDATE)]
        model_names: set[str] = set()
        tool_names: set[str] = set()
        for change in changes:
            stated = change.wanted if change.outcome is Outcome.CREATE else change.before
            if "models" in stated:
                model_names.update(change.wanted["models"])
            if "tools" in stated:
                tool_names.update(change.wanted["tools"])
        # every name resolved once (the tools written above included), then looked up per account
        models = await ModelRepository(self.session).by_names(model_names) if model_names else {}
        model_ids = {name: model.id for name, model in models.items()}
        tool_ids = await ToolRepository(self.session).ids_by_name(tool_names)
        for change in changes:
            user_id = self.user_ids[change.name]
            stated = change.wanted if change.outcome is Outcome.CREATE else change.before
            if "guardian" in stated:
                guardian = change.wanted["guardian"]
                await repo.update(user_id, guardian_id=self.owner_id(guardian) if guardian else None)
            if "models" in stated:
                names = dict.fromkeys(change.wanted["models"])  # as the query did, each model once
                await repo.set_model_ids(user_id, [model_ids[name] for name in names if name in model_ids])
            if "tools" in stated:
                names = dict.fromkeys(change.wanted["tools"])
                await repo.set_tool_ids(user_id, [tool_ids[name] for name in names if name in tool_ids])
            await self.record(change, user_id)

    async def _prompts(self, changes: list[Change]) -> None:
        repo = PromptRepository(self.session)
        for change in changes:
            if change.outcome is Outcome.CREATE:
                prompt = await repo.add(title=change.name, creator_id=self.owner_id(change.key[0]), **change.wanted)
                await self.record(change, prompt.id)
            elif change.outcome is Outcome.UPDATE:
                await repo.update(change.existing.id, **change.after())
                await self.record(change, change.existing.id)

    async def _documents(self, changes: list[Change]) -> dict[tuple[str | None, str], int]:
        repo = DocumentRepository(self.session)
        ids = {key: d.id for key, d in self.state.documents.items()}
        for change in changes:
            if change.outcome not in (Outcome.CREATE, Outcome.UPDATE):
                continue
            text = change.extra["text"]
            content = dict(text=text.text, size_bytes=text.size_bytes, page_count=text.page_count)
            if change.outcome is Outcome.CREATE:
                document = await repo.add(title=change.name, creator_id=self.owner_id(change.key[0]), **content,
                                          **change.wanted)
                ids[change.key] = document.id
                await self.record(change, document.id)
            elif change.outcome is Outcome.UPDATE:
                fields = change.after() | (content if "checksum" in change.before else {})
                await repo.update(change.existing.id, **fields)
                await self.record(change, change.existing.id)
        return ids

    async def _vector_dbs(self, changes: list[Change]) -> None:
        repo = VectorDbRepository(self.session)
        for change in changes:
            wanted = dict(change.wanted)
            owner = self.owner_id(wanted.pop("owner"))
            wanted.pop("collection", None)
            if change.outcome is Outcome.CREATE:
                vdb = await repo.add(name=change.name, creator_id=owner, dimension=self._dimension(wanted),
                                     distance=Distance.COSINE, collection_name=f"vdb_{uuid.uuid4().hex}", **wanted)
                self.written.new_collections.add(vdb.collection_name)
            elif change.outcome is Outcome.UPDATE:
                fields = {k: wanted[k] for k in change.before if k in wanted}
                if "owner" in change.before:
                    fields["creator_id"] = owner
                if "embedding_model" in change.before:
                    fields.update(dimension=self._dimension(wanted), collection_name=f"vdb_{uuid.uuid4().hex}")
                    self.written.old_collections.append(change.existing.collection_name)
                vdb = await repo.update(change.existing.id, **fields) if fields else change.existing
                if change.extra.get("new_collection"):
                    self.written.new_collections.add(vdb.collection_name)
            else:
                continue
            self.written.vector_dbs[change.name] = vdb
            await self.record(change, vdb.id)

    def _dimension(self, wanted: dict[str, Any]) -> int:
        model = wanted["embedding_model"]
        if model not in self.prepared.dimensions:
            raise Conflict(f"the dimension of {model} is not known; run the import again")
        return self.prepared.dimensions[model]

    def _vector_db_id(self, name: str | None) -> int | None:
        if name is None:
            return None
        if name not in self.written.vector_dbs:
            raise Conflict(f"the vector DB {name!r} disappeared during the import; run the import again")
        return self.written.vector_dbs[name].id

    async def _tools(self, changes: list[Change]) -> None:
        repo = ToolRepository(self.session)
        for change in changes:
            if change.outcome not in (Outcome.CREATE, Outcome.UPDATE):
                continue
            wanted = change.wanted
            config = dict(wanted["config"])
            if wanted["kind"] is ToolKind.VECTOR_SEARCH:
                config["vector_db_id"] = self._vector_db_id(wanted["vector_db"])
            columns = dict(kind=wanted["kind"], description=wanted["description"], config=config,
                           enabled=wanted["enabled"], visibility=wanted["visibility"],
                           parameters=spec_for(wanted["kind"]).parameters, creator_id=self.owner_id(wanted["owner"]))
            if change.outcome is Outcome.CREATE:
                tool = await repo.add(name=change.name, **columns)
                await self.record(change, tool.id)
            elif change.outcome is Outcome.UPDATE:
                await repo.update(change.existing.id, **columns)
                await self.record(change, change.existing.id)

    async def _rag_systems(self, changes: list[Change]) -> None:
        repo = RagSystemRepository(self.session)
        prompts = PromptRepository(self.session)
        for change in changes:
            if change.outcome not in (Outcome.CREATE, Outcome.UPDATE):
                continue
            columns = dict(change.wanted)
            prompt_key = columns.pop("prompt")
            prompt = await prompts.get_by_title(self.owner_id(prompt_key[0]), prompt_key[1]) if prompt_key else None
            columns["prompt_id"] = prompt.id if prompt else None
            columns["vector_db_id"] = self._vector_db_id(columns.pop("vector_db"))
            columns["creator_id"] = self.owner_id(columns.pop("owner"))
            if change.outcome is Outcome.CREATE:
                rag = await repo.add(name=change.name, **columns)
                await self.record(change, rag.id)
            else:
                await repo.update(change.existing.id, **columns)
                await self.record(change, change.existing.id)

    async def _jobs(self, changes: list[Change], document_ids: dict[tuple[str | None, str], int]) -> None:
        repo = EmbeddingJobRepository(self.session)
        for change in changes:
            if change.outcome is not Outcome.CREATE:
                continue
            vdb_id = self._vector_db_id(change.extra["vector_db"])
            document_id = document_ids[change.extra["document"]]
            assert vdb_id is not None
            if await repo.active_for(document_id, vdb_id) is None:  # an active one is resumed rather than doubled
                await repo.add(document_id=document_id, vector_db_id=vdb_id, requested_by_id=None,
                               status=JobStatus.QUEUED)
            self.written.jobs.append(QueuedJob(document_id, vdb_id, change))

    async def _summary(self, changes: Changes) -> None:
        """One record of the import itself, only when it changed something (a re-import adds no noise)."""
        counts = {section: {o.value: n for o in (Outcome.CREATE, Outcome.UPDATE)
                            if (n := sum(c.outcome is o for c in items))}
                  for section, items in changes.sections.items()}
        counts = {section: value for section, value in counts.items() if value}
        if counts:
            await self.audit.record(actor_id=OPERATOR.id, actor_name=OPERATOR.name, action="workshop.import",
                                    target_type="workshop", target_name=self.source.name[:200],
                                    after={"file": str(self.source)[:500], "changes": counts})
