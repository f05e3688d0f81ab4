"""Disc images to one cylindrical map (``falsecolor map``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from . import geometry
from ._messages import option
from ._version import __version__
from .bands import Band, read_band
from .exceptions import InputError, warn
from .export import write_atomically
from .geometry import MapGrid
from .recipe import Corrections
from .rendering import ascii_text, find_disc

__all__ = ["CylindricalMap", "make_map"]


@dataclass(frozen=True, eq=False)
class CylindricalMap:
    """A latitude-longitude map made from disc images.

    Attributes
    ----------
    values : ndarray
        The merged map (mu-weighted mean), NaN where no image saw the cell.
    mu : ndarray
        The largest mu at which any image saw each cell.
    count : ndarray
        How many images contributed to each cell.
    grid : MapGrid
    band : Band
        The first input (unit, filter, time) the map describes.
    notes : list of str
        The disc found in each image.
    """

    values: np.ndarray
    mu: np.ndarray
    count: np.ndarray
    grid: MapGrid
    band: Band
    notes: list[str]

    def write(self, path: str | Path, *, inputs: Sequence[str | Path] = ()) -> list[Path]:
        """Write the map (primary HDU, grid cards) with MU and COUNT extensions, atomically."""
        primary = fits.PrimaryHDU(self.values.astype(np.float32))
        header = primary.header
        if self.band.unit.to_string():
            header["BUNIT"] = self.band.unit.to_string("fits") if self.band.kind != "counts" else "count"
        if self.band.filter_name:
            header["FILTER"] = ascii_text(Path(self.band.filter_name).name)[:68]  # a name, never a path
        if self.band.date_obs:
            header["DATE-OBS"] = self.band.date_obs
        for key, value, comment in self.grid.to_header():
            header[key] = (value, comment)
        header["ORIGIN"] = f"falsecolor {__version__}"
        for note in self.notes:
            header.add_history(ascii_text(note))
        mu = fits.ImageHDU(self.mu.astype(np.float32), name="MU")
        count = fits.ImageHDU(self.count.astype(np.int16), name="COUNT")
        hdul = fits.HDUList([primary, mu, count])
        return write_atomically([(path, lambda fh: hdul.writeto(fh))], inputs=inputs)


def make_map(
    images: Sequence[Band | str | Path],
    *,
    resolution: float = 1.0,
    mu_min: float = 0.2,
    site: str | None = None,
    read_options: dict[str, Any] | None = None,
    target: str | None = None,
    date: str | None = None,
    pixel_scale: float | None = None,
    north_angle: float | None = None,
    image_kind: str = "auto",
    ephemeris: str | Path | None = None,
) -> CylindricalMap:
    """Reproject disc images onto one cylindrical map (planetographic latitude, System III west longitude).

    Each image's disc comes from its FC_* cards or a limb fit (seeded by the
    ephemeris at DATE-OBS when the pixel scale is known); cells seen at
    mu <= ``mu_min`` are left out, and where several images overlap (two
    hemispheres, epochs within a rotation) they are averaged with weight mu.

    Parameters
    ----------
    images : sequence of Band or path
    resolution : float
        Degrees per map pixel (a divisor of 180).
    mu_min : float
        Cut in mu = cos(emission angle).
    site : str, optional
        Observatory for the ephemeris.
    read_options : dict, optional
        :func:`~falsecolor.read_band` keywords for paths.
    target, date, pixel_scale, north_angle : optional
        What the headers lack (or get wrong): the body imaged, the UTC time,
        arcseconds per pixel and the position angle of the planet's north in
        the image. An image of another body than Jupiter, or a map, is refused.
    image_kind : {'auto', 'disc', 'map'}
        ``'disc'`` when an image is taken for a map by its 2:1 shape but is not.
    ephemeris : str or Path, optional
        A JPL planetary ephemeris file (SPICE SPK ``.bsp``); default astropy's
        built-in ephemeris.

    Returns
    -------
    CylindricalMap
    """
    if not images:
        raise InputError("give at least one disc image to map")
    settings = Corrections(
        site=site,
        target=target,
        date=date,
        pixel_scale=pixel_scale,
        north_angle=north_angle,
        image_kind=image_kind,
    )
    grid = MapGrid.regular(resolution)
    geometry.check_map_memory(grid, len(images))  # before any image is read
    kernel = None if ephemeris is None else geometry.jpl_kernel(ephemeris)
    maps, weights, notes, bands = [], [], [], []
    for image in images:
        band = image if isinstance(image, Band) else read_band(image, **(read_options or {}))
        if band.data.ndim != 2:
            raise InputError(f"{band.label} is not a 2-D image: choose a plane with {option('plane')}")
        with geometry.using_ephemeris(kernel):
            disc = find_disc(band, settings=settings)
        g = disc.geometry
        if disc.ephemeris is None and disc.source.startswith("limb fit"):
            warn(
                f"{band.label} has no time it can read, so its central meridian is taken as 0 and its "
                f"longitudes are relative: give {option('date')}"
            )
        values, mu = geometry.project_to_map(np.asarray(band.data, dtype=np.float64), g, grid, mu_min=mu_min)
        maps.append(values)
        weights.append(np.where(np.isfinite(values), mu, np.nan))
        bands.append(band)
        notes.append(
            f"{band.label}: {disc.source}; centre ({g.centre[1]:.2f}, {g.centre[0]:.2f}) px, radius "
            f"{g.equatorial_radius:.2f} px, PA {g.pole_angle:.2f}, B {g.sub_observer_latitude:.3f}, "
            f"CML {g.central_meridian:.2f}"
        )
    units = {b.unit for b in bands}
    if len(units) > 1:
        raise InputError(
            f"the images are in different units ({', '.join(map(str, units))}): map them separately"
        )
    merged = geometry.merge_maps(maps, weights)
    stacked = np.stack(weights)
    seen = np.isfinite(stacked)
    best = np.where(seen.any(axis=0), np.nanmax(np.where(seen, stacked, -1.0), axis=0), np.nan)
    if not np.isfinite(merged).any():
        raise InputError(f"no map cell was seen at mu above the cut: check the images and {option('mu_min')}")
    return CylindricalMap(merged, best, seen.sum(axis=0), grid, bands[0], notes)
