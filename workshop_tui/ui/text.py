"""Showing text from users, documents and models safely: always as plain text.

Textual reads `[...]` in strings as content markup (a `[@click=app.quit]` would become a live
action), and a terminal acts on escape sequences. Every widget that shows such text gets a
`Content` built here, never a str, and notifications go through `say`, which turns markup off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.content import Content

from workshop_tui.domain.text import strip_terminal_controls

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel


def plain(text: object) -> Content:
    """`text` as literal characters: no markup, no escape sequences, no control characters."""
    return Content(strip_terminal_controls(str(text)))


def styled(text: object, style: str) -> Content:
    """Literal `text` in one style (a theme variable such as "$text-muted" or "bold")."""
    return Content.styled(strip_terminal_controls(str(text)), style)


def cell(text: object, style: str = "") -> Text:
    """Literal `text` for a `DataTable` cell: the table reads a str cell as markup, and measures its
    columns by Rich's rules, which a `Content` does not follow (it would get a column one character
    wide). `style` is a rich style such as "bold" or "dim"."""
    return Text(strip_terminal_controls(str(text)), style=style, no_wrap=True, end="")


def say(app: App[object], message: object, *, title: str = "", severity: SeverityLevel = "information",
        timeout: float | None = None) -> None:
    """A notification whose message and title are shown literally."""
    app.notify(strip_terminal_controls(str(message)), title=strip_terminal_controls(title), severity=severity,
               timeout=timeout, markup=False)
