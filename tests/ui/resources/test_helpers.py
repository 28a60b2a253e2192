"""The pieces behind the screens that hold no widgets: a pull's rate and time left, how its
progress messages merge, the sample values of a prompt's preview, and a table typed as text."""

from __future__ import annotations

import pytest

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.templates import TemplateVariable
from workshop_tui.ui.forms import route
from workshop_tui.ui.prompt_samples import preview
from workshop_tui.ui.widgets.pull_progress import PullPanel, PullTracker
from workshop_tui.ui.widgets.schema_form import parse_table, table_text


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_pull_tells_its_rate_and_time_left_from_the_last_seconds_of_every_layer() -> None:
    clock = Clock()
    tracker = PullTracker(clock, window_s=5.0)
    tracker.update("pulling manifest", None, None, 0)
    assert tracker.rate() is None and "left" not in tracker.summary()
    tracker.update("pulling aaa", "sha256:aaa", 1_000_000_000, 0)
    tracker.update("pulling bbb", "sha256:bbb", 1_000, 1_000)  # a small layer, done at once
    clock.now += 2
    tracker.update("pulling aaa", "sha256:aaa", 1_000_000_000, 200_000_000)
    assert tracker.rate() == pytest.approx(100_000_000, rel=1e-3)
    assert tracker.seconds_left() == pytest.approx(8.0, rel=0.01)
    assert tracker.summary() == "20% of 1.0 GB · 100 MB/s · 8 s left · pulling aaa"
    for _ in range(10):  # the window moves on: an older, faster start no longer counts
        clock.now += 1
        tracker.update("pulling aaa", "sha256:aaa", 1_000_000_000, tracker.layers["sha256:aaa"].completed + 10_000_000)
    assert tracker.rate() == pytest.approx(10_000_000, rel=0.25)


def test_progress_lines_of_one_layer_merge_and_others_do_not() -> None:
    first = PullPanel.Progressed("pulling aaa", "sha256:aaa", 10, 1)
    assert first.can_replace(PullPanel.Progressed("pulling aaa", "sha256:aaa", 10, 5))
    assert not first.can_replace(PullPanel.Progressed("pulling bbb", "sha256:bbb", 10, 5))
    assert not first.can_replace(PullPanel.Finished("pulled", ok=True))


def test_the_preview_fills_each_type_with_a_sample_and_keeps_values_literal() -> None:
    variables = [TemplateVariable("topic"), TemplateVariable("n", "number"), TemplateVariable("ok", "boolean"),
                 TemplateVariable("who", "choice", choices=("a child", "an adult")),
                 TemplateVariable("tone", default="{{topic}}")]
    text = preview("{{topic}} {{n}} {{ok}} {{who}} {{tone}} {{user_name}}", variables, "Ada")
    assert text == "<topic> 3 true a child {{topic}} Ada"
    with pytest.raises(Invalid, match="not declared"):
        preview("{{missing}}", variables, "Ada")


def test_a_table_typed_as_lines_reads_back_and_a_bad_line_names_the_field() -> None:
    entries = {"RAG": "retrieval = augmented", "token": "a piece of a word"}
    assert parse_table(table_text(entries) + "\n\n", "config.entries") == entries
    with pytest.raises(Invalid, match="line 2: write each entry as key = value") as caught:
        parse_table("a = 1\nno sign", "config.entries")
    assert caught.value.field == "config.entries"


def test_an_error_goes_beside_its_field_or_the_nearest_field_above_it() -> None:
    routes = {"config": "config-error", "config.entries": "entries-error", "name": "name-error"}
    assert route("config.entries", routes, "problem") == "entries-error"
    assert route("config.case_sensitive", routes, "problem") == "config-error"
    assert route("visibility", routes, "problem") == route(None, routes, "problem") == "problem"
