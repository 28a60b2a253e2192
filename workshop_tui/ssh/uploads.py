"""How full each account's upload folder is, in bytes and in entries (files and folders), shared by
all of that account's SFTP sessions, so that two sessions at once cannot each fill the quota."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

MAX_ENTRIES = 1000  # files and folders in one upload folder (the Documents place lists as many)


def folder_usage(folder: Path) -> tuple[int, int]:
    """Bytes in the regular files under `folder`, and how many entries it holds (links are neither
    followed nor counted as bytes)."""
    total = entries = 0
    for current, dirs, files in os.walk(folder, followlinks=False):
        entries += len(dirs) + len(files)
        for name in files:
            try:
                info = os.lstat(os.path.join(current, name))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                total += info.st_size
    return total, entries


class UploadUsage:
    def __init__(self, owner: UploadUsages, username: str, used: int, entries: int) -> None:
        self._owner = owner
        self.username = username
        self.used = used
        self.entries = entries
        self.sessions = 1

    @property
    def quota(self) -> int:
        return self._owner.quota

    def take(self, size: int) -> bool:
        """Count `size` more bytes, or False (and nothing counted) when they do not fit."""
        if size and self.used + size > self.quota:
            return False
        self.used += size
        return True

    def release(self, size: int) -> None:
        self.used = max(0, self.used - size)

    def add_entry(self) -> bool:
        """Count one more file or folder, or False (nothing counted) when the folder holds its most."""
        if self.entries >= MAX_ENTRIES:
            return False
        self.entries += 1
        return True

    def remove_entry(self) -> None:
        self.entries = max(0, self.entries - 1)

    def leave(self) -> None:
        """One session of this account ended."""
        self.sessions -= 1
        if self.sessions <= 0:
            self._owner._usages.pop(self.username, None)


class UploadUsages:
    def __init__(self, quota: int) -> None:
        self.quota = quota
        self._usages: dict[str, UploadUsage] = {}
        self._lock = asyncio.Lock()

    async def join(self, username: str, folder: Path) -> UploadUsage:
        """The usage of `username`'s folder, measured (in a thread) when no session holds it yet."""
        async with self._lock:
            usage = self._usages.get(username)
            if usage is not None:
                usage.sessions += 1
                return usage
            used, entries = await asyncio.to_thread(folder_usage, folder)
            usage = self._usages[username] = UploadUsage(self, username, used, entries)
            return usage
