"""RAG systems: the ones you may use; creating, changing and deleting yours; a "try it" panel that
streams an answer with its sources through the chat's own renderer; and "Open in chat", which
continues the tried conversation in Chat (or starts one grounded on the system)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import aclosing
from typing import Any

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static

from workshop_tui.domain.errors import NotAuthenticated, ServiceError
from workshop_tui.domain.models import RagSystem
from workshop_tui.domain.text import one_line
from workshop_tui.services.access import Kind
from workshop_tui.services.chat_events import ReplyFailed, ReplyFinished
from workshop_tui.ui.permissions import may_change, may_create
from workshop_tui.ui.screens.chat_turn import describe_event
from workshop_tui.ui.screens.conversation_requests import ConversationRequests
from workshop_tui.ui.screens.modals.confirm import ConfirmModal
from workshop_tui.ui.screens.modals.rag_form import RagFormModal
from workshop_tui.ui.screens.resource import ResourceScreen
from workshop_tui.ui.service_calls import completed
from workshop_tui.ui.text import plain, say
from workshop_tui.ui.widgets.conversation_view import ConversationView


class RagSystemsScreen(ResourceScreen, ConversationRequests):
    CSS_PATH = ["resource.tcss", "rag_systems.tcss"]
    AUTO_FOCUS = "#rag-systems"
    TABLE = "rag-systems"
    ACTIONS = (("create", "New"), ("change", "Change"), ("try_it", "Try it"), ("open_in_chat", "Open in chat"),
               ("delete", "Delete"))
    BINDINGS = [
        Binding("n", "create", "New", id="rag.new", tooltip="Create a RAG system"),
        Binding("c", "change", "Change", id="rag.change", tooltip="Change this RAG system"),
        Binding("t", "try_it", "Try it", id="rag.try", tooltip="Ask this RAG system a question, here"),
        Binding("o", "open_in_chat", "Open in chat", id="rag.chat",
                tooltip="Continue in Chat: the conversation tried here, or a new one grounded on this system"),
        Binding("delete,d", "delete", "Delete", id="rag.delete", tooltip="Delete this RAG system"),
        Binding("escape", "stop", "Stop", id="rag.stop", show=False,
                tooltip="Stop the answer being written, or go back to the list"),
    ]

    def __init__(self, place):  # type: ignore[no-untyped-def]
        super().__init__(place)
        self.rag_systems: dict[int, RagSystem] = {}
        self.vector_db_names: dict[int, str] = {}
        self.tried: int | None = None  # the conversation the panel shows
        self.tried_on: int | None = None  # the RAG system it was asked of

    def compose_body(self) -> ComposeResult:
        yield from self.compose_actions()
        with Horizontal(id="rag"):
            with Vertical(id="list"):
                table: DataTable[Any] = DataTable(id="rag-systems", cursor_type="row")
                table.add_column("Name", width=16, key="name")
                table.add_column("Chat model", width=12, key="model")
                yield table
                yield Static("", id="rag-detail")
            with Vertical(id="try"):
                yield Static("Try it: ask the selected RAG system; its sources are listed under the answer.",
                             id="try-header")
                yield ConversationView(id="view")
                yield Input(placeholder="Ask a question, then Enter", id="question", compact=True)
                yield Static("", id="status")

    def on_mount(self) -> None:
        self.sync_actions()
        self._load()

    # -- the list ------------------------------------------------------------------------------------

    @work(group="rag-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        knowledge = self.workshop_app.services.knowledge
        found = await self.ask(knowledge.rag.list, "RAG systems")
        vector_dbs = await self.ask(knowledge.vector_dbs.list, "RAG systems")
        if found is None:
            return
        self.vector_db_names = {v.id: v.name for v in vector_dbs or []}
        self.rag_systems = {r.id: r for r in found}
        self.fill((r.id, [plain(r.name), plain(r.chat_model)]) for r in found)
        if not found:
            self.status("No RAG systems yet: press n to create one." if may_create(
                self.workshop_app.user, Kind.RAG_SYSTEM) else "No RAG systems are shared with you yet.")
        self._show_detail()
        self.sync_actions()

    def selected(self) -> RagSystem | None:
        return self.rag_systems.get(self.selected_id() or -1)

    def _show_detail(self) -> None:
        rag = self.selected()
        if rag is None:
            self.query_one("#rag-detail", Static).update("")
            return
        vector_db = self.vector_db_names.get(rag.vector_db_id, f"vector DB {rag.vector_db_id} (not shared with you)")
        threshold = "any score" if rag.score_threshold is None else f"score ≥ {rag.score_threshold:g}"
        lines = [f"Vector DB: {vector_db}", f"Top {rag.top_k} passages, {threshold}",
                 f"Visible: {rag.visibility.value}"]
        if rag.description:
            lines.append(one_line(rag.description, 120))
        lines.append(f"Template: {one_line(rag.prompt_template, 100)}")
        self.query_one("#rag-detail", Static).update(plain("\n".join(lines)))

    @on(DataTable.RowHighlighted, "#rag-systems")
    def _highlighted(self) -> None:
        self._show_detail()
        chosen = self.selected()
        if chosen is not None and self.tried_on not in (None, chosen.id) and not self._streaming():
            self.tried = self.tried_on = None  # the panel follows the selection
            self.query_one(ConversationView).load([])
            self.status("")
        self.sync_actions()

    @on(DataTable.RowSelected, "#rag-systems")
    def _row_selected(self) -> None:
        self.action_try_it()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        user = self.workshop_app.user
        chosen = self.selected()
        if action == "create":
            return may_create(user, Kind.RAG_SYSTEM)
        if action in ("change", "delete"):
            return chosen is not None and may_change(user, chosen)
        if action in ("try_it", "open_in_chat"):
            return chosen is not None
        return True

    # -- creating, changing, deleting ----------------------------------------------------------------

    async def edit(self, current: RagSystem | None) -> None:
        services = self.workshop_app.services
        models = await self.ask(lambda actor: services.catalog.list(actor, usable_only=True), "Models")
        vector_dbs = await self.ask(services.knowledge.vector_dbs.list, "Vector DBs")
        if models is None or vector_dbs is None:
            return
        saved = await self.app.push_screen_wait(RagFormModal(models, vector_dbs, current))
        if saved is not None:
            say(self.app, f"Saved the RAG system “{saved.name}”. Try it: type a question on the right.", timeout=6)
            self.select_next = saved.id
            self._load()

    @work(group="rag-edit", exclusive=True, exit_on_error=False)
    async def action_delete(self) -> None:
        chosen = self.selected()
        if chosen is None or not may_change(self.workshop_app.user, chosen):
            return
        if not await self.app.push_screen_wait(ConfirmModal(
                f"Delete the RAG system “{chosen.name}”? Its vector DB and documents stay; conversations using it "
                "go on without it.")):
            return
        rag = self.workshop_app.services.knowledge.rag
        if await self.ask(lambda actor: completed(rag.delete(actor, chosen.id)), "Deleting"):
            say(self.app, f"Deleted the RAG system “{chosen.name}”.", timeout=5)
        self._load()

    # -- trying it, and going on in chat -------------------------------------------------------------

    def _streaming(self) -> bool:
        return self.query_one(ConversationView).is_streaming

    def action_try_it(self) -> None:
        if self.selected() is not None:
            self.query_one("#question", Input).focus()

    def action_stop(self) -> None:
        """Esc: stop the answer being written; with none, leave the question box for the list."""
        if self._streaming():
            self.workers.cancel_group(self, "rag-try")
        elif isinstance(self.focused, Input):
            self.query_one(f"#{self.TABLE}").focus()

    @on(Input.Submitted, "#question")
    def _asked(self, event: Input.Submitted) -> None:
        chosen = self.selected()
        if chosen is None or not event.value.strip():
            return
        if self._streaming():
            say(self.app, "Wait for the answer, or stop it with Esc.", severity="warning")
            return
        event.input.value = ""
        self._try(chosen, event.value)

    @work(group="rag-try", exclusive=True, exit_on_error=False)
    async def _try(self, rag: RagSystem, question: str) -> None:
        app = self.workshop_app
        assert app.actor is not None
        view = self.query_one(ConversationView)
        if self.tried_on != rag.id:
            self.tried, self.tried_on = None, rag.id
            view.load([])
        chat = app.services.chat
        events = chat.ask(app.actor, rag.id, question) if self.tried is None else \
            chat.send(app.actor, self.tried, question)
        view.add_user_message(question)
        view.begin_reply(rag.chat_model)
        self.status("Searching the vector DB, then asking the model…   Esc stops")
        try:
            async with aclosing(events) as stream:
                async for event in stream:
                    describe_event(view, event, self.status)
                    if isinstance(event, ReplyFinished | ReplyFailed) and event.message is not None:
                        self.tried = event.message.conversation_id
        except NotAuthenticated as exc:
            view.finish_reply(None, error=str(exc))
            app.request_sign_out(str(exc))
        except ServiceError as exc:
            view.finish_reply(None, error=f"Not asked: {exc}")
            self.status(str(exc), error=True)
        except BaseException:
            view.finish_reply(None, error="Stopped: the text so far is kept.")
            self.status("Stopped.")
            raise
        self.sync_actions()

    @work(group="rag-chat", exclusive=True, exit_on_error=False)
    async def action_open_in_chat(self) -> None:
        chosen = self.selected()
        if chosen is None or self._streaming():
            return
        conversation_id = self.tried if self.tried_on == chosen.id else None
        if conversation_id is None:
            chat = self.workshop_app.services.chat
            started = await self.ask(lambda actor: chat.create(actor, chosen.chat_model, title=chosen.name,
                                                               rag_system_id=chosen.id), "Opening in chat")
            if started is None:
                return
            conversation_id = started.id
        self.workshop_app.request_conversation(conversation_id)

    def palette_commands(self) -> Iterable[SystemCommand]:
        user = self.workshop_app.user
        chosen = self.selected()
        if may_create(user, Kind.RAG_SYSTEM):
            yield SystemCommand("New RAG system", "A chat model, a vector DB and a template", self.action_create)
        if chosen is not None:
            yield SystemCommand("Try the RAG system", f"Ask {chosen.name} a question here", self.action_try_it)
            yield SystemCommand("Open the RAG system in chat", "Continue in Chat, grounded on it",
                                self.action_open_in_chat)
            if may_change(user, chosen):
                yield SystemCommand("Change the RAG system", "Its model, vector DB, template or retrieval",
                                    self.action_change)
                yield SystemCommand("Delete the RAG system", "Its vector DB stays", self.action_delete)
