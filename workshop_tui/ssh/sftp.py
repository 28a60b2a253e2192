"""SFTP into one account's upload folder, `<data_dir>/uploads/<username>/`, and nowhere else.

The client sees the folder as `/`. Every path is normalised inside it (`..` stops at the top), and
every file and folder is opened one component at a time relative to the folder before it, with
`O_NOFOLLOW`: a symbolic link is never followed, whoever planted it, and none can be made. Files are
capped in size and the folder in bytes and in entries; the reason for a refusal goes to the client's terminal too
(OpenSSH's `sftp` shows only a status code). File work runs in threads, off the shared event loop.
"""

from __future__ import annotations

import asyncio
import errno
import os
import posixpath
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
from asyncssh import SFTPAttrs, SFTPName

from workshop_tui.config.logging import get_logger
from workshop_tui.services.paths import open_without_links
from workshop_tui.ssh import uploads
from workshop_tui.ssh.uploads import UploadUsage

log = get_logger(__name__)
MB = 1024 * 1024
_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass
class _Open:
    descriptor: int
    size: int
    append: bool
    path: bytes
    fresh: bool
    """Made (or emptied) by this upload: it holds nothing else of the user's."""
    stopped: bool = False
    """A write was refused: a fresh file is removed when it is closed."""


class UploadFolderServer(asyncssh.SFTPServer):
    def __init__(self, chan: Any, root: Path, usage: UploadUsage, *, max_file_bytes: int,
                 session_id: str) -> None:
        super().__init__(chan)
        self.root = os.path.realpath(root)
        self.usage = usage
        self.max_file_bytes = max_file_bytes
        self.stall_session_id = session_id

    # -- paths -------------------------------------------------------------------------------------

    @staticmethod
    def parts(path: bytes) -> list[str]:
        """The components of a client path inside the folder ('/a/../b' → ['b'])."""
        try:
            text = path.decode("utf-8")
        except UnicodeDecodeError:
            raise asyncssh.SFTPNoSuchFile("names must be UTF-8") from None
        if "\x00" in text:
            raise asyncssh.SFTPNoSuchFile("a name may not contain NUL")
        return [part for part in posixpath.normpath(posixpath.join("/", text)).split("/") if part not in ("", ".")]

    def _folder(self, parts: list[str]) -> int:
        """A descriptor of the folder `parts` (no link on the way)."""
        try:
            return open_without_links(os.path.join(self.root, *parts) if parts else self.root, _DIR)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise asyncssh.SFTPPermissionDenied("links are not followed in your upload folder") from None
            raise

    async def _in_folder(self, path: bytes, work: Any) -> Any:
        """Run `work(folder_descriptor, name)` in a thread, for the last component of `path`."""
        parts = self.parts(path)
        if not parts:
            raise asyncssh.SFTPPermissionDenied("the upload folder itself cannot be changed")

        def run() -> Any:
            folder = self._folder(parts[:-1])
            try:
                return work(folder, parts[-1])
            finally:
                os.close(folder)

        return await asyncio.to_thread(run)

    def _refuse(self, error: asyncssh.SFTPError) -> asyncssh.SFTPError:
        """Say why on the client's terminal as well, then refuse."""
        try:
            self.channel.write_stderr(f"workshop-tui: {error.reason}\n".encode())
        except Exception:  # noqa: S110 - the channel is closing; the status still says no
            pass
        return error

    # -- reading -----------------------------------------------------------------------------------

    def realpath(self, path: bytes) -> bytes:
        return ("/" + "/".join(self.parts(path))).encode()

    async def lstat(self, path: bytes) -> os.stat_result:
        parts = self.parts(path)
        if not parts:
            return await asyncio.to_thread(os.lstat, self.root)
        return await self._in_folder(path, lambda folder, name: os.lstat(name, dir_fd=folder))

    stat = lstat  # a link is shown as a link, never followed

    async def scandir(self, path: bytes) -> AsyncIterator[SFTPName]:
        parts = self.parts(path)

        def listing() -> list[SFTPName]:
            folder = self._folder(parts)
            try:
                names = [SFTPName(b".", attrs=SFTPAttrs.from_local(os.fstat(folder)))]
                with os.scandir(folder) as entries:
                    for entry in entries:
                        info = entry.stat(follow_symlinks=False)
                        if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
                            names.append(SFTPName(entry.name.encode(), attrs=SFTPAttrs.from_local(info)))
                return names
            finally:
                os.close(folder)

        for name in await asyncio.to_thread(listing):
            yield name

    async def open(self, path: bytes, pflags: int, attrs: SFTPAttrs) -> _Open:
        writing = bool(pflags & asyncssh.FXF_WRITE)
        flags = (os.O_RDWR if pflags & asyncssh.FXF_READ else os.O_WRONLY) if writing else os.O_RDONLY
        for sftp_flag, os_flag in ((asyncssh.FXF_APPEND, os.O_APPEND), (asyncssh.FXF_CREAT, os.O_CREAT),
                                   (asyncssh.FXF_TRUNC, os.O_TRUNC), (asyncssh.FXF_EXCL, os.O_EXCL)):
            if pflags & sftp_flag:
                flags |= os_flag

        def opening(folder: int, name: str) -> tuple[_Open | None, int | None]:
            try:
                before: int | None = os.lstat(name, dir_fd=folder).st_size
            except FileNotFoundError:
                before = None
            if before is None and flags & os.O_CREAT and self.usage.entries >= uploads.MAX_ENTRIES:
                return None, None
            descriptor = os.open(name, flags | _NOFOLLOW, 0o600, dir_fd=folder)
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                os.close(descriptor)
                raise asyncssh.SFTPPermissionDenied("only plain files can be opened")
            fresh = before is None or bool(flags & os.O_TRUNC)
            return _Open(descriptor, info.st_size, bool(flags & os.O_APPEND), path, fresh), before

        try:
            opened, before = await self._in_folder(path, opening)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise self._refuse(asyncssh.SFTPPermissionDenied("links are not followed in your upload folder")) \
                    from None
            raise
        if opened is None:
            raise self._refuse(asyncssh.SFTPFailure(_too_many()))
        if before is None:
            self.usage.add_entry()
        elif flags & os.O_TRUNC:
            self.usage.release(before)
        return opened

    async def read(self, file_obj: _Open, offset: int, size: int) -> bytes:
        return await asyncio.to_thread(os.pread, file_obj.descriptor, size, offset)

    async def write(self, file_obj: _Open, offset: int, data: bytes) -> int:
        if file_obj.stopped:  # the client sends many writes ahead; it was told once already
            raise asyncssh.SFTPFailure("the upload was stopped")
        end = (file_obj.size if file_obj.append else offset) + len(data)
        if end > self.max_file_bytes:
            file_obj.stopped = True
            raise self._refuse(asyncssh.SFTPFailure(
                f"a file here may be at most {self.max_file_bytes // MB} MB; the upload was stopped"))
        growth = max(0, end - file_obj.size)
        if not self.usage.take(growth):
            file_obj.stopped = True
            raise self._refuse(asyncssh.SFTPFailure(
                f"your upload folder is full (at most {self.usage.quota // MB} MB); the upload was stopped"))
        try:
            written = await asyncio.to_thread(os.pwrite, file_obj.descriptor, data, offset)
        except BaseException:
            self.usage.release(growth)
            raise
        file_obj.size = max(file_obj.size, end)
        return written

    async def close(self, file_obj: _Open) -> None:
        await asyncio.to_thread(os.close, file_obj.descriptor)
        if file_obj.stopped and file_obj.fresh:  # half a file is no use, and it would count against the quota
            await self.remove(file_obj.path)

    async def fstat(self, file_obj: _Open) -> os.stat_result:
        return await asyncio.to_thread(os.fstat, file_obj.descriptor)

    # -- changing ----------------------------------------------------------------------------------

    async def remove(self, path: bytes) -> None:
        def removing(folder: int, name: str) -> os.stat_result:
            info = os.lstat(name, dir_fd=folder)
            os.unlink(name, dir_fd=folder)
            return info

        info = await self._in_folder(path, removing)
        self.usage.remove_entry()
        if stat.S_ISREG(info.st_mode):
            self.usage.release(info.st_size)

    async def mkdir(self, path: bytes, attrs: SFTPAttrs) -> None:
        if not self.usage.add_entry():
            raise self._refuse(asyncssh.SFTPFailure(_too_many()))
        try:
            await self._in_folder(path, lambda folder, name: os.mkdir(name, 0o700, dir_fd=folder))
        except BaseException:
            self.usage.remove_entry()
            raise

    async def rmdir(self, path: bytes) -> None:
        await self._in_folder(path, lambda folder, name: os.rmdir(name, dir_fd=folder))
        self.usage.remove_entry()

    async def rename(self, oldpath: bytes, newpath: bytes) -> None:
        target = self.parts(newpath)
        if not target:
            raise asyncssh.SFTPPermissionDenied("the upload folder itself cannot be replaced")

        def renaming(source_folder: int, source: str) -> None:
            destination = self._folder(target[:-1])
            try:
                try:
                    os.lstat(target[-1], dir_fd=destination)
                except FileNotFoundError:
                    os.rename(source, target[-1], src_dir_fd=source_folder, dst_dir_fd=destination)
                    return
                raise asyncssh.SFTPFileAlreadyExists(f"{'/'.join(target)} exists")
            finally:
                os.close(destination)

        await self._in_folder(oldpath, renaming)

    posix_rename = rename  # never replaces a file: a replaced file's size would escape the quota

    def setstat(self, path: bytes, attrs: SFTPAttrs) -> None:
        """Times and modes are the server's to keep (files stay private to it); accepted, ignored."""

    lsetstat = setstat

    def fsetstat(self, file_obj: _Open, attrs: SFTPAttrs) -> None:
        """See `setstat`."""

    def _no_links(self, *_: Any) -> None:
        raise self._refuse(asyncssh.SFTPPermissionDenied("links cannot be made in your upload folder"))

    symlink = link = _no_links

    def readlink(self, path: bytes) -> bytes:
        raise asyncssh.SFTPPermissionDenied("links are not followed in your upload folder")

    def statvfs(self, path: bytes) -> None:
        raise asyncssh.SFTPOpUnsupported("the server's disk is not described here")

    fstatvfs = statvfs

    def exit(self) -> None:
        self.usage.leave()


def _too_many() -> str:
    return f"your upload folder holds {uploads.MAX_ENTRIES} files and folders, its most; delete some to make room"
