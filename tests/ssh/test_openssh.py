"""The real OpenSSH client, driven in tmux as a person would: sign in with a password, send a chat
message to the fake Ollama, read the streamed reply, quit. Skipped where ssh or tmux is missing."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from ui.chat_support import ChatClass

from .support import TIMEOUT, serving

pytestmark = pytest.mark.skipif(not (shutil.which("ssh") and shutil.which("tmux")),
                                reason="needs the OpenSSH client (ssh) and tmux")
REPLY = "Local language models let a workshop explore prompts"


class Tmux:
    """One tmux server of our own (its own socket), running one window."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = f"wtssh-test-{os.getpid()}-{id(self)}"
        self.tmp_path = tmp_path

    async def run(self, *args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            "tmux", "-L", self.socket, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
        assert process.returncode == 0, err.decode()
        return out.decode()

    async def screen(self) -> str:
        return await self.run("capture-pane", "-p", "-t", "smoke")

    async def until_shown(self, text: str, timeout: float = TIMEOUT) -> None:
        async def wait() -> None:
            while text not in await self.screen():
                await asyncio.sleep(0.1)

        try:
            await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {text!r}; tmux shows:\n{await self.screen()}") from None

    async def keys(self, *keys: str) -> None:
        await self.run("send-keys", "-t", "smoke", *keys)


async def test_openssh_signs_in_chats_and_quits(chat_class: ChatClass, tmp_path: Path) -> None:
    chat_class.fake.scenario.chunk_delay = 0.02
    tmux = Tmux(tmp_path)
    async with serving(chat_class.workshop, tmp_path) as server:
        ssh = (f"ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
               f"-o PubkeyAuthentication=no -o PreferredAuthentications=password -p {server.port} sam@127.0.0.1; "
               "echo SSH-ENDED-$?; sleep 60")
        await tmux.run("new-session", "-d", "-s", "smoke", "-x", "110", "-y", "34", ssh)
        try:
            await tmux.until_shown("password:")
            await tmux.keys(chat_class.passwords["sam"], "Enter")
            await tmux.until_shown("Write a message")
            await tmux.keys("-l", "Hello over OpenSSH")
            await tmux.keys("Enter")
            await tmux.until_shown(REPLY)
            await tmux.until_shown("tok/s")
            await tmux.keys("C-q")
            await tmux.until_shown("SSH-ENDED-0")
            assert "Write a message" not in await tmux.screen()  # the app's screen is gone: restored
        finally:
            await tmux.run("kill-server")
