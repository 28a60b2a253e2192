"""``ImportService``: apply a workshop file (or a users CSV) to the workshop, as the operator.

The order is what makes a failing import leave nothing half done:

1. **Check, write nothing.** The file is validated against what the database holds; every
   document's text is extracted; the database's own rules are checked (the last super_admin...);
   Ollama is asked what it serves and each new vector DB's dimension. Any problem with the file is
   raised as :class:`WorkshopFileErrors` (every problem, located in the file); Ollama or the vector
   store being needed but unavailable is raised as :class:`ImportBlocked`. ``--dry-run`` stops here.
2. **Pull** the listed models no host serves (``pull: true``), with progress.
3. **One transaction** writes every row, with an audit record per change.
4. **Vector work** after the commit: collections, then this import's embedding jobs. A failure here
   leaves the committed class in place and the work resumable, and the result says so.

Running the same file again changes nothing; a changed file updates exactly what changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.errors import Invalid, Unavailable, WorkshopError
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop
from workshop_tui.services.workshop_file.changes import Changes, Prepared, compute_changes, needs_dimension
from workshop_tui.services.workshop_file.content import message_of
from workshop_tui.services.workshop_file.diff_conversations import read_conversations
from workshop_tui.services.workshop_file.limits import FileLimits
from workshop_tui.services.workshop_file.located import load_located
from workshop_tui.services.workshop_file.plan import WorkshopPlan
from workshop_tui.services.workshop_file.preflight import check_rules, prepare_passwords, read_documents
from workshop_tui.services.workshop_file.problems import Problems, join
from workshop_tui.services.workshop_file.result import ImportResult, NoProgress, Outcome, Progress
from workshop_tui.services.workshop_file.state import DbState, read_state
from workshop_tui.services.workshop_file.vector_work import make_collections, run_jobs
from workshop_tui.services.workshop_file.writer import Writer, Written
from workshop_tui.storage.repositories.users import UserRepository

log = get_logger(__name__)


class ImportBlocked(Unavailable):
    """The import needs something that is not available (Ollama, the vector store); nothing was written."""


class ImportService:
    def __init__(self, workshop: Workshop, *, progress: Progress | None = None, limits: FileLimits | None = None,
                 job_timeout_s: float = 3600.0, pull_timeout_s: float = 6 * 3600.0,
                 store_timeout_s: float = 60.0) -> None:
        self.workshop = workshop
        self.progress = progress or NoProgress()
        self.limits = limits or FileLimits.from_settings(workshop.settings)
        self.job_timeout_s = job_timeout_s
        self.pull_timeout_s = pull_timeout_s
        self.store_timeout_s = store_timeout_s

    @property
    def ollama_urls(self) -> str:
        return ", ".join(self.workshop.gateway.pool.urls)

    async def run(self, path: Path, *, dry_run: bool = False, skip_vectors: bool = False,
                  environ: Mapping[str, str] | None = None,
                  on_commit: Callable[[ImportResult], None] | None = None) -> ImportResult:
        """Import ``path`` (``.yaml``/``.yml`` or a ``.csv`` of users); see the module docstring.

        ``on_commit`` sees the result as soon as the transaction committed, before the vector work:
        the accounts exist from then on, so their generated passwords must reach the organiser even
        if the vector work is interrupted."""
        path = Path(path)
        db = self.workshop.ctx.db
        self.progress.step(f"checking {path} against the database")
        async with db.reading() as session:
            state = await read_state(session)
        plan, problems = await asyncio.to_thread(load_located, path, catalogue=state.catalogue(), limits=self.limits,
                                                 environ=environ)
        if plan.conversations:
            async with db.reading() as session:
                state.conversations = await read_conversations(session, state.usernames)
        prepared = Prepared(skip_vectors=skip_vectors)
        if plan.documents:
            self.progress.step(f"reading {len(plan.documents)} document(s)")
            prepared.texts = await read_documents(plan, self.limits.documents, problems, self.progress)
        reachable = await self._ask_ollama(plan, state, prepared)
        await self._find_missing_collections(plan, state, prepared)
        changes = compute_changes(plan, state, prepared)
        check_rules(plan, state, changes, problems)
        problems.raise_if_any()
        blocked = self._blocked(plan, state, prepared, changes, reachable)
        if blocked and not dry_run:
            raise ImportBlocked(blocked)
        if changes.needs_ollama():
            await self._store_ready()
        if not blocked:
            await self._dimensions(changes, prepared, problems, later=set(prepared.pulls))
            problems.raise_if_any()
        await self._passwords(plan, state, prepared, hash_them=not dry_run)
        changes = compute_changes(plan, state, prepared)
        new_models = {c.name for c in changes.of("models") if c.outcome is Outcome.CREATE}
        result = ImportResult(source=path, dry_run=dry_run, blocked=blocked)
        if skip_vectors:
            result.skipped_vectors = self._skip_message(path, changes, reachable)
        if dry_run:
            changes.report(result)
            result.pulled = list(prepared.pulls)
            return result
        await self._pull(prepared)
        if prepared.pulls:
            await self._dimensions(changes, prepared, problems, later=set())
            problems.raise_if_any()
        self.progress.step("writing the database (one transaction)" if changes.any_write() else
                           "checking the database once more: nothing to change")
        async with db.transaction() as session:
            state = await read_state(session, with_conversations=bool(plan.conversations))
            changes = compute_changes(plan, state, prepared)
            check_rules(plan, state, changes, problems)
            problems.raise_if_any()  # the database changed since the checks: roll back, say why
            written = await Writer(session, state, prepared, path).write(changes)
        for change in changes.of("models"):  # a pull registers its model before the transaction
            if change.name in new_models and change.outcome is not Outcome.SKIP:
                change.outcome = Outcome.CREATE
        changes.report(result)
        result.pulled = list(prepared.pulls)
        created = {c.name for c in changes.of("users") if c.outcome is Outcome.CREATE}
        result.passwords = {name: secret for name, secret in prepared.generated.items() if name in created}
        log.info("workshop file imported", extra={"file": str(path), "changes": {
            section: {k: v for k, v in value.items() if v} for section, value in result.counts().items()}})
        if on_commit is not None:
            on_commit(result)
        await self._vector_work(path, written, result)
        return result

    # -- Ollama and the vector store ---------------------------------------------------------------

    async def _ask_ollama(self, plan: WorkshopPlan, state: DbState, prepared: Prepared) -> bool:
        """Whether Ollama answers, and what it serves; asked only when the file lists models or vector DBs."""
        if not plan.models and not plan.vector_dbs:
            return False
        gateway = self.workshop.gateway
        self.progress.step(f"asking Ollama at {self.ollama_urls} which models it serves")
        entries = await gateway.models(refresh=True)
        reachable = any(gateway.pool.is_up(url) for url in gateway.pool.urls)
        if not reachable or prepared.skip_vectors:
            return reachable
        for entry in entries:
            prepared.served[entry.name] = gateway.pool.hosts_for(entry.name)
            prepared.model_facts[entry.name] = {
                "family": entry.family, "parameter_size": entry.parameter_size,
                "quantization": entry.quantization_level, "size_bytes": entry.size or None,
                "digest": entry.digest or None, "capabilities": list(entry.capabilities),
                "context_length": entry.context_length, "host": entry.host}
        prepared.pulls = [m.name for m in plan.models if m.pull and m.name not in prepared.served]
        return reachable

    async def _find_missing_collections(self, plan: WorkshopPlan, state: DbState, prepared: Prepared) -> None:
        """Existing vector DBs of the file whose collection is gone are rebuilt (and refilled). A store
        that cannot be opened (a running server holds the embedded one) is not checked: an import with
        no vector work to do still runs."""
        existing = [state.vector_dbs[v.name] for v in plan.vector_dbs if v.name in state.vector_dbs]
        if prepared.skip_vectors or not existing:
            return
        try:
            await self.workshop.store.wait_ready(self.store_timeout_s)
            for vdb in existing:
                if not await self.workshop.store.collection_exists(vdb.collection_name):
                    prepared.missing_collections.add(vdb.name)
        except WorkshopError as error:  # only blocks the import if it has vector work to do (see run)
            log.warning("could not check the vector collections: %s", error)

    async def _store_ready(self) -> None:
        """The vector store must open before anything is written that it will have to hold."""
        try:
            await self.workshop.store.wait_ready(self.store_timeout_s)
        except WorkshopError as error:
            raise self._store_blocked(error) from error

    @staticmethod
    def _store_blocked(error: WorkshopError) -> ImportBlocked:
        return ImportBlocked(f"the vector store cannot be used: {error}. Nothing was written. If the workshop server "
                             "runs on this data directory, stop it first (the embedded store has one user at a "
                             "time), or import with --skip-vectors")

    def _blocked(self, plan: WorkshopPlan, state: DbState, prepared: Prepared, changes: Changes,
                 reachable: bool) -> str | None:
        """Why this import cannot run while Ollama is down (None when it can)."""
        if prepared.skip_vectors or reachable:
            return None
        pulls = [m.name for m in plan.models if m.pull and not (m.name in state.models and state.models[m.name].hosts)]
        needs = [f"pulling {', '.join(pulls)} (new to the catalogue)"] if pulls else []
        needs += changes.needs_ollama()
        if not needs:
            return None
        return (f"Ollama at {self.ollama_urls} is not reachable, and this import needs it for: {'; '.join(needs)}. "
                "Nothing was written. Start Ollama ('ollama serve') and run the import again, or add --skip-vectors "
                "to import everything else now and finish with a second import later")

    async def _dimensions(self, changes: Changes, prepared: Prepared, problems: Problems, *, later: set[str]) -> None:
        """Each new collection's size, from the model itself (never assumed); models still to be pulled
        are asked after their pull."""
        for change in changes.of("vector_dbs"):
            model = change.wanted["embedding_model"]
            if not needs_dimension(change) or model in prepared.dimensions or model in later:
                continue
            try:
                prepared.dimensions[model] = await self.workshop.knowledge.embedder.dimension(model)
            except Invalid as error:
                problems.add(join(change.plan.origin, "embedding_model"), message_of(error))
            except WorkshopError as error:
                raise ImportBlocked(f"could not read the dimension of {model} for vector DB '{change.name}': "
                                    f"{error}. Nothing was written.") from error

    async def _pull(self, prepared: Prepared) -> None:
        for name in prepared.pulls:
            self.progress.step(f"pulling {name} (it is not on any Ollama host yet)")
            layers: dict[str, tuple[int, int]] = {}
            try:
                async with asyncio.timeout(self.pull_timeout_s):
                    async for report in self.workshop.catalog.pull(OPERATOR, name):
                        if report.digest and report.total:
                            layers[report.digest] = (report.completed, report.total)
                        done, total = sum(c for c, _ in layers.values()), sum(t for _, t in layers.values())
                        if total:
                            self.progress.advance(f"pulling {name}", done * 100 // total, 100)
            except (WorkshopError, TimeoutError) as error:
                why = error if isinstance(error, WorkshopError) else f"still going after {self.pull_timeout_s:g} s"
                raise ImportBlocked(f"pulling {name} failed: {why}. Nothing of the file was written (models pulled "
                                    f"before it stay on the Ollama host); run the import again") from error

    async def _passwords(self, plan: WorkshopPlan, state: DbState, prepared: Prepared, *, hash_them: bool) -> None:
        new = sum(u.username not in state.users for u in plan.users)
        if new and hash_them:
            self.progress.step(f"hashing the passwords of {new} new account(s)")

        async def stored_hashes(usernames: list[str]) -> dict[str, str | None]:
            async with self.workshop.ctx.db.reading() as session:
                return await UserRepository(session).password_hashes(usernames)

        await prepare_passwords(plan, state, self.workshop.accounts.passwords, stored_hashes, prepared,
                                hash_them=hash_them, progress=self.progress)

    async def _vector_work(self, path: Path, written: Written, result: ImportResult) -> None:
        if written.new_collections or written.old_collections:
            self.progress.step(f"creating {len(written.new_collections)} vector collection(s)")
        made = await make_collections(self.workshop.store, written, result, source=str(path), progress=self.progress,
                                      ready_timeout_s=self.store_timeout_s)
        if made and written.jobs:
            self.progress.step(f"embedding {len(written.jobs)} document(s) with Ollama at {self.ollama_urls}")
            await run_jobs(self.workshop.ctx.db, self.workshop.knowledge.jobs, written, result, source=str(path),
                           progress=self.progress, timeout_s=self.job_timeout_s)

    def _skip_message(self, path: Path, changes: Changes, reachable: bool) -> str | None:
        nouns = {"vector_dbs": "vector DB(s)", "embedding_jobs": "embedding job(s)", "rag_systems": "RAG system(s)",
                 "tools": "search tool(s)"}
        waiting = {noun: sum(c.outcome is Outcome.SKIP for c in changes.of(s)) for s, noun in nouns.items()}
        parts = [f"{n} {noun}" for noun, n in waiting.items() if n]
        if not parts:
            return None
        state = "is not reachable" if not reachable else "answers"
        return (f"--skip-vectors: left for later: {', '.join(parts)} (Ollama at {self.ollama_urls} {state}). "
                f"Once Ollama runs, 'workshop-tui import {path}' without --skip-vectors creates them")
