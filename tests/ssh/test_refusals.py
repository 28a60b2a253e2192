"""What the server refuses, each with a message the client shows: commands, shells without a
terminal, other subsystems, the old scp protocol, forwarding of ports, sockets, agents and X11, and
sessions past the caps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from workshop_tui.services.workshop import Workshop
from workshop_tui.ssh.server import SshServer

from .support import TIMEOUT, add_user, connect, open_terminal, run_command, serving

import asyncssh  # isort: skip


@pytest.mark.parametrize(("command", "term", "subsystem", "message"), [
    ("ls /", None, None, "this server runs no commands"),
    ("cat /etc/passwd", "xterm", None, "this server runs no commands"),
    ("scp -t notes.pdf", None, None, "the old scp protocol is not offered. Use sftp"),
    (None, None, None, "the app needs a terminal"),
    (None, None, "netconf", "the 'netconf' subsystem is not offered here"),
])
async def test_anything_but_a_terminal_session_is_refused_with_a_message(
        workshop: Workshop, tmp_path: Path, command: str | None, term: str | None, subsystem: str | None,
        message: str) -> None:
    await add_user(workshop, "alice")
    async with serving(workshop, tmp_path) as server:
        status, errors = await run_command(server, "alice", command, term=term, subsystem=subsystem)
        assert len(server.sessions) == 0
    assert status == 1 and message in errors


@pytest.fixture
async def alice_connected(workshop: Workshop, tmp_path: Path) -> AsyncIterator[tuple[SshServer, Any]]:
    await add_user(workshop, "alice")
    async with serving(workshop, tmp_path) as server:
        conn = await connect(server, "alice")
        try:
            yield server, conn
        finally:
            conn.close()


async def test_port_and_socket_forwarding_are_refused(alice_connected: tuple[SshServer, Any]) -> None:
    server, conn = alice_connected
    with pytest.raises(asyncssh.ChannelOpenError, match="forwards no ports"):
        await asyncio.wait_for(conn.open_connection("127.0.0.1", server.port), TIMEOUT)
    with pytest.raises(asyncssh.ChannelListenError):
        await asyncio.wait_for(conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22), TIMEOUT)
    with pytest.raises(asyncssh.ChannelOpenError, match="forwards no ports"):
        await asyncio.wait_for(conn.open_unix_connection("/run/anything.sock"), TIMEOUT)


async def test_agent_and_x11_forwarding_are_refused(alice_connected: tuple[SshServer, Any], tmp_path: Path) -> None:
    server, conn = alice_connected
    with pytest.raises(asyncssh.ChannelOpenError, match="X11 forwarding request failed"):
        await asyncio.wait_for(conn.create_process(term_type="xterm", x11_forwarding=True,
                                                   x11_display="127.0.0.1:0", x11_auth_path="/dev/null"), TIMEOUT)
    agent = await connect(server, "alice", agent_forwarding=True, agent_path=str(tmp_path / "agent.sock"))
    try:
        await asyncio.wait_for(agent.create_process(term_type="xterm", encoding=None), TIMEOUT)
        assert not [c for c in server.connections if c.conn is not None and c.conn.get_agent_path()]
    finally:
        agent.close()


async def test_the_total_cap_holds_with_a_clear_message(workshop: Workshop, tmp_path: Path) -> None:
    for name in ("alice", "bob", "carl"):
        await add_user(workshop, name)
    async with serving(workshop, tmp_path, max_sessions=2) as server:
        first, second = await asyncio.gather(open_terminal(server, "alice"), open_terminal(server, "bob"))
        try:
            await asyncio.gather(first.until_shown("Write a message"), second.until_shown("Write a message"))
            third = await open_terminal(server, "carl")
            assert await third.exit_status() == 1
            assert b"the server is full: 2 sessions are open, its limit" in third.errors
            await third.close()
            first.press("ctrl+q")
            assert await first.exit_status() == 0
            again = await open_terminal(server, "carl")
            await again.until_shown("Write a message")
            await again.close()
        finally:
            await asyncio.gather(first.close(), second.close())


async def test_the_per_user_cap_holds_but_registrations_share_no_cap(workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    await add_user(workshop, "bob")
    async with serving(workshop, tmp_path, max_sessions_per_user=1) as server:
        opened = [await open_terminal(server, "alice"), await open_terminal(server, "bob")]
        opened += [await open_terminal(server, "register", None, size=(100, 40)) for _ in range(2)]
        try:
            for terminal in opened[:2]:
                await terminal.until_shown("Write a message")
            for terminal in opened[2:]:
                await terminal.until_shown("Create an account")
            extra = await open_terminal(server, "alice")
            assert await extra.exit_status() == 1
            assert b"alice already has 1 sessions open, the most one account may have" in extra.errors
            await extra.close()
        finally:
            await asyncio.gather(*(terminal.close() for terminal in opened))
