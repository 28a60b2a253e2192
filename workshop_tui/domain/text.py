"""Text hygiene for everything a user, a document or a model wrote.

Strings from those sources end up in a terminal (the TUI, an SSH session) and in exports. A terminal
acts on escape sequences: OSC 52 writes to the clipboard, OSC 8 makes clickable links, CSI sequences
clear the screen or move the cursor, and a bare carriage return lets a line overwrite what was drawn
before it. So these functions remove every escape sequence and control character before display and
export, and on extracted document text, keeping only newline and tab. Markup-like text such as
``[bold]`` is ordinary text here: the UI renders it as plain text, so it must reach the UI unchanged.
"""

from __future__ import annotations

import re
import unicodedata

# String-type escapes (OSC, DCS, SOS, PM, APC) in 7-bit (ESC x) and 8-bit (C1) form, up to their
# terminator: BEL or ST (ESC \ or the C1 byte 0x9C). Removed whole, so a clipboard payload or a link
# target does not survive as text.
_STRING_SEQUENCE = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])"  # introducer
    r"[^\x07\x1b\x9c]*"  # body
    r"(?:\x07|\x1b\\|\x9c)"  # terminator
)
# Control Sequence Introducer sequences: ESC [ or the C1 byte 0x9B, parameters, intermediates, final.
_CSI_SEQUENCE = re.compile(r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]")
# Any other escape sequence: ESC, optional intermediates, one final byte.
_OTHER_ESCAPE = re.compile(r"\x1b[\x20-\x2f]*[\x30-\x7e]?")
# What is left: C0 controls except tab and newline, DEL, and C1 controls.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHITESPACE_RUN = re.compile(r"\s+")

ELLIPSIS = "…"


def strip_terminal_controls(text: str) -> str:
    """Remove ANSI/OSC/other escape sequences and C0/C1 control characters, keeping ``\\n`` and ``\\t``.

    Whole sequences go first, so their parameters (a base64 clipboard payload, a URL) vanish with
    them; stray control characters go last. An unterminated OSC loses only its introducer, which is
    enough to make the rest inert text.
    """
    if not text:
        return text
    text = _STRING_SEQUENCE.sub("", text)
    text = _CSI_SEQUENCE.sub("", text)
    text = _OTHER_ESCAPE.sub("", text)
    return _CONTROL_CHARS.sub("", text)


def normalize_text(text: str) -> str:
    """Return ``text`` in Unicode NFC with Unix line endings and no terminal controls.

    NFC makes visually equal strings compare equal (a precomposed "é" and "e" + combining accent),
    which matters for names, search and checksums of extracted text. Line endings are unified before
    stripping controls, because a lone carriage return is a control character that would otherwise
    be deleted and glue two lines together; old Mac-style ``\\r`` endings therefore become ``\\n``.
    """
    if not text:
        return text
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return strip_terminal_controls(text)


def one_line(text: str, max_len: int) -> str:
    """Return ``text`` normalised, on a single line, and at most ``max_len`` characters long.

    Names and titles are shown in lists, headers and table cells where a newline would break the
    layout, so every run of whitespace (newlines and tabs included) becomes one space. Text that is
    too long ends with an ellipsis so the reader knows it was cut.
    """
    if max_len < 1:
        raise ValueError(f"max_len must be at least 1, not {max_len}")
    flat = _WHITESPACE_RUN.sub(" ", normalize_text(text)).strip()
    if len(flat) <= max_len:
        return flat
    return flat[: max_len - 1].rstrip() + ELLIPSIS
