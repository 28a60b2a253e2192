"""Every file of the bad-input corpus is refused with exactly the problems its manifest lists.

One parametrized test per case: it loads a fresh copy of the corpus and compares every problem's
line, column, field path and message. The applying half adds its own "database and vector store
unchanged" check over the same cases (see corpus.prepare and corpus.loader_for).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop_tui.services.workshop_file import WorkshopFileErrors

from .corpus import CORPUS, Case, load_cases, loader_for, prepare

CASES = load_cases()


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``folder`` with its size and modification time, to prove nothing was written."""
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_is_refused_with_every_expected_problem(case: Case, tmp_path: Path) -> None:
    path = prepare(case, tmp_path)
    before = _tree(tmp_path)
    with pytest.raises(WorkshopFileErrors) as caught:
        loader_for(case)(path)
    got = [(p.line, p.column, p.field_path, p.message) for p in caught.value.problems]
    expected = [(e.line, e.column, e.path, e.message) for e in case.problems]
    assert [g[:3] for g in got] == [e[:3] for e in expected], "\n".join(map(str, caught.value.problems))
    for (_, _, _, message), (_, _, _, fragment) in zip(got, expected, strict=True):
        assert fragment in message
    assert all(p.file == str(path) for p in caught.value.problems)
    assert str(caught.value).splitlines() == [str(p) for p in caught.value.problems]
    assert _tree(tmp_path) == before  # loading never writes


def test_manifest_lists_every_committed_file_and_the_corpus_is_large_enough() -> None:
    committed = {p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "expected.yaml"}
    listed = {c.file for c in CASES}
    generated = {c.file for c in CASES if c.generate or c.write is not None}
    assert committed - listed == set(), "files in the corpus without an expected result"
    assert listed - generated == committed, "cases whose file is neither committed nor generated"
    assert len(committed) >= 30
    assert sum(name.endswith(".csv") for name in committed) >= 5
    assert len(listed) == len(CASES), "a file is listed twice"


def test_every_case_expects_at_least_one_problem() -> None:
    assert all(case.problems for case in CASES)
