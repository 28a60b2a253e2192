"""How one chat turn's events from the service show on the chat screen."""

from __future__ import annotations

from collections.abc import Callable

from workshop_tui.services.chat_events import (
    ChatEvent,
    ContentDelta,
    Queued,
    ReplyFailed,
    ReplyFinished,
    ThinkingDelta,
    ToolActivity,
)
from workshop_tui.ui.widgets.conversation_view import ConversationView

Status = Callable[..., None]


def queue_text(position: int) -> str:
    """'next in line' or '3rd in line' (position 0 is next)."""
    place = position + 1
    if place == 1:
        return "next in line for the model"
    suffix = "th" if 10 <= place % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
    return f"{place}{suffix} in line for the model"


def finish_text(finished: ReplyFinished) -> str:
    """'42.0 tok/s · 120 prompt + 310 reply tokens'."""
    parts = []
    if finished.tokens_per_second:
        parts.append(f"{finished.tokens_per_second:.1f} tok/s")
    parts.append(f"{finished.prompt_tokens} prompt + {finished.completion_tokens} reply tokens")
    return " · ".join(parts)


def describe_event(view: ConversationView, event: ChatEvent, status: Status) -> None:
    """Apply one event to the view, and say on the status line where the turn is."""
    if isinstance(event, ContentDelta):
        view.append_content(event.text)
    elif isinstance(event, ThinkingDelta):
        view.append_thinking(event.text)
    elif isinstance(event, Queued):
        view.set_waiting(queue_text(event.position))
        status(f"Waiting: {queue_text(event.position)}.   Esc cancels")
    elif isinstance(event, ToolActivity):
        view.add_tool_activity(event.name, event.arguments, event.status, event.result)
        status(f"Tool {event.name}: {event.status}")
    elif isinstance(event, ReplyFinished):
        stats = finish_text(event)
        view.finish_reply(event.message, stats=stats, citations=event.citations)
        status(stats)
    elif isinstance(event, ReplyFailed):
        view.finish_reply(event.message, error=event.reason)
        status(f"The reply stopped: {event.reason}", error=True)
