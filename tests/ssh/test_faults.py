"""When clients misbehave or a session breaks, only that session ends: an abort mid-session, a
disconnect during start-up, a client that vanished without closing, one that stopped reading, and an
error inside one app."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from workshop_tui.services.workshop import Workshop
from workshop_tui.ssh.remote_app import RemoteApp

from .support import TIMEOUT, Terminal, add_user, connect, open_terminal, serving


async def still_works(terminal: Terminal, text: str) -> None:
    terminal.send(text)
    await terminal.until_shown(text)


async def no_sessions(server: object) -> None:
    async def wait() -> None:
        while len(server.sessions) or server.connections:  # type: ignore[attr-defined]
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), TIMEOUT)


async def test_an_abort_mid_session_leaves_the_other_sessions_unharmed(workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    await add_user(workshop, "bob")
    async with serving(workshop, tmp_path) as server:
        bob = await open_terminal(server, "bob")
        try:
            await bob.until_shown("Write a message")
            alice = await open_terminal(server, "alice")
            await alice.until_shown("Write a message")
            alice.conn.abort()
            await bob.until(lambda: len(server.sessions) == 1, "alice's session to end")
            await still_works(bob, "bob types on")
        finally:
            await bob.close()


async def test_disconnecting_during_start_up_leaves_nothing_behind(workshop: Workshop, tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    await add_user(workshop, "alice")
    async with serving(workshop, tmp_path) as server:
        for _ in range(5):
            conn = await connect(server, "alice")
            await asyncio.wait_for(conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None), TIMEOUT)
            conn.abort()
        await no_sessions(server)
        terminal = await open_terminal(server, "alice")
        try:
            await terminal.until_shown("Write a message")
        finally:
            await terminal.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_client_that_vanished_is_reaped_by_keepalive(workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    async with serving(workshop, tmp_path, keepalive_interval_s=0.2, keepalive_count_max=2) as server:
        terminal = await open_terminal(server, "alice")
        await terminal.until_shown("Write a message")
        terminal.conn._transport.pause_reading()  # alive at TCP level, silent at SSH level: half open
        try:
            await no_sessions(server)
        finally:
            terminal.conn.abort()


async def test_a_client_that_stopped_reading_is_aborted_at_the_cap(workshop: Workshop, tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    await add_user(workshop, "alice")
    await add_user(workshop, "bob")
    async with serving(workshop, tmp_path, write_buffer_max_kb=64) as server:
        bob = await open_terminal(server, "bob")
        slow = await open_terminal(server, "alice", window=32 * 1024)
        try:
            await slow.until_shown("Write a message")
            [session] = [s for s in server.sessions if s.login.username == "alice"]
            slow.conn._transport.pause_reading()
            for size in range(60):  # every size change repaints the whole screen
                slow.process.change_terminal_size(100 + size % 2 * 60, 30 + size % 2 * 20)
                await asyncio.sleep(0.02)
                if session not in list(server.sessions):
                    break
            await bob.until(lambda: session not in list(server.sessions), "the slow session to be aborted")
            assert session.channel.buffered() <= 64 * 1024 + 512 * 1024 or session.channel.closed
            await still_works(bob, "bob types on")
        finally:
            slow.conn.abort()
            await bob.close()
    assert any("client stopped reading" in r.getMessage() for r in caplog.records)


async def test_an_error_in_one_app_ends_only_that_session_and_is_logged_without_locals(
        workshop: Workshop, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    await add_user(workshop, "alice")
    await add_user(workshop, "bob")

    def broken_help(self: RemoteApp) -> None:
        secret_password = "hunter2-secret"  # noqa: F841 - a local that must not reach the log
        raise RuntimeError("the help broke")

    async with serving(workshop, tmp_path) as server:
        alice, bob = await asyncio.gather(open_terminal(server, "alice"), open_terminal(server, "bob"))
        try:
            await asyncio.gather(alice.until_shown("Write a message"), bob.until_shown("Write a message"))
            monkeypatch.setattr(RemoteApp, "action_help", broken_help)
            alice.press("f1")
            assert await alice.exit_status() == 1
            assert b"this session ended because of an error (reference" in alice.raw
            await still_works(bob, "bob types on")
        finally:
            await asyncio.gather(alice.close(), bob.close())
    [report] = [r for r in caplog.records if r.getMessage() == "session ended by an error"]
    assert report.exc_info is not None and "the help broke" in str(report.exc_info[1])
    assert any("broken_help" in frame for frame in report.where)  # type: ignore[attr-defined]
    assert "hunter2" not in caplog.text
