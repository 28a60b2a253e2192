"""A conversation's choices in one dialog: the model (with its size and capabilities), an optional
RAG system, the tools the user may call, a system prompt, and the main options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList, Static, TextArea

from workshop_tui.domain.models import ModelInfo, RagSystem, Tool
from workshop_tui.ui.text import plain


@dataclass(frozen=True)
class ChatChoices:
    model: str
    rag_system_id: int | None = None
    tool_ids: tuple[int, ...] = ()
    system_prompt: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)


def describe_model(model: ModelInfo) -> str:
    """'llama3.2:1b — 1.2B, 1.3 GB, tools, vision' for pickers and headers."""
    facts = [model.parameter_size or "", _size(model.size_bytes), *model.capabilities]
    shown = ", ".join(fact for fact in facts if fact and fact != "completion")
    return f"{model.name} — {shown}" if shown else model.name


def _size(size_bytes: int | None) -> str:
    if not size_bytes:
        return ""
    return f"{size_bytes / 1e9:.1f} GB" if size_bytes >= 1e8 else f"{size_bytes / 1e6:.0f} MB"


class ChatSettingsModal(ModalScreen[ChatChoices | None]):
    CSS_PATH = "chat_settings.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel"),
                Binding("ctrl+s", "save", "Save", id="save")]

    def __init__(self, current: ChatChoices, models: Sequence[ModelInfo], rag_systems: Sequence[RagSystem],
                 tools: Sequence[Tool], *, title: str = "Conversation settings") -> None:
        super().__init__()
        self._current = current
        self._models = [m for m in models if not m.is_embedding]
        self._rag_systems = list(rag_systems)
        self._tools = list(tools)
        self._title = title

    def compose(self) -> ComposeResult:
        current = self._current
        with VerticalScroll(id="dialog"):
            yield Static(plain(self._title), id="title")
            yield Label("Model")
            names = [m.name for m in self._models]
            yield Select([(plain(describe_model(m)), m.name) for m in self._models], id="model", allow_blank=False,
                         value=current.model if current.model in names else (names[0] if names else Select.NULL))
            yield Label("RAG system (answers from documents, with sources)")
            rag_ids = [r.id for r in self._rag_systems]
            yield Select([(plain(f"{r.name} — {r.chat_model}"), r.id) for r in self._rag_systems], id="rag",
                         prompt="none", value=current.rag_system_id if current.rag_system_id in rag_ids
                         else Select.NULL)
            yield Label("Tools the model may call")
            if self._tools:
                yield SelectionList[int](*[(plain(f"{t.name} — {t.description or t.kind}"), t.id,
                                            t.id in current.tool_ids) for t in self._tools], id="tools")
            else:
                yield Static(plain("No tools are available to you."), classes="muted")
            yield Label("System prompt")
            yield TextArea(current.system_prompt, id="system-prompt", soft_wrap=True)
            with Horizontal(id="options"):
                yield Label("Temperature")
                yield Input(_number(current.parameters.get("temperature")), placeholder="default", id="temperature",
                            type="number", compact=True)
                yield Label("Context (tokens)")
                yield Input(_number(current.parameters.get("num_ctx")), placeholder="default", id="num_ctx",
                            type="integer", compact=True)
            yield Static("", id="problem")
            with Horizontal(id="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        model = self.query_one("#model", Select).value
        if model is Select.NULL:
            self._problem("Choose a model.")
            return
        rag = self.query_one("#rag", Select).value
        tools: tuple[int, ...] = ()
        if self._tools:
            tools = tuple(self.query_one("#tools", SelectionList).selected)
        parameters = dict(self._current.parameters)
        for name, kind in (("temperature", float), ("num_ctx", int)):
            text = self.query_one(f"#{name}", Input).value.strip()
            if not text:
                parameters.pop(name, None)
                continue
            try:
                parameters[name] = kind(text)
            except ValueError:
                self._problem(f"{name}: not a number")
                return
        self.dismiss(ChatChoices(model=str(model), rag_system_id=None if rag is Select.NULL else int(str(rag)),
                                 tool_ids=tools, system_prompt=self.query_one("#system-prompt", TextArea).text,
                                 parameters=parameters))

    def _problem(self, text: str) -> None:
        self.query_one("#problem", Static).update(plain(text))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _number(value: object) -> str:
    return "" if value is None else str(value)
