"""Stopping the server: SIGTERM gives every client its screen back, a last line and an exit status,
and the process ends; a session that does not close in time is cut off all the same."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from workshop_import.support import open_workshop, unused_port

from workshop_tui.services.workshop import Workshop
from workshop_tui.ssh.driver import RESTORE
from workshop_tui.ssh.remote_app import RemoteApp

from .support import TIMEOUT, add_user, open_terminal, serving

NAMES = ("alice", "bob", "carl")


class Served:
    """`workshop-tui serve` in a child process, and the port it printed."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port


async def start_serve(data: Path) -> Served:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKSHOP_", "OLLAMA_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workshop_tui", "serve", "--data-dir", str(data), "--host", "127.0.0.1",
        "--port", "0", "--ollama-url", f"http://127.0.0.1:{unused_port()}", stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL, env=env, cwd=data.parent)
    assert process.stdout is not None
    lines: list[str] = []
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
        assert line, f"serve ended early: {lines}"
        lines.append(line)
        if match := re.search(r"serving on 127\.0\.0\.1:(\d+)", line):
            return Served(process, int(match.group(1)))


async def test_sigterm_restores_every_screen_and_ends_the_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    workshop = await open_workshop(data, f"http://127.0.0.1:{unused_port()}")
    for name in NAMES:
        await add_user(workshop, name)
    await workshop.close()
    served = await start_serve(data)

    class Address:  # what open_terminal needs of a server
        port = served.port

    terminals = []
    try:
        terminals = list(await asyncio.gather(*(open_terminal(Address, name) for name in NAMES)))  # type: ignore[arg-type]
        await asyncio.gather(*(t.until_shown("Write a message", 60) for t in terminals))
        served.process.send_signal(signal.SIGTERM)
        statuses = await asyncio.gather(*(t.exit_status() for t in terminals))
        assert statuses == [1, 1, 1]
        for terminal in terminals:
            tail = bytes(terminal.raw[-400:])
            assert RESTORE.encode() in tail and b"the server is shutting down" in tail
        assert await asyncio.wait_for(served.process.wait(), 15) == 0
    finally:
        for terminal in terminals:
            await terminal.close()
        if served.process.returncode is None:
            served.process.kill()
            await served.process.wait()


async def test_a_session_that_will_not_close_is_cut_off_with_its_screen_restored(
        workshop: Workshop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await add_user(workshop, "alice")
    async with serving(workshop, tmp_path, shutdown_grace_s=0.5) as server:
        terminal = await open_terminal(server, "alice")
        try:
            await terminal.until_shown("Write a message")
            monkeypatch.setattr(RemoteApp, "end", lambda self, message, return_code=0: None)  # deaf to the request
            await asyncio.wait_for(server.stop(), TIMEOUT)
            assert await terminal.exit_status() == 1
            assert RESTORE.encode() in bytes(terminal.raw[-400:])
            assert b"the server is shutting down" in terminal.raw
        finally:
            await terminal.close()
