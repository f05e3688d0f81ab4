"""Reading a recipe's TOML: the allowed tables and keys, and every value's check, come from the options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._messages import UNSET, spelled_by
from .._toml import TomlDocument, is_stream
from ..exceptions import OptionError, RecipeError
from ._kinds import Problem
from ._option import declared
from ._recipe import RECIPE_VERSION, TOML_SECTIONS, Recipe, options_of

__all__ = ["load_recipe", "parse_recipe", "toml_spelling"]


def _table_of(name: str) -> str:
    for declaration in declared(Recipe):
        if declaration.name == name:
            return f"{declaration.section}.{declaration.key}"
    return name


def toml_spelling(name: str, value: Any, band: str | None) -> str:
    """How a recipe file names an option: ``calibration.mu_min`` (``inputs.cloud.wavelength`` for a band)."""
    spelled = f"inputs.{band}.{name}" if band is not None else _table_of(name)
    return spelled if value is UNSET else f"{spelled} = {value!r}"


def load_recipe(path: str | Path, *, stream: bool = False) -> Recipe:
    """Read and check a recipe TOML file; its paths are relative to its folder.

    With ``stream``, the file may be a pipe (``falsecolor render <(...)``): its
    paths are then relative to the current folder, and the outputs it names
    stay inside that folder.

    Raises
    ------
    RecipeError
        Missing or unreadable file, not a regular file, TOML syntax error,
        unknown key, wrong type or out-of-range value (naming the key and its line).
    """
    document = TomlDocument.read(path, error=RecipeError, what="recipe", stream=stream)
    base = Path.cwd() if stream and is_stream(path) else Path(path).resolve().parent
    recipe = _from_document(document, base)
    return recipe.replace(source=Path(path) if stream and is_stream(path) else Path(path).resolve())


def parse_recipe(
    text: str, *, source: str = "<recipe>", base: str | Path | None = None, origin: str | Path | None = None
) -> Recipe:
    """A recipe from TOML text (e.g. the one embedded in an image, its ``origin``)."""
    document = TomlDocument(text, source, error=RecipeError, what="recipe")
    recipe = _from_document(document, None if base is None else Path(base).resolve())
    return recipe.replace(source=Path(origin).resolve()) if origin is not None else recipe


def _from_document(doc: TomlDocument, base: Path | None) -> Recipe:
    top = doc.table((), ("version", *TOML_SECTIONS))
    version = doc.value(top, ("version",), int, RECIPE_VERSION)
    if version != RECIPE_VERSION:
        raise doc.fail(("version",), f"this falsecolor reads recipe version {RECIPE_VERSION}, not {version}")
    values: dict[str, Any] = {}
    where: dict[str, tuple[str, ...]] = {}
    for section in TOML_SECTIONS:
        declarations = {o.key: o for o in options_of(section)}
        table = doc.table((section,), declarations)
        for key, raw in table.items():
            declaration = declarations[key]
            try:
                values[declaration.name] = declaration.kind.check(raw)
            except Problem as problem:
                raise doc.fail((section, key, *problem.path), problem.message) from None
            where[declaration.name] = (section, key)
    try:
        with spelled_by(toml_spelling):
            return Recipe(**values, base=base)
    except OptionError as err:  # options that do not go together: point at the one to change
        key = where.get(err.name) or tuple(_table_of(err.name).split("."))
        raise doc.fail(key, err.problem) from None
