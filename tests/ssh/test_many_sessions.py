"""Many sessions in one process: twenty at once each see only their own data, rounds of sessions
leave no app behind, a storm of real-cost logins leaves the loop free, and a session that blocks the
loop is named in the log."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
from pathlib import Path

import pytest

from workshop_tui.domain.enums import Role
from workshop_tui.services.passwords import Passwords
from workshop_tui.services.workshop import Workshop
from workshop_tui.ssh.remote_app import RemoteApp
from workshop_tui.ssh.session import AppSession

from .support import PASSWORD, add_user, connect, open_terminal, serving

COUNT = 20
BUSY = 90.0  # twenty sessions starting at once on a small machine: a bound, not a target


async def make_class(workshop: Workshop, count: int) -> list[str]:
    names = [f"user{index:02d}" for index in range(count)]
    for name in names:
        await add_user(workshop, name, Role.INSTRUCTOR)
        actor = await workshop.accounts.login(name, PASSWORD)
        await workshop.chat.create(actor, "llama3.2:1b", title=f"notes of {name}")
    return names


async def test_twenty_sessions_at_once_each_see_only_their_own_data(workshop: Workshop, tmp_path: Path) -> None:
    names = await make_class(workshop, COUNT)
    async with serving(workshop, tmp_path) as server:
        terminals = await asyncio.gather(*(open_terminal(server, name) for name in names))
        try:
            await asyncio.gather(*(t.until_shown(f"notes of {name}", BUSY)
                                   for t, name in zip(terminals, names, strict=True)))
            assert len(server.sessions) == COUNT
            for terminal, name in zip(terminals, names, strict=True):
                shown = terminal.text()
                assert [other for other in names if f"notes of {other}" in shown] == [name]
        finally:
            await asyncio.gather(*(t.close() for t in terminals))


def alive(kind: type) -> int:
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, kind))


async def test_rounds_of_sessions_leave_no_app_alive(workshop: Workshop, tmp_path: Path) -> None:
    names = await make_class(workshop, COUNT)
    stdout, stderr = sys.stdout, sys.stderr
    async with serving(workshop, tmp_path) as server:
        for _ in range(2):
            terminals = await asyncio.gather(*(open_terminal(server, name) for name in names))
            await asyncio.gather(*(t.until_shown(f"notes of {name}", BUSY)
                                   for t, name in zip(terminals, names, strict=True)))
            for terminal in terminals:
                terminal.press("ctrl+q")
            assert set(await asyncio.gather(*(t.exit_status() for t in terminals))) == {0}
            await asyncio.gather(*(t.close() for t in terminals))
            assert sys.stdout is stdout and sys.stderr is stderr
        await asyncio.sleep(0.1)
        assert len(server.sessions) == 0
        assert alive(RemoteApp) == 0 and alive(AppSession) == 0


async def test_a_storm_of_real_cost_logins_leaves_the_loop_free(workshop: Workshop, tmp_path: Path) -> None:
    """Production argon2 parameters: every check costs about a tenth of a second of CPU. While a dozen
    sign in at once, an open session's keys still echo before the storm is over."""
    await add_user(workshop, "typist")
    workshop.accounts.passwords.close()
    workshop.accounts.passwords = Passwords(workshop.settings.auth)
    for index in range(12):
        await add_user(workshop, f"storm{index:02d}")
    async with serving(workshop, tmp_path) as server:
        typist = await open_terminal(server, "typist")
        try:
            await typist.until_shown("Write a message")
            storm_done = 0.0

            async def sign_in(name: str) -> None:
                conn = await connect(server, name)
                conn.close()

            async def storm() -> None:
                nonlocal storm_done
                await asyncio.gather(*(sign_in(f"storm{index:02d}") for index in range(12)))
                storm_done = time.monotonic()

            storming = asyncio.create_task(storm())
            await asyncio.sleep(0.05)
            typist.send("typed during the storm")
            await typist.until_shown("typed during the storm")
            echoed = time.monotonic()
            await asyncio.wait_for(storming, 120)
            assert echoed < storm_done
        finally:
            await typist.close()


async def test_a_session_that_blocks_the_loop_is_named_in_the_log(
        workshop: Workshop, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    await add_user(workshop, "alice")
    await add_user(workshop, "bob")

    def slow_help(self: RemoteApp) -> None:
        time.sleep(0.4)  # what a blocking call in a handler does to every session

    async with serving(workshop, tmp_path) as server:
        alice, bob = await asyncio.gather(open_terminal(server, "alice"), open_terminal(server, "bob"))
        try:
            await asyncio.gather(alice.until_shown("Write a message"), bob.until_shown("Write a message"))
            [guilty] = [s.id for s in server.sessions if s.login.username == "alice"]
            monkeypatch.setattr(RemoteApp, "action_help", slow_help)
            caplog.set_level(logging.WARNING, logger="workshop_tui")
            before = len(caplog.records)
            alice.press("f1")

            def stalls() -> list[logging.LogRecord]:
                """The handler's stall (in a long test run, a collection elsewhere may stall too)."""
                return [r for r in caplog.records[before:]
                        if getattr(r, "stall_ms", 0) >= 300 and "slow_help" in (getattr(r, "where", None) or "")]

            await alice.until(lambda: bool(stalls()), "the stall in the log")
            [stall] = stalls()
            assert stall.session_id == guilty  # type: ignore[attr-defined]
        finally:
            await asyncio.gather(alice.close(), bob.close())
