"""The README's two commands: CI runs its test command, and its first command (install, then the
demo) works on a fresh data directory on a machine without Ollama and without a terminal."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

from workshop_tui.config.loader import load_settings
from workshop_tui.domain.enums import JobStatus
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop

REPO = Path(__file__).resolve().parents[2]
INSTALL = "python3 -m venv .venv && . .venv/bin/activate && pip install ."


def _blocks() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)\n```", (REPO / "README.md").read_text(), flags=re.S)
    assert len(blocks) >= 2
    return [block.strip() for block in blocks]


def test_ci_runs_the_readme_test_command() -> None:
    run_command, test_command = _blocks()[:2]
    assert "workshop-tui" in run_command
    assert "pytest" in test_command
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def _readme_demo() -> list[str]:
    """The command the README's first block runs once the package is installed (this test runs in
    the environment the package is installed in, so the install part is checked, not repeated)."""
    first = _blocks()[0]
    install, _, run = first.rpartition(" && ")
    assert install == INSTALL
    words = shlex.split(run)
    assert words == ["workshop-tui", "demo"]
    script = Path(sys.executable).with_name("workshop-tui")
    program = [str(script)] if script.is_file() else [sys.executable, "-m", "workshop_tui"]
    return program + words[1:]


async def test_the_readme_first_command_runs_the_demo_without_ollama_or_a_terminal(tmp_path: Path) -> None:
    command = _readme_demo()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKSHOP_", "OLLAMA_"))}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "share"))
    with socket.socket() as silent:  # bound, never listening: nothing answers there
        silent.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        done = subprocess.run([*command, "--data-dir", str(data), "--ollama-url", url], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=240, cwd=tmp_path, env=env)

        assert done.returncode == 0, done.stderr
        out = done.stdout
        assert re.search(r"^rehearsal: replies come from the built-in fake Ollama at http://127\.0\.0\.1:\d+$", out,
                         re.M)
        assert re.search(r"^  ada +instructor +active +\S{12,}$", out, re.M)
        assert re.search(r"^  sam +student +active +\S{12,}$", out, re.M)
        assert out.rstrip().endswith("not a terminal: the app was not opened")

        settings = load_settings(data_dir=data, ollama_url=url, env={}, dotenv_path=None)
        workshop = await Workshop.open(settings, run_jobs=False)
        try:
            users = await workshop.accounts.list_users(OPERATOR, limit=100)
            assert {"ada", "sam", "visitor"} <= {u.username for u in users}
            jobs = await workshop.knowledge.jobs.list(OPERATOR)
            assert jobs and all(job.status is JobStatus.DONE for job in jobs)
            await workshop.store.wait_ready(60)
            vector_dbs = await workshop.knowledge.vector_dbs.list(OPERATOR)
            assert vector_dbs
            for vdb in vector_dbs:
                assert await workshop.store.count(vdb.collection_name) > 0
        finally:
            await workshop.close()
