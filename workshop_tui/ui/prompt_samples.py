"""A prompt rendered with sample values, so its author sees what the class will send.

Rendering uses the project's own template renderer (`domain.templates`), the same one the prompts
service uses, so the preview and the real thing cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from workshop_tui.domain.errors import Invalid
from workshop_tui.domain.templates import TemplateVariable, Value, render
from workshop_tui.services.prompts import variables_of

if TYPE_CHECKING:
    from workshop_tui.domain.models import Prompt


def sample_value(variable: TemplateVariable) -> Value:
    """The default, else a value of the variable's type that shows where it goes."""
    if variable.default is not None:
        return variable.default
    if variable.type == "number":
        return 3
    if variable.type == "boolean":
        return True
    if variable.type == "choice":
        return variable.choices[0]
    return f"<{variable.name}>"


def preview(template: str, variables: Sequence[TemplateVariable], user_name: str) -> str:
    """The template filled with sample values; raises Invalid when the template cannot render."""
    values: Mapping[str, Value | None] = {v.name: sample_value(v) for v in variables}
    return render(template, variables, values, builtins={"user_name": user_name})


def preview_of(prompt: Prompt, user_name: str) -> str:
    """A saved prompt's preview, or why it cannot be shown."""
    try:
        return preview(prompt.template, variables_of(prompt), user_name)
    except Invalid as exc:
        return f"(cannot preview: {exc})"

