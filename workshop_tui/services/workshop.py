"""The composition root: one `Workshop` per process owns the database, the vector store and the
way to Ollama, and builds every service on them. The TUI, the SSH server and the CLI all start
here, so they share one authorization path and one set of resources."""

from __future__ import annotations

import gc
from dataclasses import dataclass

from workshop_tui.config.logging import get_logger
from workshop_tui.config.settings import Settings
from workshop_tui.services.access import Actor
from workshop_tui.services.accounts import AccountService
from workshop_tui.services.activity import ActivityService
from workshop_tui.services.approvals import ApprovalService
from workshop_tui.services.audit_log import AuditLogService
from workshop_tui.services.broadcasts import BroadcastService
from workshop_tui.services.catalog import CatalogService
from workshop_tui.services.chat import ChatService, Grounding
from workshop_tui.services.chat_recorder import interrupt_unfinished_replies
from workshop_tui.services.collector import Collector
from workshop_tui.services.context import ServiceContext
from workshop_tui.services.effective_access import EffectiveAccessService
from workshop_tui.services.events import EventBus
from workshop_tui.services.gateway import OllamaGateway
from workshop_tui.services.health import HealthService
from workshop_tui.services.knowledge import KnowledgeServices, build_knowledge
from workshop_tui.services.quotas import QuotaService
from workshop_tui.services.tool_resources import ToolService
from workshop_tui.services.usage import UsageService
from workshop_tui.storage.database import Database
from workshop_tui.vectors import VectorStore

log = get_logger(__name__)


@dataclass
class Workshop:
    settings: Settings
    ctx: ServiceContext
    gateway: OllamaGateway
    store: VectorStore
    chat: ChatService
    catalog: CatalogService
    health: HealthService
    accounts: AccountService
    approvals: ApprovalService
    quotas: QuotaService
    knowledge: KnowledgeServices
    tools: ToolService
    activity: ActivityService
    audit: AuditLogService
    broadcasts: BroadcastService
    effective_access: EffectiveAccessService
    usage: UsageService
    collector: Collector | None = None

    @classmethod
    async def open(cls, settings: Settings, *, upgrade: bool = True, run_jobs: bool = False) -> Workshop:
        """Open everything. Nothing here waits on Ollama, and the vector store opens in the
        background, so start-up is quick even when Ollama is down or the store is large.

        `run_jobs` is for the long-lived process that owns the database (the app, the server): it
        finishes what a previous one left undone: replies it was writing are marked interrupted,
        and its embedding jobs and vector DB changes resume. Commands that may run beside the server
        (`health`, `import`) leave all of that alone, since the server may still be writing it.
        """
        db = Database.from_url(settings.effective_database_url)
        if upgrade:
            await db.upgrade_on_start()
        ctx = ServiceContext(settings=settings, db=db, events=EventBus())
        gateway = OllamaGateway.from_settings(settings.ollama)
        api_key = settings.qdrant.api_key.get_secret_value() if settings.qdrant.api_key else None
        store = (VectorStore(url=settings.qdrant.url, api_key=api_key) if settings.qdrant.url
                 else VectorStore(path=settings.qdrant_path))
        store.start()
        quotas = QuotaService(ctx)  # the chat's usage gate: quotas and concurrent generations
        knowledge = build_knowledge(ctx, store, gateway.pool, import_root=settings.import_dir)

        async def ground(actor: Actor, rag_system_id: int, question: str) -> Grounding:
            retrieval = await knowledge.rag.retrieve(actor, rag_system_id, question)
            return Grounding(prompt=retrieval.prompt, citations=list(retrieval.citation_dicts()))

        activity = ActivityService(ctx, gateway)  # who is online, and what is being generated
        chat = ChatService(ctx, gateway, quotas, retriever=ground, search=knowledge.search.search_function,
                           activity=activity.generations)
        workshop = cls(settings=settings, ctx=ctx, gateway=gateway, store=store, chat=chat,
                       catalog=CatalogService(ctx, gateway), health=HealthService(ctx, gateway, store),
                       accounts=AccountService(ctx), approvals=ApprovalService(ctx), quotas=quotas,
                       knowledge=knowledge, tools=ToolService(ctx, search=knowledge.search.search_function),
                       activity=activity, audit=AuditLogService(ctx), broadcasts=BroadcastService(ctx),
                       effective_access=EffectiveAccessService(ctx), usage=UsageService(ctx))
        if run_jobs:
            repaired = await interrupt_unfinished_replies(db)
            if repaired:
                log.info("marked %d reply(ies) left streaming by the previous process as interrupted", repaired)
            await knowledge.start()
            # Long-lived: keep the objects loaded at start-up out of every later full collection,
            # which otherwise scans them all and stalls the shared event loop; and run those
            # collections between replies rather than in the middle of twenty.
            gc.freeze()
            workshop.collector = Collector(lambda: gateway.queue.in_flight() > 0)
            workshop.collector.start()
        return workshop

    async def close(self) -> None:
        if self.collector is not None:
            await self.collector.stop()
        await self.knowledge.aclose()
        self.accounts.passwords.close()
        await self.gateway.aclose()
        await self.store.close()
        await self.ctx.db.close()
