"""Running a class: idle sessions are closed, and every line the server logs names its session."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from workshop_tui.config.logging import configure_logging
from workshop_tui.services.workshop import Workshop

from .support import add_user, open_terminal, serving, signed_in


async def test_an_idle_session_is_closed_and_a_busy_one_is_not(workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    await add_user(workshop, "bob")
    async with serving(workshop, tmp_path, idle_timeout_s=2.0) as server:
        idle, busy = await asyncio.gather(open_terminal(server, "alice"), open_terminal(server, "bob"))
        try:
            async def keep_typing() -> None:
                while True:
                    busy.send("k")
                    await asyncio.sleep(0.2)

            # From the start: on a busy machine, opening both sessions can take longer than the timeout.
            typing = asyncio.create_task(keep_typing())
            try:
                await asyncio.gather(idle.until_shown("Write a message"), busy.until_shown("(Ctrl+O settings)"))
                assert await idle.exit_status() == 1
            finally:
                typing.cancel()
            assert b"closed after 1 min without a key press" in idle.raw
            assert [s.login.username for s in server.sessions] == ["bob"]
        finally:
            await asyncio.gather(idle.close(), busy.close())


async def test_every_line_the_server_logs_names_a_session(workshop: Workshop, tmp_path: Path) -> None:
    log_file = configure_logging(tmp_path / "logs")
    async with signed_in(workshop, tmp_path) as (_, terminal):
        terminal.press("ctrl+q")
        assert await terminal.exit_status() == 0
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    ssh_lines = [line for line in lines if line["logger"].startswith("workshop_tui.ssh.")]
    messages = {line["message"] for line in ssh_lines}
    assert {"ssh server listening", "connection opened", "signed in", "session opened", "session closed"} <= messages
    assert all(line["session"] != "-" for line in ssh_lines), ssh_lines
    [opened] = [line for line in ssh_lines if line["message"] == "session opened"]
    assert opened["username"] == "alice" and opened["colors"] == "256" and "password" not in json.dumps(lines)
