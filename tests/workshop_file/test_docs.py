"""docs/WORKSHOP_FILE.md names every key the loader accepts and shows the sample as it is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workshop_tui.services.workshop_file import content, csv_source, documents, knowledge, loader, users

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "WORKSHOP_FILE.md").read_text(encoding="utf-8")

KEY_SETS = {
    "top level": loader.TOP_KEYS, "workshop": loader.WORKSHOP_KEYS, "models": users.MODEL_KEYS,
    "users": users.USER_KEYS, "quota": users.QUOTA_KEYS, "prompts": content.PROMPT_KEYS,
    "variables": content.VARIABLE_KEYS, "tools": content.TOOL_KEYS, "documents": documents.DOCUMENT_KEYS,
    "vector_dbs": knowledge.VECTOR_DB_KEYS, "rag_systems": knowledge.RAG_KEYS,
    "csv": csv_source.CSV_COLUMNS + csv_source.EXTRA_COLUMNS,
}


@pytest.mark.parametrize("section", KEY_SETS)
def test_every_accepted_key_is_documented(section: str) -> None:
    missing = [key for key in KEY_SETS[section] if f"`{key}`" not in DOC]
    assert missing == []


def test_the_complete_example_is_the_sample_file() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC, re.DOTALL)
    assert blocks[-1] == (ROOT / "sample_data" / "workshop.yaml").read_text(encoding="utf-8")
