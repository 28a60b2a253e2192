"""The places in the sidebar, who may see each, and which screen each one opens.

Screens are named by import path and loaded when first opened, so starting the app loads only the
sign-in screen. A place a role may not see is left out of the sidebar; the services refuse its
operations anyway.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workshop_tui.domain.enums import Role

if TYPE_CHECKING:
    from textual.screen import Screen

EVERYONE = frozenset(Role)
CREATORS = frozenset(Role) - {Role.GUEST}  # guests create no documents, vector DBs or embeddings
STAFF = frozenset({Role.SUPER_ADMIN, Role.ADMIN, Role.INSTRUCTOR})
FAMILY = "family"  # the guardian's view: a screen of its own, not a sidebar place


@dataclass(frozen=True)
class Place:
    key: str
    label: str
    roles: frozenset[Role]
    screen: str  # "module:Class"
    summary: str  # what the place is for, shown in the command palette

    def visible_to(self, role: Role) -> bool:
        return role in self.roles

    def make_screen(self) -> Screen[None]:
        module, _, name = self.screen.partition(":")
        factory = getattr(importlib.import_module(module), name)
        return factory(self) if _takes_place(factory) else factory()


def _takes_place(factory: type) -> bool:
    return bool(getattr(factory, "SHOWS_PLACE", False))


PLACES: tuple[Place, ...] = (
    Place("chat", "Chat", EVERYONE, "workshop_tui.ui.screens.chat:ChatScreen",
          "talk to the models you may use, with tools and RAG systems"),
    Place("models", "Models", EVERYONE, "workshop_tui.ui.screens.models:ModelsScreen",
          "the models Ollama serves: details, running models; admins pull, delete and enable them"),
    Place("prompts", "Prompts", EVERYONE, "workshop_tui.ui.screens.prompts:PromptsScreen",
          "prompt templates with variables, to use in chat"),
    Place("tools", "Tools", EVERYONE, "workshop_tui.ui.screens.tools:ToolsScreen",
          "the vetted tools models may call; staff create and try them"),
    Place("documents", "Documents", CREATORS, "workshop_tui.ui.screens.documents:DocumentsScreen",
          "import documents and see their text and chunks"),
    Place("vector_dbs", "Vector DBs", CREATORS, "workshop_tui.ui.screens.vector_dbs:VectorDbsScreen",
          "collections of embedded chunks, and searching them"),
    Place("embeddings", "Embeddings", CREATORS, "workshop_tui.ui.screens.embeddings:EmbeddingsScreen",
          "jobs that embed documents into a vector DB"),
    Place("rag", "RAG systems", EVERYONE, "workshop_tui.ui.screens.rag_systems:RagSystemsScreen",
          "a model, a vector DB and a prompt that answer with sources"),
    Place("admin", "Admin", STAFF, "workshop_tui.ui.screens.admin:AdminScreen",
          "approvals, users, who can see what, usage, audit and broadcast"),
    Place("health", "Health", EVERYONE, "workshop_tui.ui.screens.health:HealthScreen",
          "whether the database, the vector store and Ollama are up"),
)
BY_KEY = {place.key: place for place in PLACES}


def visible_places(role: Role) -> list[Place]:
    return [place for place in PLACES if place.visible_to(role)]
