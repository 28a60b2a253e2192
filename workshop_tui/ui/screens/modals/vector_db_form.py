"""Creating or changing a vector DB: its name, its embedding model (only embedding models you may
use), a description and who may use it. Changing the model of one in use re-embeds everything in
it: the form says so before, and asks once more when the service names how many documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static, TextArea

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import ModelInfo, VectorDb
from workshop_tui.domain.text_fields import clean_name
from workshop_tui.services.vector_dbs import ReembeddingRequired
from workshop_tui.ui.permissions import may_share, visibilities_for
from workshop_tui.ui.screens.modals.confirm import ConfirmModal
from workshop_tui.ui.screens.modals.form import FormModal, problem_text, visibility_select
from workshop_tui.ui.service_calls import workshop_app
from workshop_tui.ui.text import plain

NAME_MAX = 100
MODEL_HINT = "turns each chunk into a vector; questions are embedded with the same model"
CHANGE_WARNING = "changing it re-embeds every document in this vector DB: searches miss them until done"


def describe_embedding_model(model: ModelInfo) -> str:
    """'all-minilm — 384 dimensions, 46 MB'."""
    facts = [f"{model.embedding_dimension} dimensions" if model.embedding_dimension else "",
             f"{model.size_bytes / 1e6:.0f} MB" if model.size_bytes else ""]
    shown = ", ".join(fact for fact in facts if fact)
    return f"{model.name} — {shown}" if shown else model.name


class VectorDbFormModal(FormModal[VectorDb]):
    CSS_PATH = ["form.tcss", "vector_db_form.tcss"]
    AUTO_FOCUS = "#name"
    ALIASES = {"embedding_model": "model"}

    def __init__(self, models: Sequence[ModelInfo], current: VectorDb | None = None) -> None:
        super().__init__("New vector DB" if current is None else f"Change the vector DB “{current.name}”")
        self.models = [m for m in models if m.is_embedding]
        self.current = current
        self.SAVE_LABEL = "Create" if current is None else "Save"

    def fields(self) -> ComposeResult:
        current = self.current
        yield from self.field("name", "Name", Input(current.name if current else "", id="name", compact=True,
                                                    max_length=NAME_MAX), "how it is listed and chosen")
        options = [(plain(describe_embedding_model(m)), m.name) for m in self.models]
        if current is not None and current.embedding_model not in {m.name for m in self.models}:
            options.append((plain(current.embedding_model), current.embedding_model))
        chosen = current.embedding_model if current else (options[0][1] if options else Select.NULL)
        hint = MODEL_HINT if options else "No embedding model is available to you: ask your instructor to " \
                                          "allow one (all-minilm or nomic-embed-text, for example)."
        yield from self.field("model", "Embedding model", Select(options, id="model", value=chosen,
                                                                 prompt="choose a model", compact=True), hint)
        yield from self.field("description", "Description (optional)",
                              TextArea(current.description if current else "", id="description", soft_wrap=True,
                                       compact=True))
        user = workshop_app(self.app).user
        if may_share(user):
            yield from self.field("visibility", "Who may use it", visibility_select(
                visibilities_for(user), current.visibility if current else Visibility.PRIVATE),
                "sharing a vector DB shares the text of the chunks in it")
        else:
            yield Static(plain("Private: only you (and admins) can use it."), classes="muted")

    def values(self) -> dict[str, Any]:
        model = self.query_one("#model", Select).value
        visibility = self.query_one("#visibility", Select).value if self.query("#visibility") else "private"
        return {"name": self.query_one("#name", Input).value, "model": None if model is Select.NULL else str(model),
                "description": self.query_one("#description", TextArea).text, "visibility": Visibility(str(visibility))}

    def problem(self, name: str, values: dict[str, Any]) -> str | None:
        if name == "name":
            try:
                clean_name(values["name"], "name", NAME_MAX)
            except Invalid as exc:
                return problem_text(exc)
        if name == "model" and values["model"] is None:
            return "choose an embedding model"
        return None

    def _changes_model(self) -> bool:
        return self.current is not None and self.values()["model"] != self.current.embedding_model

    def hint(self, name: str) -> str:
        return CHANGE_WARNING if name == "model" and self._changes_model() else super().hint(name)

    def warns(self, name: str) -> bool:
        return name == "model" and self._changes_model()

    async def save(self, values: dict[str, Any]) -> VectorDb | None:
        app = workshop_app(self.app)
        assert app.actor is not None
        vector_dbs = app.services.knowledge.vector_dbs
        if self.current is None:
            return await app.call(vector_dbs.create(app.actor, values["name"], values["model"],
                                                    description=values["description"],
                                                    visibility=values["visibility"]))
        current = self.current
        updated = await app.call(vector_dbs.update(app.actor, current.id, name=values["name"],
                                                   description=values["description"],
                                                   visibility=values["visibility"]))
        self.current = updated
        if values["model"] == current.embedding_model:
            return updated
        try:
            return await app.call(vector_dbs.change_embedding_model(app.actor, current.id, values["model"]))
        except ReembeddingRequired as warning:
            if not await self.app.push_screen_wait(ConfirmModal(str(warning), confirm="Re-embed everything")):
                self._say("The name, description and visibility are saved; the model is unchanged.")
                return None
        self._say("Changing the model…")
        return await app.call(vector_dbs.change_embedding_model(app.actor, current.id, values["model"], confirm=True))
