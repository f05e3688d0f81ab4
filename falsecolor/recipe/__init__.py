"""The option model, and recipes: a whole render as data, read from and written to TOML.

A recipe holds every choice of a render: the inputs and their roles, the
calibration, the opacity reference, the axis limits and palette, the
annotations and the outputs. The command line builds one from its options
(``--recipe-out`` writes it), ``falsecolor render recipe.toml`` runs one, and
every PNG carries the recipe that made it, so ``--from-image`` can make the
picture again.

Every option is declared once, as a field of one of the sections a recipe is
made of (:class:`Inputs`, :class:`Corrections`, :class:`Axes`, :class:`Look`,
:class:`Output`): its kind, default, bounds or choices, unit, help text, TOML
key and command-line flag. The command line's flags, the TOML reader and
writer, the keywords of :func:`~falsecolor.render` and the studio's controls
are derived from those declarations, and every value is checked when a recipe
is made, wherever it came from.

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

from typing import Any

from .._messages import UNSET, for_band, spelled_by
from ._band import BAND_KEYS, BandInput
from ._files import FileNames, FilterName, Uncertainty, looks_like_file
from ._kinds import Flag, Kind, Problem
from ._option import Option, Options, declared, option
from ._picture import KEY_POSITIONS, Axes, Look, Output
from ._read import load_recipe, parse_recipe, toml_spelling
from ._recipe import RECIPE_VERSION, TOML_SECTIONS, Recipe, options_of
from ._sections import AXIS_INPUTS, DEFAULT_DEMO_SIZE, ORIENTATIONS, PROJECTIONS, Corrections, Inputs

__all__ = [
    "AXIS_INPUTS",
    "BAND_KEYS",
    "DEFAULT_DEMO_SIZE",
    "KEY_POSITIONS",
    "OPTIONS",
    "ORIENTATIONS",
    "PROJECTIONS",
    "RECIPE_VERSION",
    "SECTIONS",
    "SECTION_CLASSES",
    "TOML_SECTIONS",
    "UNSET",
    "Axes",
    "BandInput",
    "Corrections",
    "FileNames",
    "FilterName",
    "Flag",
    "Inputs",
    "Kind",
    "Look",
    "Option",
    "Options",
    "Output",
    "Problem",
    "Recipe",
    "declared",
    "for_band",
    "is_path",
    "load_recipe",
    "names_file",
    "option",
    "options_of",
    "parse_recipe",
    "spelled_by",
    "toml_spelling",
]

#: The sections a recipe is made of, in the order the command line's help shows them.
SECTION_CLASSES: tuple[type[Options], ...] = (Inputs, Corrections, Axes, Look, Output)
#: Every option of a recipe, section by section.
OPTIONS: tuple[Option, ...] = tuple(o for section in SECTION_CLASSES for o in declared(section))
#: The options by TOML table and key.
SECTIONS: dict[str, dict[str, Option]] = {s: {o.key: o for o in options_of(s)} for s in TOML_SECTIONS}


def is_path(name: str) -> bool:
    """Whether a palette value names a file rather than a built-in palette."""
    return looks_like_file(name)


def names_file(value: Any) -> bool:
    """Whether an uncertainty value names a sigma-map file (not a fraction, ``"sky"`` or ``"none"``)."""
    return Uncertainty.names_file(value)
