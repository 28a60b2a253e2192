"""Logging the event loop's stalls, with the session that caused them.

Every session shares one loop, so one handler that blocks delays every other user's keystrokes. A
heartbeat on the loop measures how late it runs; a watchdog thread, while a beat is overdue, looks
at what the loop's thread is executing and finds the session it belongs to (from the objects on its
stack: a Textual node, a worker, or one of the server's own session objects). When the loop comes
back, the stall is logged with its length, that session and the innermost frame.
"""

from __future__ import annotations

import asyncio
import collections
import sys
import threading
import time
from types import FrameType
from typing import Any

from textual.app import App

from workshop_tui.config.logging import get_logger

log = get_logger(__name__)
BEAT_S = 0.05


class LoopMonitor:
    def __init__(self, threshold_s: float = 0.1) -> None:
        self.threshold_s = threshold_s
        self.stalls = 0
        self._expected = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop_thread = 0
        self._seen: collections.Counter[tuple[str | None, str | None]] = collections.Counter()

    def start(self) -> None:
        self._loop_thread = threading.get_ident()
        self._expected = time.monotonic() + BEAT_S
        self._handle = asyncio.get_running_loop().call_later(BEAT_S, self._beat)
        self._thread = threading.Thread(target=self._watch, name="loop-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._handle is not None:
            self._handle.cancel()
        if self._thread is not None:
            self._thread.join(timeout=1)

    def _beat(self) -> None:
        now = time.monotonic()
        late = now - self._expected
        if late > self.threshold_s:
            self.stalls += 1
            (session, where), _ = self._seen.most_common(1)[0] if self._seen else ((None, None), 0)
            log.warning("event loop stalled for %d ms", late * 1000, extra={
                "session_id": session or "unknown", "stall_ms": round(late * 1000), "where": where})
        self._seen.clear()
        self._expected = now + BEAT_S
        self._handle = asyncio.get_running_loop().call_later(BEAT_S, self._beat)

    def _watch(self) -> None:
        while not self._stop.wait(BEAT_S / 2):
            if time.monotonic() - self._expected > self.threshold_s / 2:
                try:
                    self._seen[running_session(self._loop_thread)] += 1
                except Exception:  # a sample is a nicety: never let it end the watch  # noqa: S112
                    continue


def running_session(thread_id: int) -> tuple[str | None, str | None]:
    """(session id, innermost frame) of what thread `thread_id` is executing now."""
    frame: FrameType | None = sys._current_frames().get(thread_id)
    where = _describe(frame) if frame is not None else None
    while frame is not None:
        owner = frame.f_locals.get("self") if "self" in frame.f_code.co_varnames else None
        session = _session_of(owner) if owner is not None else None
        if session is not None:
            return session, where
        frame = frame.f_back
    return None, where


def _session_of(owner: Any) -> str | None:
    marked = getattr(owner, "stall_session_id", None)
    if isinstance(marked, str):
        return marked
    node = getattr(owner, "node", None) if type(owner).__name__ == "Worker" else owner
    for candidate in getattr(node, "ancestors_with_self", ()) or ():
        if isinstance(candidate, App):
            session = getattr(candidate, "session", None)
            return getattr(session, "session_id", None)
    return None


def _describe(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("workshop_tui/", "site-packages/"):
        if marker in path:
            path = path.split(marker, 1)[1] if marker == "site-packages/" else marker + path.split(marker, 1)[1]
            break
    return f"{path}:{frame.f_lineno} in {code.co_name}"
