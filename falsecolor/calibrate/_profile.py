"""Calibration against the planet: scale an image to a reference zonal-mean profile.

The Leicester practice (SCIENCE.md 3.2, GiantPipe ``CentralMerid``): absolute
standard-star calibration of extended planetary images is not trusted to the
level needed, so each image is rescaled so that its central-meridian latitude
profile matches a spacecraft zonal mean (Cassini/CIRS, Voyager/IRIS) over the
latitudes both cover, within +-70°.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._readable import MiB, regular_file
from ..exceptions import FileFormatError, InputError

__all__ = ["ZonalProfile", "central_meridian_profile", "profile_scale", "read_profile_table"]


@dataclass(frozen=True, eq=False)
class ZonalProfile:
    """Values against planetographic latitude (degrees), latitudes increasing.

    Attributes
    ----------
    latitude : ndarray
        Planetographic latitude, degrees.
    values : ndarray
        Brightness temperature (K) or radiance; NaN = no data.
    name : str
        Column name (a filter, or a wavelength).
    """

    latitude: np.ndarray
    values: np.ndarray
    name: str = ""


def read_profile_table(path: str | Path) -> dict[str, ZonalProfile]:
    """Profiles from a text table: a latitude column, then one column per filter.

    Comma-, tab- or space-separated; ``#`` starts a comment; the first
    non-comment line names the columns (the first is the latitude,
    planetographic degrees). Values are brightness temperatures in K (or
    radiances, as long as the image is in the same unit).

    Raises
    ------
    FileFormatError
        Missing file, no numeric rows, ragged rows or a latitude column that
        is not within -90..90.
    """
    path = regular_file(path, "profile table", limit=16 * MiB)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise FileFormatError(f"cannot read the profile table {path}: {err.strerror or err}") from None
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) < 3:
        raise FileFormatError(f"{path} holds no profile: a header line and at least two rows are needed")
    delimiter = "," if "," in lines[0] else ("\t" if "\t" in lines[0] else None)

    def split(line: str) -> list[str]:
        if delimiter is None:
            return line.split()
        return [cell.strip() for cell in next(csv.reader(io.StringIO(line), delimiter=delimiter))]

    names = split(lines[0])
    try:
        rows = np.array([[float(cell) if cell else np.nan for cell in split(line)] for line in lines[1:]])
    except ValueError:
        raise FileFormatError(f"{path}: every row after the header must be numbers") from None
    if rows.ndim != 2 or rows.shape[1] != len(names) or len(names) < 2:
        raise FileFormatError(f"{path}: every row needs {len(names)} columns (latitude, then one per filter)")
    latitude = rows[:, 0]
    if not (np.all(np.isfinite(latitude)) and np.all(np.abs(latitude) <= 90)):
        raise FileFormatError(f"{path}: the first column must be latitudes within -90..90")
    order = np.argsort(latitude)
    return {
        name: ZonalProfile(latitude[order], rows[order, i], name) for i, name in enumerate(names) if i > 0
    }


def central_meridian_profile(
    values: np.ndarray,
    latitude: np.ndarray,
    longitude: np.ndarray,
    central_meridian: float,
    *,
    width: float = 15.0,
    mu: np.ndarray | None = None,
    mu_min: float = 0.2,
    bin_width: float = 1.0,
) -> ZonalProfile:
    """Mean of ``values`` in latitude bins within ``width`` degrees of longitude of the central meridian.

    Parameters
    ----------
    values, latitude, longitude : ndarray
        Per-pixel values, planetographic latitude and System III longitude
        (degrees); NaN = no data.
    central_meridian : float
        Longitude of the central meridian, degrees.
    width : float
        Half-width of the longitude strip, degrees.
    mu : ndarray, optional
        Cosine of the emission angle; pixels at or below ``mu_min`` are left out.
    bin_width : float
        Latitude bin, degrees.

    Returns
    -------
    ZonalProfile
        Bin centres and means (NaN for empty bins).
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    latitude = np.asarray(latitude, dtype=np.float64).ravel()
    offset = (np.asarray(longitude, dtype=np.float64).ravel() - central_meridian + 180.0) % 360.0 - 180.0
    with np.errstate(invalid="ignore"):
        use = np.isfinite(values) & np.isfinite(latitude) & (np.abs(offset) <= width)
        if mu is not None:
            use &= np.asarray(mu).ravel() > mu_min
    edges = np.arange(-90.0, 90.0 + bin_width / 2, bin_width)
    index = np.clip(np.digitize(latitude[use], edges) - 1, 0, len(edges) - 2)
    counts = np.bincount(index, minlength=len(edges) - 1)
    sums = np.bincount(index, values[use], minlength=len(edges) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    return ZonalProfile(0.5 * (edges[:-1] + edges[1:]), means, "central meridian")


def profile_scale(
    image_profile: ZonalProfile,
    reference: ZonalProfile,
    *,
    latitude_range: tuple[float, float] = (-70.0, 70.0),
    min_bins: int = 5,
) -> float:
    """k = mean(image profile) / mean(reference) over the latitudes both cover within ``latitude_range``.

    The reference is interpolated linearly onto the image's bins (not
    extrapolated). Divide the image by k to calibrate it to the reference.

    Raises
    ------
    InputError
        When fewer than ``min_bins`` latitudes are common to both.
    """
    low, high = latitude_range
    lat = image_profile.latitude
    ref = np.interp(lat, reference.latitude, reference.values, left=np.nan, right=np.nan)
    common = np.isfinite(image_profile.values) & np.isfinite(ref) & (lat >= low) & (lat <= high)
    if common.sum() < min_bins:
        raise InputError(
            f"the image and the reference profile {reference.name!r} share only {int(common.sum())} "
            f"latitude bins within {low:g}..{high:g}°: is the disc geometry right?"
        )
    k = float(np.mean(image_profile.values[common]) / np.mean(ref[common]))
    if not (np.isfinite(k) and k > 0):
        raise InputError(f"the profile scale factor is {k}: the image and the reference must be positive")
    return k
