"""Chatting over SSH against the fake Ollama: a reply streams onto the attendee's screen, and a client
that vanishes mid-reply leaves that reply stored as interrupted while the other sessions go on."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ui.chat_support import ChatClass

from workshop_tui.domain.enums import MessageRole, MessageStatus

from .support import TIMEOUT, open_terminal, serving

REPLY = "Local language models let a workshop explore prompts"


async def replies(chat_class: ChatClass, username: str) -> list:  # type: ignore[type-arg]
    actor = await chat_class.actor(username)
    [conversation, *_] = await chat_class.workshop.chat.list(actor)
    messages = await chat_class.workshop.chat.messages(actor, conversation.id)
    return [m for m in messages if m.role is MessageRole.ASSISTANT]


async def test_a_reply_streams_onto_the_attendees_screen(chat_class: ChatClass, tmp_path: Path) -> None:
    chat_class.fake.scenario.chunk_delay = 0.02
    async with serving(chat_class.workshop, tmp_path) as server:
        sam = await open_terminal(server, "sam", chat_class.passwords["sam"], size=(110, 36))
        try:
            await sam.until_shown("Write a message")
            sam.send("Hello from ssh\r")
            await sam.until_shown(REPLY)
            await sam.until_shown("tok/s")
        finally:
            await sam.close()
    [reply] = await replies(chat_class, "sam")
    assert reply.status is MessageStatus.COMPLETE


async def test_a_client_gone_mid_reply_leaves_it_interrupted_and_others_unharmed(
        chat_class: ChatClass, tmp_path: Path) -> None:
    chat_class.fake.scenario.chunk_delay = 0.05
    chat_class.fake.scenario.reply_tokens = 400
    async with serving(chat_class.workshop, tmp_path) as server:
        sam = await open_terminal(server, "sam", chat_class.passwords["sam"], size=(110, 36))
        ines = await open_terminal(server, "ines", chat_class.passwords["ines"], size=(110, 36))
        try:
            await asyncio.gather(sam.until_shown("Write a message"), ines.until_shown("Write a message"))
            sam.send("Tell me a long story\r")
            await sam.until_shown("Local language")
            sam.conn.abort()

            async def stored() -> list:  # type: ignore[type-arg]
                while True:
                    found = await replies(chat_class, "sam")
                    if found and found[0].status is not MessageStatus.STREAMING:
                        return found
                    await asyncio.sleep(0.05)

            [reply] = await asyncio.wait_for(stored(), TIMEOUT)
            assert reply.status is MessageStatus.INTERRUPTED and reply.content.startswith("Local language")
            assert len(reply.content.split()) < 400
            ines.send("still typing")
            await ines.until_shown("still typing")
        finally:
            await asyncio.gather(sam.close(), ines.close())
