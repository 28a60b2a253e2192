"""Package list for setuptools: the code under workshop_tui/ plus the two top-level data folders.

Everything else lives in pyproject.toml. The data folders are mapped into the package there
(`[tool.setuptools.package-dir]`), and a package that is mapped must be named explicitly.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["workshop_tui*"]), "workshop_tui.themes", "workshop_tui.sample_data"])
