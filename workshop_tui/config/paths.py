"""Where things live on disk. Nothing here touches the file system at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_DIR_NAME = "workshop-tui"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = PACKAGE_DIR.parent


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The per-user data directory: $XDG_DATA_HOME/workshop-tui, else ~/.local/share/workshop-tui."""
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR_NAME


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by its owner only; return it resolved."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path.resolve()


def _bundled_folder(name: str) -> Path:
    """A data folder shipped with the project.

    From a source checkout it is the top-level folder of the repository; from an installed wheel it
    is the folder `workshop_tui/<name>` (pyproject maps the folder into the package).
    """
    in_checkout = REPO_ROOT / name
    if in_checkout.is_dir() and (REPO_ROOT / "pyproject.toml").is_file():
        return in_checkout
    return PACKAGE_DIR / name


def themes_dir() -> Path:
    return _bundled_folder("themes")


def sample_data_dir() -> Path:
    return _bundled_folder("sample_data")
