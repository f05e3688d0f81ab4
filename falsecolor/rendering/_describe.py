"""describe(): what falsecolor reads from a file (``falsecolor info``), and the disc it finds there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u

from .. import filters, geometry
from ..bands import read_band
from ..exceptions import ByteOrderError, CubeError, FileFormatError, FilterError, InputError
from ._disc import find_disc
from ._observation import Observation, observe
from ._spectral import REFLECTED_NOTE
from ._spectral import reflected as _reflected


def describe(
    path: str | Path, *, settings: Any = None, ephemeris: str | Path | None = None, **options: Any
) -> dict[str, Any]:
    """What falsecolor reads from a FITS file, as a JSON-ready dict.

    Parameters
    ----------
    path : str or Path
        FITS file.
    settings : Corrections, optional
        What the header lacks: ``target``, ``date``, ``pixel_scale``,
        ``north_angle``, ``image_kind``, ``lat_range``, ``lon_range``, ``site``.
    **options
        :func:`~falsecolor.read_band` keywords (``hdu``, ``plane``, ``unit``,
        ``wavelength``, ``filter``, ``byteswap``). A filter given here must
        exist; one named in the header only earns a note when it does not.
    ephemeris : str or Path, optional
        A JPL planetary ephemeris file (SPICE SPK ``.bsp``) for the disc's
        geometry at DATE-OBS; default astropy's built-in ephemeris.

    Returns
    -------
    dict
        ``path``, ``hdu``, ``shape``, ``dtype`` (as stored in the file),
        ``unit``, ``unit_source``, ``kind``, ``filter``, ``filter_known``,
        ``wavelength_um`` (from WAVELNTH or the filter), ``target`` (``"Jupiter"``,
        another body, or None when unknown) and ``target_source``, ``date_obs``
        (the observation's time, given or read),
        ``finite_fraction``, ``on_disc_fraction``, ``min``, ``max``, ``notes``; for a
        disc image the fitted disc: ``centre_x``, ``centre_y`` (0-based pixels,
        x = column, y = row from the bottom), ``equatorial_radius_px``,
        ``position_angle_deg`` (the pole, from image up towards the left),
        ``disc_source``, ``limb_fit_rms_px``, ``whole_disc`` and, with DATE-OBS,
        ``sub_observer_latitude_deg`` and ``central_meridian_deg``; for a
        cylindrical map ``map`` (latitude and longitude of the first and last
        row and column, ``assumed`` when taken from a global map's shape, and
        ``reason``).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from astropy.io import fits
    >>> from falsecolor import describe
    >>> path = tempfile.mkdtemp() + "/t.fits"
    >>> hdu = fits.PrimaryHDU(np.full((3, 4), 130.0, np.float32))
    >>> hdu.header["BUNIT"], hdu.header["FILTER"] = "K", "NEII_2"
    >>> hdu.writeto(path)
    >>> report = describe(path)
    >>> report["kind"], report["shape"], round(report["wavelength_um"], 2)
    ('temperature', [3, 4], 13.04)
    """
    notes: list[str] = []
    kernel = None if ephemeris is None else geometry.jpl_kernel(ephemeris)  # checked before the work
    band = _read_for_description(path, options, notes)
    data = np.asarray(band.data)
    finite = np.isfinite(data)
    filt, known = _filter_report(band, notes)
    wavelength = band.wavelength if band.wavelength is not None else getattr(filt, "wavelength", None)
    for key, value in band.provenance.items():
        if key != "unit" and ("not ISO" in value or "default" in value):
            notes.append(f"{key}: {value}")
    seen = observe(band, settings)
    report = {
        "path": str(path),
        "hdu": int(band.provenance["hdu"]),
        "shape": list(band.shape),
        "dtype": band.provenance.get("dtype", str(data.dtype)),
        "unit": band.unit.to_string() or "dimensionless",
        "unit_source": band.provenance.get("unit", ""),
        "kind": band.kind,
        "filter": band.filter_name,
        "filter_known": known,
        "wavelength_um": (
            float(wavelength.to_value(u.um, equivalencies=u.spectral())) if wavelength is not None else None
        ),
        "target": seen.target.name,
        "target_source": seen.target.source,
        "date_obs": seen.date,
        "finite_fraction": float(finite.mean()),
        "on_disc_fraction": float(geometry.on_disc_mask(data, raw=band.kind == "counts").mean()),
        "min": float(np.nanmin(data)) if finite.any() else None,
        "max": float(np.nanmax(data)) if finite.any() else None,
        "notes": notes,
    }
    if seen.date and seen.date != band.date_obs:
        notes.append(f"date {seen.date} from {seen.date_source}")
    if band.wavelength is not None and _reflected(band.wavelength):
        notes.append(REFLECTED_NOTE)
    notes.extend(seen.notes())
    with geometry.using_ephemeris(kernel):
        report.update(_disc_report(band, seen, settings, notes))
    return report


def _disc_report(band, seen: Observation, settings: Any, notes: list[str]) -> dict[str, Any]:
    """The grid of a map, or the disc fitted in an image (keys absent when neither)."""
    if band.data.ndim != 2:
        return {}
    if seen.map is not None:
        report: dict[str, Any] = {"reason": seen.map.reason, "assumed": seen.map.assumed}
        grid = seen.map.grid
        if grid is not None:
            lat, lon = grid.latitudes, grid.longitudes
            report.update(
                latitude_range=[float(lat[0]), float(lat[-1])],
                longitude_range=[float(lon[0]), float(lon[-1])],
                latitude_kind=grid.latitude_kind,
            )
        return {"map": report}
    if not seen.target.modelled:
        return {}  # the observation's note says why there is no disc
    try:
        disc = find_disc(band, settings=settings)
    except InputError as err:
        notes.append(f"no disc: {err}")
        return {}
    g = disc.geometry
    report = {
        "centre_x": round(float(g.centre[1]), 3),
        "centre_y": round(float(g.centre[0]), 3),
        "equatorial_radius_px": round(float(g.equatorial_radius), 3),
        "position_angle_deg": round(float(g.pole_angle), 3),
        "disc_source": disc.source,
    }
    if disc.fit is not None:
        report["limb_fit_rms_px"] = round(float(disc.fit.rms), 3)
        report["whole_disc"] = bool(disc.fit.whole_disc)
    if disc.ephemeris is not None:
        report["sub_observer_latitude_deg"] = round(disc.ephemeris.sub_observer_latitude_centric_deg, 4)
        report["central_meridian_deg"] = round(disc.ephemeris.central_meridian_deg, 3)
    return report


def _read_for_description(path, options: dict, notes: list[str]):
    """read_band, but a byte-swapped file or a cube is shown (swapped, plane 0) with a note."""
    try:
        return read_band(path, **options)
    except ByteOrderError as err:
        notes.append(f"{err}; shown here read swapped")
        return read_band(path, **{**options, "byteswap": True})
    except CubeError as err:
        notes.append(f"{err}; shown here: plane 0")
        return read_band(path, **{**options, "plane": 0})


def _filter_report(band, notes: list[str]):
    """The band's filter and whether it is known; a filter the user named must exist."""
    if not band.filter_name:
        return None, None
    try:
        return filters.get_filter(band.filter_name), True
    except (FilterError, FileFormatError):
        if band.provenance.get("filter") == "option":
            raise
        notes.append(f"filter {band.filter_name!r} is not built in: give a curve or a wavelength")
        return None, False
