"""The rules an account's own fields follow: pure functions, so the registration form checks what
it shows with the very rules the account service enforces."""

from __future__ import annotations

import re

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.text_fields import has_terminal_controls, one_line_text

USERNAME_MIN, USERNAME_MAX = 3, 32
DISPLAY_NAME_MAX = 64
EMAIL_MAX = 254
NOTES_MAX = 2000
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# "operator" names the CLI in the audit log; an account of that name would make the log ambiguous.
RESERVED_USERNAMES = frozenset({"operator", "system", "root"})


def normalize_username(username: str) -> str:
    """How usernames are stored and looked up: trimmed and lower-cased (case-insensitive)."""
    return str(username or "").strip().lower()


def check_username(username: str) -> str:
    """The stored form of a new username, or Invalid saying which rule it breaks."""
    name = normalize_username(username)
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        raise Invalid(f"must be {USERNAME_MIN} to {USERNAME_MAX} characters", field="username")
    if not _USERNAME.fullmatch(name):
        raise Invalid("may contain only letters a-z, digits, dot, dash and underscore, and must start with a "
                      "letter or digit", field="username")
    if name in RESERVED_USERNAMES:
        raise Invalid(f"{name!r} is reserved; choose another", field="username")
    return name


def check_display_name(display_name: str | None, fallback: str) -> str:
    """One line, no terminal controls (it is drawn in other people's screens), length-capped."""
    return one_line_text(display_name, "display_name", DISPLAY_NAME_MAX) or fallback


def check_email(email: str | None) -> str | None:
    """An address is refused, not cleaned, when it carries terminal controls: an approver reads it,
    and a silently altered address would reach someone else."""
    if email is None or not str(email).strip():
        return None
    text = str(email).strip()
    if has_terminal_controls(text):
        raise Invalid("must not contain control characters or terminal escape sequences", field="email")
    if len(text) > EMAIL_MAX:
        raise Invalid(f"must be at most {EMAIL_MAX} characters", field="email")
    if not _EMAIL.fullmatch(text):
        raise Invalid("is not an email address like name@example.org", field="email")
    return text
