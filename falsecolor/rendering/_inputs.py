"""The inputs of a render: the bands read, checked and identified once, and their masks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._messages import for_band, option
from ..bands import Band, read_band
from ..exceptions import InputError
from ..recipe import AXIS_INPUTS, BandInput
from ._spectral import identify

__all__ = ["AXIS_HELP", "BandLike", "combined_mask", "load_bands", "resolve_band"]

BandLike = Band | BandInput | str | Path

#: The inputs that can give the cloud axis, with what each is.
AXIS_HELP = {
    "cloud": "a ~5 µm image",
    "opacity": "a ready cloud-opacity map",
    "aerosol": "an aerosol-sensitive thermal band, e.g. 8.6 µm",
}


def resolve_band(value: BandLike, *, role: str, options: Mapping[str, Any] | None = None) -> Band:
    """A Band from a Band, a :class:`~falsecolor.recipe.BandInput` or a FITS path (read with ``options``).

    ``role`` (``"temperature"``, or ``"cloud"``, ``"opacity"``, ``"aerosol"`` for
    the cloud axis) says which options describe the band in messages.
    """
    reader_role = "temperature" if role == "temperature" else "cloud"
    with for_band(reader_role):
        if isinstance(value, Band):
            band = value
        elif isinstance(value, BandInput):
            band = read_band(value.path, **{**value.read_options(), **dict(options or {})})
        elif isinstance(value, str | Path):
            band = read_band(value, **dict(options or {}))
        else:
            raise InputError(
                f"the {role} input must be a Band or a FITS file path, got {type(value).__name__}"
            )
    return band.replace(role=reader_role)


def load_bands(
    temperature: BandLike,
    axes: Mapping[str, BandLike | None],
    temperature_options: Mapping[str, Any] | None = None,
    cloud_options: Mapping[str, Any] | None = None,
) -> tuple[Band, Band, str]:
    """The temperature band, the cloud-axis band, and which input that is (cloud, opacity or aerosol).

    Each band is read, given its role, and its spectral identity resolved once.
    """
    given = [name for name in AXIS_INPUTS if axes.get(name) is not None]
    if len(given) != 1:
        choices = "; ".join(f"{what} ({option(name)})" for name, what in AXIS_HELP.items())
        raise InputError(
            f"give one cloud axis, not both {' and '.join(given)}: {choices}"
            if given
            else f"give the cloud axis: {choices}"
        )
    role = given[0]
    axis_value = axes[role]
    assert axis_value is not None
    temperature_band = resolve_band(temperature, role="temperature", options=temperature_options)
    axis_band = resolve_band(axis_value, role=role, options=cloud_options)
    if temperature_band.data.ndim != 2 or axis_band.data.ndim != 2:
        raise InputError(f"render takes 2-D images; choose a plane of a cube with {option('plane')}")
    if temperature_band.shape != axis_band.shape:
        (ty, tx), (cy, cx) = temperature_band.shape, axis_band.shape
        raise InputError(
            f"the bands differ in shape: {temperature_band.label} is {tx}x{ty}, {axis_band.label} "
            f"is {cx}x{cy}: put them on one pixel grid first"
        )
    return identify(temperature_band), identify(axis_band), role


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
