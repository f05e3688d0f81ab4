"""The page's controls, generated from the option model: one JSON description per declared option.

The studio declares no option of its own. Each :class:`~falsecolor.recipe.Option`
becomes a description the page turns into a control (its kind, bounds or
choices, default, help text, unit, TOML table and command-line flag), so the
page offers exactly what ``falsecolor render`` and a recipe accept, and a value
the page sends is checked by building a :class:`~falsecolor.Recipe`, the same
check with the same message as on the command line.
"""

from __future__ import annotations

import math
from typing import Any

from ..recipe import (
    AXIS_INPUTS,
    OPTIONS,
    SECTION_CLASSES,
    BandInput,
    Corrections,
    Inputs,
    Option,
    Recipe,
    declared,
)

__all__ = ["PAGE_OPTIONS", "PREPARE_OPTIONS", "band_controls", "controls", "recipe_values", "value_for_page"]

#: Options whose change needs the bands read and corrected again (a new prepare).
PREPARE_OPTIONS = frozenset(o.name for o in (*declared(Inputs), *declared(Corrections)))
#: Options the page does not offer as controls: where a run writes is chosen in Save, and a
#: time series' strip has no place in a one-image studio.
_NOT_CONTROLS = frozenset({"files", "fits", "strip"})
#: Options that name files to read: shown, but set on the command line (the page may read only
#: the files named there; a palette file is chosen by the user in the page, as Save's outputs are).
_FILE_KINDS = frozenset({"FileName", "FileNames", "BandRef"})
#: The options offered as controls, by name.
PAGE_OPTIONS = {o.name: o for o in OPTIONS if o.name not in _NOT_CONTROLS}


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _describe(declaration: Option) -> dict[str, Any]:
    """One option as the page needs it to draw, explain and bound its control."""
    kind = declaration.kind
    kind_name = type(kind).__name__
    described: dict[str, Any] = {
        "name": declaration.name,
        "kind": kind_name,
        "section": declaration.section,
        "key": declaration.key,
        "flag": declaration.flag,
        "help": declaration.help_text(),
        "values": kind.describe,
        "unit": declaration.unit,
        "metavar": declaration.metavar,
        "default": value_for_page(declaration.default),
        "prepare": declaration.name in PREPARE_OPTIONS,
        "editable": kind_name not in _FILE_KINDS,
    }
    for bound in ("low", "high", "above"):
        if hasattr(kind, bound):
            described[bound] = _number(getattr(kind, bound))
    if hasattr(kind, "increasing"):
        described["increasing"] = kind.increasing
    if hasattr(kind, "choices"):
        described["choices"] = list(kind.choices)
    if kind_name == "Limb":
        described["suggestions"] = ["none", "auto", "fit"]
    if kind_name == "Uncertainty":
        described["suggestions"] = ["5%", "sky", "none"]
    return described


def controls() -> list[dict[str, Any]]:
    """Every option the page offers, grouped by the sections of the option model, in their order."""
    found = []
    for section in SECTION_CLASSES:
        for declaration in declared(section):
            if declaration.name in PAGE_OPTIONS:
                found.append({**_describe(declaration), "group": section.TITLE})
    return found


def band_controls() -> list[dict[str, Any]]:
    """The read options of an input band (filter, wavelength, unit, ...), without its path."""
    return [{**_describe(o), "group": BandInput.TITLE} for o in declared(BandInput)[1:]]


def value_for_page(value: Any) -> Any:
    """An option's value as JSON: tuples as lists, an input band as its table of read options."""
    if isinstance(value, BandInput):
        return {o.name: value_for_page(getattr(value, o.name)) for o in declared(BandInput)}
    if isinstance(value, tuple):
        return [value_for_page(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def recipe_values(recipe: Recipe) -> dict[str, Any]:
    """Every option's current value, as the page shows it."""
    values = {name: value_for_page(getattr(recipe, name)) for name in PAGE_OPTIONS}
    values["axis_role"] = next((role for role in AXIS_INPUTS if getattr(recipe, role) is not None), None)
    return values
