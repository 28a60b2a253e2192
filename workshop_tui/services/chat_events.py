"""What `ChatService.send()` yields while a reply is produced. Screens render these as they come."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workshop_tui.domain.models import Message


@dataclass(frozen=True)
class Queued:
    """Waiting for a turn on Ollama; `position` requests go first (0 = next)."""

    position: int


@dataclass(frozen=True)
class ContentDelta:
    """New reply text: one chunk, or several that arrived together."""

    text: str


@dataclass(frozen=True)
class ThinkingDelta:
    text: str


@dataclass(frozen=True)
class ToolActivity:
    """A tool call the model asked for: `status` is "calling", then "done" or "refused"."""

    name: str
    arguments: dict[str, Any]
    status: str
    result: str | None = None


@dataclass(frozen=True)
class ReplyFinished:
    """The reply is complete and stored. Metrics are summed over tool rounds."""

    message: Message
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_per_second: float | None = None
    citations: tuple[dict[str, Any], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReplyFailed:
    """The reply stopped early. What was received is stored with status error or interrupted."""

    message: Message | None
    reason: str


ChatEvent = Queued | ContentDelta | ThinkingDelta | ToolActivity | ReplyFinished | ReplyFailed
