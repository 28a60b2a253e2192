"""Health, as an organiser checks it before class: with Ollama up, and with it down."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from workshop_tui.config.settings import Settings
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.domain.errors import Forbidden
from workshop_tui.services.access import OPERATOR, Actor
from workshop_tui.services.actors import load_actor
from workshop_tui.services.workshop import Workshop
from workshop_tui.storage.repositories.models import ModelRepository
from workshop_tui.storage.repositories.users import UserRepository
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
            report = await workshop.health.detailed(OPERATOR)
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


async def _people(workshop: Workshop) -> dict[str, Actor]:
    """One account of each role, plus a pending registration (which the details would count)."""
    ids = {}
    async with workshop.ctx.db.transaction() as session:
        users = UserRepository(session)
        for role in Role:
            ids[role.value] = (await users.add(username=f"x{role.value}", display_name=role.value, role=role,
                                               status=AccountStatus.ACTIVE, password_hash=None)).id
        ids["pending"] = (await users.add(username="newbie", display_name="Newbie", role=Role.GUEST,
                                          status=AccountStatus.PENDING, password_hash=None)).id
    async with workshop.ctx.db.reading() as session:
        return {name: await load_actor(session, user_id) for name, user_id in ids.items()}


async def test_details_are_for_staff_and_everyone_else_sees_only_up_or_down(settings: Settings) -> None:
    with FakeOllama() as fake:
        settings.ollama.urls = [fake.url]
        workshop = await Workshop.open(settings)
        try:
            await workshop.store.wait_ready(30)
            people = await _people(workshop)
            for role in ("super_admin", "admin", "instructor"):
                report = await workshop.health.detailed(people[role])
                checks = {c.name: c for c in report.checks}
                assert report.detailed and checks["workshop"].detail["pending_users"] == 1, role
                assert f"ollama {fake.url}" in checks
            for role in ("student", "family", "guest"):
                report = await workshop.health.detailed(people[role])
                assert report.ok and not report.detailed
                assert [(c.name, c.ok, c.detail, c.error) for c in report.checks] == [
                    ("database", True, {}, None), ("qdrant", True, {}, None), ("ollama", True, {}, None)], role
            with pytest.raises(Forbidden, match="waiting for approval"):
                await workshop.health.detailed(people["pending"])

            fake.stop()
            down = await workshop.health.detailed(people["student"])
            assert not down.ok and [(c.name, c.ok) for c in down.checks][-1] == ("ollama", False)
            shown = json.dumps(down.as_dict())
            assert fake.url not in shown and "ollama serve" not in shown
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
    assert report["checks"]["ssh host key"]["detail"]["fingerprint"].startswith("not made yet")

    down = _health(tmp_path, fake.url)  # the fake has stopped: nothing listens on its port now
    assert down.returncode == 1
    report = json.loads(down.stdout)
    assert report["ok"] is False and report["checks"][f"ollama {fake.url}"]["ok"] is False
    assert report["checks"]["database"]["ok"] is True
