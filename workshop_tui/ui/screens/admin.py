"""The Admin place: what instructors and admins use all day, one section per tab.

Each role sees the sections its capabilities allow (an instructor has no usage or audit tab; the
services refuse them anyway). Each section loads the first time it is shown, and the approvals
queue's tab carries the number of registrations waiting, as the sidebar's entry does.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.widgets import TabbedContent, TabPane

from workshop_tui.domain.enums import Role
from workshop_tui.services.access import CREATE, MANAGES_ROLES, READ_ALL, STAFF, Kind
from workshop_tui.ui.navigation import Place
from workshop_tui.ui.screens.base import PlaceScreen
from workshop_tui.ui.widgets.admin.base import AdminPane


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    roles: frozenset[Role]
    widget: str  # "module:Class" under workshop_tui.ui.widgets.admin
    summary: str

    def make(self) -> AdminPane:
        module, _, name = self.widget.partition(":")
        pane: AdminPane = getattr(importlib.import_module(f"workshop_tui.ui.widgets.admin.{module}"), name)(id=self.key)
        return pane


# Who sees each section: the capability table's own rows, so a tab is hidden exactly when the
# services would refuse what it shows.
SECTIONS = (
    Section("approvals", "Approvals", frozenset(MANAGES_ROLES), "approvals:ApprovalsPane",
            "registrations waiting for approval"),
    Section("users", "Users", READ_ALL[Kind.USER], "users:UsersPane", "accounts by role and status, with search"),
    Section("activity", "Activity", READ_ALL[Kind.ACTIVITY], "activity:ActivityPane",
            "who is online and what they generate"),
    Section("broadcast", "Broadcast", CREATE[Kind.BROADCAST], "broadcast:BroadcastPane",
            "a message to every open session"),
    Section("usage", "Usage", READ_ALL[Kind.USAGE], "usage:UsagePane", "messages and tokens per day and per model"),
    Section("audit", "Audit log", READ_ALL[Kind.AUDIT], "audit:AuditPane", "who changed what, with before and after"),
)


def sections_for(role: Role) -> list[Section]:
    return [section for section in SECTIONS if role in section.roles]


class AdminScreen(PlaceScreen):
    CSS_PATH = "admin.tcss"
    BINDINGS = [Binding(str(n), f"section({n})", f"Section {n}", show=False, id=f"admin.section{n}",
                        tooltip="Open the section with this number") for n in range(1, len(SECTIONS) + 1)]

    def __init__(self, place: Place) -> None:
        super().__init__(place)
        self._role: Role | None = None

    def compose_body(self) -> ComposeResult:
        user = self.workshop_app.user
        self._role = user.role if user is not None else None
        with TabbedContent(id="admin-tabs"):
            for section in sections_for(self._role) if self._role is not None else []:
                with TabPane(section.label, id=section.key):
                    yield section.make()

    def on_mount(self) -> None:
        self.watch(self.app, "user", self._user_changed, init=False)
        self.watch(self.app, "pending_registrations", self._count_changed)
        self._open(self.query_one(TabbedContent).active)

    def _user_changed(self) -> None:
        user = self.workshop_app.user
        if user is not None and user.role is not self._role and user.role in STAFF:
            self.refresh(recompose=True)
            self.call_after_refresh(lambda: self._open(self.query_one(TabbedContent).active))

    def _count_changed(self) -> None:
        count = self.workshop_app.pending_registrations
        tabs = self.query_one(TabbedContent)
        if self.query("#approvals"):
            tabs.get_tab("approvals").label = f"Approvals ({count})" if count else "Approvals"

    @on(TabbedContent.TabActivated)
    def _activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._open(event.pane.id)

    def _open(self, key: str) -> None:
        for pane in self.query(AdminPane):
            if pane.id == key:
                pane.shown()
                pane.focus_first()

    def action_section(self, number: int) -> None:
        role = self._role
        sections = sections_for(role) if role is not None else []
        if 1 <= number <= len(sections):
            self.query_one(TabbedContent).active = sections[number - 1].key

    def palette_commands(self) -> Iterable[SystemCommand]:
        for section in sections_for(self._role) if self._role is not None else []:
            yield SystemCommand(f"Admin: {section.label}", section.summary[:1].upper() + section.summary[1:],
                                lambda key=section.key: setattr(self.query_one(TabbedContent), "active", key))
