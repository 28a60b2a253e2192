"""Export followed by import into an empty data directory reproduces the workshop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from workshop_tui.services.workshop import Workshop
from workshop_tui.services.workshop_file.export_file import export_workshop
from workshop_tui.services.workshop_file.plan import WorkshopInfo
from workshop_tui.services.workshop_file.snapshot import snapshot_workshop
from workshop_tui.testing.fake_ollama import FakeOllama

from .support import SAMPLE, TIMEOUT, open_workshop, run_import


async def test_export_then_import_into_an_empty_data_dir_reproduces_the_sample(
        workshop: Workshop, fake: FakeOllama, tmp_path: Path) -> None:
    first = await run_import(workshop, SAMPLE / "workshop.yaml")
    assert first.vector_failure is None
    exported = tmp_path / "export" / "class.yaml"
    exported.parent.mkdir()
    report = await export_workshop(workshop.ctx.db, exported, WorkshopInfo(name="Intro to local LLMs with Ollama"))
    assert report.ok, report.problems

    second = await open_workshop(tmp_path / "fresh", fake.url)
    try:
        again = await run_import(second, exported)
        assert again.vector_failure is None
        original, restored = await snapshot_workshop(workshop), await snapshot_workshop(second)
        assert restored == original
        assert restored["users"] and restored["vector_dbs"] and restored["rag_systems"]
    finally:
        await asyncio.wait_for(second.close(), TIMEOUT)
