"""The optional ``conversations`` section of a workshop file: what it accepts and what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from workshop_tui.domain.enums import AccountStatus, MessageRole, MessageStatus, Role
from workshop_tui.services.workshop_file import (
    CatalogueUser,
    CatalogueView,
    WorkshopFileErrors,
    load_workshop_file,
)
from workshop_tui.services.workshop_file.conversations import CONVERSATION_KEYS, MAX_MESSAGES, MESSAGE_KEYS

HEAD = "version: 1\nworkshop:\n  name: Test class\nusers:\n  - username: sam\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "chats.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def problems(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(WorkshopFileErrors) as caught:
        load_workshop_file(path, environ={}, **kwargs)  # type: ignore[arg-type]
    return [f"{p.line}: {p.field_path}: {p.message}" for p in caught.value.problems]


def test_a_conversation_with_its_messages(tmp_path: Path) -> None:
    path = write(tmp_path, (
        "conversations:\n"
        "  - owner: Sam\n"
        "    title: First steps\n"
        "    model: llama3.2\n"                     # not in any catalogue: chats are records of the past
        "    system_prompt: Be brief.\n"
        "    created: '2026-03-10T21:30:00Z'\n"
        "    messages:\n"
        "      - {role: user, content: 'Hi [bold]there', created: 2026-03-10 21:30:05}\n"
        "      - role: assistant\n"
        "        content: |\n"
        "          Hello!\n"
        "          How can I help?\n"
        "        model: llama3.2:1b\n"
        "        status: interrupted\n"
        "  - {owner: sam, model: qwen2.5:0.5b}\n"))
    plan = load_workshop_file(path, environ={})
    first, second = plan.conversations
    assert first.owner == "sam" and first.title == "First steps" and first.model == "llama3.2:latest"
    assert first.system_prompt == "Be brief." and first.created == datetime(2026, 3, 10, 21, 30, tzinfo=UTC)
    assert [m.role for m in first.messages] == [MessageRole.USER, MessageRole.ASSISTANT]
    assert first.messages[0].content == "Hi [bold]there" and first.messages[0].status is MessageStatus.COMPLETE
    assert first.messages[0].created == datetime(2026, 3, 10, 21, 30, 5, tzinfo=UTC)
    assert first.messages[1].content == "Hello!\nHow can I help?\n"
    assert first.messages[1].status is MessageStatus.INTERRUPTED and first.messages[1].model == "llama3.2:1b"
    assert second.title == "New conversation" and second.messages == () and second.created is None
    assert plan.counts()["conversations"] == 2


def test_the_owner_may_be_an_account_of_the_database(tmp_path: Path) -> None:
    path = write(tmp_path, "conversations:\n  - {owner: ada, model: llama3.2:1b}\n")
    catalogue = CatalogueView(users={"ada": CatalogueUser(Role.INSTRUCTOR, AccountStatus.ACTIVE)})
    assert load_workshop_file(path, catalogue=catalogue, environ={}).conversations[0].owner == "ada"


def test_every_mistake_is_reported_with_its_place(tmp_path: Path) -> None:
    path = write(tmp_path, (
        "conversations:\n"
        "  - owner: nobody\n"                        # line 7: no such user
        "    model: llama3.2:1b\n"
        "    created: last tuesday\n"                # line 9
        "    messages:\n"
        "      - {role: robot, content: hi}\n"       # line 11
        "      - {role: user, content: \"\\e[2J\"}\n"  # line 12: an escape sequence
        "      - {role: user, status: streaming}\n"  # line 13
        "      - {role: user, contnet: typo}\n"      # line 14
        "  - {owner: sam}\n"                         # line 15: no model
        "  - {owner: sam, model: x, title: [a]}\n"))  # line 16
    found = problems(path)
    assert any(p.startswith("7: conversations[0].owner: no user named 'nobody'") for p in found), found
    assert any(p.startswith("9: conversations[0].created: expected a date and time") for p in found), found
    assert any(p.startswith("11: conversations[0].messages[0].role: 'robot' is not a message role; expected one "
                            "of system, user, assistant, tool") for p in found), found
    assert any(p.startswith("12: conversations[0].messages[1].content: contains the control character U+001B")
               for p in found), found
    assert any(p.startswith("13: conversations[0].messages[2].status: 'streaming' is not a message status")
               for p in found), found
    assert any(p.startswith("14: conversations[0].messages[3].contnet: unknown key 'contnet'") for p in found), found
    assert any(p.startswith("15: conversations[1].model: is required") for p in found), found
    assert any(p.startswith("16: conversations[2].title: expected text") for p in found), found


def test_limits(tmp_path: Path) -> None:
    messages = "".join("      - {role: user, content: hi}\n" for _ in range(MAX_MESSAGES + 1))
    path = write(tmp_path, "conversations:\n  - owner: sam\n    model: m\n    messages:\n" + messages)
    assert any(f"at most {MAX_MESSAGES:,} are allowed in one conversation" in p for p in problems(path))
    path = write(tmp_path, "conversations:\n  - owner: sam\n    model: m\n    messages:\n"
                           f"      - {{role: user, content: '{'x' * 100_001}'}}\n")
    assert any("at most 100,000 are allowed" in p for p in problems(path))


def test_every_key_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "WORKSHOP_FILE.md").read_text(encoding="utf-8")
    assert [key for key in CONVERSATION_KEYS + MESSAGE_KEYS if f"`{key}`" not in doc] == []
    assert "## Conversations" in doc and "## Exporting a workshop" in doc
