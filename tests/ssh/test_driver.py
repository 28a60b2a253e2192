"""The session driver on its own: what it writes to start and stop, how it reads keys, pastes, mouse
reports and a lone ESC, bad UTF-8 and resizes, that it never acts on the server machine, and that a
closed app does not stay in memory."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import io
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.screen import Screen

from workshop_tui.ssh.driver import RESTORE, START, SshDriver

from .support import TIMEOUT, until


@dataclass
class FakeChannel:
    size: tuple[int, int] = (80, 24)
    written: list[str] = field(default_factory=list)

    def write(self, text: str) -> None:
        self.written.append(text)

    def flush(self) -> None:
        pass

    @property
    def output(self) -> str:
        return "".join(self.written)


class Recorder(Screen[None]):
    def __init__(self, seen: list[Any]) -> None:
        super().__init__()
        self.seen = seen

    def on_key(self, event: events.Key) -> None:
        self.seen.append(event.key)

    def on_paste(self, event: events.Paste) -> None:
        self.seen.append(("paste", event.text))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.seen.append(("down", event.screen_x, event.screen_y))


class RecordingApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Any] = []
        self.driver: SshDriver | None = None

    def get_default_screen(self) -> Screen[None]:
        return Recorder(self.seen)


@dataclass
class Running:
    app: RecordingApp
    channel: FakeChannel
    task: asyncio.Task[Any]

    @property
    def driver(self) -> SshDriver:
        assert self.app.driver is not None
        return self.app.driver

    async def until(self, condition: Any, what: str) -> None:
        await until(condition, what, shows=lambda: f"seen {self.app.seen}")

    async def started(self) -> None:
        app = self.app
        await self.until(lambda: app.driver is not None and app.is_running and app.screen.is_mounted,
                         "the app to start")

    async def keys(self, data: bytes, count: int = 1) -> list[Any]:
        before = len(self.app.seen)
        self.driver.feed(data)
        await self.until(lambda: len(self.app.seen) >= before + count, repr(data))
        return self.app.seen[before:]


def start_app(channel: FakeChannel, app: Any = None) -> Running:
    """Run `app` (a RecordingApp by default; any app with a `driver` attribute) on a session driver."""
    app = app or RecordingApp()

    def make_driver(owner: App[Any], **options: Any) -> SshDriver:
        app.driver = SshDriver(owner, channel=channel, **options)
        return app.driver

    app.driver_class = make_driver  # type: ignore[assignment]
    task = asyncio.get_running_loop().create_task(app.run_async(size=channel.size), context=contextvars.Context())
    return Running(app, channel, task)


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    run = start_app(FakeChannel())
    await run.started()
    try:
        yield run
    finally:
        run.app.exit()
        await asyncio.wait_for(run.task, TIMEOUT)


async def test_start_takes_the_screen_and_stop_gives_it_back(running: Running) -> None:
    assert running.channel.output.startswith(START)
    for mode in ("1049h", "1000h", "1003h", "1015h", "1006h", "1004h", "2004h", "25l"):
        assert f"\x1b[?{mode}" in START
    running.app.exit()
    await asyncio.wait_for(running.task, TIMEOUT)
    assert running.channel.output.endswith(RESTORE)
    assert RESTORE.endswith("\x1b[?1049l\x1b[?25h")
    for mode in ("1000l", "1003l", "1015l", "1006l", "1004l", "2004l"):
        assert f"\x1b[?{mode}" in RESTORE


@pytest.mark.parametrize(("data", "key"), [(b"a", "a"), (b"\x1b[A", "up"), (b"\x1bOP", "f1"), (b"\x1b[15~", "f5"),
                                           (b"\x03", "ctrl+c"), (b"\r", "enter"), ("é".encode(), "é"),
                                           (b"\x1b[97;5u", "ctrl+a")])
async def test_keys_arrive_as_textual_keys(running: Running, data: bytes, key: str) -> None:
    assert await running.keys(data) == [key]


async def test_a_character_split_across_two_reads_arrives_whole(running: Running) -> None:
    encoded = "ü".encode()
    running.driver.feed(encoded[:1])
    assert await running.keys(encoded[1:]) == ["ü"]


async def test_invalid_utf8_becomes_a_replacement_character_and_input_goes_on(running: Running) -> None:
    assert await running.keys(b"\xff") == ["replacement_character"]
    assert await running.keys(b"z") == ["z"]


async def test_a_paste_arrives_whole(running: Running) -> None:
    assert await running.keys(b"\x1b[200~two\nlines [b]x[/b]\x1b[201~") == [("paste", "two\nlines [b]x[/b]")]


async def test_a_mouse_click_arrives_at_its_cell(running: Running) -> None:
    assert await running.keys(b"\x1b[<0;11;6M") == [("down", 10, 5)]


async def test_a_lone_escape_is_released_after_the_escape_delay(running: Running) -> None:
    assert await running.keys(b"\x1b") == ["escape"]


async def test_a_resize_reaches_the_app(running: Running) -> None:
    running.driver.resize(132, 43)
    await running.until(lambda: tuple(running.app.size) == (132, 43), "the new size")
    running.driver.resize(40, 12)
    await running.until(lambda: tuple(running.app.size) == (40, 12), "the smaller size")


async def test_the_driver_opens_no_browser_and_writes_no_file_on_the_server(
        running: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url))
    monkeypatch.chdir(tmp_path)
    running.driver.open_url("https://example.org")
    running.driver.deliver_binary(io.BytesIO(b"data"), delivery_key="k", save_path=tmp_path / "copy.bin")
    await asyncio.sleep(0.1)
    assert opened == [] and list(tmp_path.iterdir()) == []
    assert not running.driver.can_suspend


async def test_a_closed_app_is_garbage_collected() -> None:
    run = start_app(FakeChannel())
    await run.started()
    await run.keys(b"\x1b[97;5u")  # a key Textual parses through its (process-wide cached) extended-key path
    await run.keys(b"\x1b[A")
    run.app.exit()
    await asyncio.wait_for(run.task, TIMEOUT)
    gone = weakref.ref(run.app)
    del run
    gc.collect()
    assert gone() is None


class Form(Screen[None]):
    def compose(self) -> Any:
        from textual.widgets import Input

        for name in ("first", "second", "third"):  # typing on at the end of a field's text when it is back
            yield Input(id=name, select_on_focus=False)


class FormApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.driver: SshDriver | None = None

    def get_default_screen(self) -> Screen[None]:
        return Form()


async def test_keys_in_one_burst_behind_a_tab_reach_the_next_field() -> None:
    """A fast typist on a slow network: "ada", Tab, "lovelace", Shift+Tab, "!" arrive in one read."""
    app = FormApp()
    task = start_app(FakeChannel(), app).task
    try:
        await until(lambda: app.driver is not None and app.is_running and app.focused is not None, "the form")
        assert app.driver is not None
        app.driver.feed(b"ada\tlovelace\tx\x1b[Z\x1b[Z!")

        def values() -> tuple[str, ...]:
            return tuple(app.screen.query_one(f"#{name}").value for name in ("first", "second", "third"))

        await until(lambda: values() == ("ada!", "lovelace", "x"), "each field its own keys",
                    shows=lambda: str(values()))
    finally:
        app.exit()
        await asyncio.wait_for(task, TIMEOUT)
