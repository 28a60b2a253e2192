"""Each session draws with its client's colours, whatever the server's own environment says."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop_tui.services.workshop import Workshop
from workshop_tui.ssh.colors import color_system_for, session_console

from .support import PASSWORD, add_user, open_terminal, serving


@pytest.mark.parametrize(("term", "colorterm", "expected"), [
    ("xterm-256color", None, "256"), ("xterm-256color", "truecolor", "truecolor"), ("xterm", "24bit", "truecolor"),
    ("xterm", None, "standard"), ("vt100", None, "standard"), ("xterm-kitty", None, "truecolor"),
    ("screen-256color", None, "256"), ("dumb", None, None), (None, None, "standard"),
])
def test_the_client_terminal_decides_the_colours(term: str | None, colorterm: str | None,
                                                 expected: str | None) -> None:
    assert color_system_for(term, colorterm) == expected


@pytest.mark.parametrize(("server_env", "term", "client_env", "expected"), [
    ({"TERM": "dumb", "NO_COLOR": "1"}, "xterm-256color", {}, "256"),
    ({"TERM": "xterm", "COLORTERM": "truecolor"}, "xterm", {}, "standard"),
    ({}, "xterm", {"COLORTERM": "truecolor"}, "truecolor"),
])
def test_the_servers_environment_is_never_read(monkeypatch: pytest.MonkeyPatch, server_env: dict[str, str],
                                               term: str, client_env: dict[str, str], expected: str) -> None:
    for name in ("TERM", "COLORTERM", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in server_env.items():
        monkeypatch.setenv(name, value)
    console = session_console(term, client_env)
    assert console.color_system == expected and not console.no_color


SGR_TRUECOLOR = b"\x1b[38;2;"
SGR_256 = b"\x1b[38;5;"


CLIENTS = [("xterm-256color", {}, SGR_256, SGR_TRUECOLOR),
           ("xterm-256color", {"COLORTERM": "truecolor"}, SGR_TRUECOLOR, SGR_256),
           ("xterm", {}, b"\x1b[3", SGR_256)]


async def test_each_session_gets_its_own_terminals_colours_in_one_process(
        workshop: Workshop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three clients one after the other, and again in the other order: styles and strips shared by
    every app in the process must not carry one client's colours to the next."""
    monkeypatch.setenv("TERM", "dumb")  # as under systemd, or worse
    monkeypatch.setenv("COLORTERM", "truecolor")
    await add_user(workshop, "alice")
    async with serving(workshop, tmp_path) as server:
        for term, env, has, lacks in [*CLIENTS, *reversed(CLIENTS)]:
            terminal = await open_terminal(server, "alice", term=term, env=env)
            try:
                await terminal.until_shown("Write a message")
                assert has in terminal.raw, (term, env)
                assert lacks not in terminal.raw, (term, env)
            finally:
                await terminal.close()


async def test_sessions_with_different_themes_each_draw_their_own(workshop: Workshop, tmp_path: Path) -> None:
    """CSS parsed once per process is shared only between sessions whose theme variables match."""
    for name, theme in (("alice", "workshop-light"), ("bob", "workshop-dark")):
        await add_user(workshop, name)
        await workshop.accounts.set_theme(await workshop.accounts.login(name, PASSWORD), theme)
    async with serving(workshop, tmp_path) as server:
        drawn = {}
        for name in ("alice", "bob", "alice"):
            terminal = await open_terminal(server, name, env={"COLORTERM": "truecolor"})
            try:
                await terminal.until_shown("Write a message")
                [session] = list(server.sessions)
                await terminal.until(lambda s=session: s.app is not None and s.app.theme.startswith("workshop-"),
                                     "the user's theme")
                terminal.send("x")
                await terminal.until_shown("x")
                background = terminal.screen.buffer[terminal.screen.lines // 2][1].bg
                drawn.setdefault(name, set()).add(background)
            finally:
                await terminal.close()
    assert len(drawn["alice"]) == 1 and drawn["alice"] != drawn["bob"]
