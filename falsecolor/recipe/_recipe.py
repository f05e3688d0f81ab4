"""A recipe: every option of one render, and the folder its relative paths start from."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._messages import readable
from ..exceptions import RecipeError
from ._option import Option, declared
from ._picture import Axes, Look, Output
from ._sections import Corrections, Inputs

__all__ = ["RECIPE_VERSION", "TOML_SECTIONS", "Recipe"]

RECIPE_VERSION = 1
#: The tables of a recipe file, in the order they are written.
TOML_SECTIONS = ("inputs", "calibration", "geometry", "axes", "annotations", "output")


@dataclass(frozen=True, kw_only=True)
class Recipe(Inputs, Corrections, Axes, Look, Output):
    """Every choice of one render: inputs, calibration, axes, picture and outputs.

    The options are declared once, in the sections a recipe is made of
    (:class:`Inputs`, :class:`Corrections`, :class:`Axes`, :class:`Look`,
    :class:`Output`); every value is checked when a recipe is made, whether
    from the command line, a TOML file, an image's embedded recipe or Python
    keywords. ``None`` means "not given": the default applies. ``base`` is
    the folder relative paths start from.

    Examples
    --------
    >>> from falsecolor import Recipe
    >>> recipe = Recipe(demo=256, title="Synthetic Jupiter")
    >>> print(recipe.to_toml())
    version = 1
    <BLANKLINE>
    [inputs]
    demo = 256
    <BLANKLINE>
    [axes]
    palette = "visir"
    <BLANKLINE>
    [annotations]
    title = "Synthetic Jupiter"
    <BLANKLINE>
    >>> Recipe(clear_percentile=20)
    Traceback (most recent call last):
    ...
    falsecolor.exceptions.OptionError: clear_percentile=20: must be within 50..100, got 20
    """

    TITLE = "recipe"

    base: Path | None = field(default=None, compare=False)
    source: Path | None = field(default=None, compare=False)

    def resolve(self, path: str) -> Path:
        """A recipe path made absolute against :attr:`base` (kept as is when absolute)."""
        candidate = Path(path).expanduser()
        if candidate.is_absolute() or self.base is None:
            return candidate
        return self.base / candidate

    def relative(self, path: str | Path) -> str:
        """A path (absolute, or relative to the current folder) written relative to :attr:`base`."""
        absolute = os.path.abspath(path)
        if self.base is None:
            return absolute
        try:
            return Path(os.path.relpath(absolute, self.base)).as_posix()
        except ValueError:  # another drive (Windows): keep it absolute
            return absolute

    def files_read(self) -> list[Path]:
        """Every file the recipe reads: input bands, filter curves, palette, profile, sigma maps, and
        the recipe file (or picture) it was read from."""
        found = [self.source] if self.source is not None else []
        for declaration in declared(Recipe):
            value = getattr(self, declaration.name)
            if value is not None and declaration.section != "output":
                found += [self.resolve(p) for p in declaration.kind.paths(value)]
        return found

    def rebased(self, directory: str | Path | None, *, private: bool = False) -> Recipe:
        """The same recipe with its relative paths rewritten relative to ``directory``.

        Used when a recipe is written somewhere else (``--recipe-out``, or
        embedded in an image): the files it names stay the same files.
        Absolute paths stay absolute, unless ``private``: a recipe embedded in
        a picture that travels names every file relative to the picture, so
        it never shows where the author keeps files (``/home/NAME/...``).
        """
        if directory is None:
            return self
        target = Path(os.path.abspath(directory))

        def moved(path: str) -> str:
            if Path(path).expanduser().is_absolute() and not private:
                return path
            absolute = os.path.abspath(self.resolve(path))
            try:
                return Path(os.path.relpath(absolute, target)).as_posix()
            except ValueError:
                return absolute

        changes: dict[str, Any] = {"base": target}
        for declaration in declared(Recipe):
            value = getattr(self, declaration.name)
            if value is not None:
                changes[declaration.name] = declaration.kind.moved(value, moved)
        return self.replace(**changes)

    def absolute(self) -> Recipe:
        """The same recipe with every relative path made absolute against :attr:`base`."""

        def moved(path: str) -> str:
            return os.path.abspath(self.resolve(path))

        changes: dict[str, Any] = {}
        for declaration in declared(Recipe):
            value = getattr(self, declaration.name)
            if value is not None:
                changes[declaration.name] = declaration.kind.moved(value, moved)
        return self.replace(**changes)

    def to_dict(self) -> dict[str, Any]:
        """The TOML document as nested dicts, without unset (``None``) or default-valued options."""
        document: dict[str, Any] = {"version": RECIPE_VERSION}
        for section in TOML_SECTIONS:
            table = {}
            for declaration in options_of(section):
                value = getattr(self, declaration.name)
                if value is None or (declaration.name != "palette" and value == declaration.default):
                    continue
                table[declaration.key] = declaration.kind.dump(value)
            if table:
                document[section] = table
        return document

    def to_toml(self) -> str:
        """The recipe as TOML text (stable key order, so equal recipes give equal text)."""
        import tomli_w

        text = tomli_w.dumps(self.to_dict())
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            line = next(li for li in text.splitlines() if not li.isascii() and _not_text(li))
            raise RecipeError(
                f"a name in the recipe is not UTF-8 text ({readable(line).strip()}), and a recipe is: "
                "rename the file (for example with convmv)"
            ) from None
        return text

    @property
    def corrections(self) -> Corrections:
        """The calibration and corrections options."""
        return Corrections.from_options(self)

    @property
    def axes(self) -> Axes:
        """The palette and axis options."""
        return Axes.from_options(self)

    @property
    def look(self) -> Look:
        """The picture options."""
        return Look.from_options(self)


def _not_text(line: str) -> bool:
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def options_of(section: str) -> list[Option]:
    """The options of one TOML table, in the order they are written."""
    return [o for o in declared(Recipe) if o.section == section]
