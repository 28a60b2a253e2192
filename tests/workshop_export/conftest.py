"""Fixtures for the export tests: the support workshop in a fresh, migrated data directory."""

from __future__ import annotations

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.storage.database import Database

from .support import Built, build_workshop


@pytest.fixture
async def built(database: Database) -> Built:
    return await build_workshop(database)


@pytest.fixture
def data_dir(settings: Settings, built: Built) -> str:
    """The data directory of the built workshop, for the command line."""
    return str(settings.data_dir)
