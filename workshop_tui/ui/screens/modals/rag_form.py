"""Creating or changing a RAG system: a name, the chat model that answers, the vector DB it searches,
the prompt template (with {{context}} and {{question}}), how many chunks it retrieves (top_k), the
lowest similarity it accepts, and who may use it. Each field is checked as it is typed, by the rules
the service applies, and the service's own refusals appear beside the field they name."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static, TextArea

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import ModelInfo, RagSystem, VectorDb
from workshop_tui.domain.text_fields import clean_name
from workshop_tui.services.rag import DEFAULT_TEMPLATE, check_rag_template
from workshop_tui.services.retrieval import MAX_TOP_K
from workshop_tui.ui.permissions import may_share, visibilities_for
from workshop_tui.ui.screens.modals.chat_settings import describe_model
from workshop_tui.ui.screens.modals.form import FormModal, problem_text, visibility_select
from workshop_tui.ui.service_calls import workshop_app
from workshop_tui.ui.text import plain

NAME_MAX = 100


def _number(text: str, kind: type[int] | type[float]) -> int | float | None:
    try:
        value = kind(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class RagFormModal(FormModal[RagSystem]):
    CSS_PATH = ["form.tcss", "rag_form.tcss"]
    AUTO_FOCUS = "#name"
    ALIASES = {"vector_db_id": "vector_db"}

    def __init__(self, models: Sequence[ModelInfo], vector_dbs: Sequence[VectorDb],
                 current: RagSystem | None = None) -> None:
        super().__init__("New RAG system" if current is None else f"Change the RAG system “{current.name}”")
        self.models = [m for m in models if not m.is_embedding]
        self.vector_dbs = list(vector_dbs)
        self.current = current
        self.SAVE_LABEL = "Create" if current is None else "Save"

    def fields(self) -> ComposeResult:
        current = self.current
        yield from self.field("name", "Name", Input(current.name if current else "", id="name", compact=True,
                                                    max_length=NAME_MAX), "how it is listed and chosen in chat")
        models = [(plain(describe_model(m)), m.name) for m in self.models]
        if current is not None and current.chat_model not in {m.name for m in self.models}:
            models.append((plain(current.chat_model), current.chat_model))
        yield from self.field("chat_model", "Chat model", Select(
            models, id="chat_model", compact=True, prompt="choose a model",
            value=current.chat_model if current else (models[0][1] if models else Select.NULL)),
            "writes the answer" if models else "No chat model is available to you: ask your instructor.")
        ids = [v.id for v in self.vector_dbs]
        yield from self.field("vector_db", "Vector DB", Select(
            [(plain(f"{v.name} — {v.embedding_model}"), v.id) for v in self.vector_dbs], id="vector_db",
            compact=True, prompt="choose a vector DB",
            value=current.vector_db_id if current and current.vector_db_id in ids else (
                ids[0] if ids else Select.NULL)),
            "where the passages come from" if ids else "No vector DB yet: create one in Vector DBs first.")
        yield from self.field("prompt_template", "Prompt template", TextArea(
            current.prompt_template if current else DEFAULT_TEMPLATE, id="prompt_template", soft_wrap=True,
            compact=True), "{{context}} becomes the numbered passages found, {{question}} the question")
        yield from self.field("top_k", "Passages to retrieve (top_k)", Input(
            str(current.top_k if current else 4), id="top_k", compact=True, type="integer"),
            f"1 to {MAX_TOP_K}")
        threshold = "" if current is None or current.score_threshold is None else str(current.score_threshold)
        yield from self.field("score_threshold", "Lowest similarity (score threshold)", Input(
            threshold, id="score_threshold", compact=True, type="number", placeholder="none"),
            "from -1 to 1; empty keeps every passage found")
        yield from self.field("description", "Description (optional)", TextArea(
            current.description if current else "", id="description", soft_wrap=True, compact=True))
        user = workshop_app(self.app).user
        if may_share(user):
            yield from self.field("visibility", "Who may use it", visibility_select(
                visibilities_for(user), current.visibility if current else Visibility.PRIVATE),
                "no wider than its vector DB, or others could not use it")
        else:
            yield Static(plain("Private: only you (and admins) can use it."), classes="muted")

    def values(self) -> dict[str, Any]:
        def chosen(selector: str) -> Any:
            value = self.query_one(selector, Select).value
            return None if value is Select.NULL else value

        visibility = chosen("#visibility") if self.query("#visibility") else "private"
        return {"name": self.query_one("#name", Input).value, "chat_model": chosen("#chat_model"),
                "vector_db": chosen("#vector_db"), "prompt_template": self.query_one("#prompt_template", TextArea).text,
                "top_k": self.query_one("#top_k", Input).value, "score_threshold":
                self.query_one("#score_threshold", Input).value, "description":
                self.query_one("#description", TextArea).text, "visibility": Visibility(str(visibility))}

    def problem(self, name: str, values: dict[str, Any]) -> str | None:
        try:
            if name == "name":
                clean_name(values["name"], "name", NAME_MAX)
            elif name == "prompt_template":
                check_rag_template(values["prompt_template"])
        except Invalid as exc:
            return problem_text(exc)
        if name in ("chat_model", "vector_db") and values[name] is None:
            return "choose one"
        if name == "top_k":
            top_k = _number(values["top_k"], int)
            return None if top_k is not None and 1 <= top_k <= MAX_TOP_K else f"a whole number from 1 to {MAX_TOP_K}"
        if name == "score_threshold" and values["score_threshold"].strip():
            threshold = _number(values["score_threshold"], float)
            return None if threshold is not None and -1 <= threshold <= 1 else "a number from -1 to 1, or empty"
        return None

    async def save(self, values: dict[str, Any]) -> RagSystem | None:
        app = workshop_app(self.app)
        assert app.actor is not None
        rag = app.services.knowledge.rag
        threshold = _number(values["score_threshold"], float) if values["score_threshold"].strip() else None
        fields = dict(name=values["name"], chat_model=values["chat_model"], vector_db_id=int(values["vector_db"]),
                      prompt_template=values["prompt_template"], top_k=int(values["top_k"]),
                      score_threshold=threshold, description=values["description"], visibility=values["visibility"])
        if self.current is None:
            return await app.call(rag.create(app.actor, **fields))  # type: ignore[arg-type]
        return await app.call(rag.update(app.actor, self.current.id, clear_threshold=threshold is None,
                                         **fields))  # type: ignore[arg-type]
