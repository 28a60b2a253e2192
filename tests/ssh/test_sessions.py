"""Terminal sessions as an attendee meets them over SSH: signing in paints their own screen, keys,
paste, mouse, ESC and Ctrl+C work, Ctrl+Q restores the screen, and the window can change size."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from workshop_tui.domain.enums import Role
from workshop_tui.services.workshop import Workshop
from workshop_tui.ssh.driver import RESTORE, START

from .support import PASSWORD, add_user, open_terminal, serving, signed_in


async def test_signing_in_paints_the_users_own_screen_and_ctrl_q_restores_theirs(
        workshop: Workshop, tmp_path: Path) -> None:
    async with signed_in(workshop, tmp_path) as (server, terminal):
        await terminal.until_shown("Alice (alice, student)")
        assert "Chat" in terminal.text() and "Sign out" in terminal.text()
        [session] = list(server.sessions)
        assert session.app is not None and session.app.focused is not None
        assert session.app.focused.cursor_blink is False  # type: ignore[attr-defined]  # no timer, no traffic
        terminal.press("ctrl+q")
        assert await terminal.exit_status() == 0
        assert terminal.raw.startswith(START.encode())
        assert RESTORE.encode() in terminal.raw[-len(RESTORE) - 200:]


async def test_keys_paste_escape_and_ctrl_c_reach_the_app_and_the_session_survives(
        workshop: Workshop, tmp_path: Path) -> None:
    async with signed_in(workshop, tmp_path) as (_, terminal):
        terminal.send("hello ")
        terminal.paste("pasted [bold]words[/bold]")
        await terminal.until_shown("hello pasted [bold]words[/bold]")
        terminal.press("ctrl+c")
        await terminal.until_shown("Press ctrl+q to quit the app")
        terminal.press("f1")
        await terminal.until_shown("Keys: chat")
        terminal.press("escape")  # a lone ESC: released after the escape delay, it closes the help
        await terminal.until(lambda: "Keys: chat" not in terminal.text(), "the help to close")
        terminal.send("!")
        await terminal.until_shown("hello pasted [bold]words[/bold]!")


async def test_a_click_moves_to_another_place(workshop: Workshop, tmp_path: Path) -> None:
    async with signed_in(workshop, tmp_path) as (_, terminal):
        terminal.click(*terminal.find("Prompts"))
        await terminal.until(lambda: terminal.text().splitlines()[0].strip().startswith("Prompts"),
                             "the Prompts place in the top bar")


async def test_the_screen_follows_the_window_bigger_and_smaller(workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    async with serving(workshop, tmp_path) as server, await open_terminal(server, "alice", size=(90, 24)) as terminal:
        await terminal.until_shown("Alice (alice, student)")
        for width, height in ((140, 40), (70, 20)):
            terminal.resize(width, height)
            await terminal.until(
                lambda w=width: terminal.screen.display[0].rstrip().endswith("Alice (alice, student)")
                and len(terminal.screen.display[0].rstrip()) == w - 1, f"the top bar {width} wide")
            await terminal.until(lambda h=height: "^q Quit" in terminal.screen.display[h - 1],
                                 f"the footer on row {height}")


async def test_two_users_at_once_each_see_only_their_own_conversations(
        workshop: Workshop, tmp_path: Path) -> None:
    for name in ("alice", "bob"):
        await add_user(workshop, name, Role.INSTRUCTOR)
        actor = await workshop.accounts.login(name, PASSWORD)
        await workshop.chat.create(actor, "llama3.2:1b", title=f"{name}'s secret plans")
    async with serving(workshop, tmp_path) as server:
        alice, bob = await asyncio.gather(open_terminal(server, "alice"), open_terminal(server, "bob"))
        async with alice, bob:
            await asyncio.gather(alice.until_shown("alice's secret plans"), bob.until_shown("bob's secret plans"))
            assert "bob's" not in alice.text() and "alice's" not in bob.text()


async def test_the_palette_offers_nothing_that_writes_on_the_server(
        workshop: Workshop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    before = sorted(p.name for p in tmp_path.iterdir())
    async with signed_in(workshop, tmp_path) as (server, terminal):
        terminal.press("ctrl+p")
        await terminal.until_shown("Change theme")
        terminal.send("screensh")
        await terminal.until(lambda: "Change theme" not in terminal.text(), "the palette to filter")
        palette = terminal.text().split("screensh", 1)[1].split("▁▁▁", 1)[0]
        assert palette.strip() == ""  # no command matches: there is none to take a screenshot
        [session] = list(server.sessions)
        assert session.app is not None
        session.app.call_later(session.app.action_screenshot)
        session.app.call_later(session.app.open_url, "https://example.org")
        await terminal.until_shown("Screenshots are not saved from here")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "host_key", "host_key.pub"])
