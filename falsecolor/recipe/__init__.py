"""Recipes: a whole render as data, read from and written to TOML.

A recipe holds every choice of a render: the inputs and their roles, the
calibration, the opacity reference, the axis limits and palette, the
annotations and the outputs. The command line builds one from its options
(``--recipe-out`` writes it), ``falsecolor render recipe.toml`` runs one, and
every PNG carries the recipe that made it, so ``--from-image`` can make the
picture again.

Paths in a recipe are relative to the recipe file's directory (or, for a recipe
embedded in an image, to the image's directory). The file is parsed with
:mod:`tomllib`, never evaluated; unknown keys, wrong types and out-of-range
values are errors naming the key and its line::

    version = 1

    [inputs]
    temperature = "T13.fits"                       # a path, or a table:
    cloud = { path = "M5.fits", filter = "M-BAND" } # path, filter, wavelength, unit,
                                                    # scale, hdu, plane, byteswap
                                      # (or opacity = a ready tau map, or aerosol = an 8.6 um band)
    [calibration]
    limb_correction = "auto"                        # none, auto (per filter), fit, or an exponent
    mu_min = 0.2                                    # mask (or with limb_fade fade) the limb below
    profile = "cirs_zonal.csv"                      # scale to a zonal-mean profile (optional)
    clear_percentile = 99.5                         # or clear_sky = "250K"
    uncertainty = "5%"                              # or "sky", or a sigma map (FITS)

    [geometry]
    orientation = "north"                           # north up when known; "sky": detector frame

    [axes]
    palette = "visir"
    t_limits = [120.0, 135.0]                       # else t_percentiles = [2.0, 98.0]
    tau_limits = [0.0, 4.5]

    [annotations]
    title = "Jupiter, VLT/VISIR"
    credit = "ESO/L. N. Fletcher"
    caption = "auto"

    [output]
    files = ["jupiter.png", "jupiter.tif"]
    size = 2000
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .._toml import TomlDocument
from ..exceptions import RecipeError
from ._schema import BAND_KEYS, SECTIONS

__all__ = [
    "BAND_KEYS",
    "RECIPE_VERSION",
    "SECTIONS",
    "BandInput",
    "Recipe",
    "is_path",
    "load_recipe",
    "names_file",
    "parse_recipe",
]

RECIPE_VERSION = 1


@dataclass(frozen=True)
class BandInput:
    """One input file and how to read it (:func:`~falsecolor.read_band` keywords).

    ``path`` is as written in the recipe (relative to its directory or absolute).
    """

    path: str
    filter: str | None = None
    wavelength: str | None = None
    unit: str | None = None
    scale: str | None = None
    hdu: int | str | None = None
    plane: int | None = None
    byteswap: bool = False

    def read_options(self) -> dict[str, Any]:
        """The :func:`~falsecolor.read_band` keywords (without the path)."""
        options = {k: getattr(self, k) for k in BAND_KEYS[1:] if k != "byteswap"}
        options["byteswap"] = True if self.byteswap else None
        return options

    def to_toml(self) -> str | dict[str, Any]:
        given = {k: getattr(self, k) for k in BAND_KEYS[1:] if getattr(self, k) is not None}
        if not self.byteswap:
            given.pop("byteswap", None)
        return {"path": self.path, **given} if given else self.path


_BAND_FIELDS = ("temperature", "cloud", "opacity", "aerosol")
#: Inputs that give the cloud axis: only one of them at a time.
_AXIS_FIELDS = ("cloud", "opacity", "aerosol")
_PATH_FIELDS = ("fits", "strip", "profile")


@dataclass(frozen=True)
class Recipe:
    """Every choice of one render (see the module docstring for the TOML form).

    Field names are the recipe keys (sections: ``inputs``, ``calibration``,
    ``axes``, ``annotations``, ``output``); ``None`` means "not set": the
    default applies. ``base`` is the directory relative paths start from.

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
    """

    temperature: BandInput | None = None
    cloud: BandInput | None = None
    opacity: BandInput | None = None
    aerosol: BandInput | None = None
    demo: int | None = None
    subtract_sky: bool = False
    limb_correction: str | float = "none"
    cloud_limb_correction: str | float | None = None
    mu_min: float = 0.2
    limb_fade: bool = False
    profile: str | None = None
    profile_column: str | None = None
    uncertainty: str | float | None = None
    cloud_uncertainty: str | float | None = None
    orientation: str = "north"
    site: str | None = None
    coalign: bool = False
    project: str = "none"
    map_resolution: float = 1.0
    view_time: str | None = None
    lat_range: tuple[float, float] | None = None
    lon_range: tuple[float, float] | None = None
    clear_sky: str | float | None = None
    clear_percentile: float = 99.5
    palette: str = "visir"
    t_limits: tuple[float, float] | None = None
    tau_limits: tuple[float, float] | None = None
    t_percentiles: tuple[float, float] = (2.0, 98.0)
    tau_percentiles: tuple[float, float] = (2.0, 98.0)
    title: str | None = None
    credit: str | None = None
    caption: str | None = None
    key: bool = True
    key_position: str = "right"
    key_size: float = 0.34
    background: str | None = None
    scale_bar: bool = False
    north_arrow: bool = False
    km_per_pixel: float | None = None
    north_angle: float | None = None
    temperature_label: str | None = None
    cloud_label: str | None = None
    sheet: bool = False
    files: tuple[str, ...] = ()
    fits: str | None = None
    strip: str | None = None
    size: int | None = None
    dpi: float | None = None
    compress_level: int = 4
    jpeg_quality: int = 92
    timestamp: bool = False
    base: Path | None = field(default=None, compare=False)

    def replace(self, **changes: Any) -> Recipe:
        """A copy with some fields changed (unknown names are a RecipeError)."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise RecipeError(f"unknown recipe field(s) {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def input_bands(self) -> list[BandInput]:
        """The input bands the recipe names: the temperature band, then the cloud axis."""
        return [band for band in (getattr(self, name) for name in _BAND_FIELDS) if band is not None]

    def resolve(self, path: str) -> Path:
        """A recipe path made absolute against :attr:`base` (kept as is when absolute)."""
        candidate = Path(path).expanduser()
        if candidate.is_absolute() or self.base is None:
            return candidate
        return self.base / candidate

    def to_dict(self) -> dict[str, Any]:
        """The TOML document as nested dicts, without unset (``None``) or default-valued keys."""
        document: dict[str, Any] = {"version": RECIPE_VERSION}
        for section, keys in SECTIONS.items():
            table = {}
            for key, spec in keys.items():
                value = getattr(self, key)
                if value is None or (key != "palette" and _same(value, spec["default"])):
                    continue
                if key in _BAND_FIELDS:
                    value = value.to_toml()
                elif isinstance(value, tuple):
                    value = list(value)
                table[key] = value
            if table:
                document[section] = table
        return document

    def to_toml(self) -> str:
        """The recipe as TOML text (stable key order, so equal recipes give equal text)."""
        import tomli_w

        return tomli_w.dumps(self.to_dict())

    def relative(self, path: str | Path) -> str:
        """A path (absolute, or relative to the current directory) written relative to :attr:`base`."""
        absolute = os.path.abspath(path)
        if self.base is None:
            return absolute
        try:
            return Path(os.path.relpath(absolute, self.base)).as_posix()
        except ValueError:  # another drive (Windows): keep it absolute
            return absolute

    def rebased(self, directory: str | Path | None) -> Recipe:
        """The same recipe with its relative paths rewritten relative to ``directory``.

        Used when a recipe is written somewhere else (``--recipe-out``, or
        embedded in an image): the files it names stay the same files.
        Absolute paths stay absolute.
        """
        if directory is None:
            return self
        target = dataclasses.replace(self, base=Path(os.path.abspath(directory)))

        def moved(path: str) -> str:
            if Path(path).expanduser().is_absolute():
                return path
            return target.relative(self.resolve(path))

        changes: dict[str, Any] = {"base": target.base}
        for name in _BAND_FIELDS:
            band = getattr(self, name)
            if band is not None:
                changes[name] = dataclasses.replace(band, path=moved(band.path))
        for name in _PATH_FIELDS:
            if getattr(self, name) is not None:
                changes[name] = moved(getattr(self, name))
        for name in ("uncertainty", "cloud_uncertainty"):
            if names_file(getattr(self, name)):
                changes[name] = moved(getattr(self, name))
        changes["files"] = tuple(moved(p) for p in self.files)
        if is_path(self.palette):
            changes["palette"] = moved(self.palette)
        return dataclasses.replace(self, **changes)


def is_path(name: str) -> bool:
    """Whether a palette value names a file rather than a built-in palette."""
    return name.lower().endswith((".toml", ".png")) or "/" in name or "\\" in name


def names_file(value: Any) -> bool:
    """Whether an uncertainty value names a sigma-map file (not a fraction, ``"sky"`` or ``"none"``)."""
    if not isinstance(value, str) or value.strip().lower() in ("sky", "none", ""):
        return False
    try:
        float(value.strip().rstrip("%"))
    except ValueError:
        return True
    return False


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, list | tuple) and isinstance(default, list | tuple):
        return tuple(value) == tuple(default)
    return value == default


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a recipe TOML file; its paths are relative to its directory.

    Raises
    ------
    RecipeError
        Missing or unreadable file, TOML syntax error, unknown key, wrong type
        or out-of-range value (naming the key and its line).
    """
    document = TomlDocument.read(path, error=RecipeError, what="recipe")
    return _from_document(document, Path(path).resolve().parent)


def parse_recipe(text: str, *, source: str = "<recipe>", base: str | Path | None = None) -> Recipe:
    """A recipe from TOML text (e.g. the one embedded in an image)."""
    document = TomlDocument(text, source, error=RecipeError, what="recipe")
    return _from_document(document, None if base is None else Path(base).resolve())


def _from_document(doc: TomlDocument, base: Path | None) -> Recipe:
    top = doc.table((), ("version", *SECTIONS))
    version = doc.value(top, ("version",), int, RECIPE_VERSION)
    if version != RECIPE_VERSION:
        raise doc.fail(("version",), f"this falsecolor reads recipe version {RECIPE_VERSION}, not {version}")
    values: dict[str, Any] = {}
    for section, keys in SECTIONS.items():
        table = doc.table((section,), keys)
        for key, spec in keys.items():
            rules = {k: v for k, v in spec.items() if k not in ("kind", "default")}
            value = doc.value(table, (section, key), spec["kind"], None, **rules)
            if value is None:
                continue
            if key in _BAND_FIELDS:
                value = _band(doc, (section, key), value)
            elif isinstance(value, list):
                value = tuple(float(v) if spec.get("items") is float else v for v in value)
            elif spec["kind"] is float or (isinstance(spec["kind"], tuple) and isinstance(value, int)):
                value = float(value) if not isinstance(value, str) else value
            values[key] = value
    inputs = [k for k in (*_BAND_FIELDS, "demo") if k in values]
    axes = [k for k in _AXIS_FIELDS if k in values]
    if len(axes) > 1:
        raise doc.fail(("inputs", axes[1]), "give one of cloud, opacity or aerosol, not several")
    if "demo" in values and len(inputs) > 1:
        raise doc.fail(("inputs", "demo"), "the demo uses the built-in synthetic Jupiter: drop the files")
    return Recipe(**values, base=base)


def _band(doc: TomlDocument, path: tuple[str, ...], value: str | dict) -> BandInput:
    if isinstance(value, str):
        if not value:
            raise doc.fail(path, "needs a file path")
        return BandInput(path=value)
    table = doc.table(path, BAND_KEYS)
    if "path" not in table:
        raise doc.fail(path, 'needs a path = "FILE.fits" entry')
    options: dict[str, Any] = {"path": doc.value(table, (*path, "path"), str)}
    for key in ("filter", "wavelength", "unit", "scale"):
        options[key] = doc.value(table, (*path, key), str)
    options["hdu"] = doc.value(table, (*path, "hdu"), (int, str))
    options["plane"] = doc.value(table, (*path, "plane"), int, low=0)
    options["byteswap"] = doc.value(table, (*path, "byteswap"), bool, False)
    return BandInput(**options)
