"""Builds the knowledge services together, sharing one embedder, one job runner and one store.

The composition root (and the tests) call `build_knowledge` once per process, `start()` once the
database is migrated (it resumes interrupted embedding jobs and drops collections left to drop), and
`aclose()` on shutdown (jobs stop and stay resumable).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workshop_tui.ollama import OllamaPool
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.documents import DocumentService
from workshop_tui.services.embedder import Embedder, RetryPolicy
from workshop_tui.services.embedding_jobs import EmbeddingJobService
from workshop_tui.services.prompts import PromptService
from workshop_tui.services.rag import RagService
from workshop_tui.services.retrieval import SearchService
from workshop_tui.services.vector_dbs import VectorDbService
from workshop_tui.vectors import VectorStore


@dataclass
class KnowledgeServices:
    embedder: Embedder
    jobs: EmbeddingJobService
    documents: DocumentService
    vector_dbs: VectorDbService
    rag: RagService
    search: SearchService
    prompts: PromptService

    async def start(self) -> list[int]:
        """Finish what the previous process left unfinished: drop (in the background) the collections
        it left to drop, and resume its embedding jobs; returns their ids."""
        await self.vector_dbs.start()
        return await self.jobs.resume_interrupted()

    async def aclose(self) -> None:
        await self.vector_dbs.aclose()
        await self.jobs.aclose()


def build_knowledge(ctx: ServiceContext, store: VectorStore, pool: OllamaPool, *, import_root: Path | None = None,
                    retry: RetryPolicy | None = None, max_running_jobs: int = 2) -> KnowledgeServices:
    embedder = Embedder(pool, max_in_flight=2, retry=retry)
    jobs = EmbeddingJobService(ctx, store, embedder, max_running_jobs=max_running_jobs)
    return KnowledgeServices(
        embedder=embedder,
        jobs=jobs,
        documents=DocumentService(ctx, store, jobs, import_root=import_root),
        vector_dbs=VectorDbService(ctx, store, embedder, jobs),
        rag=RagService(ctx, store, embedder),
        search=SearchService(ctx, store, embedder),
        prompts=PromptService(ctx),
    )
