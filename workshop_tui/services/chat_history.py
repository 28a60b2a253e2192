"""What is sent to Ollama with each turn: the bounded history and the model options.

The history keeps the newest messages that fit both a message count and a character budget, so
a long conversation never overflows the context window. The context window itself defaults to
8192 tokens (not Ollama's 2048), or less when the model says it has less.
"""

from __future__ import annotations

from typing import Any

from workshop_tui.domain.enums import MessageRole, MessageStatus
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import Message, ModelInfo
from workshop_tui.domain.text_fields import has_terminal_controls

# Conversation parameters a user may set, with their allowed ranges.
PARAMETERS: dict[str, tuple[type, float, float]] = {
    "temperature": (float, 0.0, 2.0),
    "top_p": (float, 0.0, 1.0),
    "top_k": (int, 1, 1000),
    "seed": (int, 0, 2**31 - 1),
    "num_ctx": (int, 256, 262_144),
    "num_predict": (int, -1, 131_072),
    "repeat_penalty": (float, 0.0, 5.0),
}
MAX_STOP_SEQUENCES, MAX_STOP_CHARS = 8, 200


def _stop_sequences(value: Any) -> list[str]:
    """Stop sequences are matched against the model's output, so they are refused rather than
    cleaned when they carry terminal controls: a cleaned one would stop at something else."""
    field = "parameters.stop"
    if not isinstance(value, list) or len(value) > MAX_STOP_SEQUENCES or not all(isinstance(s, str) and s
                                                                                 for s in value):
        raise Invalid(f"expected a list of up to {MAX_STOP_SEQUENCES} non-empty strings", field=field)
    if any(len(s) > MAX_STOP_CHARS for s in value):
        raise Invalid(f"each must be at most {MAX_STOP_CHARS} characters", field=field)
    if any(has_terminal_controls(s) for s in value):
        raise Invalid("must not contain control characters or terminal escape sequences", field=field)
    return list(value)


def validate_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """Check a conversation's parameters; return them coerced. Errors name the parameter."""
    clean: dict[str, Any] = {}
    for name, value in parameters.items():
        if name == "stop":
            clean[name] = _stop_sequences(value)
            continue
        if name not in PARAMETERS:
            raise Invalid(f"unknown parameter; expected one of {', '.join(sorted(PARAMETERS))}, stop",
                          field=f"parameters.{name}")
        kind, low, high = PARAMETERS[name]
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise Invalid(f"expected a {kind.__name__}", field=f"parameters.{name}") from None
        if isinstance(value, bool) or not low <= number <= high:
            raise Invalid(f"must be between {low:g} and {high:g}", field=f"parameters.{name}")
        clean[name] = number
    return clean


def build_options(parameters: dict[str, Any], model: ModelInfo | None, default_num_ctx: int) -> dict[str, Any]:
    options = dict(parameters)
    if "num_ctx" not in options:
        limit = model.context_length if model and model.context_length else None
        options["num_ctx"] = min(default_num_ctx, limit) if limit else default_num_ctx
    return options


def to_wire(message: Message) -> dict[str, Any] | None:
    """One stored message as Ollama expects it, or None if it should not be sent."""
    if message.role is MessageRole.TOOL:
        return {"role": "tool", "content": message.content, "tool_name": message.tool_name or ""}
    if message.role is MessageRole.ASSISTANT:
        if not message.content and not message.tool_calls:
            return None  # an error before anything arrived
        wire: dict[str, Any] = {"role": "assistant", "content": message.content}
        if message.tool_calls:
            wire["tool_calls"] = [{"function": {"name": c["name"], "arguments": c.get("arguments", {})}}
                                  for c in message.tool_calls]
        return wire
    if message.role is MessageRole.USER:
        return {"role": "user", "content": message.content}
    return None


def build_history(prior: list[Message], *, max_messages: int, max_chars: int) -> list[dict[str, Any]]:
    """The newest prior messages that fit both budgets, oldest first, never starting with a tool result."""
    kept: list[dict[str, Any]] = []
    used = 0
    for message in reversed(prior):
        if message.status is MessageStatus.STREAMING:
            continue
        wire = to_wire(message)
        if wire is None:
            continue
        size = len(wire["content"]) + 50
        if len(kept) >= max_messages or used + size > max_chars:
            break
        kept.append(wire)
        used += size
    kept.reverse()
    while kept and kept[0]["role"] == "tool":
        kept.pop(0)
    return kept
