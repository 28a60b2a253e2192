"""What every service is built with. The composition root (`services/workshop.py`, later) makes one
per process; tests make their own with a real SQLite file and fakes for the rest."""

from __future__ import annotations

from dataclasses import dataclass, field

from workshop_tui.config.settings import Settings
from workshop_tui.services.events import EventBus
from workshop_tui.storage.database import Database


@dataclass
class ServiceContext:
    settings: Settings
    db: Database
    events: EventBus = field(default_factory=EventBus)
