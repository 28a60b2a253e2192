"""Chat, the attendee's day: conversations on the left, the open one on the right, a composer below.

Every service call runs in a named worker; a reply streams in the `chat-stream` worker, which Esc
cancels (the service then keeps what arrived, marked as stopped). Everything the model, a document
or another person wrote is shown as plain text by the conversation view.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from contextlib import aclosing
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from workshop_tui.domain.errors import NotAuthenticated, ServiceError
from workshop_tui.domain.models import Conversation, ModelInfo
from workshop_tui.domain.text import one_line
from workshop_tui.ui.screens.chat_conversations import ConversationActions
from workshop_tui.ui.screens.chat_turn import describe_event
from workshop_tui.ui.screens.conversation_requests import ConversationRequests
from workshop_tui.ui.screens.modals.chat_settings import ChatChoices, ChatSettingsModal
from workshop_tui.ui.screens.modals.prompt_form import PromptFormModal
from workshop_tui.ui.screens.modals.prompt_library import PromptLibraryModal
from workshop_tui.ui.text import plain, say
from workshop_tui.ui.widgets.composer import Composer
from workshop_tui.ui.widgets.conversation_list import ConversationList
from workshop_tui.ui.widgets.conversation_view import ConversationView

if TYPE_CHECKING:
    from workshop_tui.services.access import Actor

UNTITLED = "New conversation"


class ChatScreen(ConversationActions, ConversationRequests):
    CSS_PATH = "chat.tcss"
    AUTO_FOCUS = "#composer"
    BINDINGS = [
        Binding("ctrl+n", "new_conversation", "New", id="chat.new", tooltip="Start a new conversation"),
        Binding("ctrl+o", "settings", "Settings", id="chat.settings",
                tooltip="Model, RAG system, tools, system prompt and options of this conversation"),
        Binding("escape", "stop", "Stop", id="chat.stop", tooltip="Stop the reply being written"),
        Binding("ctrl+l", "focus_list", "Conversations", id="chat.list", show=False,
                tooltip="Move to the conversation list"),
    ]

    def __init__(self, place):  # type: ignore[no-untyped-def]
        super().__init__(place)
        self.conversation: Conversation | None = None
        self.models: list[ModelInfo] = []
        self._last_sent = ""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="chat"):
            yield ConversationList()
            with Vertical(id="conversation"):
                yield Static("", id="chat-header")
                yield ConversationView(id="view")
                yield Static("", id="status")
                yield Composer()

    def on_mount(self) -> None:
        self.workshop_app.access_changed_signal.subscribe(self, self._access_changed)
        self._load()

    # -- loading ------------------------------------------------------------------------------------

    @work(group="chat-load", exclusive=True, exit_on_error=False)
    async def _load(self, open_id: int | None = None) -> None:
        app = self.workshop_app
        services, actor = app.services, app.actor
        if actor is None:
            return
        try:
            self.models, conversations = await asyncio.gather(self._usable_chat_models(actor),
                                                              app.call(services.chat.list(actor)))
        except NotAuthenticated as exc:
            app.request_sign_out(str(exc))
            return
        except ServiceError as exc:
            self._status(f"Could not load your conversations: {exc}", error=True)
            return
        chosen = next((c for c in conversations if c.id == open_id), conversations[0] if conversations else None)
        self.query_one(ConversationList).show(conversations, chosen.id if chosen else None)
        if chosen is not None:
            await self._open(chosen)
        else:
            self._show_empty()

    def _show_empty(self) -> None:
        """No conversation open: the header names the model a new one starts with."""
        self._header()
        if self.models:
            self._status("Write a message to start a conversation.")
        else:
            self._status("No chat models are available to you yet: ask your instructor to allow one.", error=True)

    def _access_changed(self, _user: object) -> None:
        self._read_models()

    @work(group="chat-models", exclusive=True, exit_on_error=False)
    async def _read_models(self) -> None:
        """An approver just changed what the account may use: a new conversation starts with the
        first model it may use now."""
        if await self._fresh_models() and self.conversation is None:
            self._show_empty()

    async def _fresh_models(self) -> bool:
        """Read the chat models the account may use now into `models`; False when refused."""
        app = self.workshop_app
        if app.actor is None:
            return False
        usable = await app.guarded(self._usable_chat_models(app.actor), "Reading your models")
        if usable is None:
            return False
        self.models = usable
        return True

    async def _usable_chat_models(self, actor: Actor) -> list[ModelInfo]:
        """The models `actor` may chat with (embedding models are for vector DBs)."""
        usable = await self.workshop_app.call(self.workshop_app.services.catalog.list(actor, usable_only=True))
        return [model for model in usable if not model.is_embedding]

    async def _open(self, conversation: Conversation) -> None:
        app = self.workshop_app
        assert app.actor is not None
        messages = await app.guarded(app.services.chat.messages(app.actor, conversation.id), "Opening")
        if messages is None:
            return
        self.conversation = conversation
        self.query_one(ConversationView).load(messages)
        self._header()
        self._status("")

    def _header(self) -> None:
        conversation = self.conversation
        if conversation is None:
            model = self.models[0].name if self.models else "no model"
            text = f"{UNTITLED} · {model}"
        else:
            extras = [f"{len(conversation.tool_ids)} tool(s)"] if conversation.tool_ids else []
            if conversation.rag_system_id is not None:
                extras.append("RAG")
            text = " · ".join([conversation.title, conversation.model, *extras])
        self.query_one("#chat-header", Static).update(plain(f"{text}   (Ctrl+O settings)"))

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(plain(text))
        status.set_class(error, "error")

    # -- settings -----------------------------------------------------------------------------------

    @work(group="chat-edit", exclusive=True, exit_on_error=False)
    async def action_settings(self) -> None:
        app = self.workshop_app
        assert app.actor is not None
        services = app.services
        # The models are read afresh: a grant made by another process sends no event here.
        rag_systems, tools, _ = await asyncio.gather(
            app.guarded(services.knowledge.rag.list(app.actor), "Settings"),
            app.guarded(services.tools.list(app.actor, usable_only=True), "Settings"), self._fresh_models())
        rag_systems, tools = rag_systems or [], tools or []
        conversation = self.conversation
        current = ChatChoices(model=self.models[0].name if self.models else "") if conversation is None else \
            ChatChoices(conversation.model, conversation.rag_system_id, conversation.tool_ids,
                        conversation.system_prompt or "", dict(conversation.parameters))
        choices = await self.app.push_screen_wait(ChatSettingsModal(current, self.models, rag_systems, tools))
        if choices is None:
            return
        if conversation is None:
            created = await app.guarded(services.chat.create(
                app.actor, choices.model, system_prompt=choices.system_prompt or None, parameters=choices.parameters,
                tool_ids=choices.tool_ids, rag_system_id=choices.rag_system_id), "Settings")
            if created is not None:
                self._load(open_id=created.id)
            return
        updated = await app.guarded(services.chat.update(
            app.actor, conversation.id, model=choices.model, system_prompt=choices.system_prompt,
            parameters=choices.parameters, tool_ids=choices.tool_ids, rag_system_id=choices.rag_system_id),
            "Settings")
        if updated is not None:
            self.conversation = updated
            self._header()

    # -- composing and sending ----------------------------------------------------------------------

    @on(Composer.Submitted)
    def _submitted(self, event: Composer.Submitted) -> None:
        event.stop()
        if self.query_one(ConversationView).is_streaming:
            say(self.app, "Wait for the reply, or stop it with Esc.", severity="warning")
            return
        self._last_sent = event.text
        event.composer.set_text("")
        self._send(event.text)

    @on(Composer.RecallRequested)
    def _recall(self, event: Composer.RecallRequested) -> None:
        if self._last_sent:
            event.composer.set_text(self._last_sent)

    @on(Composer.LibraryRequested)
    def _library(self) -> None:
        self._choose_prompt()

    @work(group="chat-prompt", exclusive=True, exit_on_error=False)
    async def _choose_prompt(self) -> None:
        app = self.workshop_app
        assert app.actor is not None
        actor = app.actor
        prompts = await app.guarded(app.services.knowledge.prompts.list(actor), "Prompt library")
        if prompts is None:
            return
        prompt = await self.app.push_screen_wait(PromptLibraryModal(prompts))
        if prompt is None:
            return
        text = await self.app.push_screen_wait(PromptFormModal(
            prompt, lambda values: app.call(app.services.knowledge.prompts.render(actor, prompt.id, values))))
        if text is not None:
            self.query_one(Composer).set_text(text)
            self.query_one(Composer).focus()

    def action_stop(self) -> None:
        if self.query_one(ConversationView).is_streaming:
            self.workers.cancel_group(self, "chat-stream")
        else:
            self.query_one(Composer).focus()

    @work(group="chat-stream", exclusive=True, exit_on_error=False)
    async def _send(self, text: str) -> None:
        app = self.workshop_app
        assert app.actor is not None
        view = self.query_one(ConversationView)
        conversation = self.conversation
        if conversation is None:
            if not self.models:
                self._status("No chat models are available to you yet.", error=True)
                return
            conversation = await app.guarded(app.services.chat.create(
                app.actor, self.models[0].name, title=one_line(text, 60)), "Starting a conversation")
            if conversation is None:
                return
            self.conversation = conversation
            self._header()
        elif conversation.title == UNTITLED:
            renamed = await app.guarded(app.services.chat.update(app.actor, conversation.id, title=one_line(text, 60)))
            self.conversation = conversation = renamed or conversation
        view.add_user_message(text)
        view.begin_reply(conversation.model)
        self._status("Sending…   Esc stops")
        try:
            async with aclosing(app.services.chat.send(app.actor, conversation.id, text)) as events:
                async for event in events:
                    describe_event(view, event, self._status)
        except NotAuthenticated as exc:
            view.finish_reply(None, error=str(exc))
            app.request_sign_out(str(exc))
            return
        except ServiceError as exc:  # refused before anything was stored: quota, grant, a busy slot
            view.finish_reply(None, error=f"Not sent: {exc}")
            self.query_one(Composer).set_text(text)
            self._status(str(exc), error=True)
            return
        except BaseException:
            view.finish_reply(None, error="Stopped: the text so far is kept.")
            self._status("Stopped.")
            raise
        self._load_list_quietly()

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("New conversation", "Start a new conversation", self.action_new_conversation)
        yield SystemCommand("Conversation settings", "Model, RAG system, tools, system prompt and options",
                            self.action_settings)
        yield SystemCommand("Prompt library", "Insert a prompt from the library into the composer",
                            self._choose_prompt)
        if self.conversation is not None:
            conversation_id = self.conversation.id
            yield SystemCommand("Rename conversation", "Give this conversation a new title",
                                lambda: self._rename(conversation_id))
            yield SystemCommand("Delete conversation", "Delete this conversation and its messages",
                                lambda: self._delete(conversation_id))
