"""What is known about an observation: the target, the time, the pixel scale, north, disc or map.

Each comes from the user's option when given (``--target``, ``--date``,
``--pixel-scale``, ``--north-angle``, ``--image-kind``, ``--lat-range`` and
``--lon-range``), else from the header. :func:`observe` gathers them once per
band, so ``info``, ``render`` and ``map`` decide alike what is disc, what is
map, and whether Jupiter's geometry applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import geometry
from .._messages import option
from ..bands import Band
from ..exceptions import InputError
from ..geometry import MapRecognition, Target

__all__ = ["NoDisc", "Observation", "north_angle", "observe", "pixel_scale"]


#: Cards holding the pixel scale in arcsec (after the WCS), by instrument.
_SCALE_CARDS = ("ESO INS PFOV", "PIXSCALE", "PIXSCAL", "SECPIX", "PLATE_SC", "PIXSIZE")


#: Cards of which a header needs one to hold a celestial WCS (without them astropy.wcs, a third of a
#: second to import, is not loaded).
_WCS_CARDS = ("CTYPE1", "CTYPE2", "CD1_1", "PC1_1", "CDELT1")


def _has_wcs(header) -> bool:
    return header is not None and any(key in header for key in _WCS_CARDS)


def pixel_scale(header) -> float | None:
    """Arcsec per pixel from a celestial WCS (CD/PC/CDELT) or an instrument card, else None."""
    if header is None:
        return None
    if _has_wcs(header):
        from astropy.wcs import WCS
        from astropy.wcs.utils import proj_plane_pixel_scales

        try:
            wcs = WCS(header, naxis=2, relax=True, fix=False)
            if wcs.has_celestial or str(header.get("CTYPE1", "")).startswith(("RA", "DEC")):
                scales = proj_plane_pixel_scales(wcs.celestial) * 3600.0
                if np.all(np.isfinite(scales)) and np.all(scales > 0):
                    return float(np.sqrt(scales[0] * scales[1]))
        except Exception:
            pass
    for key in _SCALE_CARDS:
        value = header.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 3600:
            return float(value)
    return None


def north_angle(header) -> float:
    """Angle of celestial north in the image, degrees from up towards the left (0 without a WCS)."""
    if not _has_wcs(header):
        return 0.0
    from astropy.wcs import WCS

    try:
        wcs = WCS(header, naxis=2, relax=True, fix=False)
        if not wcs.has_celestial:
            return 0.0
        matrix = wcs.celestial.pixel_scale_matrix  # d(ra, dec) / d(x, y)
        # the image direction of increasing dec is the second row of the inverse
        dx, dy = np.linalg.inv(matrix)[:, 1]
        return float(np.degrees(np.arctan2(-dx, dy)))
    except Exception:
        return 0.0


class NoDisc(InputError):
    """The image has no disc the package can use: a map, another body, or no plausible limb."""


@dataclass(frozen=True)
class Observation:
    """The target, time, pixel scale, north and kind (disc or map) of one band's image.

    Attributes
    ----------
    target : Target
    date : str or None
        UTC time (ISO 8601 or JD/MJD text), from ``--date`` or DATE-OBS.
    date_source : str
    scale : float or None
        Arcseconds per pixel, from ``--pixel-scale`` or the header.
    north : float or None
        The planet's north in the image, degrees from up towards the left,
        when the user gave it (else the ephemeris and the WCS decide).
    map : MapRecognition or None
        Not None when the image is a map.
    """

    target: Target
    date: str | None
    date_source: str
    scale: float | None
    north: float | None
    map: MapRecognition | None

    def notes(self) -> list[str]:
        """What the user should be told about the observation (an assumed target, an assumed grid)."""
        said = [self.target.note] if self.target.note else []
        if self.map is not None and self.map.assumed:
            said.append(
                f"taken as a global cylindrical map ({self.map.reason}): latitude -90..90, west longitude "
                f"360..0 from left to right assumed; give {option('lat_range')} and {option('lon_range')} "
                f"if not, or {option('image_kind', 'disc')} if it is a disc image"
            )
        elif self.map is not None and self.map.grid is None:
            said.append(
                f"a map ({self.map.reason}) whose grid is unknown: give {option('lat_range')} and "
                f"{option('lon_range')} for its geometry"
            )
        return said

    def no_disc(self, label: str) -> str | None:
        """Why this image has no disc to fit (a map, another body), or None."""
        if self.map is not None:
            fix = f"{option('image_kind', 'disc')} if it is one" if self.map.assumed else "a map has no limb"
            return f"{label} is a map (from {self.map.reason}), not a disc image ({fix})"
        if not self.target.modelled:
            return (
                f"{label} shows {self.target.name} ({self.target.source}): falsecolor models "
                f"Jupiter's geometry only ({option('target', 'Jupiter')} if that is wrong)"
            )
        return None


def observe(band: Band, settings: Any = None) -> Observation:
    """The observation of ``band``, the user's options (``settings``: a Corrections or Recipe) first.

    Raises
    ------
    InputError
        Damaged map cards, or map ranges that do not fit the image.
    """

    def given(name: str) -> Any:
        return getattr(settings, name, None) if settings is not None else None

    target = geometry.target_of(band.header, given("target"))
    date = given("date")
    date_source = option("date") if date else ("DATE-OBS" if band.date_obs else "none")
    date = date or band.date_obs
    scale = given("pixel_scale")
    if scale is None:
        scale = pixel_scale(band.header)
    found = None
    if band.data.ndim == 2:
        found = geometry.recognise_map(
            band.header,
            band.shape,
            image_kind=given("image_kind") or "auto",
            lat_range=given("lat_range"),
            lon_range=given("lon_range"),
        )
    return Observation(target, date, date_source, scale, given("north_angle"), found)
