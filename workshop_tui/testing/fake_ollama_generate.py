"""`/api/chat` and `/api/generate` of the fake Ollama: validation, the answer plan, and streaming it.

A request is answered from the next scripted Turn if there is one, else from the Scenario defaults.
The answer is thinking tokens, then content tokens, then (optionally) one chunk with complete tool
calls, then a final `done` chunk with metrics, just like the real server's stream.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workshop_tui.testing.fake_ollama_http import ClientGone
from workshop_tui.testing.fake_ollama_models import FakeModel, keep_alive_seconds
from workshop_tui.testing.fake_ollama_scenario import Scenario, Turn, default_reply, status_message, tokens_of

if TYPE_CHECKING:
    from workshop_tui.testing.fake_ollama_api import FakeOllamaHandler


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Plan:
    """Everything one answer will stream, decided before the first byte."""

    pieces: list[tuple[str, str]]  # ("thinking" | "content", token), in stream order
    tool_calls: list[dict[str, Any]]
    done_reason: str
    error_after: int | None
    error_message: str
    first_byte_delay: float
    chunk_delay: float


def _think_requested(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value in ("low", "medium", "high"))


def _plan(body: dict[str, Any], model: FakeModel, turn: Turn | None, scenario: Scenario, seq: int) -> Plan:
    turn = turn or Turn()
    think = body.get("think")
    thinking_on = "thinking" in model.capabilities and think is not False
    thinking = tokens_of(turn.thinking) if turn.thinking is not None else []
    if turn.thinking is None and thinking_on:
        thinking = tokens_of(scenario.thinking_text)
    if turn.content is not None:
        content = tokens_of(turn.content)
    elif turn.tool_calls:
        content = []
    elif scenario.reply_text is not None:
        content = tokens_of(scenario.reply_text)
    else:
        content = default_reply(scenario.reply_tokens)
    calls = [
        {
            "id": "call_" + hashlib.sha256(f"{seq}:{i}:{c['name']}".encode()).hexdigest()[:8],
            "function": {"index": i, "name": c["name"], "arguments": dict(c.get("arguments") or {})},
        }
        for i, c in enumerate(turn.tool_calls or [])
    ]
    pieces = [("thinking", t) for t in thinking] + [("content", t) for t in content]
    done_reason = "stop"
    num_predict = (body.get("options") or {}).get("num_predict")
    if isinstance(num_predict, int) and 0 < num_predict < len(pieces) + (1 if calls else 0):
        pieces, calls, done_reason = pieces[:num_predict], [], "length"
    return Plan(
        pieces=pieces,
        tool_calls=calls,
        done_reason=done_reason,
        error_after=turn.error_after if turn.error_after is not None else scenario.error_after,
        error_message=turn.error_message or scenario.error_message,
        first_byte_delay=turn.first_byte_delay if turn.first_byte_delay is not None else scenario.first_byte_delay,
        chunk_delay=turn.chunk_delay if turn.chunk_delay is not None else scenario.chunk_delay,
    )


def _validate(h: FakeOllamaHandler, body: dict[str, Any], chat: bool) -> tuple[str, FakeModel] | None:
    """Apply the server's checks in its order; on failure send the error and return None."""
    name = body.get("model")
    if not isinstance(name, str) or not name:
        h.send_error_json(400, "model is required")
        return None
    status = h.fake.take_status_turn() or h.fake.scenario.chat_status
    if status:
        h.send_error_json(status, status_message(status, name))
        return None
    model = h.fake.registry.get(name)
    if model is None:
        h.send_error_json(404, f"model '{name}' not found")
        return None
    kind = "chat" if chat else "generate"
    if "completion" not in model.capabilities:
        h.send_error_json(400, f'"{name}" does not support {kind}')
        return None
    if chat and body.get("tools") and "tools" not in model.capabilities:
        h.send_error_json(400, f"{name} does not support tools")
        return None
    if _think_requested(body.get("think")) and "thinking" not in model.capabilities:
        h.send_error_json(400, f'"{name}" does not support thinking')
        return None
    return name, model


def _piece(chat: bool, name: str, kind: str, text: str, calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"model": name, "created_at": now_rfc3339()}
    if chat:
        message: dict[str, Any] = {"role": "assistant", "content": text if kind == "content" else ""}
        if kind == "thinking":
            message["thinking"] = text
        if calls:
            message["tool_calls"] = calls
        out["message"] = message
    else:
        out["response"] = text if kind == "content" else ""
        if kind == "thinking":
            out["thinking"] = text
    out["done"] = False
    return out


def _final(chat: bool, name: str, plan: Plan, started: int, eval_start: int, body: dict[str, Any],
           include_metrics: bool) -> dict[str, Any]:  # fmt: skip
    out = _piece(chat, name, "content", "")
    out.update(done=True, done_reason=plan.done_reason)
    if include_metrics:
        end = time.perf_counter_ns()
        prompt = json.dumps(body.get("messages") if chat else body.get("prompt"))
        out.update(
            total_duration=end - started,
            load_duration=int(plan.first_byte_delay * 1e9),
            prompt_eval_count=max(1, len(prompt.split())),
            prompt_eval_duration=1_000_000,
            eval_count=len(plan.pieces) + len(plan.tool_calls),
            eval_duration=max(1, end - eval_start),
        )
    return out


def _load_or_unload(h: FakeOllamaHandler, name: str, body: dict[str, Any], chat: bool) -> None:
    """Empty messages (or prompt) only load the model; with keep_alive 0 they unload it."""
    h.fake.registry.touch(name, body.get("keep_alive"))
    reason = "unload" if keep_alive_seconds(body.get("keep_alive")) == 0 else "load"
    out = _piece(chat, name, "content", "")
    out.update(done=True, done_reason=reason)
    h.send_json(200, out)


def generate(h: FakeOllamaHandler, body: dict[str, Any], *, chat: bool) -> None:
    """Answer one chat/generate request, streaming unless `stream` is false."""
    started = time.perf_counter_ns()
    checked = _validate(h, body, chat)
    if checked is None:
        return
    name, model = checked
    if (chat and not body.get("messages")) or (not chat and not body.get("prompt")):
        _load_or_unload(h, name, body, chat)
        return
    turn = h.fake.next_turn()
    plan = _plan(body, model, turn, h.fake.scenario, len(h.fake.requests))
    h.fake.registry.touch(name, body.get("keep_alive"))
    path = "/api/chat" if chat else "/api/generate"
    include_metrics = h.fake.scenario.include_metrics
    if body.get("stream", True) is False:
        _answer_whole(h, chat, name, plan, started, body, include_metrics)
        return
    sent = 0
    h.fake.stream_started()
    try:
        h.pause(plan.first_byte_delay)
        h.start_stream()
        eval_start = time.perf_counter_ns()
        lines = [_piece(chat, name, k, t) for k, t in plan.pieces]
        if plan.tool_calls:
            lines.append(_piece(chat, name, "content", "", plan.tool_calls))
        for line in lines:
            if plan.error_after is not None and sent >= plan.error_after:
                break
            if sent:
                h.pause(plan.chunk_delay)
            h.write_line(line)
            sent += 1
        if plan.error_after is not None and sent >= plan.error_after:
            h.write_line({"error": plan.error_message})
        else:
            h.pause(plan.chunk_delay)
            h.write_line(_final(chat, name, plan, started, eval_start, body, include_metrics))
        h.end_stream()
    except ClientGone:
        h.fake.record_disconnect(path, name, sent)
        h.close_connection = True
    finally:
        h.fake.stream_ended()


def _answer_whole(h: FakeOllamaHandler, chat: bool, name: str, plan: Plan, started: int,
                  body: dict[str, Any], include_metrics: bool) -> None:  # fmt: skip
    """`stream: false`: one JSON object; a planned mid-stream failure becomes a 500."""
    if plan.error_after is not None:
        h.send_error_json(500, plan.error_message)
        return
    try:
        h.pause(plan.first_byte_delay)
    except ClientGone:
        h.fake.record_disconnect("/api/chat" if chat else "/api/generate", name, 0)
        h.close_connection = True
        return
    out = _final(chat, name, plan, started, time.perf_counter_ns(), body, include_metrics)
    text = "".join(t for k, t in plan.pieces if k == "content")
    thinking = "".join(t for k, t in plan.pieces if k == "thinking")
    if chat:
        out["message"] = {"role": "assistant", "content": text}
        if thinking:
            out["message"]["thinking"] = thinking
        if plan.tool_calls:
            out["message"]["tool_calls"] = plan.tool_calls
    else:
        out["response"] = text
        if thinking:
            out["thinking"] = thinking
    h.send_json(200, out)
