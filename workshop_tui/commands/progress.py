"""Progress of long headless steps on stderr: a bar redrawn in place on a terminal, plain lines otherwise.

Plain text only (no colour, no cursor codes beyond ``\\r``), so the bar works on any terminal, and a
log captured from a pipe stays readable: one line per step, each long step ending with a line that
says how it went.
Labels carry names from the workshop file, which the loader has already cleaned of control
characters; they are cut to the terminal's width so a redraw never wraps.
"""

from __future__ import annotations

import shutil
from typing import TextIO

BAR_WIDTH = 10


def is_terminal(stream: TextIO) -> bool:
    """True for a terminal; False for a pipe, a file, or a stream that is closed or has no isatty."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def bar(done: int, total: int, label: str) -> str:
    """``[#####-----] 12/40 embedding 'Ollama basics'``."""
    total = max(total, 1)
    filled = min(BAR_WIDTH, done * BAR_WIDTH // total)
    return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total} {label}"


class TerminalProgress:
    """One bar line rewritten with ``\\r``; a new step ends the bar's line first."""

    def __init__(self, stream: TextIO, width: int | None = None) -> None:
        self.stream = stream
        self.width = width or shutil.get_terminal_size((100, 24)).columns
        self._drawn = 0

    def _end_bar(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self._drawn = 0

    def step(self, text: str) -> None:
        self._end_bar()
        self.stream.write(f"{text}\n")
        self.stream.flush()

    def advance(self, label: str, done: int, total: int) -> None:
        line = bar(done, total, label)[: max(20, self.width - 1)]
        self.stream.write("\r" + line + " " * max(0, self._drawn - len(line)))
        self._drawn = len(line)
        if done >= total:
            self._end_bar()
        self.stream.flush()

    def finish(self) -> None:
        self._end_bar()
        self.stream.flush()


class PlainProgress:
    """One line per step and nothing else: a pipe or a log file gets no bar redraws."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def step(self, text: str) -> None:
        self.stream.write(f"{text}\n")
        self.stream.flush()

    def advance(self, label: str, done: int, total: int) -> None:
        return None

    def finish(self) -> None:
        self.stream.flush()


def progress_for(stream: TextIO) -> TerminalProgress | PlainProgress:
    return TerminalProgress(stream) if is_terminal(stream) else PlainProgress(stream)
