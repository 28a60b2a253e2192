"""Each session's colours come from its client's terminal, never from the server's environment.

A server under systemd has no TERM at all, so a console built from the process environment would
give every attendee 16 colours. The client names its terminal type in the PTY request, and may send
COLORTERM (`ssh -o SetEnv=COLORTERM=truecolor`, or `SendEnv COLORTERM` in its ssh config).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from rich.console import Console

ColorSystem = Literal["standard", "256", "truecolor"]
# Terminals that draw 24-bit colour whether or not they send COLORTERM.
TRUECOLOR_TERMS = frozenset({"xterm-kitty", "xterm-ghostty", "alacritty", "wezterm", "foot", "contour",
                             "xterm-direct", "iterm2"})


def color_system_for(term: str | None, colorterm: str | None = None) -> ColorSystem | None:
    """The colours a client can show: None for a terminal without colour (`dumb`), else 16, 256
    or truecolor, read the way Rich reads a local terminal."""
    name = (term or "").strip().lower()
    if name in ("dumb", "unknown"):
        return None
    if (colorterm or "").strip().lower() in ("truecolor", "24bit") or name in TRUECOLOR_TERMS:
        return "truecolor"
    if name.endswith(("-256color", "-256")) or name in ("tmux", "screen.xterm-256color"):
        return "256"
    return "standard"


class _Discard:
    """A file that forgets what is written to it."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def session_console(term: str | None, env: Mapping[str, str]) -> Console:
    """The console an app renders its frames with, for one client's terminal. Nothing is read from
    the server's environment (NO_COLOR, COLUMNS, TERM...)."""
    colorterm = env.get("COLORTERM")
    client_env = {"TERM": term or "xterm", **({"COLORTERM": colorterm} if colorterm else {})}
    if "NO_COLOR" in env:
        client_env["NO_COLOR"] = "1"
    colors = color_system_for(term, colorterm) or "standard"  # Textual would draw truecolor for "none"
    return Console(color_system=colors, file=_Discard(),  # type: ignore[arg-type]
                   markup=True, highlight=False, emoji=False, legacy_windows=False, force_terminal=True,
                   safe_box=False, soft_wrap=False, _environ=client_env)


def quiet_console() -> Console:
    """Where an app's own crash printout goes: nowhere. Over SSH it would reach the server's stderr,
    with local variables; the session logs the error without them instead."""
    return Console(file=_Discard(), markup=False, highlight=False, force_terminal=False,  # type: ignore[arg-type]
                   _environ={})
