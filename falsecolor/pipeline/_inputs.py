"""The inputs of a render: the bands read and checked, their masks, and the recipe that names them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..bands import Band, read_band
from ..exceptions import InputError
from ..palette import DEFAULT_PALETTE, Palette
from ..recipe import BAND_KEYS, BandInput, Recipe, is_path, names_file
from . import _maps

BandLike = Band | str | Path

#: The inputs that can give the cloud axis, with what each is.
AXIS_INPUTS = {
    "cloud": "a ~5 µm image (--cloud)",
    "opacity": "a ready cloud-opacity map (--opacity)",
    "aerosol": "an aerosol-sensitive thermal band, e.g. 8.6 µm (--aerosol)",
}


def resolve_band(
    value: BandLike, *, role: str, options: Mapping[str, Any] | None = None, option_prefix: str = ""
) -> Band:
    """A Band from a Band or a FITS path (read with ``options`` as :func:`read_band` keywords)."""
    if isinstance(value, Band):
        return value
    if isinstance(value, str | Path):
        return read_band(value, option_prefix=option_prefix, **dict(options or {}))
    raise InputError(f"the {role} input must be a Band or a FITS file path, got {type(value).__name__}")


def load_bands(temperature, axes: Mapping[str, Any], temperature_options, cloud_options, prefixes):
    """The temperature band, the cloud-axis band, and which input that is (cloud, opacity or aerosol)."""
    given = [name for name, value in axes.items() if value is not None]
    if len(given) != 1:
        choices = "; ".join(AXIS_INPUTS.values())
        raise InputError(
            f"give one cloud axis, not both {' and '.join(given)}: {choices}"
            if given
            else f"give the cloud axis: {choices}"
        )
    role = given[0]
    temperature_band = resolve_band(
        temperature, role="temperature", options=temperature_options, option_prefix=prefixes[0]
    )
    axis_band = resolve_band(axes[role], role=role, options=cloud_options, option_prefix=prefixes[1])
    if temperature_band.data.ndim != 2 or axis_band.data.ndim != 2:
        raise InputError("render takes 2-D images; choose a plane of a cube with --plane")
    if temperature_band.shape != axis_band.shape:
        (ty, tx), (cy, cx) = temperature_band.shape, axis_band.shape
        raise InputError(
            f"the bands differ in shape: {temperature_band.label} is {tx}x{ty}, {axis_band.label} "
            f"is {cx}x{cy}: put them on one pixel grid first"
        )
    _maps.check_filter_option(temperature_band, prefixes[0])
    _maps.check_filter_option(axis_band, prefixes[1])
    return temperature_band, axis_band, role


def combined_mask(*bands: Band) -> np.ndarray | None:
    """The union of the bands' masks (True = excluded), or None when none has one."""
    masks = []
    for band in bands:
        if band.mask is None:
            continue
        mask = np.asarray(band.mask, dtype=bool)
        if mask.shape != band.shape:
            raise InputError(f"the mask of {band.label} is {mask.shape}, its image {band.shape}")
        masks.append(mask)
    return np.logical_or.reduce(masks) if masks else None


def recipe_of(temperature, axes: Mapping[str, Any], temperature_options, cloud_options, **choices) -> Recipe:
    """The recipe of a render call: file inputs (paths relative to here) and every choice made."""
    inputs = {}
    for name, value in (("temperature", temperature), *axes.items()):
        options = temperature_options if name == "temperature" else cloud_options
        if isinstance(value, str | Path):
            given = {k: v for k, v in dict(options or {}).items() if k in BAND_KEYS and v is not None}
            for key in ("wavelength", "scale"):
                if key in given and not isinstance(given[key], str):
                    given[key] = str(given[key])
            inputs[name] = BandInput(path=os.path.relpath(os.path.abspath(value)), **given)
    palette = choices.pop("palette")
    if isinstance(palette, Palette):
        palette = palette.source if palette.source else palette.name
    if palette is not None and is_path(str(palette)):
        palette = os.path.relpath(os.path.abspath(palette))
    clear_sky = choices.pop("clear_sky")
    if clear_sky is not None and not isinstance(clear_sky, str | int | float):
        clear_sky = str(clear_sky)
    uncertainties = {}
    for name in ("uncertainty", "cloud_uncertainty"):
        value = choices.pop(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            uncertainties[name] = float(value)
        elif isinstance(value, Path) or names_file(value):
            uncertainties[name] = os.path.relpath(os.path.abspath(value))
        elif isinstance(value, str):
            uncertainties[name] = value
    pairs = {
        k: tuple(float(v) for v in value) for k, value in choices.items() if isinstance(value, tuple | list)
    }
    return Recipe(
        **inputs, base=Path.cwd(), palette=str(palette) if palette is not None else DEFAULT_PALETTE,
        clear_sky=clear_sky, clear_percentile=float(choices["clear_percentile"]), **uncertainties, **pairs,
    )  # fmt: skip
