"""Chat's conversation list: a new conversation, opening one (from the list or from another place),
renaming and deleting with confirmation, and reading the list again after a reply.

`ConversationActions` is the base of `ChatScreen`, which composes the list, the view and the
composer, and provides the loading these actions end with.
"""

from __future__ import annotations

from typing import Any

from textual import on, work

from workshop_tui.domain.models import Conversation
from workshop_tui.ui.screens.base import PlaceScreen
from workshop_tui.ui.screens.modals.confirm import ConfirmModal
from workshop_tui.ui.screens.modals.text_entry import TextEntryModal
from workshop_tui.ui.text import say
from workshop_tui.ui.widgets.composer import Composer
from workshop_tui.ui.widgets.conversation_list import ConversationList
from workshop_tui.ui.widgets.conversation_view import ConversationView

BUSY = "A reply is still being written: stop it with Esc first."


class ConversationActions(PlaceScreen):
    conversation: Conversation | None

    def _load(self, open_id: int | None = None) -> Any:
        """Read the list again and open `open_id` (ChatScreen's worker)."""
        raise NotImplementedError

    async def _open(self, conversation: Conversation) -> None:
        raise NotImplementedError

    def _show_empty(self) -> None:
        """The header and status line of no open conversation."""
        raise NotImplementedError

    def _status(self, text: str, *, error: bool = False) -> None:
        raise NotImplementedError

    def _busy(self) -> bool:
        """True, after saying so, while a reply is being written: no other conversation opens then."""
        busy = self.query_one(ConversationView).is_streaming
        if busy:
            say(self.app, BUSY, severity="warning")
        return busy

    def action_new_conversation(self) -> None:
        if self._busy():
            return
        self.conversation = None
        self.query_one(ConversationView).load([])
        self._show_empty()
        self.query_one(Composer).focus()

    def start_with(self, text: str) -> None:
        """A new conversation with `text` in the composer, ready to send (a prompt's "Use in chat");
        while a reply is being written, the text waits in the composer of the open conversation."""
        if not self.query_one(ConversationView).is_streaming:
            self.action_new_conversation()
        self.query_one(Composer).set_text(text)
        self.query_one(Composer).focus()

    def open_conversation(self, conversation_id: int) -> None:
        """Show one conversation (started in another place, such as a RAG system), with the list read again."""
        if self._busy():
            return
        self._load(open_id=conversation_id)
        self.query_one(Composer).focus()

    @on(ConversationList.Chosen)
    def _conversation_chosen(self, event: ConversationList.Chosen) -> None:
        event.stop()
        if event.action == "open":
            self._open_by_id(event.conversation_id)
        elif event.action == "rename":
            self._rename(event.conversation_id)
        elif event.action == "delete":
            self._delete(event.conversation_id)

    @work(group="chat-load", exclusive=True, exit_on_error=False)
    async def _open_by_id(self, conversation_id: int) -> None:
        if self._busy():
            return
        conversation = await self._read(conversation_id, "Opening")
        if conversation is not None:
            await self._open(conversation)

    async def _read(self, conversation_id: int, doing: str) -> Conversation | None:
        """The conversation as it is now, or None (refused, or gone) after one notification."""
        app = self.workshop_app
        assert app.actor is not None
        return await app.guarded(app.services.chat.get(app.actor, conversation_id), doing)

    @work(group="chat-edit", exclusive=True, exit_on_error=False)
    async def _rename(self, conversation_id: int) -> None:
        current = await self._read(conversation_id, "Renaming")
        if current is None:
            return
        app = self.workshop_app
        assert app.actor is not None
        title = await self.app.push_screen_wait(TextEntryModal("New title", current.title))
        if title and await app.guarded(app.services.chat.update(app.actor, conversation_id, title=title), "Renaming"):
            self._load(open_id=self.conversation.id if self.conversation else None)

    @work(group="chat-edit", exclusive=True, exit_on_error=False)
    async def _delete(self, conversation_id: int) -> None:
        current = await self._read(conversation_id, "Deleting")
        if current is None:
            return
        app = self.workshop_app
        assert app.actor is not None
        if not await self.app.push_screen_wait(ConfirmModal(f"Delete “{current.title}” and all its messages?")):
            return
        await app.guarded(app.services.chat.delete(app.actor, conversation_id), "Deleting")
        if self.conversation is not None and self.conversation.id == conversation_id:
            self.conversation = None
            self.query_one(ConversationView).load([])
        self._load(open_id=self.conversation.id if self.conversation else None)

    def action_focus_list(self) -> None:
        self.query_one("#conversation-options").focus()

    def _load_list_quietly(self) -> None:
        if self.conversation is not None:
            self._refresh_list(self.conversation.id)

    @work(group="chat-list", exclusive=True, exit_on_error=False)
    async def _refresh_list(self, current: int) -> None:
        app = self.workshop_app
        if app.actor is None:
            return
        conversations = await app.guarded(app.services.chat.list(app.actor))
        if conversations is not None:
            self.query_one(ConversationList).show(conversations, current)
