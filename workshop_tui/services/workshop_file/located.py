"""Loading a workshop file or users CSV for an import, keeping the map from field paths to places.

The loader checks the file itself. The import then finds problems the file alone cannot show (a
PDF without text, the last super_admin demoted), and those must be reported exactly like the
loader's: ``FILE:LINE:COLUMN: users[3].role: ...``. So the loader is handed the collector that is
returned: after a successful load it holds no problems and locates any field path of the file,
from the one parse the load made.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from workshop_tui.services.workshop_file.csv_source import load_users_csv
from workshop_tui.services.workshop_file.limits import FileLimits
from workshop_tui.services.workshop_file.loader import load_workshop_file, shown_name
from workshop_tui.services.workshop_file.plan import CatalogueView, WorkshopPlan
from workshop_tui.services.workshop_file.problems import Location, Problems

YAML_SUFFIXES: Final = (".yaml", ".yml")
CSV_SUFFIXES: Final = (".csv",)


def load_located(path: Path, *, catalogue: CatalogueView | None, limits: FileLimits,
                 environ: Mapping[str, str] | None) -> tuple[WorkshopPlan, Problems]:
    """The plan (or WorkshopFileErrors with every problem), and an empty collector that locates paths."""
    path = Path(path)
    problems = Problems(shown_name(path), limit=limits.max_problems)
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES + CSV_SUFFIXES:
        problems.add_at(Location(1, 1), "", f"expected a workshop file (.yaml or .yml) or a users CSV (.csv), not "
                                            f"{suffix or 'a file without an extension'!r}")
        raise problems.error()
    load = load_users_csv if suffix in CSV_SUFFIXES else load_workshop_file
    plan = load(path, catalogue=catalogue, limits=limits, environ=environ, problems=problems)
    return plan, problems
