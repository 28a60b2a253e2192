"""The first screen: painted from one parse of the stylesheet, and restyled by a theme chosen later,
before or after a session in the places."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.css.stylesheet import Stylesheet
from textual.widget import Widget

from workshop_tui.domain.enums import AccountStatus, Role
from workshop_tui.services.access import OPERATOR
from workshop_tui.services.workshop import Workshop
from workshop_tui.ui.app import WorkshopApp
from workshop_tui.ui.screens.sign_in import SignInScreen
from workshop_tui.ui.themes import DEFAULT_THEME

from .support import until, until_shown

PASSWORD = "correct horse battery"
SIZE = (100, 30)


def card_colours(app: WorkshopApp) -> tuple[Color, Color]:
    """The sign-in card's background and the colour the theme's `$surface` stands for."""
    card = app.screen.query_one("#card", Widget)
    return card.styles.background, Color.parse(app.get_css_variables()["surface"])


async def test_the_sign_in_screen_is_painted_from_one_parse_of_the_stylesheet(
        workshop: Workshop, monkeypatch: pytest.MonkeyPatch) -> None:
    reparsed: list[str] = []
    original = Stylesheet.reparse

    def counting_reparse(self: Stylesheet) -> None:
        reparsed.append("reparse")
        original(self)

    monkeypatch.setattr(Stylesheet, "reparse", counting_reparse)
    app = WorkshopApp(workshop)
    async with app.run_test(size=SIZE) as pilot:
        await until_shown(pilot, "Sign in")
        assert isinstance(app.screen, SignInScreen)
        background, surface = card_colours(app)
        assert app.theme == DEFAULT_THEME and background == surface  # the theme's colours, from the start
        assert reparsed == []


async def test_a_theme_chosen_later_restyles_the_sign_in_screen(workshop: Workshop) -> None:
    app = WorkshopApp(workshop)
    async with app.run_test(size=SIZE) as pilot:
        await until_shown(pilot, "Sign in")
        dark_background, _ = card_colours(app)
        app.theme = "workshop-light"
        await pilot.pause()
        background, surface = card_colours(app)
        assert background == surface and background != dark_background


async def test_a_theme_chosen_in_the_places_restyles_the_sign_in_screen_after_sign_out(
        workshop: Workshop) -> None:
    await workshop.accounts.add_user(OPERATOR, "sam", Role.STUDENT, AccountStatus.ACTIVE, "Sam", PASSWORD)
    app = WorkshopApp(workshop)
    async with app.run_test(size=SIZE) as pilot:
        await until_shown(pilot, "Sign in")
        dark_background, _ = card_colours(app)
        await app.sign_in(await workshop.accounts.login("sam", PASSWORD))
        await until(pilot, lambda: app.current_mode == "chat", "the chat screen")
        app.theme = "workshop-light"
        await until(pilot, lambda: app.user is not None and app.user.theme == "workshop-light", "the save")
        await app.sign_out()
        await until(pilot, lambda: isinstance(app.screen, SignInScreen), "the sign-in screen")
        await pilot.pause()
        background, surface = card_colours(app)
        assert background == surface and background != dark_background
