"""What one running app knows about its connection: where it comes from and how it was opened.

The same `WorkshopApp` runs in a local terminal and once per SSH channel in the server process, so
everything that differs between the two arrives here, in the constructor, and nothing is read from
the process (environment, files, terminal) afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workshop_tui.config.logging import new_session_id


@dataclass(frozen=True)
class SessionContext:
    """One app instance's connection. The defaults describe a person at a local terminal."""

    source: str | None = None
    """The client's address (for the sign-in throttle), None in a local terminal."""
    remote: bool = False
    """Over SSH: nothing may act on the server machine (no browser, no files, no screenshots)."""
    username: str | None = None
    """The name the client connected as, filled into the sign-in form."""
    register: bool = False
    """Open on the registration form (an SSH login as the registration name, or an unknown user)."""
    banner: str | None = None
    """One line shown above every screen (the demo says which Ollama answers)."""
    session_id: str = field(default_factory=new_session_id)
    """Names this session in logs."""
