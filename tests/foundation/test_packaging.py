"""The wheel carries everything a non-editable install needs: code, migrations, themes, samples."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    return next(out.glob("workshop_tui-*.whl"))


def _expected_files(folder: str, package: str) -> set[str]:
    root = REPO / folder
    return {f"workshop_tui/{package}/{p.relative_to(root).as_posix()}" for p in root.rglob("*") if p.is_file()}


def test_wheel_ships_themes_sample_data_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    themes = _expected_files("themes", "themes")
    samples = _expected_files("sample_data", "sample_data")
    assert themes and samples
    assert themes <= names, sorted(themes - names)
    assert samples <= names, sorted(samples - names)
    migrations = {n for n in names if n.startswith("workshop_tui/storage/migrations/")}
    assert "workshop_tui/storage/migrations/env.py" in migrations
    assert "workshop_tui/storage/migrations/script.py.mako" in migrations
    assert any(n.endswith("0001_initial_schema.py") for n in migrations)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "workshop-tui = workshop_tui.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_layout_finds_its_data_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "from workshop_tui.config.paths import themes_dir, sample_data_dir\n"
        "from workshop_tui.storage.migrate import head_revision\n"
        "print(themes_dir()); print(sample_data_dir()); print(head_revision())\n"
    )
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120, check=True)
    themes, samples, head = result.stdout.split()
    assert Path(themes).is_relative_to(site) and any(Path(themes).glob("*.yaml"))
    assert Path(samples).is_relative_to(site) and any(Path(samples).iterdir())
    assert head
