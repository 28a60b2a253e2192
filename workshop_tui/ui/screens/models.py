"""Models: the workshop's catalogue, what each model is (from Ollama's /api/show), and what is loaded.

The table comes from the database, so it shows with Ollama down, under a banner that says so.
Admins also pull (a bar per layer, with the rate and the time left, cancellable), delete, unload,
and enable or disable models; those actions are hidden from everyone else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from contextlib import aclosing

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from workshop_tui.domain.errors import NotAuthenticated, ServiceError, Unavailable
from workshop_tui.domain.models import LoadedModel, ModelInfo
from workshop_tui.ui.permissions import manages_models, reads_host_details
from workshop_tui.ui.screens.base import PlaceScreen
from workshop_tui.ui.screens.modals.confirm import ConfirmModal
from workshop_tui.ui.screens.modals.pull_model import PullModal
from workshop_tui.ui.screens.models_text import (
    MODEL_COLUMNS,
    RUNNING_COLUMNS,
    catalogue_text,
    details_text,
    model_row,
    running_row,
)
from workshop_tui.ui.service_calls import completed
from workshop_tui.ui.text import cell, plain, say
from workshop_tui.ui.widgets.pull_progress import PullPanel

DOWN = ("Ollama is not reachable. The table shows the catalogue as last synced; details, loaded models "
        "and pulls need Ollama.")
ADMIN_ACTIONS = frozenset({"pull", "delete", "unload", "toggle", "sync", "cancel_pull"})


class ModelsScreen(PlaceScreen):
    CSS_PATH = "models.tcss"
    AUTO_FOCUS = "#models-table"
    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="models.refresh", tooltip="Read the catalogue and loaded models again"),
        Binding("p", "pull", "Pull", id="models.pull", tooltip="Download a model onto the Ollama host"),
        Binding("d,delete", "delete", "Delete", id="models.delete", tooltip="Delete the model from every host"),
        Binding("u", "unload", "Unload", id="models.unload", tooltip="Free the memory the model holds"),
        Binding("e", "toggle", "Enable/disable", id="models.toggle",
                tooltip="Allow or refuse this model to the whole class"),
        Binding("s", "sync", "Sync", id="models.sync", tooltip="Ask Ollama which models it serves now"),
    ]

    def __init__(self, place):  # type: ignore[no-untyped-def]
        super().__init__(place)
        self.models: dict[str, ModelInfo] = {}

    @property
    def _admin(self) -> bool:
        user = self.workshop_app.user
        return manages_models(user)

    @property
    def _shows_hosts(self) -> bool:
        user = self.workshop_app.user
        return reads_host_details(user)

    def compose_body(self) -> ComposeResult:
        yield Static(plain(DOWN), id="models-banner")
        yield DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="models-lower"):
            with VerticalScroll(id="model-details"):
                yield Static("", id="details-text")
            with Vertical(id="running"):
                yield Static("", id="running-title")
                yield DataTable(id="running-table", cursor_type="row", show_cursor=False)
        yield PullPanel()
        yield Static("", id="models-status")

    def on_mount(self) -> None:
        self.query_one("#models-banner").display = False
        self.query_one(PullPanel).display = False
        host = ("Host",) if self._shows_hosts else ()
        self.query_one("#models-table", DataTable).add_columns(*MODEL_COLUMNS, *host)
        self.query_one("#running-table", DataTable).add_columns(*RUNNING_COLUMNS, *host)
        self._load()

    def on_screen_resume(self) -> None:
        if self.models:
            self._load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ADMIN_ACTIONS:
            return self._admin
        return True

    # -- loading ------------------------------------------------------------------------------------

    @work(group="models-load", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        app = self.workshop_app
        actor, catalog = app.actor, app.services.catalog
        if actor is None:
            return
        models = await app.guarded(catalog.list(actor), "Loading the models")
        usable = await app.guarded(catalog.list(actor, usable_only=True), "Loading the models")
        if models is None or usable is None:
            return
        self._fill(models, {m.name for m in usable})
        try:
            loaded: list[LoadedModel] = await app.call(catalog.running(actor))
        except NotAuthenticated as exc:
            app.request_sign_out(str(exc))
            return
        except Unavailable:
            self._down(True)
            loaded = []
        except ServiceError as exc:
            self._status(f"Could not read the loaded models: {exc}")
            loaded = []
        else:
            self._down(False)
        self._fill_running(loaded)

    def _fill(self, models: list[ModelInfo], usable: set[str]) -> None:
        table = self.query_one("#models-table", DataTable)
        current = self._current_name()
        self.models = {m.name: m for m in models}
        table.clear()
        for model in models:
            table.add_row(*(cell(text) for text in model_row(model, model.name in usable, self._shows_hosts)),
                          key=model.name)
        if current in self.models:
            table.move_cursor(row=table.get_row_index(current))
        if not models:
            self._details("The catalogue is empty." + (" Pull a model with p, or sync with s." if self._admin
                                                       else " An admin adds models."))
        self._status(f"{len(models)} model(s)")

    def _fill_running(self, loaded: list[LoadedModel]) -> None:
        table = self.query_one("#running-table", DataTable)
        table.clear()
        for model in loaded:
            table.add_row(*(cell(text) for text in running_row(model, self._shows_hosts)))
        self.query_one("#running-title", Static).update(
            f"Loaded in memory: {len(loaded)}" if loaded else "Nothing is loaded in memory")

    def _down(self, down: bool) -> None:
        self.query_one("#models-banner").display = down

    def _status(self, text: str) -> None:
        self.query_one("#models-status", Static).update(plain(text))

    def _details(self, text: str) -> None:
        self.query_one("#details-text", Static).update(plain(text))

    def _current_name(self) -> str | None:
        table = self.query_one("#models-table", DataTable)
        if table.row_count == 0 or table.cursor_row < 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key if key in self.models else None

    # -- details ------------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#models-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        name = event.row_key.value
        if name in self.models:
            self._details(catalogue_text(self.models[name]))
            self._describe(name)

    @work(group="models-detail", exclusive=True, exit_on_error=False)
    async def _describe(self, name: str) -> None:
        await asyncio.sleep(0.15)  # let the cursor rest on a row before asking Ollama about it
        app = self.workshop_app
        if app.actor is None:
            return
        try:
            details = await app.call(app.services.catalog.details(app.actor, name))
        except NotAuthenticated as exc:
            app.request_sign_out(str(exc))
            return
        except ServiceError as exc:
            details = exc
        model = self.models.get(name)
        if model is None or name != self._current_name():  # the cursor moved on, or the table changed
            return
        if isinstance(details, ServiceError):
            self._details(f"{catalogue_text(model)}\n\nOllama's description is not available: {details}")
        else:
            self._details(details_text(model, details))

    # -- admin actions ------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self._load()

    def action_pull(self) -> None:
        if self.query_one(PullPanel).running:
            say(self.app, "A pull is already running: cancel it first, or wait for it.", severity="warning")
            return
        self.app.push_screen(PullModal(), self._pull_chosen)

    def _pull_chosen(self, name: str | None) -> None:
        if name:
            self._pull(name)

    @work(group="models-pull", exclusive=True, exit_on_error=False)
    async def _pull(self, name: str) -> None:
        app = self.workshop_app
        assert app.actor is not None
        panel = self.query_one(PullPanel)
        panel.start(name)
        try:
            async with aclosing(app.services.catalog.pull(app.actor, name)) as progress:
                async for line in progress:
                    panel.post_message(PullPanel.Progressed(line.status, line.digest, line.total, line.completed))
        except NotAuthenticated as exc:
            app.request_sign_out(str(exc))
            return
        except ServiceError as exc:
            panel.post_message(PullPanel.Finished(f"not pulled: {exc}", ok=False))
            return
        except BaseException:
            panel.post_message(PullPanel.Finished("cancelled; nothing was kept", ok=False))
            raise
        panel.post_message(PullPanel.Finished("pulled, and the catalogue synced", ok=True))
        say(self.app, f"Pulled {name}.")
        self._load()

    @on(PullPanel.StopRequested)
    def _stop_pull(self, event: PullPanel.StopRequested) -> None:
        if event.running:
            self.action_cancel_pull()
        else:
            self.query_one(PullPanel).hide()

    def action_cancel_pull(self) -> None:
        self.workers.cancel_group(self, "models-pull")

    def _chosen(self) -> ModelInfo | None:
        name = self._current_name()
        if name is None:
            say(self.app, "Choose a model in the table first.", severity="warning")
        return self.models.get(name) if name else None

    @work(group="models-admin", exclusive=True, exit_on_error=False)
    async def action_delete(self) -> None:
        model = self._chosen()
        if model is None or not await self.app.push_screen_wait(ConfirmModal(
                f"Delete {model.name} from every Ollama host? Everyone's grants to it go too.")):
            return
        app = self.workshop_app
        self._status(f"Deleting {model.name}…")
        if await app.guarded(completed(app.services.catalog.delete(app.actor, model.name)), "Deleting"):
            say(self.app, f"Deleted {model.name}.")
        self._load()

    @work(group="models-admin", exclusive=True, exit_on_error=False)
    async def action_unload(self) -> None:
        model = self._chosen()
        app = self.workshop_app
        if model is not None:
            if await app.guarded(completed(app.services.catalog.unload(app.actor, model.name)), "Unloading"):
                say(self.app, f"Unloaded {model.name}.")
            self._load()

    @work(group="models-admin", exclusive=True, exit_on_error=False)
    async def action_toggle(self) -> None:
        model = self._chosen()
        app = self.workshop_app
        if model is None:
            return
        changed = await app.guarded(app.services.catalog.set_enabled(app.actor, model.name, not model.enabled),
                                    "Changing the model")
        if changed is not None:
            say(self.app, f"{changed.name} is {'enabled' if changed.enabled else 'disabled'} for the class.")
            self._load()

    @work(group="models-admin", exclusive=True, exit_on_error=False)
    async def action_sync(self) -> None:
        app = self.workshop_app
        self._status("Asking Ollama which models it serves…")
        if await app.guarded(app.services.catalog.sync(app.actor), "Syncing") is not None:
            say(self.app, "The catalogue matches Ollama now.")
        self._load()

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Refresh models", "Read the catalogue and the loaded models again", self.action_refresh)
        if not self._admin:
            return
        yield SystemCommand("Pull a model", "Download a model onto the Ollama host", self.action_pull)
        yield SystemCommand("Sync models", "Ask Ollama which models it serves now", self.action_sync)
        if self.query_one(PullPanel).running:
            yield SystemCommand("Cancel the pull", "Stop the model being pulled", self.action_cancel_pull)
        name = self._current_name()
        if name is not None:
            yield SystemCommand("Delete the model", "Delete the highlighted model from every host", self.action_delete)
            yield SystemCommand("Unload the model", "Free the memory the highlighted model holds", self.action_unload)
            verb = "Disable" if self.models[name].enabled else "Enable"
            yield SystemCommand(f"{verb} the model", f"{verb} the highlighted model for the class", self.action_toggle)
