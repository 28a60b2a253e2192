"""Health, as an organiser checks it before class: with Ollama up, and with it down."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from workshop_tui.config.settings import Settings
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.testing.fake_ollama import FakeOllama


async def test_detailed_report_with_ollama_up_then_down(settings: Settings) -> None:
    with FakeOllama() as fake:
        settings.ollama.urls = [fake.url]
        workshop = await Workshop.open(settings)
        try:
            await workshop.store.wait_ready(30)
            async with workshop.ctx.db.transaction() as session:
                await ModelRepository(session).upsert("llama3.2:1b", hosts=[fake.url])
                await ModelRepository(session).upsert("mistral:7b", hosts=[])
            report = await workshop.health.detailed()
            checks = {c.name: c for c in report.checks}
            assert report.ok
            assert checks[f"ollama {fake.url}"].detail["version"] == "0.33.0"
            assert checks["qdrant"].ok and checks["database"].ok
            assert checks["models"].detail["missing"] == ["mistral:7b"]
            assert "mistral:7b" in (checks["models"].error or "")
            assert checks["workshop"].detail == {"pending_users": 0, "active_jobs": 0}

            fake.stop()
            down = await workshop.health.basic()
            host = next(c for c in down.checks if c.name.startswith("ollama"))
            assert not down.ok and not host.ok
            assert "ollama serve" in (host.error or "")
        finally:
            await workshop.close()


def _health(data_dir: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workshop_tui", "health", "--json", "--data-dir", str(data_dir),
                           "--ollama-url", url], capture_output=True, text=True, timeout=120)


def test_cli_exit_code_and_stable_json(tmp_path: Path) -> None:
    with FakeOllama() as fake:
        up = _health(tmp_path, fake.url)
    assert up.returncode == 0, up.stderr
    report = json.loads(up.stdout)
    assert report["ok"] is True
    assert {"database", "qdrant", f"ollama {fake.url}", "models", "queue", "workshop", "disk"} <= set(report["checks"])
    assert set(report["checks"]["database"]) == {"ok", "required", "detail", "error"}

    down = _health(tmp_path, fake.url)  # the fake has stopped: nothing listens on its port now
    assert down.returncode == 1
    report = json.loads(down.stdout)
    assert report["ok"] is False and report["checks"][f"ollama {fake.url}"]["ok"] is False
    assert report["checks"]["database"]["ok"] is True
