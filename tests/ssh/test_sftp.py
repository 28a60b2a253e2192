"""SFTP into one's own upload folder: a file put there can be imported as a document; nothing outside
the folder can be reached, through `..`, absolute paths or links; files and the folder are capped."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from workshop_tui.domain.enums import AccountStatus
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop

from .support import PASSWORD, TIMEOUT, add_user, connect, serving

import asyncssh  # isort: skip

MB = 1024 * 1024


@asynccontextmanager
async def sftp_as(server: Any, username: str, password: str | None = PASSWORD) -> AsyncIterator[Any]:
    conn = await connect(server, username, password)
    try:
        client = await asyncio.wait_for(conn.start_sftp_client(), TIMEOUT)
        yield client
        client.exit()
    finally:
        conn.close()


def folder_of(workshop: Workshop, username: str) -> Path:
    return (workshop.settings.uploads_dir / username).resolve()


async def test_a_file_put_over_sftp_is_listed_and_imported_as_a_document(
        workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    local = tmp_path / "notes.md"
    local.write_text("# Notes\n\nRetrieval needs good chunks.\n")
    async with serving(workshop, tmp_path) as server, sftp_as(server, "alice") as sftp:
        await sftp.put(str(local), "notes.md")
        await sftp.mkdir("week1")
        await sftp.put(str(local), "week1/again.md")
        assert sorted(await sftp.listdir("/")) == [".", "notes.md", "week1"]
        assert await sftp.realpath("..") == "/"
        assert (await sftp.stat("notes.md")).size == local.stat().st_size
    actor = await workshop.accounts.login("alice", PASSWORD)
    listed = await workshop.knowledge.documents.list_uploads(actor)
    assert [file.name for file in listed] == ["notes.md", "week1/again.md"]
    document = await workshop.knowledge.documents.import_upload(actor, "notes.md")
    assert document.source == "upload" and "good chunks" in document.text


async def test_paths_out_of_the_folder_stay_in_it(workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    await add_user(workshop, "bob")
    local = tmp_path / "x.txt"
    local.write_text("x")
    async with serving(workshop, tmp_path) as server:
        async with sftp_as(server, "bob") as bob:
            await bob.put(str(local), "bobs.txt")
        async with sftp_as(server, "alice") as sftp:
            await sftp.put(str(local), "../../escape.txt")
            await sftp.mkdir("/../bob")
            await sftp.put(str(local), "/../bob/planted.txt")
            with pytest.raises(asyncssh.SFTPNoSuchFile):
                await sftp.get("../bob/bobs.txt", str(tmp_path / "stolen"))
            with pytest.raises(asyncssh.SFTPNoSuchFile):
                await sftp.get("/etc/passwd", str(tmp_path / "passwd"))
    alice = folder_of(workshop, "alice")
    assert sorted(p.name for p in alice.rglob("*")) == ["bob", "escape.txt", "planted.txt"]
    assert not (workshop.settings.uploads_dir / "escape.txt").exists()
    assert sorted(p.name for p in folder_of(workshop, "bob").iterdir()) == ["bobs.txt"]
    assert not (tmp_path / "stolen").exists()


async def test_links_are_neither_made_nor_followed(workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    secret = tmp_path / "secret.txt"
    secret.write_text("server secret")
    local = tmp_path / "x.txt"
    local.write_text("x")
    async with serving(workshop, tmp_path) as server, sftp_as(server, "alice") as sftp:
        with pytest.raises(asyncssh.SFTPPermissionDenied):
            await sftp.symlink(str(secret), "link.txt")
        await sftp.mkdir("sub")
        folder = folder_of(workshop, "alice")
        (folder / "planted").symlink_to(secret)  # a link put there by other means
        (folder / "sub").rmdir()
        (folder / "sub").symlink_to(tmp_path)  # a folder swapped for a link
        with pytest.raises(asyncssh.SFTPError):
            await sftp.get("planted", str(tmp_path / "got"))
        with pytest.raises(asyncssh.SFTPError):
            await sftp.put(str(local), "sub/dropped.txt")
        with pytest.raises(asyncssh.SFTPError):
            await sftp.listdir("sub")
        assert "planted" not in await sftp.listdir("/")
    assert not (tmp_path / "got").exists() and not (tmp_path / "dropped.txt").exists()
    assert secret.read_text() == "server secret"


async def test_the_file_cap_stops_an_upload_and_removes_what_it_wrote(workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(MB + 4096))
    async with serving(workshop, tmp_path, upload_max_file_mb=1) as server, sftp_as(server, "alice") as sftp:
        with pytest.raises(asyncssh.SFTPFailure, match="at most 1 MB"):
            await sftp.put(str(big), "big.bin")
        assert await sftp.listdir("/") == ["."]


async def test_the_folder_quota_holds_across_files_and_sessions(workshop: Workshop, tmp_path: Path) -> None:
    await add_user(workshop, "alice")
    part = tmp_path / "part.bin"
    part.write_bytes(os.urandom(700 * 1024))
    async with serving(workshop, tmp_path, upload_quota_mb=1) as server:
        async with sftp_as(server, "alice") as first, sftp_as(server, "alice") as second:
            await first.put(str(part), "one.bin")
            with pytest.raises(asyncssh.SFTPFailure, match="your upload folder is full"):
                await second.put(str(part), "two.bin")
            await first.remove("one.bin")
            await second.put(str(part), "two.bin")
    assert sorted(p.name for p in folder_of(workshop, "alice").iterdir()) == ["two.bin"]


@pytest.mark.parametrize("who", ["register", "pending"])
async def test_only_an_active_account_has_an_upload_folder(workshop: Workshop, tmp_path: Path, who: str) -> None:
    await add_user(workshop, "pending", status=AccountStatus.PENDING)
    password = None if who == "register" else PASSWORD
    async with serving(workshop, tmp_path) as server:
        conn = await connect(server, who, password)
        try:
            with pytest.raises((asyncssh.SFTPError, asyncssh.ChannelOpenError, ConnectionError, EOFError)):
                client = await asyncio.wait_for(conn.start_sftp_client(), TIMEOUT)
                await asyncio.wait_for(client.listdir("/"), TIMEOUT)
        finally:
            conn.close()
    assert not (workshop.settings.uploads_dir / who).exists()


async def test_suspending_an_account_ends_its_sftp_session(workshop: Workshop, tmp_path: Path) -> None:
    user_id = await add_user(workshop, "alice")
    async with serving(workshop, tmp_path) as server, sftp_as(server, "alice") as sftp:
        assert await sftp.listdir("/") == ["."]
        await workshop.accounts.suspend(OPERATOR, user_id)
        with pytest.raises((asyncssh.SFTPError, ConnectionError, EOFError)):
            for _ in range(200):
                await asyncio.wait_for(sftp.listdir("/"), TIMEOUT)
                await asyncio.sleep(0.05)


async def test_the_folder_holds_a_bounded_number_of_files_and_folders(
        workshop: Workshop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workshop_tui.ssh.uploads.MAX_ENTRIES", 3)
    await add_user(workshop, "alice")
    local = tmp_path / "x.txt"
    local.write_text("x")
    async with serving(workshop, tmp_path) as server, sftp_as(server, "alice") as sftp:
        await sftp.mkdir("one")
        await sftp.put(str(local), "one/two.txt")
        await sftp.put(str(local), "three.txt")
        await sftp.put(str(local), "three.txt")  # replacing a file adds nothing
        with pytest.raises(asyncssh.SFTPFailure, match="holds 3 files and folders, its most"):
            await sftp.put(str(local), "four.txt")
        with pytest.raises(asyncssh.SFTPFailure, match="its most"):
            await sftp.mkdir("five")
        await sftp.remove("three.txt")
        await sftp.put(str(local), "four.txt")
    assert sorted(p.name for p in folder_of(workshop, "alice").rglob("*")) == ["four.txt", "one", "two.txt"]
