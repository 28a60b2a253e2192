"""The layering rules of docs/ARCHITECTURE.md, checked on the code itself."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import workshop_tui

PACKAGE_DIR = Path(workshop_tui.__file__).parent
UI_LAYERS = {"ui", "ssh"}
# What each layer may import from the project (besides itself and config, which every layer but
# domain may use). cli and commands sit on top and may use everything.
ALLOWED = {
    "domain": set(),
    "storage": {"domain"},
    "ollama": {"domain"},
    "vectors": {"domain"},
    "testing": {"domain", "ollama"},
    "services": {"domain", "storage", "ollama", "vectors"},
    "ui": {"domain", "services"},
    "ssh": {"domain", "services", "ui"},
}


def _headless_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="workshop_tui."):
        layer = info.name.split(".")[1]
        if layer not in UI_LAYERS and not info.name.endswith("__main__") and ".migrations." not in info.name:
            names.append(info.name)
    return names


def test_importing_every_package_below_ui_loads_neither_textual_nor_rich() -> None:
    modules = _headless_modules()
    assert "workshop_tui.services" in modules and "workshop_tui.storage.database" in modules
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def _project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_layers_import_only_downwards() -> None:
    violations = []
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = path.relative_to(PACKAGE_DIR).parts
        layer = parts[0] if len(parts) > 1 else None
        if layer not in ALLOWED:
            continue
        for name in _project_imports(path):
            top = name.split(".")[0]
            if top in {"textual", "rich"} and layer not in UI_LAYERS:
                violations.append(f"{path.relative_to(PACKAGE_DIR)} imports {name}")
            if top != "workshop_tui" or name.count(".") == 0:
                continue
            target = name.split(".")[1]
            allowed = ALLOWED[layer] | {layer} | ({"config"} if layer != "domain" else set())
            if target not in allowed:
                violations.append(f"{path.relative_to(PACKAGE_DIR)} ({layer}) imports {name}")
    assert violations == []


def test_screens_never_touch_sqlalchemy_httpx_or_qdrant() -> None:
    forbidden = {"sqlalchemy", "httpx", "qdrant_client"}
    offenders = [
        f"{path.relative_to(PACKAGE_DIR)} imports {name}"
        for path in (PACKAGE_DIR / "ui").rglob("*.py")
        for name in _project_imports(path)
        if name.split(".")[0] in forbidden
    ]
    assert offenders == []
