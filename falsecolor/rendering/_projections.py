"""Disc images as a cylindrical map, and cylindrical maps as a disc seen from Earth at a given time."""

from __future__ import annotations

import numpy as np
from astropy.io import fits

from .. import geometry
from .._messages import option
from ..bands import Band
from ..exceptions import InputError
from ..geometry import DiscGeometry, MapGrid
from ..recipe import Corrections
from ._disc import Disc, jupiter_ephemeris
from ._provenance import Step

__all__ = ["is_map", "to_disc_view", "to_map"]


def is_map(band: Band) -> bool:
    """Whether the header describes a cylindrical map (damaged map cards only matter where a grid is used)."""
    try:
        return MapGrid.from_header(band.header, band.shape) is not None
    except InputError:
        return False


def to_map(band: Band, disc: DiscGeometry, grid: MapGrid, mu_min: float) -> Band:
    """A disc image (and its uncertainty plane) reprojected onto ``grid``; NaN where unseen."""

    def project(plane: np.ndarray) -> np.ndarray:
        values, _ = geometry.project_to_map(np.asarray(plane, dtype=np.float64), disc, grid, mu_min=mu_min)
        return values.astype(np.float32)

    header = band.header.copy()
    for key, value, comment in grid.to_header():
        header[key] = (value, comment)
    uncertainty = project(band.uncertainty) if isinstance(band.uncertainty, np.ndarray) else band.uncertainty
    return band.replace(data=project(band.data), mask=None, header=header, uncertainty=uncertainty)


def to_disc_view(temperature: Band, axis: Band, corrections: Corrections) -> tuple[Band, Band, Disc, Step]:
    """Both map bands (and their uncertainty planes) seen as a disc at the view time; the view's disc."""
    grid = MapGrid.from_header(
        temperature.header,
        temperature.shape,
        lat_range=corrections.lat_range,
        lon_range=corrections.lon_range,
    )
    if grid is None:
        raise InputError(
            f"{temperature.label} has no latitude/longitude cards: give the first and last row's and "
            f"column's, e.g. {option('lat_range', (-90.0, 90.0))} and {option('lon_range', (360.0, 0.0))}"
        )
    size = max(64, min(2048, 2 * temperature.shape[0]))
    ephem = jupiter_ephemeris(corrections.view_time, site=corrections.site)
    centre = (size - 1) / 2.0
    view = DiscGeometry(
        (centre, centre),
        0.46 * size,
        ephem.sub_observer_latitude_centric_deg,
        0.0,
        ephem.central_meridian_deg,
    )

    def project(plane: np.ndarray, *, opacity: bool = False) -> np.ndarray:
        data = np.asarray(plane, dtype=np.float64)
        data = data if opacity else np.where(data > 0, data, np.nan)  # 0 K = no data
        return geometry.project_to_disc(data, grid, (size, size), view).astype(np.float32)

    bands = []
    for band in (temperature, axis):
        uncertainty = band.uncertainty
        if isinstance(uncertainty, np.ndarray):
            uncertainty = project(uncertainty)
        data = project(band.data, opacity=band.kind == "opacity")
        bands.append(band.replace(data=data, mask=None, header=fits.Header(), uncertainty=uncertainty))
    note = (
        f"orthographic view at {ephem.time} UTC: CML {ephem.central_meridian_deg:.2f}°, "
        f"B {ephem.sub_observer_latitude_centric_deg:.3f}°, north up"
        + ("" if ephem.source == geometry.BUILT_IN else f"; ephemeris {ephem.source}")
    )
    disc = Disc(view, "disc view of a map", True, None, ephem)
    return bands[0], bands[1], disc, Step("projection", note)
