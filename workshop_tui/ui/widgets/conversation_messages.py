"""Messages a `ConversationView` posts to the screen around it; the screen decides what to do.

The view never acts on the app itself: copying goes through the screen (which knows how to reach
the user's clipboard), links are shown to the user and never opened on the server, and a citation
is opened by whoever owns the documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from workshop_tui.ui.widgets.conversation_view import ConversationView


@dataclass
class CopyRequested(Message, namespace="conversation_view"):
    """The user asked to copy a message ("c") or a code block ("y"); `text` is free of controls."""

    view: ConversationView
    text: str
    what: str = "message"
    """"message" or "code"."""

    @property
    def control(self) -> ConversationView:
        return self.view


@dataclass
class LinkRequested(Message, namespace="conversation_view"):
    """The user asked for a link of the selected message ("o" cycles through them)."""

    view: ConversationView
    url: str
    urls: tuple[str, ...] = field(default_factory=tuple)
    """Every link of the message, in order, so the screen can list them."""

    @property
    def control(self) -> ConversationView:
        return self.view


@dataclass
class CitationRequested(Message, namespace="conversation_view"):
    """The user chose a citation (enter or a click on it, or its number 1-9)."""

    view: ConversationView
    citation: dict[str, Any]
    number: int
    """1-based, as shown."""

    @property
    def control(self) -> ConversationView:
        return self.view
