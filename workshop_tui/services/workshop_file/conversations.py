"""The optional ``conversations`` section: chats written by ``export --include-chats``.

A conversation belongs to a user of the file or the database and lists its messages in order. It is
a record of what was said, so two rules differ from the rest of the format:

- the conversation's and the messages' ``model`` must be model names, but need not be in the
  catalogue: a model may have left the class since the chat, and an import must not pull a model
  only because an old chat used it (the chat service checks the model again before any new turn);
- ``created`` keeps when each conversation and message was written (ISO 8601 text; unquoted YAML
  timestamps are accepted too); a missing ``created`` means "when imported".

Message text follows the format's rule for multi-line text: control characters other than newline
and tab are refused (the exporter strips them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.services.workshop_file.context import Context
from workshop_tui.services.workshop_file.fields import Entry, expect_list
from workshop_tui.services.workshop_file.problems import join
from workshop_tui.services.workshop_file.users import USERNAME_MAX, model_name
from workshop_tui.services.workshop_file.values import UNREADABLE, as_utc, describe

CONVERSATION_KEYS: Final = ("owner", "title", "model", "system_prompt", "created", "messages")
MESSAGE_KEYS: Final = ("role", "content", "model", "status", "created")
MESSAGE_ROLES: Final = tuple(r.value for r in MessageRole)
# A message still streaming when it was exported was cut off; the file says so instead.
MESSAGE_STATUSES: Final = (MessageStatus.COMPLETE.value, MessageStatus.INTERRUPTED.value, MessageStatus.ERROR.value)
DEFAULT_TITLE: Final = "New conversation"
TITLE_MAX = 200
SYSTEM_PROMPT_MAX = 20_000
MESSAGE_MAX = 100_000
MAX_CONVERSATIONS = 10_000
MAX_MESSAGES = 2_000


@dataclass(frozen=True)
class MessagePlan:
    """One message, in conversation order. ``model`` is the model that wrote an assistant reply."""

    role: MessageRole
    content: str
    model: str | None = None
    status: MessageStatus = MessageStatus.COMPLETE
    created: datetime | None = None
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class ConversationPlan:
    """A user's conversation and its messages; ``created`` None means "when imported"."""

    owner: str
    title: str
    model: str
    messages: tuple[MessagePlan, ...] = ()
    system_prompt: str | None = None
    created: datetime | None = None
    origin: str = field(default="", compare=False)


def _created(entry: Entry) -> datetime | None:
    """An aware UTC time from ISO 8601 text or a YAML timestamp; a time without a zone is UTC."""
    value = entry.raw("created")
    if value is None or value is UNREADABLE:
        return None
    when: datetime | None = None
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            when = None
    if when is None:
        entry.fail("created", f"expected a date and time such as '2026-03-10T21:30:00Z', got {describe(value)}")
        return None
    return as_utc(when)


def _message(item: Any, path: str, ctx: Context) -> MessagePlan | None:
    entry = Entry(item, path, ctx.problems, MESSAGE_KEYS, what="a message")
    role = entry.choice("role", MESSAGE_ROLES, noun="a message role", required=True)
    content = entry.text("content", max_len=MESSAGE_MAX, multiline=True)
    model = model_name(entry, "model", ctx, required=False)
    status = entry.choice("status", MESSAGE_STATUSES, noun="a message status", default=MessageStatus.COMPLETE.value)
    created = _created(entry)
    if role is None or status is None or (entry.has("content") and content is None) or not entry.valid:
        return None
    return MessagePlan(role=MessageRole(role), content=content or "", model=model, status=MessageStatus(status),
                       created=created, origin=path)


def _messages(entry: Entry, ctx: Context) -> tuple[list[MessagePlan], bool]:
    """The messages in file order, and whether every one of them was valid."""
    if not entry.has("messages"):
        return [], True
    items = expect_list(entry.raw("messages"), entry.at("messages"), ctx.problems, "messages")
    if items is None:
        return [], False
    if len(items) > MAX_MESSAGES:
        entry.fail("messages", f"has {len(items):,} messages; at most {MAX_MESSAGES:,} are allowed in one conversation")
        return [], False
    found = [_message(item, join(entry.at("messages"), index), ctx) for index, item in enumerate(items)]
    messages = [m for m in found if m is not None]
    return messages, len(messages) == len(found)


def read_conversations(items: list[Any], ctx: Context) -> list[ConversationPlan]:
    """Check every conversation; owners are cross-checked with the other references."""
    if len(items) > MAX_CONVERSATIONS:
        ctx.problems.add("conversations", f"has {len(items):,} entries; at most {MAX_CONVERSATIONS:,} are allowed "
                                          "in one file")
        items = items[:MAX_CONVERSATIONS]
    plans: list[ConversationPlan] = []
    for index, item in enumerate(items):
        origin = join("conversations", index)
        entry = Entry(item, origin, ctx.problems, CONVERSATION_KEYS, what="a conversation")
        owner = entry.text("owner", max_len=USERNAME_MAX, required=entry.valid)
        if owner is not None:
            owner = owner.lower()
            ctx.refer("user", owner, entry.at("owner"))
        title = entry.text("title", max_len=TITLE_MAX)
        model = model_name(entry, "model", ctx, required=entry.valid)
        system_prompt = entry.text("system_prompt", max_len=SYSTEM_PROMPT_MAX, multiline=True)
        created = _created(entry)
        messages, complete = _messages(entry, ctx)
        if owner is not None and model is not None and complete:
            plans.append(ConversationPlan(owner=owner, title=title or DEFAULT_TITLE, model=model,
                                          messages=tuple(messages), system_prompt=system_prompt or None,
                                          created=created, origin=origin))
    return plans
