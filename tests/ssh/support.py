"""Helpers for the SSH server's tests: a server on 127.0.0.1 and an ephemeral port, and a client
terminal (asyncssh's client feeding the pyte emulator) that reads the screen a person would see."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyte

import workshop_tui.ssh  # noqa: F401 - imports asyncssh quietly
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop
from workshop_tui.ssh.server import SshServer

import asyncssh  # isort: skip

TIMEOUT = 20.0
CONNECT_TIMEOUT = 60.0  # a class signing in at once queues its password checks (see SshServer.signing_in)
PASSWORD = "correct horse battery"
KEYS = {"enter": b"\r", "escape": b"\x1b", "tab": b"\t", "ctrl+c": b"\x03", "ctrl+q": b"\x11", "up": b"\x1b[A",
        "down": b"\x1b[B", "f1": b"\x1bOP", "f2": b"\x1bOQ", "ctrl+p": b"\x10", "ctrl+n": b"\x0e",
        "backspace": b"\x7f"}


async def until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT,
                shows: Callable[[], str] = lambda: "") -> None:
    """Wait until `condition` holds; fail naming `what` (and what `shows` says) after `timeout` s."""
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(wait(), timeout)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}; {shows()}") from None


async def add_user(workshop: Workshop, name: str, role: Role = Role.STUDENT,
                   status: AccountStatus = AccountStatus.ACTIVE) -> int:
    user = await workshop.accounts.add_user(OPERATOR, name, role, status, name.title(), PASSWORD)
    assert user.id is not None
    return user.id


@contextlib.asynccontextmanager
async def serving(workshop: Workshop, tmp_path: Path, **settings: Any) -> AsyncIterator[SshServer]:
    """The server on an ephemeral loopback port; `settings` override the ssh section."""
    for name, value in settings.items():
        setattr(workshop.settings.ssh, name, value)
    server = SshServer(workshop, host="127.0.0.1", port=0, host_key=tmp_path / "host_key")
    await asyncio.wait_for(server.start(), TIMEOUT)
    try:
        yield server
    finally:
        await asyncio.wait_for(server.stop(), TIMEOUT)


async def connect(server: SshServer, username: str, password: str | None = PASSWORD,
                  **options: Any) -> asyncssh.SSHClientConnection:
    options.setdefault("agent_path", None)
    return await asyncio.wait_for(asyncssh.connect(
        "127.0.0.1", server.port, username=username, password=password, known_hosts=None, client_keys=None,
        preferred_auth="none,password" if password is None else "password", **options), CONNECT_TIMEOUT)


@dataclass
class Terminal:
    """A client's terminal on one SSH session: what it shows, and the keys it sends."""

    conn: asyncssh.SSHClientConnection
    process: Any
    screen: pyte.Screen
    raw: bytearray = field(default_factory=bytearray)
    errors: bytearray = field(default_factory=bytearray)
    _readers: list[asyncio.Task[None]] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    async def until(self, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
        await until(condition, what, timeout, lambda: f"the screen shows:\n{self.text()}")

    async def until_shown(self, text: str, timeout: float = TIMEOUT) -> None:
        await self.until(lambda: text in self.text(), repr(text), timeout)

    def send(self, data: bytes | str) -> None:
        self.process.stdin.write(data.encode() if isinstance(data, str) else data)

    def press(self, *keys: str) -> None:
        for key in keys:
            self.send(KEYS.get(key, key.encode()))

    def paste(self, text: str) -> None:
        self.send(b"\x1b[200~" + text.encode() + b"\x1b[201~")

    def click(self, x: int, y: int) -> None:
        """A left click at column x, row y (from 0), as an SGR mouse report."""
        self.send(f"\x1b[<0;{x + 1};{y + 1}M\x1b[<0;{x + 1};{y + 1}m")

    def find(self, text: str) -> tuple[int, int]:
        for row, line in enumerate(self.screen.display):
            if text in line:
                return line.index(text), row
        raise AssertionError(f"{text!r} is not on the screen:\n{self.text()}")

    def resize(self, width: int, height: int) -> None:
        self.screen.resize(height, width)
        self.process.change_terminal_size(width, height)

    async def exit_status(self, timeout: float = TIMEOUT) -> int | None:
        completed = await asyncio.wait_for(self.process.wait(check=False), timeout)
        await asyncio.wait_for(asyncio.gather(*self._readers, return_exceptions=True), timeout)
        return completed.exit_status

    async def __aenter__(self) -> Terminal:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        for reader in self._readers:
            reader.cancel()
        self.conn.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.conn.wait_closed(), TIMEOUT)


async def open_terminal(server: SshServer, username: str, password: str | None = PASSWORD, *,
                        size: tuple[int, int] = (100, 30), term: str = "xterm-256color",
                        env: dict[str, str] | None = None, **options: Any) -> Terminal:
    conn = await connect(server, username, password, **options)
    process = await asyncio.wait_for(conn.create_process(term_type=term, term_size=size, env=env or {},
                                                         encoding=None), TIMEOUT)
    screen = pyte.Screen(*size)
    terminal = Terminal(conn, process, screen)
    stream = pyte.ByteStream(screen)

    async def read(source: Any, into: bytearray, to_screen: bool) -> None:
        while True:
            data = await source.read(65536)
            if not data:
                return
            into.extend(data)
            if to_screen:
                stream.feed(data)

    terminal._readers = [asyncio.create_task(read(process.stdout, terminal.raw, True)),
                         asyncio.create_task(read(process.stderr, terminal.errors, False))]
    return terminal


@contextlib.asynccontextmanager
async def signed_in(workshop: Workshop, tmp_path: Path, username: str = "alice",
                    **settings: Any) -> AsyncIterator[tuple[SshServer, Terminal]]:
    """A new account `username`, the server, and that account's session on its chat screen."""
    await add_user(workshop, username)
    async with serving(workshop, tmp_path, **settings) as server, await open_terminal(server, username) as terminal:
        await terminal.until_shown("Write a message")
        yield server, terminal


async def run_command(server: SshServer, username: str, command: str | None, *, term: str | None = None,
                      subsystem: str | None = None) -> tuple[int | None, str]:
    """Open a channel that is not a terminal session; its exit status and what it wrote to stderr."""
    conn = await connect(server, username)
    try:
        process = await asyncio.wait_for(conn.create_process(command, subsystem=subsystem, term_type=term,
                                                             encoding="utf-8"), TIMEOUT)
        result = await asyncio.wait_for(process.wait(check=False), TIMEOUT)
        return result.exit_status, str(result.stderr or "")
    finally:
        conn.close()
