"""The bad-input corpus: its manifest, and a fresh copy of it for each case.

``tests/data/bad_imports/expected.yaml`` lists every case: the file, what the database holds for it
(``catalogue``), the environment it sees (``environ``), files the test must create at run time
(``setup``, ``generate``, ``write``) and the exact problems expected. Files that cannot or should not
be committed are made here: a symbolic link (a committed one may not survive a checkout), a sparse
file over the document size limit, a YAML file over the 2 MB limit, raw control bytes.

Each case runs on its own copy of the corpus, so a case that needs a link or a big file never
leaks into another. The import tests of the applying half reuse ``prepare`` and ``loader_for`` and
add their own before/after check of the database and the vector store.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.ollama.types import normalize_model_name
from workshop_tui.services.workshop_file import (
    CatalogueUser,
    CatalogueView,
    WorkshopPlan,
    load_users_csv,
    load_workshop_file,
)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad_imports"
MANIFEST = CORPUS / "expected.yaml"


@dataclass(frozen=True)
class Expected:
    line: int
    column: int
    path: str
    message: str


@dataclass(frozen=True)
class Case:
    file: str
    problems: tuple[Expected, ...]
    catalogue: CatalogueView | None = None
    environ: dict[str, str] = field(default_factory=dict)
    setup: dict[str, Any] = field(default_factory=dict)
    generate: str | None = None
    write: str | None = None
    encoding: str = "utf-8"

    @property
    def id(self) -> str:
        return self.file


def _catalogue(spec: dict[str, Any] | None) -> CatalogueView | None:
    if spec is None:
        return None
    users = {name: CatalogueUser(Role(u["role"]), AccountStatus(u["status"])) for name, u in
             (spec.get("users") or {}).items()}
    return CatalogueView(models=frozenset(normalize_model_name(m) for m in spec.get("models") or ()), users=users)


def load_cases() -> list[Case]:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return [
        Case(file=c["file"], problems=tuple(Expected(*p) for p in c["problems"]),
             catalogue=_catalogue(c.get("catalogue")), environ=c.get("environ") or {}, setup=c.get("setup") or {},
             generate=c.get("generate"), write=c.get("write"), encoding=c.get("encoding", "utf-8"))
        for c in manifest["cases"]
    ]


def _huge(path: Path) -> None:
    """A valid YAML file just over 2 MB: the size alone must refuse it, before it is parsed."""
    line = "# " + "padding " * 12 + "\n"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("version: 1\nworkshop:\n  name: Huge\n")
        handle.write(line * (2 * 1024 * 1024 // len(line) + 10))


def _many_users(path: Path) -> None:
    """2,001 users: one more than a file may hold."""
    rows = "".join(f"  - username: user{i:04d}\n" for i in range(2001))
    path.write_text(f"version: 1\nworkshop:\n  name: Too big a class\nusers:\n{rows}", encoding="utf-8")


GENERATORS: dict[str, Callable[[Path], None]] = {"huge": _huge, "many_users": _many_users}


def prepare(case: Case, tmp_path: Path) -> Path:
    """Copy the corpus into ``tmp_path``, create the case's run-time files, return the file to load."""
    folder = tmp_path / "bad_imports"
    shutil.copytree(CORPUS, folder, symlinks=True)
    for link, target in (case.setup.get("symlink") or {}).items():
        (folder / link).unlink(missing_ok=True)
        os.symlink(target, folder / link)
    for name, size in (case.setup.get("sparse") or {}).items():
        with (folder / name).open("wb") as handle:
            handle.truncate(size)
    path = folder / case.file
    if case.generate:
        GENERATORS[case.generate](path)
    elif case.write is not None:
        path.write_bytes(case.write.encode(case.encoding))
    return path


def loader_for(case: Case) -> Callable[[Path], WorkshopPlan]:
    """How the import would read this case's file: as a users CSV or as a workshop file."""
    load = load_users_csv if case.file.endswith(".csv") else load_workshop_file
    return lambda path: load(path, catalogue=case.catalogue, environ=case.environ)
