"""`workshop-tui demo` without a terminal, on a machine where no Ollama answers: the built-in fake
serves the sample class, the accounts are printed once, and a second run reuses the data directory."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from workshop_tui.config.loader import load_settings
from workshop_tui.config.paths import sample_data_dir
from workshop_tui.domain.enums import JobStatus
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop
from workshop_tui.testing.fake_ollama_models import default_catalog, model_key

SAMPLE = sample_data_dir() / "workshop.yaml"
REHEARSAL = re.compile(r"^rehearsal: replies come from the built-in fake Ollama at (http://127\.0\.0\.1:\d+)$", re.M)
NOT_A_TERMINAL = "not a terminal: the app was not opened"


def sample_users() -> dict[str, str]:
    """username → role, as the sample file lists them."""
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    return {user["username"]: user["role"] for user in data["users"]}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def silent_url() -> Iterator[str]:
    """A loopback port held by a socket that never listens: connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def demo_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKSHOP_", "OLLAMA_"))}
    return {**env, "HOME": str(home), "XDG_DATA_HOME": str(home / "share")}


def run_demo(*args: str, cwd: Path) -> Run:
    """The demo with stdin and stdout not a terminal (the `.env` of the checkout is not read: cwd)."""
    done = subprocess.run([sys.executable, "-m", "workshop_tui", "demo", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=240, cwd=cwd, env=demo_env(cwd))
    return Run(done.returncode, done.stdout, done.stderr)


def printed_accounts(stdout: str) -> dict[str, tuple[str, str, str]]:
    """username → (role, status, password) from the accounts table."""
    lines = stdout.split("Sample accounts", 1)[1].splitlines()[2:]
    rows = {}
    for line in lines:
        if not line.startswith("  "):
            break
        name, role, status, password = line.split(None, 3)
        rows[name] = (role, status, password)
    return rows


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory, silent_url: str) -> tuple[Path, Run]:
    base = tmp_path_factory.mktemp("demo")
    data = base / "data"
    return data, run_demo("--data-dir", str(data), "--ollama-url", silent_url, cwd=base)


def test_the_fake_serves_every_model_the_sample_lists() -> None:
    served = {model_key(m.name) for m in default_catalog()}
    listed = [m["name"] for m in yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))["models"]]
    assert listed and all(model_key(name) in served for name in listed)


def test_demo_without_ollama_imports_the_sample_through_the_fake(first_run: tuple[Path, Run]) -> None:
    data, run = first_run
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    match = REHEARSAL.search(run.stdout)
    assert match is not None, run.stdout
    assert f"asking Ollama at {match.group(1)}" in run.stderr  # the import went to the fake
    assert f"data directory: {data}" in run.stdout
    accounts = printed_accounts(run.stdout)
    assert {name: role for name, (role, _, _) in accounts.items()} == sample_users()
    assert all(re.fullmatch(r"\S{12,}", password) for _, _, password in accounts.values())
    assert run.stdout.rstrip().endswith(NOT_A_TERMINAL)


async def test_the_data_dir_then_holds_the_class_with_its_vectors(first_run: tuple[Path, Run],
                                                                    silent_url: str) -> None:
    data, run = first_run
    assert run.returncode == 0, run.stderr
    settings = load_settings(data_dir=data, ollama_url=silent_url, env={}, dotenv_path=None)
    workshop = await Workshop.open(settings, run_jobs=False)
    try:
        users = await workshop.accounts.list_users(OPERATOR, limit=100)
        assert {u.username: u.role.value for u in users} == sample_users()
        jobs = await workshop.knowledge.jobs.list(OPERATOR)
        assert len(jobs) == 13
        assert all(job.status is JobStatus.DONE and job.chunks_done > 0 for job in jobs)
        await workshop.store.wait_ready(60)
        for vdb in await workshop.knowledge.vector_dbs.list(OPERATOR):
            assert await workshop.store.count(vdb.collection_name) > 0
    finally:
        await workshop.close()


def test_a_second_run_reuses_the_data_dir_and_keeps_the_passwords(first_run: tuple[Path, Run],
                                                                   silent_url: str) -> None:
    data, first = first_run
    assert first.returncode == 0, first.stderr
    run = run_demo("--data-dir", str(data), "--ollama-url", silent_url, cwd=data.parent)
    assert run.returncode == 0, run.stderr
    assert REHEARSAL.search(run.stdout) is not None
    assert "users: 0 created, 0 updated, 8 unchanged" in run.stdout
    accounts = printed_accounts(run.stdout)
    assert set(accounts) == set(sample_users())
    assert all(password == "(kept from before)" for _, _, password in accounts.values())
    assert "keep their passwords" in run.stdout
    for _, _, password in printed_accounts(first.stdout).values():
        assert password not in run.stdout
    assert run.stdout.rstrip().endswith(NOT_A_TERMINAL)
