"""Corrections that use the planet's geometry: north up, calibration to a zonal profile, limb correction.

They run on the bands before the render's one pass, only when asked for
(except north-up rotation, which happens when the geometry is known on the
sky), and each is written into the render's notes (and so into the outputs'
metadata).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.io import fits

from .. import calibrate, geometry, planck
from .._units import WAVELENGTH_RADIANCE
from ..bands import Band
from ..exceptions import InputError
from ..geometry import Backplanes, DiscGeometry
from . import _maps
from ._geometry import (
    Disc,
    describe_disc,
    find_disc,
    header_geometry,
    jupiter_ephemeris,
    pixel_scale,
    rotate_north_up,
    shift_image,
    shift_onto,
)

__all__ = ["ORIENTATIONS", "Corrected", "Corrections", "apply_corrections"]

ORIENTATIONS = ("north", "sky")
PROJECTIONS = ("none", "map", "disc")


@dataclass(frozen=True)
class Corrections:
    """What to correct; the defaults change nothing but turn north up where the sky geometry is known.

    Attributes
    ----------
    limb : str or float
        ``"none"``; ``"auto"`` (the filter's published exponent, else fitted);
        ``"fit"``; or the exponent b of I = I0 mu^b for the temperature band.
    cloud_limb : str or float, optional
        The same for the cloud band; default ``"fit"`` when ``limb`` is on
        (no exponent is published for 5 um), ``"none"`` otherwise.
    mu_min : float
        Pixels at or below this mu are masked when limb-corrected.
    limb_fade : bool
        Fade the composite to transparent over mu_min..mu_min + 0.1.
    orientation : str
        ``"north"`` turns a disc image north up when its sky geometry is
        known; ``"sky"`` keeps the detector frame.
    profile : str or Path, optional
        Zonal-profile table to scale the temperature band to.
    profile_column : str, optional
        Its column (default: the band's filter name, else the only column).
    site : str, optional
        Observatory for the ephemeris (default from the header, else geocentre).
    project : str
        ``"none"``; ``"map"``: disc images become a cylindrical map (after
        the corrections); ``"disc"``: cylindrical maps become a disc view at
        ``view_time`` (north up).
    map_resolution : float
        Degrees per pixel of the map made by ``project="map"``.
    view_time : str, optional
        UTC of the disc view (``project="disc"``).
    lat_range, lon_range : (float, float), optional
        Latitudes of the first and last map row, longitudes (System III W) of
        the first and last column, for maps whose header does not say.
    subtract_sky : bool
        Subtract each raw band's sky (or bias) level first (done by the
        render, before the uncertainty is measured).
    coalign : bool
        Shift the cloud-axis band so its disc (limb fit) sits on the
        temperature band's: for bands stacked or reduced separately.
    """

    limb: str | float = "none"
    cloud_limb: str | float | None = None
    mu_min: float = calibrate.DEFAULT_MU_MIN
    limb_fade: bool = False
    orientation: str = "north"
    profile: str | Path | None = None
    profile_column: str | None = None
    site: str | None = None
    project: str = "none"
    map_resolution: float = 1.0
    view_time: str | None = None
    lat_range: tuple[float, float] | None = None
    lon_range: tuple[float, float] | None = None
    coalign: bool = False
    subtract_sky: bool = False

    def __post_init__(self):
        if self.project not in PROJECTIONS:
            raise InputError(f"projection {self.project!r}: choose none, map or disc")
        if self.project == "disc" and not self.view_time:
            raise InputError("a disc view of a map needs the time of the view (--view-time, UTC)")
        for name in ("limb", "cloud_limb"):
            value = getattr(self, name)
            if (
                value is not None
                and not isinstance(value, int | float)
                and value not in ("none", "auto", "fit")
            ):
                raise InputError(f"limb correction {value!r}: give none, auto, fit or an exponent (e.g. 0.2)")
        if self.orientation not in ORIENTATIONS:
            raise InputError(f"orientation {self.orientation!r}: choose north or sky")
        if not 0 <= self.mu_min < 1:
            raise InputError(f"the mu cut must be within 0..1, got {self.mu_min}")

    @property
    def cloud(self) -> str | float:
        if self.cloud_limb is not None:
            return self.cloud_limb
        return "none" if self.limb == "none" else "fit"

    def needs_disc(self) -> bool:
        asked = (self.limb != "none", self.cloud != "none", self.profile is not None, self.coalign)
        return any(asked) or self.project == "map"


@dataclass(frozen=True, eq=False)
class Corrected:
    """The corrected bands, the disc (None when not known), the limb fade (None without), companions."""

    temperature: Band
    axis: Band
    disc: Disc | None
    fade: np.ndarray | None
    companions: tuple = ()


def apply_corrections(
    temperature: Band,
    axis: Band,
    *,
    axis_role: str = "cloud",
    corrections: Corrections,
    prefixes,
    notes: dict,
    companions: tuple = (),
) -> Corrected:
    """North up, profile calibration and limb correction of the bands, as ``corrections`` asks.

    ``axis_role`` is ``"cloud"`` (a 5 um band), ``"opacity"`` (a ready map,
    never limb-corrected) or ``"aerosol"`` (a thermal band, limb-corrected like
    the temperature band unless told otherwise). ``companions`` are planes on
    the bands' pixels (or numbers, or None) that follow every change of pixel
    grid (the relative uncertainties); they come back in the same order.
    """
    if corrections.project == "disc":
        temperature, axis, disc, companions = _to_disc_view(temperature, axis, corrections, notes, companions)
    else:
        disc = _disc_for(temperature, corrections)
    if disc is None:
        return Corrected(temperature, axis, None, None, companions)
    if corrections.coalign and axis_role != "opacity":
        axis, companions = _coalign(axis, disc, corrections, notes, companions)
    if corrections.orientation == "north" and disc.oriented and abs(disc.geometry.pole_angle) > 0.01:
        notes["orientation"] = f"turned {disc.geometry.pole_angle:.2f}° to put north up"
        planes = _as_bands(temperature, companions)
        geometry_up, (temperature, axis, *planes) = rotate_north_up(disc.geometry, temperature, axis, *planes)
        companions = _from_bands(planes, companions)
        disc = dataclasses.replace(disc, geometry=geometry_up)
    notes["disc"] = describe_disc(disc)
    if not corrections.needs_disc():
        return Corrected(temperature, axis, disc, None, companions)
    planes = geometry.backplanes(temperature.shape, disc.geometry)
    if corrections.profile is not None:
        temperature = _profile_calibrate(temperature, planes, disc.geometry, corrections, prefixes[0], notes)
    if corrections.limb != "none":
        temperature = _limb_correct(
            temperature, planes, corrections.limb, corrections, prefixes[0], "temperature", notes
        )
    cloud_choice = corrections.cloud
    if axis_role == "aerosol" and corrections.cloud_limb is None:  # a thermal band: its own exponent
        cloud_choice = "auto" if isinstance(corrections.limb, int | float) else corrections.limb
    if cloud_choice != "none" and axis_role != "opacity":
        axis = _limb_correct(axis, planes, cloud_choice, corrections, prefixes[1], "cloud", notes)
    fade = None
    if corrections.limb_fade and (corrections.limb != "none" or cloud_choice != "none"):
        fade = calibrate.limb_weight(planes.mu, corrections.mu_min)
    if corrections.project == "map":
        grid = geometry.MapGrid.regular(corrections.map_resolution)
        bands = _as_bands(temperature, companions)
        temperature, axis, *bands = (
            _to_map(b, disc.geometry, grid, corrections.mu_min) for b in (temperature, axis, *bands)
        )
        notes["projection"] = (
            f"cylindrical map, {corrections.map_resolution:g}°/pixel, mu > {corrections.mu_min:g}"
        )
        return Corrected(temperature, axis, None, None, _from_bands(bands, companions))
    return Corrected(temperature, axis, disc, fade, companions)


def _coalign(axis: Band, disc: Disc, corrections: Corrections, notes: dict, companions: tuple):
    """The cloud-axis band (and its uncertainty plane) shifted onto the temperature band's disc."""
    try:
        axis, (dy, dx) = shift_onto(axis, disc.geometry, site=corrections.site)
    except InputError as err:
        raise InputError(f"{axis.label}: {err} (needed to align it with the temperature band)") from None
    notes["coalign"] = (
        f"{axis.label} shifted by dx {dx:+.2f}, dy {dy:+.2f} px onto the temperature band's disc"
    )
    if len(companions) == 2 and isinstance(companions[1], np.ndarray):
        companions = (companions[0], shift_image(companions[1], (dy, dx)))
    return axis, companions


def _as_bands(like: Band, companions: tuple) -> list[Band]:
    """The companion planes (arrays only) as bands on ``like``'s grid, for the geometric changes."""
    return [
        like.replace(data=np.asarray(c, dtype=np.float32), mask=None)
        for c in companions
        if isinstance(c, np.ndarray)
    ]


def _from_bands(bands: list[Band], companions: tuple) -> tuple:
    """The companions with their planes replaced by the changed ones (numbers and None as they were)."""
    moved = iter(bands)
    return tuple(next(moved).data if isinstance(c, np.ndarray) else c for c in companions)


def _to_map(band: Band, disc: DiscGeometry, grid, mu_min: float) -> Band:
    values, _ = geometry.project_to_map(np.asarray(band.data, dtype=np.float64), disc, grid, mu_min=mu_min)
    header = band.header.copy()
    for key, value, comment in grid.to_header():
        header[key] = (value, comment)
    return band.replace(data=values.astype(np.float32), mask=None, header=header)


def _to_disc_view(temperature: Band, axis: Band, corrections: Corrections, notes: dict, companions):
    """Both map bands (and the companion planes) seen as a disc at the view time; the view's disc."""
    grid = geometry.MapGrid.from_header(
        temperature.header,
        temperature.shape,
        lat_range=corrections.lat_range,
        lon_range=corrections.lon_range,
    )
    if grid is None:
        raise InputError(
            f"{temperature.label} has no latitude/longitude cards: give --lat-range and --lon-range "
            "(first and last row / column, e.g. --lat-range -90 90 --lon-range 360 0)"
        )
    size = max(64, min(2048, 2 * temperature.shape[0]))
    ephem = jupiter_ephemeris(corrections.view_time, site=corrections.site)
    view = DiscGeometry(
        ((size - 1) / 2.0, (size - 1) / 2.0), 0.46 * size, ephem.sub_observer_latitude_centric_deg, 0.0,
        ephem.central_meridian_deg,
    )  # fmt: skip
    bands = []
    for band in (temperature, axis, *_as_bands(temperature, companions)):
        data = np.asarray(band.data, dtype=np.float64)
        data = np.where(data > 0, data, np.nan) if band.kind != "opacity" else data  # 0 K = no data
        projected = geometry.project_to_disc(data, grid, (size, size), view)
        bands.append(band.replace(data=projected.astype(np.float32), mask=None, header=fits.Header()))
    notes["projection"] = (
        f"orthographic view at {ephem.time} UTC: CML {ephem.central_meridian_deg:.2f}°, "
        f"B {ephem.sub_observer_latitude_centric_deg:.3f}°, north up"
    )
    disc = Disc(view, "disc view of a map", True, None, ephem)
    return bands[0], bands[1], disc, _from_bands(bands[2:], companions)


def _disc_for(band: Band, corrections: Corrections) -> Disc | None:
    """The band's disc when a correction needs it, or when its sky geometry is known for north up."""
    if band.data.ndim != 2:
        return None
    if _is_map(band):
        if corrections.needs_disc():
            raise InputError(
                f"{band.label} is a cylindrical map: limb correction and profile calibration work on "
                "disc images (a map needs its own emission-angle map)"
            )
        return None
    if corrections.needs_disc():
        try:
            return find_disc(band, site=corrections.site)
        except InputError as err:
            raise InputError(f"{band.label}: {err} (needed for the limb correction / profile)") from None
    if header_geometry(band.header) is not None:
        return find_disc(band, site=corrections.site)  # cheap: read from the cards
    if corrections.orientation == "north" and band.date_obs is not None and pixel_scale(band.header):
        try:
            return find_disc(band, site=corrections.site)
        except InputError:
            return None
    return None


def _is_map(band: Band) -> bool:
    """Whether the header describes a cylindrical map (damaged map cards only matter where a grid is used)."""
    try:
        return geometry.MapGrid.from_header(band.header, band.shape) is not None
    except InputError:
        return False


def _radiance(band: Band, prefix: str) -> tuple[np.ndarray, u.UnitBase | None, object]:
    """The band as radiance (or counts for an uncalibrated cloud band) and the spectral description."""
    if band.kind == "temperature":
        spectral = _maps.spectral_of(band, prefix)[0]
        return _maps.kelvin_to_radiance(band, spectral), WAVELENGTH_RADIANCE, spectral
    if band.kind == "counts" and band.conversion_factor is None:
        return np.asarray(band.data, dtype=np.float64), None, None
    scale, unit = _maps.radiance_scale(band, prefix)
    return np.asarray(band.data, dtype=np.float64) * scale, unit, None


def _as_radiance_band(band: Band, values: np.ndarray, unit: u.UnitBase | None, note: str) -> Band:
    dtype = np.float32 if np.asarray(band.data).dtype != np.float64 else np.float64
    data = values.astype(dtype, copy=False)
    provenance = {**band.provenance, "correction": note}
    if unit is None:  # uncalibrated counts stay counts
        return band.replace(data=data, provenance=provenance)
    return band.replace(data=data, unit=unit, conversion_factor=None, provenance=provenance)


def _limb_correct(band, planes: Backplanes, choice, corrections, prefix, role, notes) -> Band:
    values, unit, _ = _radiance(band, prefix)
    wavelength = _maps.label_of(band)
    if choice == "auto":
        filt = _maps.known_filter(band)
        micron = None
        if band.wavelength is not None:
            micron = band.wavelength.to_value(u.um, equivalencies=u.spectral())
        elif filt is not None:
            micron = filt.wavelength.to_value(u.um)
        choice = calibrate.default_limb_exponent(filt.name if filt else band.filter_name, micron)
        how = "published exponent (SCIENCE.md 3.3)"
        if choice is None:
            choice, how = "fit", ""
    else:
        how = "given exponent"
    if choice == "fit":
        fitted = calibrate.fit_limb_exponent(values, planes.mu, planes.latitude, mu_min=corrections.mu_min)
        choice = fitted.value
        how = f"fitted: ln I vs ln mu in {fitted.bands} latitude bins, ±{fitted.uncertainty:.3f}"
    exponent = float(choice)
    corrected = calibrate.limb_correct(values, planes.mu, exponent, mu_min=corrections.mu_min)
    notes[f"{role}_limb"] = (
        f"{wavelength or band.label}: I0 = I / mu^{exponent:.3f} ({how}), mu > {corrections.mu_min:g}"
    )
    return _as_radiance_band(band, corrected, unit, notes[f"{role}_limb"])


def _profile_calibrate(band, planes, disc: DiscGeometry, corrections, prefix, notes) -> Band:
    values, unit, spectral = _radiance(band, prefix)
    table = calibrate.read_profile_table(corrections.profile)
    column = corrections.profile_column or (band.filter_name if band.filter_name in table else None)
    if column is None:
        if len(table) != 1:
            raise InputError(
                f"the profile table {corrections.profile} has columns {', '.join(table)}: choose one "
                "with --profile-column"
            )
        column = next(iter(table))
    if column not in table:
        raise InputError(f"the profile table has no column {column!r}: it has {', '.join(table)}")
    reference = table[column]
    if spectral is None:
        spectral = _maps.spectral_of(band, prefix)[0]
    reference_radiance = calibrate.ZonalProfile(
        reference.latitude,
        planck.temperature_to_radiance(reference.values, spectral, unit or WAVELENGTH_RADIANCE),
        column,
    )
    image_profile = calibrate.central_meridian_profile(
        values,
        planes.latitude,
        planes.longitude,
        disc.central_meridian,
        mu=planes.mu,
        mu_min=corrections.mu_min,
    )
    k = calibrate.profile_scale(image_profile, reference_radiance)
    scaled_unit = unit or WAVELENGTH_RADIANCE  # counts scaled to a radiance profile become radiance
    note = (
        f"scaled to the zonal profile {column!r} of {Path(corrections.profile).name}: divided by k = {k:.5g}"
    )
    notes["calibration"] = note
    return _as_radiance_band(band, values / k, scaled_unit, note)
