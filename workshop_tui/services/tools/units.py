"""Unit conversion for the unit-conversion tool: a fixed table, nothing parsed but unit names."""

from __future__ import annotations

from workshop_tui.domain.errors import Invalid

# Each dimension maps unit names (and aliases) to the factor that turns one unit into the base unit.
_FACTORS: dict[str, dict[str, float]] = {
    "length": {"m": 1, "meter": 1, "metre": 1, "km": 1000, "cm": 0.01, "mm": 0.001, "mi": 1609.344,
               "mile": 1609.344, "yd": 0.9144, "yard": 0.9144, "ft": 0.3048, "foot": 0.3048, "feet": 0.3048,
               "in": 0.0254, "inch": 0.0254, "nmi": 1852},
    "mass": {"kg": 1, "g": 0.001, "mg": 1e-6, "t": 1000, "tonne": 1000, "lb": 0.45359237, "pound": 0.45359237,
             "oz": 0.028349523125, "ounce": 0.028349523125},
    "volume": {"l": 1, "liter": 1, "litre": 1, "ml": 0.001, "m3": 1000, "gal": 3.785411784,
               "gallon": 3.785411784, "qt": 0.946352946, "pt": 0.473176473, "cup": 0.2365882365,
               "floz": 0.0295735295625},
    "time": {"s": 1, "sec": 1, "second": 1, "ms": 0.001, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
             "day": 86400, "week": 604800},
    "data": {"b": 1, "byte": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 1024, "mib": 1024**2,
             "gib": 1024**3, "tib": 1024**4},
    "speed": {"m/s": 1, "km/h": 1 / 3.6, "kph": 1 / 3.6, "mph": 0.44704, "knot": 0.514444},
}
_TEMPERATURES = {"c", "celsius", "f", "fahrenheit", "k", "kelvin"}


def _normalise(unit: str) -> str:
    unit = unit.strip().lower().replace("°", "")
    return unit[:-1] if len(unit) > 3 and unit.endswith("s") and unit[:-1] in _all_units() else unit


def _all_units() -> set[str]:
    return {u for table in _FACTORS.values() for u in table} | _TEMPERATURES


def _to_kelvin(value: float, unit: str) -> float:
    if unit in ("c", "celsius"):
        return value + 273.15
    if unit in ("f", "fahrenheit"):
        return (value - 32) * 5 / 9 + 273.15
    return value


def _from_kelvin(value: float, unit: str) -> float:
    if unit in ("c", "celsius"):
        return value - 273.15
    if unit in ("f", "fahrenheit"):
        return (value - 273.15) * 9 / 5 + 32
    return value


def convert(value: float, from_unit: str, to_unit: str) -> float:
    source, target = _normalise(from_unit), _normalise(to_unit)
    if source in _TEMPERATURES and target in _TEMPERATURES:
        return round(_from_kelvin(_to_kelvin(value, source), target), 10)
    for table in _FACTORS.values():
        if source in table and target in table:
            return round(value * table[source] / table[target], 10)
    known = _all_units()
    for name, unit in (("from_unit", source), ("to_unit", target)):
        if unit not in known:
            raise Invalid(f"unknown unit {unit!r}", field=name)
    raise Invalid(f"cannot convert {from_unit} to {to_unit}: they measure different things", field="to_unit")


def known_units() -> list[str]:
    return sorted(_all_units())
