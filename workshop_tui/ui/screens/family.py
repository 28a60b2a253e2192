"""The guardian's view: their family members' conversations, read-only, and their usage.

Only the accounts that name this user as guardian are listed, and the services check every read
again (a guardian reads their ward's conversations; nobody else's). Nothing here can send, change
or delete: the view has no composer and no conversation actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from workshop_tui.domain.models import Conversation, User
from workshop_tui.ui.navigation import BY_KEY
from workshop_tui.ui.text import plain
from workshop_tui.ui.widgets.conversation_view import ConversationView
from workshop_tui.ui.widgets.top_bar import TopBar
from workshop_tui.ui.widgets.usage_chart import UsageChart

if TYPE_CHECKING:
    from workshop_tui.ui.app import WorkshopApp

USAGE_DAYS = 14


class FamilyScreen(Screen[None]):
    CSS_PATH = "family.tcss"
    BINDINGS = [Binding("escape", "back", "Back", id="family.back", tooltip="Back to where you were"),
                Binding("u", "usage", "Usage", id="family.usage",
                        tooltip="Messages and tokens per day and per model of the chosen family member"),
                Binding("c", "conversations", "Conversation", id="family.conversation",
                        tooltip="Back to the chosen conversation")]

    def __init__(self) -> None:
        super().__init__(name="family")
        self.wards: dict[str, User] = {}
        self.conversations: dict[str, Conversation] = {}
        self.ward: User | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("Family")
        with Horizontal(id="family"):
            with Vertical(id="family-lists"):
                yield Label("Family members")
                yield OptionList(id="family-wards")
                yield Label("Their conversations")
                yield OptionList(id="family-conversations")
            with Vertical(id="family-reading"):
                yield Static("", id="family-header")
                with ContentSwitcher(initial="family-view", id="family-switch"):
                    yield ConversationView(id="family-view")
                    yield UsageChart(id="family-usage")
        yield Footer()

    @property
    def workshop_app(self) -> WorkshopApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.workshop_app.moved_to("Family")
        self._load_wards()

    def action_back(self) -> None:
        place = BY_KEY.get(self.app.current_mode)
        if place is not None:
            self.workshop_app.moved_to(place.label)
        self.dismiss(None)

    @work(group="family-load", exclusive=True, exit_on_error=False)
    async def _load_wards(self) -> None:
        app = self.workshop_app
        wards = await app.guarded(app.services.accounts.wards(app.actor), "Family")
        if wards is None:
            return
        self.wards = {str(w.id): w for w in wards}
        listing = self._fill("#family-wards", [(f"{w.display_name} ({w.username})", w.id) for w in wards])
        if not wards:
            self._header("No family account names you as its guardian.")
            return
        listing.focus()
        await self._choose(wards[0])

    def _fill(self, selector: str, options: list[tuple[str, int]]) -> OptionList:
        """Replace a list's options (shown as plain text), the first highlighted."""
        listing = self.query_one(selector, OptionList)
        listing.clear_options()
        listing.add_options([Option(plain(text), id=str(key)) for text, key in options])
        if options:
            listing.highlighted = 0
        return listing

    @on(OptionList.OptionSelected, "#family-wards")
    @on(OptionList.OptionHighlighted, "#family-wards")
    def _ward_chosen(self, event: OptionList.OptionSelected | OptionList.OptionHighlighted) -> None:
        ward = self.wards.get(event.option.id or "")
        if ward is not None and ward != self.ward:
            self._choose_worker(ward)

    @work(group="family-ward", exclusive=True, exit_on_error=False)
    async def _choose_worker(self, ward: User) -> None:
        await self._choose(ward)

    async def _choose(self, ward: User) -> None:
        self.ward = ward
        app = self.workshop_app
        conversations = await app.guarded(app.services.chat.list(app.actor, user_id=ward.id), "Family")
        if conversations is None:
            return
        self.conversations = {str(c.id): c for c in conversations}
        self._fill("#family-conversations", [(f"{c.title} · {c.model}", c.id) for c in conversations])
        self.query_one(ConversationView).load([])
        self._header(f"{ward.display_name}: {len(conversations)} conversation(s), read-only · u usage")
        summary = await app.guarded(app.services.usage.summary(app.actor, user_id=ward.id, days=USAGE_DAYS))
        if summary is not None:
            self.query_one(UsageChart).show(summary)
        if conversations:  # the latest one, to start reading at once
            self._read(conversations[0])

    @on(OptionList.OptionSelected, "#family-conversations")
    def _conversation_chosen(self, event: OptionList.OptionSelected) -> None:
        conversation = self.conversations.get(event.option.id or "")
        if conversation is not None:
            self._read(conversation)

    @work(group="family-read", exclusive=True, exit_on_error=False)
    async def _read(self, conversation: Conversation) -> None:
        app = self.workshop_app
        messages = await app.guarded(app.services.chat.messages(app.actor, conversation.id), "Reading")
        if messages is not None:
            self.query_one(ConversationView).load(messages)
            self.action_conversations()
            owner = self.ward.display_name if self.ward else "them"
            self._header(f"{conversation.title} · {conversation.model} · by {owner}, read-only")

    def action_usage(self) -> None:
        self.query_one("#family-switch", ContentSwitcher).current = "family-usage"

    def action_conversations(self) -> None:
        self.query_one("#family-switch", ContentSwitcher).current = "family-view"

    def _header(self, text: str) -> None:
        self.query_one("#family-header", Static).update(plain(text))
