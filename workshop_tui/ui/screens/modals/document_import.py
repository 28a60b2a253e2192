"""Importing a document: what every source shares (a title, who may read it, and the offer to update
a document imported before) and the simplest source, pasted text."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static, TextArea

from workshop_tui.domain.enums import Visibility
from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.models import Document
from workshop_tui.domain.text_fields import clean_name
from workshop_tui.services.documents import DuplicateDocument
from workshop_tui.ui.permissions import may_share, visibilities_for
from workshop_tui.ui.screens.modals.choice import ChoiceModal
from workshop_tui.ui.screens.modals.form import FormModal, problem_text, visibility_select
from workshop_tui.ui.service_calls import workshop_app
from workshop_tui.ui.text import plain

TITLE_MAX = 200


def title_problem(value: str, *, required: bool) -> str | None:
    if not value.strip() and not required:
        return None
    try:
        clean_name(value, "title", TITLE_MAX)
    except Invalid as exc:
        return problem_text(exc)
    return None


class ImportModal(FormModal[Document]):
    """A source's form; `run()` makes its service call. A file imported before is offered as an update."""

    SAVE_LABEL = "Import"
    TITLE_REQUIRED = True

    def title_field(self, hint: str) -> ComposeResult:
        yield from self.field("title", "Title", Input(id="title", compact=True, max_length=TITLE_MAX), hint)

    def visibility_field(self) -> ComposeResult:
        user = workshop_app(self.app).user
        if may_share(user):
            yield from self.field("visibility", "Who may read it", visibility_select(visibilities_for(user)))
        else:
            yield Static(plain("Private: only you (and admins) can read it."), classes="muted")

    def visibility(self) -> Visibility:
        if not self.query("#visibility"):
            return Visibility.PRIVATE
        value = self.query_one("#visibility", Select).value
        return Visibility(str(value)) if value is not Select.NULL else Visibility.PRIVATE

    def problem(self, name: str, values: dict[str, Any]) -> str | None:
        if name == "title":
            return title_problem(values.get("title", ""), required=self.TITLE_REQUIRED)
        return None

    async def run(self, values: dict[str, Any], *, replace_id: int | None, as_new: bool) -> Document:
        raise NotImplementedError

    async def save(self, values: dict[str, Any]) -> Document | None:
        try:
            return await self.run(values, replace_id=None, as_new=False)
        except DuplicateDocument as duplicate:
            existing = duplicate.existing
            if duplicate.identical:
                answers = [("Import a second copy", "new"), ("Keep the one I have", "keep")]
            else:
                answers = [(f"Update “{existing.title}”", "update"), ("Import as a new document", "new")]
            choice = await self.app.push_screen_wait(ChoiceModal(
                f"{duplicate}.", answers, title="Imported before"))
            if choice is None:
                self._say("Not imported.")
                return None
            if choice == "keep":
                return existing
            return await self.run(values, replace_id=existing.id if choice == "update" else None,
                                  as_new=choice == "new")


class PasteModal(ImportModal):
    CSS_PATH = ["form.tcss", "document_import.tcss"]
    AUTO_FOCUS = "#title"

    def __init__(self) -> None:
        super().__init__("Paste a document")

    def fields(self) -> ComposeResult:
        yield from self.title_field("how it is listed and cited")
        yield from self.field("content_type", "Format", Select(
            [(plain("plain text"), "text/plain"), (plain("Markdown (# headings make chunk titles)"),
                                                    "text/markdown")],
            id="content_type", allow_blank=False, value="text/markdown", compact=True))
        yield from self.field("text", "Text", TextArea(id="text", soft_wrap=True, compact=True),
                              "paste with your terminal (often Ctrl+Shift+V), or type")
        yield from self.visibility_field()

    def values(self) -> dict[str, Any]:
        return {"title": self.query_one("#title", Input).value,
                "content_type": str(self.query_one("#content_type", Select).value),
                "text": self.query_one("#text", TextArea).text}

    def problem(self, name: str, values: dict[str, Any]) -> str | None:
        if name == "text" and not values["text"].strip():
            return "paste or type the text"
        return super().problem(name, values)

    async def run(self, values: dict[str, Any], *, replace_id: int | None, as_new: bool) -> Document:
        app = workshop_app(self.app)
        assert app.actor is not None
        return await app.call(app.services.knowledge.documents.import_text(
            app.actor, values["title"], values["text"], content_type=values["content_type"],
            visibility=self.visibility(), replace_id=replace_id, as_new=as_new))
