"""Execute one tool call that a model asked for, safely.

Every call is checked in order: does the tool exist in this conversation, may this user use it,
are the arguments small enough and valid against the kind's schema? Then it runs under a time
limit. Anything refused or failing becomes an error *result* for the model, never an exception
for the chat loop.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from workshop_tui.config.logging import get_logger
from workshop_tui.domain.errors import ServiceError
from workshop_tui.domain.models import Tool
from workshop_tui.services.access import Action, Actor, authorize
from workshop_tui.services.tools import schema
from workshop_tui.services.tools.kinds import ToolRuntime, spec_for

MAX_ARGUMENT_BYTES = 4096
MAX_RESULT_CHARS = 4000
log = get_logger(__name__)


@dataclass(frozen=True)
class ToolOutcome:
    name: str
    arguments: dict[str, Any]
    ok: bool
    content: str  # what goes back to the model as the `role: tool` message

    def as_record(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments, "ok": self.ok, "result": self.content}


def ollama_tool_definition(tool: Tool) -> dict[str, Any]:
    spec = spec_for(tool.kind)
    return {"type": "function", "function": {
        "name": tool.name, "description": tool.description or spec.description, "parameters": spec.parameters}}


async def run_tool_call(actor: Actor, tools: dict[str, Tool], name: str, arguments: Any,
                        runtime: ToolRuntime, timeout_s: float) -> ToolOutcome:
    args = arguments if isinstance(arguments, dict) else {}

    def refuse(reason: str) -> ToolOutcome:
        log.info("tool call refused", extra={"tool": name, "reason": reason})
        return ToolOutcome(name, args, False, f"error: {reason}")

    tool = tools.get(name)
    if tool is None:
        return refuse(f"there is no tool named {name!r} here; available: {', '.join(sorted(tools)) or 'none'}")
    try:
        authorize(actor, Action.USE, tool)
    except ServiceError as exc:
        return refuse(str(exc))
    if not isinstance(arguments, dict):
        return refuse("arguments must be a JSON object")
    if len(json.dumps(arguments, default=str)) > MAX_ARGUMENT_BYTES:
        return refuse(f"arguments larger than {MAX_ARGUMENT_BYTES} bytes")
    spec = spec_for(tool.kind)
    try:
        schema.validate(arguments, spec.parameters)
        async with asyncio.timeout(timeout_s):
            content = await spec.run(arguments, tool.config, runtime)
    except ServiceError as exc:
        return refuse(str(exc))
    except TimeoutError:
        return refuse(f"the tool took longer than {timeout_s:g} s")
    except Exception as exc:  # a bug in a built-in tool must not end the conversation
        log.exception("tool failed", extra={"tool": name})
        return refuse(f"the tool failed ({type(exc).__name__})")
    if len(content) > MAX_RESULT_CHARS:
        content = content[:MAX_RESULT_CHARS] + " …(truncated)"
    return ToolOutcome(name, arguments, True, content)
