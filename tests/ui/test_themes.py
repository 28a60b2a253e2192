"""Themes: the shipped files load and check, a bad file costs one notification and the default
theme, and a user's choice follows them to their next session."""

from __future__ import annotations

from pathlib import Path

from workshop_tui.config.paths import themes_dir
from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop
from workshop_tui.ui.app import WorkshopApp
from workshop_tui.ui.themes import DEFAULT_THEME, load_themes

from .support import until, until_shown

PASSWORD = "correct horse battery"
REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_themes_load_without_problems() -> None:
    shipped = load_themes(themes_dir())
    assert shipped.problems == []
    names = set(shipped.names())
    assert {DEFAULT_THEME, "workshop-light", "workshop-high-contrast"} <= names and len(names) >= 4
    assert any(not theme.dark for theme in shipped.themes)


def test_no_hex_colours_in_any_tcss_file() -> None:
    import re

    offenders = [str(path.relative_to(REPO)) for path in (REPO / "workshop_tui").rglob("*.tcss")
                 if re.search(r"#[0-9a-fA-F]{3,8}\b", re.sub(r"#[a-z][\w-]*", "", path.read_text()))]
    offenders += [str(path.relative_to(REPO)) for path in (REPO / "workshop_tui" / "ui").rglob("*.py")
                  if re.search(r"DEFAULT_CSS = \"\"\"[^\"]*#[0-9a-fA-F]{3,8}\b", path.read_text())]
    assert offenders == []


def test_a_bad_theme_file_names_every_problem(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("name: good\nprimary: '#112233'\n")
    (tmp_path / "bad.yaml").write_text("name: Bad Name\nprimary: not-a-colour\nsparkle: true\n")
    (tmp_path / "broken.yaml").write_text("name: [unclosed\n")
    found = load_themes(tmp_path)
    assert found.names() == ["good"]
    [bad, broken] = found.problems
    assert bad.startswith("bad.yaml:") and "unknown field 'sparkle'" in bad and "primary: not a colour" in bad
    assert "name: lower-case" in bad
    assert broken.startswith("broken.yaml:") and "not valid YAML" in broken


async def test_a_bad_theme_folder_gives_one_notification_and_the_default_theme(workshop: Workshop,
                                                                               tmp_path: Path) -> None:
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "workshop-dark.yaml").write_text((REPO / "themes" / "workshop-dark.yaml").read_text())
    (themes / "ugly.yaml").write_text("name: ugly\nprimary: '#12'\n")
    app = WorkshopApp(workshop, themes=load_themes(themes))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until_shown(pilot, "Some theme files were not loaded")
        await until_shown(pilot, "ugly.yaml: primary: not a colour")
        assert app.theme == DEFAULT_THEME
        assert len(app._notifications) == 1


async def test_a_chosen_theme_follows_the_user_to_the_next_session(workshop: Workshop) -> None:
    await workshop.accounts.add_user(OPERATOR, "sam", Role.STUDENT, AccountStatus.ACTIVE, "Sam", PASSWORD)
    first = WorkshopApp(workshop, signed_in=await workshop.accounts.login("sam", PASSWORD))
    async with first.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: first.current_mode == "chat", "the chat screen")
        first.theme = "workshop-light"
        await until(pilot, lambda: first.user is not None and first.user.theme == "workshop-light", "the save")
    second = WorkshopApp(workshop, signed_in=await workshop.accounts.login("sam", PASSWORD))
    async with second.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: second.current_mode == "chat", "the chat screen")
        assert second.theme == "workshop-light"
