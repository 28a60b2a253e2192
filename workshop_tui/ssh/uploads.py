"""How full each account's upload folder is, shared by all of that account's SFTP sessions, so that
two sessions at once cannot each fill the quota."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path


def folder_bytes(folder: Path) -> int:
    """Bytes in the regular files under `folder` (links are neither followed nor counted)."""
    total = 0
    for current, _dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            try:
                info = os.lstat(os.path.join(current, name))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                total += info.st_size
    return total


class UploadUsage:
    def __init__(self, owner: UploadUsages, username: str, used: int) -> None:
        self._owner = owner
        self.username = username
        self.used = used
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
            used = await asyncio.to_thread(folder_bytes, folder)
            usage = self._usages[username] = UploadUsage(self, username, used)
            return usage
