"""`workshop-tui demo --ssh`: the sample class served over SSH on 127.0.0.1, with how to connect
printed, so a newcomer can try the attendee's view with a plain ssh client."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from workshop_import.support import unused_port

from .support import open_terminal


async def test_demo_over_ssh_prints_how_to_connect_and_serves_the_sample_class(tmp_path: Path) -> None:
    port = unused_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKSHOP_", "OLLAMA_"))}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "share"), WORKSHOP_SSH__PORT=str(port))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workshop_tui", "demo", "--ssh", "--data-dir", str(tmp_path / "data"),
        "--ollama-url", f"http://127.0.0.1:{unused_port()}", stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, cwd=tmp_path)
    assert process.stdout is not None
    printed = ""
    try:
        while "Stop with Ctrl+C." not in printed:
            line = (await asyncio.wait_for(process.stdout.readline(), 240)).decode()
            assert line, f"the demo ended early:\n{printed}"
            printed += line
        assert f"Serving the demo class over SSH on 127.0.0.1:{port}" in printed
        assert f"ssh -p {port} ada@localhost" in printed and f"ssh -p {port} register@localhost" in printed
        [password] = re.findall(r"^  ada +instructor +active +(\S+)$", printed, re.M)

        class Address:
            pass

        Address.port = port  # type: ignore[attr-defined]
        terminal = await open_terminal(Address, "ada", password, size=(120, 36))  # type: ignore[arg-type]
        try:
            await terminal.until_shown("rehearsal: replies come from the built-in fake Ollama", 60)
            await terminal.until_shown("(ada, instructor)")
        finally:
            await terminal.close()
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
