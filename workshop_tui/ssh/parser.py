"""Textual's input parser, one per session, without the process-wide cache that keeps closed
sessions alive (see `textual_internals`)."""

from __future__ import annotations

from textual._xterm_parser import XTermParser

from workshop_tui.ssh.textual_internals import uncached_extended_key_parser


class SessionParser(XTermParser):
    """Turns a client's keystrokes, mouse reports and pastes into Textual events."""

    _parse_extended_key = uncached_extended_key_parser()
