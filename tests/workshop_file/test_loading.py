"""Loading rules beyond the corpus: message format, defaults, the catalogue, CSV details, limits."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from workshop_tui.config.loader import load_settings
from workshop_tui.domain.enums import AccountStatus, Role, Visibility
from workshop_tui.domain.errors import Invalid
from workshop_tui.services.workshop_file import (
    CatalogueUser,
    CatalogueView,
    FileLimits,
    PasswordSource,
    Problem,
    WorkshopFileErrors,
    load_users_csv,
    load_workshop_file,
)

HEAD = "version: 1\nworkshop:\n  name: Test class\n"


def write(tmp_path: Path, body: str, name: str = "workshop.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def problems_of(path: Path, **kwargs: object) -> list[Problem]:
    loader = load_users_csv if path.suffix == ".csv" else load_workshop_file
    with pytest.raises(WorkshopFileErrors) as caught:
        loader(path, **kwargs)  # type: ignore[arg-type]
    return list(caught.value.problems)


def test_message_format_is_file_line_column_path_message(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "users:\n" + "".join(f"  - username: user{i}\n" for i in range(3))
                 + "  - username: dave\n    role: teacher\n")
    with pytest.raises(WorkshopFileErrors) as caught:
        load_workshop_file(path)
    assert isinstance(caught.value, Invalid)
    assert str(caught.value) == (f"{path}:9:11: users[3].role: 'teacher' is not a role; expected one of super_admin, "
                                 "admin, instructor, student, family, guest")


def test_five_errors_in_five_places_are_all_reported_at_once(tmp_path: Path) -> None:
    body = HEAD + (
        "users:\n"
        "  - username: x\n"                      # line 5: too short
        "    role: student\n"
        "  - username: bob\n"
        "    status: approved\n"                 # line 8: not an import status
        "prompts:\n"
        "  - title: Hi\n"
        "    template: Hi {{who}}\n"             # line 11: undeclared
        "tools:\n"
        "  - name: calc\n"
        "    kind: abacus\n"                     # line 14: unknown kind
        "documents:\n"
        "  - title: Notes\n"
        "    path: ../notes.md\n"               # line 17: outside the folder
    )
    found = [(p.line, p.column, p.field_path) for p in problems_of(write(tmp_path, body))]
    assert found == [(5, 15, "users[0].username"), (8, 13, "users[1].status"), (11, 15, "prompts[0].template"),
                     (14, 11, "tools[0].kind"), (17, 11, "documents[0].path")]


def test_a_missing_value_points_at_its_key(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, HEAD + "users:\n  - username:\n    role: student\n"))
    assert (problem.line, problem.column, problem.field_path, problem.message) == (5, 5, "users[0].username",
                                                                                    "needs a value")


def test_defaults_and_cleaning(tmp_path: Path) -> None:
    body = HEAD + (
        "models:\n  - name: all-minilm\n  - name: llama3.2:1b\n"
        "users:\n"
        "  - {username: Ada, role: instructor}\n"
        "  - {username: sam, models: []}\n"
        "documents:\n"
        "  - {title: '  Shared   notes ', owner: ada, text: 'Hello'}\n"
        "  - {title: Sam notes, owner: sam, text: 'Mine'}\n"
        "vector_dbs:\n"
        "  - {name: Notes, embedding_model: all-minilm, owner: ada, documents: [Shared notes]}\n"
        "rag_systems:\n"
        "  - {name: Ask, chat_model: llama3.2:1b, vector_db: Notes}\n"
    )
    plan = load_workshop_file(write(tmp_path, body))
    ada, sam = plan.users
    assert (ada.username, ada.display_name, ada.status, ada.models, ada.quota) == ("ada", "ada", AccountStatus.ACTIVE,
                                                                                  None, None)
    assert sam.role is Role.STUDENT and sam.models == () and sam.tools is None
    assert sam.password.source is PasswordSource.GENERATED and sam.password.secret is None
    assert [m.name for m in plan.models] == ["all-minilm:latest", "llama3.2:1b"] and plan.models[0].pull
    shared, mine = plan.documents
    assert shared.title == "Shared notes" and shared.visibility is Visibility.CLASS
    assert mine.visibility is Visibility.PRIVATE  # a student's default
    [rag] = plan.rag_systems
    assert (rag.prompt_template, rag.prompt, rag.top_k, rag.owner, rag.visibility) == (None, None, 4, None,
                                                                                        Visibility.CLASS)
    assert plan.embedding_jobs[0].vector_db == "Notes" and plan.embedding_jobs[0].document == "Shared notes"
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.users[0].role = Role.ADMIN  # type: ignore[misc]


def test_passwords_are_secret_and_never_echoed(tmp_path: Path) -> None:
    body = HEAD + ("users:\n  - {username: ada, password: literal-password-1}\n"
                   "  - {username: bob, password_env: BOB_PW}\n  - {username: cid, password_env: CID_PW}\n")
    path = write(tmp_path, body)
    [problem] = problems_of(path, environ={"BOB_PW": "from-the-environment", "CID_PW": "tiny"})
    assert problem.field_path == "users[2].password_env" and "tiny" not in problem.message
    plan = load_workshop_file(path, environ={"BOB_PW": "from-the-environment", "CID_PW": "long-enough-now"})
    ada, bob, _ = plan.users
    assert ada.password.source is PasswordSource.LITERAL and ada.password.secret is not None
    assert ada.password.secret.get_secret_value() == "literal-password-1"
    assert "literal-password-1" not in repr(plan)
    assert bob.password.env_var == "BOB_PW" and bob.password.secret.get_secret_value() == "from-the-environment"
    assert problems_of(path, environ={"BOB_PW": "x" * 20, "CID_PW": "y" * 20},
                       limits=FileLimits(password_min=8, password_max=16))[0].message.endswith("at most 16")


def test_limits_follow_the_settings(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, env={"WORKSHOP_AUTH__PASSWORD_MIN_LENGTH": "12"}, dotenv_path=None)
    limits = FileLimits.from_settings(settings)
    assert limits.password_min == 12 and limits.documents.max_bytes == settings.documents.max_file_bytes


def test_the_catalogue_resolves_what_the_file_does_not_describe(tmp_path: Path) -> None:
    body = HEAD + ("users:\n  - {username: leo, role: family, guardian: maria, models: [phi3], tools: [calculator]}\n"
                   "rag_systems:\n  - {name: Ask, chat_model: all-minilm, vector_db: Handbook}\n")
    path = write(tmp_path, body)
    assert len(problems_of(path)) == 5  # guardian, model, tool, chat model, vector DB: nothing is known
    catalogue = CatalogueView(models=frozenset({"phi3:latest", "all-minilm:latest"}),
                              embedding_models=frozenset({"all-minilm:latest"}),
                              users={"maria": CatalogueUser(Role.STUDENT, AccountStatus.ACTIVE)},
                              tools=frozenset({"calculator"}), vector_dbs=frozenset({"Handbook"}))
    [problem] = problems_of(path, catalogue=catalogue)
    assert problem.field_path == "rag_systems[0].chat_model" and "is an embedding model" in problem.message
    catalogue = dataclasses.replace(catalogue, embedding_models=frozenset())
    assert load_workshop_file(path, catalogue=catalogue).users[0].guardian == "maria"


def test_a_user_with_a_broken_field_does_not_cause_follow_on_errors(tmp_path: Path) -> None:
    body = HEAD + ("users:\n  - {username: ada, role: teacher}\n"
                   "prompts:\n  - {title: Hi, template: Hi, owner: ada, visibility: class}\n")
    assert [p.field_path for p in problems_of(write(tmp_path, body))] == ["users[0].role"]


def test_yaml_features_that_would_hide_mistakes_are_refused(tmp_path: Path) -> None:
    body = HEAD + "base: &base {role: student}\nusers:\n  - <<: *base\n    username: ada\n  - {1: x, username: bob}\n"
    found = [(p.line, p.field_path, p.message) for p in problems_of(write(tmp_path, body))]
    assert found[0] == (4, "base", "unknown key 'base' in the workshop file")
    assert (6, "users[0]", "merge keys ('<<') are not supported; write the values out") in found
    assert (8, "users[1]", "the key '1' is not text; put it in quotes") in found


def test_the_problem_list_is_capped_and_says_how_many_were_left_out(tmp_path: Path) -> None:
    body = HEAD + "users:\n" + "".join(f"  - {{username: u{i:03d}, role: teacher}}\n" for i in range(30))
    with pytest.raises(WorkshopFileErrors) as caught:
        load_workshop_file(write(tmp_path, body), limits=FileLimits(max_problems=10))
    assert len(caught.value.problems) == 10 and caught.value.omitted == 20
    assert str(caught.value).splitlines()[-1].startswith("... and 20 more problem(s)")


def test_inline_document_text_keeps_escapes_for_the_extractor_but_titles_refuse_them(tmp_path: Path) -> None:
    body = HEAD + 'documents:\n  - {title: Log, text: "red \\e[31mtext\\e[0m"}\n'
    [document] = load_workshop_file(write(tmp_path, body)).documents
    assert document.text == "red \x1b[31mtext\x1b[0m" and document.content_type == "text/markdown"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_linked_folder_on_the_way_to_a_document_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.md").write_text("# A\n", encoding="utf-8")
    os.symlink("real", tmp_path / "docs")
    [problem] = problems_of(write(tmp_path, HEAD + "documents:\n  - {title: A, path: docs/a.md}\n"))
    assert "'docs' is a symbolic link" in problem.message


def test_csv_with_bom_crlf_quotes_and_columns_in_any_order(tmp_path: Path) -> None:
    text = ("\ufeffrole,username,password,display_name,email,status,guardian\r\n"
            'student,Maria,,"Costa, Maria",maria@example.org,,\r\n'
            "family,leo,a-long-password-1,Leo,,,maria\r\n"
            ",,,,,,\r\n"
            "guest,visitor,,,,pending,\r\n")
    path = tmp_path / "class.csv"
    path.write_bytes(text.encode("utf-8"))
    plan = load_users_csv(path)
    maria, leo, visitor = plan.users
    assert (maria.username, maria.display_name, maria.password.source) == ("maria", "Costa, Maria",
                                                                          PasswordSource.GENERATED)
    assert leo.guardian == "maria" and leo.password.source is PasswordSource.LITERAL
    assert visitor.status is AccountStatus.PENDING and visitor.role is Role.GUEST
    assert plan.workshop is None and plan.counts()["users"] == 3 and plan.models == ()


def test_csv_guardian_can_be_an_existing_account(tmp_path: Path) -> None:
    path = write(tmp_path, "username,role,guardian\nleo,family,maria\n", "class.csv")
    [problem] = problems_of(path)
    assert (problem.line, problem.column, problem.field_path) == (2, 12, "users[0].guardian")
    catalogue = CatalogueView(users={"maria": CatalogueUser(Role.INSTRUCTOR, AccountStatus.ACTIVE)})
    assert load_users_csv(path, catalogue=catalogue).users[0].guardian == "maria"


def test_a_missing_or_non_regular_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "nope.yaml")
    assert (problem.line, problem.column, problem.message) == (1, 1, "the file does not exist")
    (tmp_path / "dir.yaml").mkdir()
    assert problems_of(tmp_path / "dir.yaml")[0].message == "is not a regular file"


def test_the_error_text_is_safe_to_print_on_a_terminal(tmp_path: Path) -> None:
    body = ('version: 1\nworkshop:\n  name: "x\\e]52;c;aGk=\\a"\n"k\\e[2J": 1\n'
            'users:\n  - {username: "a\\x9b31m", role: "r\\e[31m"}\n')
    with pytest.raises(WorkshopFileErrors) as caught:
        load_workshop_file(write(tmp_path, body))
    text = str(caught.value)
    assert len(caught.value.problems) == 4
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in text)
