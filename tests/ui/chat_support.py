"""A workshop with a small class imported over the fake Ollama, for the chat screen's tests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from workshop_import.support import open_workshop

from workshop_tui.services.access import Actor
from workshop_tui.services.workshop import Workshop
from workshop_tui.services.workshop_file.importer import ImportService
from workshop_tui.testing.fake_ollama import FakeOllama

CLASS_FILE = Path(__file__).parent / "data" / "chat_class.yaml"


@dataclass
class ChatClass:
    workshop: Workshop
    fake: FakeOllama
    passwords: dict[str, str]

    async def actor(self, username: str) -> Actor:
        return await self.workshop.accounts.login(username, self.passwords[username])


async def import_chat_class(data_dir: Path, fake: FakeOllama) -> ChatClass:
    workshop = await open_workshop(data_dir, fake.url)
    service = ImportService(workshop, job_timeout_s=30, store_timeout_s=30)
    result = await asyncio.wait_for(service.run(CLASS_FILE), 60)
    assert result.ok, result
    passwords = {name: secret.get_secret_value() for name, secret in result.passwords.items()}
    return ChatClass(workshop, fake, passwords)
