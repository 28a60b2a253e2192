"""The Textual driver of one SSH session: the app draws into the channel and reads the client's keys.

Unlike Textual's own drivers it touches nothing process-wide: no signal handlers (Ctrl+Z would stop
the whole server), no file descriptors, no threads, no environment. Input arrives from the session
as bytes and goes through an incremental UTF-8 decoder and the session's own `SessionParser`.
"""

from __future__ import annotations

import asyncio
import codecs
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from textual import constants, events
from textual.driver import Driver
from textual.geometry import Size

from workshop_tui.config.logging import get_logger
from workshop_tui.ssh.parser import SessionParser

if TYPE_CHECKING:
    from textual.app import App
    from textual.message import Message

log = get_logger(__name__)

MOUSE_MODES = ("1000", "1003", "1015", "1006")  # clicks, motion, urxvt and SGR coordinates
MOUSE_ON = "".join(f"\x1b[?{mode}h" for mode in MOUSE_MODES)
START_BEFORE_MOUSE = "\x1b[?1049h"  # the alternate screen
START_AFTER_MOUSE = ("\x1b[?1004h"  # focus in and out
                     + "\x1b[?2004h"  # bracketed paste
                     + "\x1b[?7l"  # no line wrap: Textual places every cell itself
                     + "\x1b[?25l")  # no cursor
FOCUS_KEYS = frozenset({"tab", "shift+tab"})
FOCUS_HOLD_S = 0.25  # the longest the keys typed behind a Tab wait for the focus to move
FOCUS_LOOK_S = 0.005
START = START_BEFORE_MOUSE + MOUSE_ON + START_AFTER_MOUSE
RESTORE = ("\x1b[?2004l"
           + "".join(f"\x1b[?{mode}l" for mode in reversed(MOUSE_MODES))
           + "\x1b[?1004l"
           + "\x1b[?7h"
           + "\x1b[0m"
           + "\x1b[?1049l"  # back to the screen the client had before
           + "\x1b[?25h")
SYNC_QUERY = "\x1b[?2026$p"  # does the terminal draw a frame at once? (answered through the parser)


class Channel(Protocol):
    """What the driver needs of the session's channel."""

    def write(self, text: str) -> None: ...

    def flush(self) -> None: ...

    @property
    def size(self) -> tuple[int, int]: ...


class SshDriver(Driver):
    """Give Textual `functools.partial(SshDriver, channel=...)` as the app's driver class."""

    def __init__(self, app: App[Any], *, channel: Channel, debug: bool = False, mouse: bool = True,
                 size: tuple[int, int] | None = None) -> None:
        super().__init__(app, debug=False, mouse=mouse, size=size or channel.size)
        self._channel = channel
        self._parser = SessionParser()
        self._decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
        self._reading = False
        self._started = False
        self._tick: asyncio.TimerHandle | None = None
        self._held: deque[Message] | None = None
        self._holding: asyncio.Task[None] | None = None

    # -- output ------------------------------------------------------------------------------------

    def write(self, data: str) -> None:
        self._channel.write(data)

    def flush(self) -> None:
        self._channel.flush()

    def start_application_mode(self) -> None:
        self._started = True
        self.write(START if self._mouse else START_BEFORE_MOUSE + START_AFTER_MOUSE)
        self.write(SYNC_QUERY)
        self._reading = True
        width, height = self._size or self._channel.size
        self._post(events.Resize(Size(width, height), Size(width, height)))

    def stop_application_mode(self) -> None:
        """Undo everything `start_application_mode` did; the client's screen is as it was."""
        self.disable_input()
        if self._started:
            self._started = False
            self.write(RESTORE)

    def disable_input(self) -> None:
        self._reading = False
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        if self._holding is not None:
            self._holding.cancel()
            self._holding = None
        self._held = None

    # -- input -------------------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Bytes the client typed, clicked or pasted."""
        if not self._reading:
            return
        text = self._decode(data)
        if text:
            for message in self._parser.feed(text):
                self._take(message)
        # A lone ESC (or an unfinished sequence) is released only after Textual's escape delay.
        if self._tick is not None:
            self._tick.cancel()
        self._tick = self._loop.call_later(constants.ESCAPE_DELAY + 0.01, self._release_pending)

    def _release_pending(self) -> None:
        self._tick = None
        if self._reading:
            for message in self._parser.tick():
                self._take(message)

    def _take(self, message: Message) -> None:
        """Hand a key (or a click, a paste) to the app, in order. Keys that reach the server in one
        burst behind a Tab (a fast typist on a slow network) wait until the focus has moved: Textual
        gives each key to the focused widget as it arrives and runs the Tab's binding after, so the
        keys typed for the next field would land in the one before."""
        if self._held is not None:
            self._held.append(message)
            return
        self.process_message(message)
        if isinstance(message, events.Key) and message.key in FOCUS_KEYS:
            self._held = deque()
            self._holding = self._loop.create_task(self._release_once_focus_moved(self._app.focused))

    async def _release_once_focus_moved(self, before: object) -> None:
        for _ in range(int(FOCUS_HOLD_S / FOCUS_LOOK_S)):  # Textual says nothing when the focus moves
            if self._app.focused is not before:
                break
            await asyncio.sleep(FOCUS_LOOK_S)
        held, self._held, self._holding = self._held or deque(), None, None
        while held:
            self._take(held.popleft())
            if self._held is not None:  # another Tab: the rest waits for it in turn
                self._held.extend(held)
                return

    def resize(self, width: int, height: int) -> None:
        """The client's window changed size."""
        width, height = max(width, 1), max(height, 1)
        self._size = (width, height)
        if self._reading:
            self._post(events.Resize(Size(width, height), Size(width, height)))

    def send_message(self, message: Message) -> None:
        # The base class assumes input arrives on a thread; here it is already on the app's loop.
        self._post(message)

    def _post(self, message: Message) -> None:
        message.set_sender(self._app)
        self._app.post_message(message)

    # -- never act on the server machine -----------------------------------------------------------

    def open_url(self, url: str, new_tab: bool = True) -> None:
        log.warning("a session asked to open a link on the server; refused")

    def deliver_binary(self, *args: Any, **kwargs: Any) -> None:
        log.warning("a session asked to save a file on the server; refused")
