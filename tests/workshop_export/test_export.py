"""The exported file stands alone: it loads against an empty database, says what the class holds,
and holds no secret and no terminal escape."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from workshop_tui.domain.enums import AccountStatus, MessageRole, MessageStatus, Role, ToolKind, Visibility
from workshop_tui.domain.errors import Invalid
from workshop_tui.services.workshop_file import (
    CatalogueView,
    DocumentSource,
    PasswordSource,
    WorkshopPlan,
    load_workshop_file,
)
from workshop_tui.services.workshop_file.export_file import ExportReport, export_workshop
from workshop_tui.services.workshop_file.plan import WorkshopInfo
from workshop_tui.services.workshop_file.snapshot import snapshot_workshop
from workshop_tui.storage.database import Database

from .support import PASSWORDS, RAG_TEMPLATE, Built

INFO = WorkshopInfo("Test class", "A class\nfor tests.")
EXPECTED_COUNTS = {"models": 4, "users": 7, "prompts": 4, "tools": 3, "documents": 4, "vector_dbs": 1,
                   "rag_systems": 2, "embedding_jobs": 2}


async def export(db: Database, path: Path, **options: bool) -> ExportReport:
    return await export_workshop(db, path, INFO, **options)


def load(path: Path) -> WorkshopPlan:
    """As an import into an EMPTY data directory reads it: nothing may come from a catalogue."""
    return load_workshop_file(path, catalogue=CatalogueView(), environ={})


async def test_the_export_loads_on_its_own_with_what_the_class_holds(database: Database, built: Built,
                                                                      tmp_path: Path) -> None:
    report = await export(database, tmp_path / "class.yaml")
    assert report.ok, report.problems
    plan = load(tmp_path / "class.yaml")
    assert plan.counts() == EXPECTED_COUNTS
    assert plan.workshop is not None and plan.workshop.name == "Test class"
    users = {u.username: u for u in plan.users}
    assert sorted(users) == ["ada", "boss", "jordan", "leo", "maria", "sam", "visitor"]
    assert users["jordan"].status is AccountStatus.PENDING and users["jordan"].notes == "Registered late."
    assert users["leo"].role is Role.FAMILY and users["leo"].guardian == "maria"
    assert users["leo"].quota is not None and users["leo"].quota.concurrent_generations == 1
    assert users["sam"].models == ("llama3.2:1b", "qwen2.5:0.5b")
    assert users["sam"].tools == ("calculator", "handbook_search")
    assert users["sam"].quota is not None and users["sam"].quota.messages_per_day == 50
    assert users["ada"].email == "ada@example.org" and users["ada"].notes == "Runs the class.\nKnows everyone."
    assert all(u.password.source is PasswordSource.GENERATED for u in plan.users)
    models = {m.name: m for m in plan.models}
    assert models["llama3.2:1b"].pull and not models["old-model:latest"].pull
    assert not models["old-model:latest"].enabled


async def test_references_are_names(database: Database, built: Built, tmp_path: Path) -> None:
    await export(database, tmp_path / "class.yaml")
    plan = load(tmp_path / "class.yaml")
    tools = {t.name: t for t in plan.tools}
    search = tools["handbook_search"]
    assert search.kind is ToolKind.VECTOR_SEARCH and search.vector_db == "Handbook" and not search.enabled
    assert dict(tools["glossary"].config)["entries"]["RAG"] == "Retrieval first."
    (vdb,) = plan.vector_dbs
    # The draft's latest job is still queued: only documents whose latest job is done are listed.
    assert vdb.documents == ("Cheat sheet", "House rules") and vdb.owner == "ada"
    assert vdb.visibility is Visibility.PUBLIC
    rags = {r.name: r for r in plan.rag_systems}
    assert rags["Ask the handbook"].prompt == "RAG answer" and rags["Ask the handbook"].prompt_template is None
    assert rags["Tutor"].prompt is None and rags["Tutor"].score_threshold == 0.3 and rags["Tutor"].top_k == 3
    prompts = {p.title: p for p in plan.prompts}
    assert prompts["RAG answer"].template == RAG_TEMPLATE
    explain = prompts["Explain simply"]
    assert [v.name for v in explain.variables] == ["topic", "audience"]
    assert explain.variables[1].choices == ("a child", "an adult") and explain.variables[1].default == "a child"
    assert explain.tags == ("basics", "templates") and prompts["My notes"].owner == "sam"


async def test_documents_are_files_beside_the_export(database: Database, built: Built, tmp_path: Path) -> None:
    report = await export(database, tmp_path / "class.yaml")
    folder = tmp_path / "class.documents"
    assert report.documents_folder == folder
    documents = {d.title: d for d in load(tmp_path / "class.yaml").documents}
    assert all(d.source is DocumentSource.PATH for d in documents.values())
    assert {title: d.relative_path for title, d in documents.items()} == {
        "Cheat sheet": "class.documents/001-cheat-sheet.txt", "Draft": "class.documents/002-draft.md",
        "House rules": "class.documents/003-house-rules.md", "House rules (2)": "class.documents/004-house-rules-2.txt"}
    assert documents["House rules"].content_type == "text/markdown"
    assert (folder / "003-house-rules.md").read_text(encoding="utf-8") == (
        "# House rules\n\n- Be patient when the queue is long.\n- Ask the\thandbook first.\n")
    assert documents["Cheat sheet"].content_type == "text/plain"  # a PDF's text, not the PDF
    assert (folder / "001-cheat-sheet.txt").read_text(encoding="utf-8") == "ollama run\nollama pull\n"
    # Two documents share a title in the database; the second is renamed, and said so.
    assert documents["House rules (2)"].owner == "sam"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o600}
    entries = yaml.safe_load((tmp_path / "class.yaml").read_text(encoding="utf-8"))["documents"]
    assert [sorted(entry) for entry in entries] == [["owner", "path", "title", "visibility"]] * 4  # no text


async def test_no_password_or_hash_is_exported(database: Database, built: Built, tmp_path: Path) -> None:
    await export(database, tmp_path / "class.yaml", include_chats=True)
    content = (tmp_path / "class.yaml").read_text(encoding="utf-8")
    assert "$argon2" not in content
    for secret in PASSWORDS.values():
        assert secret not in content
    assert "password:" not in content and "password_env" not in content.split("version: 1", 1)[1]
    assert "generates a new password" in content.split("version: 1", 1)[0]  # the header says so


async def test_terminal_escapes_are_stripped_and_markup_stays_text(database: Database, built: Built,
                                                                   tmp_path: Path) -> None:
    await export(database, tmp_path / "class.yaml", include_chats=True)
    written = [tmp_path / "class.yaml", *sorted((tmp_path / "class.documents").iterdir())]
    for raw in (path.read_bytes() for path in written):
        for planted in (b"\x1b", b"\x07", b"]52;", b"[2J", b"SGVsbG8gd29ybGQ=", b"\\e", b"\\x1b", b"\\a"):
            assert planted not in raw
    plan = load(tmp_path / "class.yaml")
    users = {u.username: u for u in plan.users}
    assert users["ada"].display_name == "Ada Okafor [bold]"
    assert "[bold]Really[/bold]" in plan.conversations[0].messages[1].content
    assert plan.conversations[0].title == "Tokens question"


async def test_two_exports_of_the_same_data_are_byte_identical(database: Database, built: Built,
                                                               tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        await export(database, tmp_path / name / "class.yaml", include_chats=True)
    one, two = ({str(p.relative_to(tmp_path / name)): p.read_bytes() for p in (tmp_path / name).rglob("*")
                 if p.is_file()} for name in ("one", "two"))
    assert one == two and len(one) == 5  # the file and its four documents


async def test_skipped_and_changed_entries_are_noted(database: Database, built: Built, tmp_path: Path) -> None:
    report = await export(database, tmp_path / "class.yaml")
    notes = "\n".join(report.export.notes)
    assert "the suspended account 'sus' is not exported" in notes
    assert "the rejected account 'rex' is not exported" in notes
    assert "'Left behind' belonged to an account that is not exported" in notes
    assert "it is exported as 'House rules (2)'" in notes
    plan = load(tmp_path / "class.yaml")
    left = next(p for p in plan.prompts if p.title == "Left behind")
    assert left.owner is None and left.visibility is Visibility.CLASS


async def test_chats_are_exported_only_when_asked_and_round_trip(database: Database, built: Built,
                                                                 tmp_path: Path) -> None:
    await export(database, tmp_path / "plain.yaml")
    assert "conversations" not in (tmp_path / "plain.yaml").read_text(encoding="utf-8")
    assert load(tmp_path / "plain.yaml").conversations == ()

    report = await export(database, tmp_path / "chats.yaml", include_chats=True)
    assert report.ok, report.problems
    plan = load(tmp_path / "chats.yaml")
    assert plan.counts() == {**EXPECTED_COUNTS, "conversations": 1}
    (chat,) = plan.conversations
    assert chat.owner == "sam" and chat.model == "llama3.2:1b" and chat.created is not None
    assert [m.role for m in chat.messages] == [MessageRole.USER, MessageRole.ASSISTANT, MessageRole.ASSISTANT]
    assert chat.messages[0].content == "What is a token?"
    assert chat.messages[1].model == "llama3.2:1b" and chat.messages[1].status is MessageStatus.COMPLETE
    assert chat.messages[2].status is MessageStatus.INTERRUPTED  # it was still streaming


async def test_export_refuses_to_replace_a_file_unless_forced(database: Database, built: Built,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "class.yaml"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(Invalid, match="already exists; use --force"):
        await export(database, target)
    assert target.read_text(encoding="utf-8") == "keep me"
    await export(database, target, force=True)
    assert target.read_text(encoding="utf-8").startswith("# A workshop written by")
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["class.documents", "class.yaml"]  # nothing temporary


async def test_snapshot_is_plain_comparable_data_without_secrets(database: Database, built: Built) -> None:
    first = await snapshot_workshop(database, include_chats=True)
    assert first == await snapshot_workshop(database, include_chats=True)
    assert "$argon2" not in repr(first)
    assert first["users"]["leo"]["guardian"] == "maria"
    assert first["tools"]["handbook_search"]["config"] == {"vector_db": "Handbook"}
    assert first["vector_dbs"]["Handbook"]["documents"] == ["Cheat sheet", f"House {chr(27)}]52;c;SGVsbG8gd29ybGQ="
                                                            f"{chr(7)}rules"]
    assert first["rag_systems"]["Ask the handbook"]["prompt"] == "RAG answer"
    assert [m["role"] for m in first["conversations"]["sam"][0]["messages"]] == ["user", "assistant", "assistant"]
