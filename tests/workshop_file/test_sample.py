"""The sample workshop loads without a single problem and holds what its README says it holds."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from workshop_tui.domain.enums import AccountStatus, Role, ToolKind, Visibility
from workshop_tui.services.extraction import extract_bytes
from workshop_tui.services.workshop_file import (
    DocumentSource,
    PasswordSource,
    WorkshopPlan,
    load_workshop_file,
)

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
ENVIRON: dict[str, str] = {}


@pytest.fixture(scope="module")
def plan() -> WorkshopPlan:
    return load_workshop_file(SAMPLE / "workshop.yaml", environ=ENVIRON)


def _documented_counts() -> dict[str, int]:
    """The "kind | count" rows of the table in sample_data/README.md."""
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    return {kind: int(count) for kind, count in re.findall(r"^\| (\w+) \| (\d+) \|", text, re.MULTILINE)}


def test_counts_are_as_documented(plan: WorkshopPlan) -> None:
    documented = _documented_counts()
    assert set(documented) == set(plan.counts())
    assert plan.counts() == documented


def test_the_class_has_every_kind_of_member(plan: WorkshopPlan) -> None:
    roles = Counter(u.role for u in plan.users)
    assert roles[Role.INSTRUCTOR] == 1 and roles[Role.GUEST] == 1 and roles[Role.FAMILY] == 1
    assert 3 <= roles[Role.STUDENT] - 1 <= 4  # students, not counting the pending one
    assert [u.username for u in plan.users if u.status is AccountStatus.PENDING] == ["jordan"]
    family = next(u for u in plan.users if u.role is Role.FAMILY)
    guardian = next(u for u in plan.users if u.username == family.guardian)
    assert guardian.role is not Role.FAMILY and guardian.status is AccountStatus.ACTIVE


def test_no_literal_password_in_the_sample(plan: WorkshopPlan) -> None:
    sources = {u.username: u.password.source for u in plan.users}
    assert PasswordSource.LITERAL not in sources.values()
    assert PasswordSource.ENV not in sources.values()  # the first command must work with nothing set
    assert set(plan.generated_passwords) == {u.username for u in plan.users}


def test_models_tools_and_knowledge(plan: WorkshopPlan) -> None:
    assert [m.name for m in plan.models] == ["llama3.2:1b", "qwen2.5:0.5b", "all-minilm:latest",
                                             "nomic-embed-text:latest"]
    assert {t.kind for t in plan.tools} == {ToolKind.CALCULATOR, ToolKind.UNIT_CONVERSION, ToolKind.LOOKUP_TABLE,
                                            ToolKind.VECTOR_SEARCH}
    search = next(t for t in plan.tools if t.kind is ToolKind.VECTOR_SEARCH)
    assert search.vector_db == "Ollama handbook (MiniLM)" and dict(search.config) == {}
    assert {v.embedding_model for v in plan.vector_dbs} == {"all-minilm:latest", "nomic-embed-text:latest"}
    assert any(p.variables for p in plan.prompts)
    tutor = next(r for r in plan.rag_systems if r.prompt is not None)
    assert tutor.prompt_template is None and tutor.score_threshold == 0.3
    assert next(p for p in plan.prompts if p.title == "My study notes").visibility is Visibility.PRIVATE


def test_documents_are_short_real_files_of_three_formats(plan: WorkshopPlan) -> None:
    files = [d for d in plan.documents if d.source is DocumentSource.PATH]
    assert 5 <= len(files) <= 10
    assert {d.content_type for d in files} == {"text/markdown", "application/pdf", "text/html"}
    for document in files:
        assert document.path is not None and document.path.is_relative_to(SAMPLE / "docs")
        extracted = extract_bytes(document.path.read_bytes(), document.path.name)
        assert len(extracted.text) > 300, document.title
        assert document.size_bytes < 20_000
    pdf = next(d for d in files if d.content_type == "application/pdf")
    assert pdf.path is not None
    text = extract_bytes(pdf.path.read_bytes(), pdf.path.name).text
    assert "ollama pull llama3.2:1b" in text and "nomic-embed-text" in text
