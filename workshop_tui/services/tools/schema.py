"""A small validator for the JSON-schema subset that tool arguments use.

Tool schemas are ours (each vetted kind ships its own), so the subset is fixed and small:
object/string/number/integer/boolean/array, `properties`, `required`, `additionalProperties`,
`enum`, `minimum`/`maximum`, `maxLength`, `maxItems`, `maxProperties`. Model-produced arguments are hostile input:
every error names the argument and what was wrong.
"""

from __future__ import annotations

from typing import Any

from workshop_tui.domain.errors import Invalid

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def validate(value: Any, schema: dict[str, Any], path: str = "arguments") -> None:
    """Raise Invalid naming the first offending argument."""
    expected = schema.get("type")
    if expected:
        kinds = _TYPES[expected]
        if isinstance(value, bool) and expected in ("number", "integer"):
            raise Invalid(f"expected a {expected}, got a boolean", field=path)
        if not isinstance(value, kinds):
            raise Invalid(f"expected a {expected}, got {type(value).__name__}", field=path)
    if "enum" in schema and value not in schema["enum"]:
        raise Invalid(f"{value!r} is not one of {', '.join(map(repr, schema['enum']))}", field=path)
    if isinstance(value, str) and len(value) > schema.get("maxLength", 10_000):
        raise Invalid(f"longer than {schema.get('maxLength', 10_000)} characters", field=path)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise Invalid(f"must be at least {schema['minimum']}", field=path)
        if "maximum" in schema and value > schema["maximum"]:
            raise Invalid(f"must be at most {schema['maximum']}", field=path)
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", 100):
            raise Invalid(f"more than {schema.get('maxItems', 100)} items", field=path)
        for index, item in enumerate(value):
            validate(item, schema.get("items", {}), f"{path}[{index}]")
    if isinstance(value, dict):
        if len(value) > schema.get("maxProperties", 10_000):
            raise Invalid(f"more than {schema.get('maxProperties', 10_000)} entries", field=path)
        properties: dict[str, Any] = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                raise Invalid("is required", field=f"{path}.{name}")
        for name, item in value.items():
            if name not in properties:
                if schema.get("additionalProperties", False) is False:
                    raise Invalid("is not an argument of this tool", field=f"{path}.{name}")
                continue
            validate(item, properties[name], f"{path}.{name}")
