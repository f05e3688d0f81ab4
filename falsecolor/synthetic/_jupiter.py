"""A synthetic Jupiter with known truth (SCIENCE.md section 6).

Belts and zones, the Great Red Spot with its warm core and bright 5 um collar,
5 um hot spots, thermal waves and limb darkening, seen on an oblate disc.
Returns a 13 um (VISIR NEII_2) and a 4.8 um (M band) radiance image plus the
true brightness temperature, cloud opacity and geometry. Used by
``falsecolor render --demo``, by the tests and by the benchmarks.

Values tagged [ASM] in SCIENCE.md are modelling defaults, not measurements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from astropy import units as u
from astropy.io import fits

from .._units import WAVELENGTH_RADIANCE
from ..bands import Band
from ..filters import get_filter
from ..geometry import Backplanes, DiscGeometry, backplanes
from ..planck import temperature_to_radiance

__all__ = ["SyntheticJupiter", "synthetic_jupiter"]

#: Zonal-mean 13.04 um brightness temperature (planetographic latitude, K),
#: Cassini/CIRS filtered through VISIR NEII_2 (SCIENCE.md 6.3); 120 K at the poles [ASM].
_ZONAL_T13 = np.array(
    [
        (-90, 120.0),
        (-72, 120.6),
        (-64, 123.2),
        (-56, 125.9),
        (-48, 127.9),
        (-40, 128.9),
        (-32, 129.3),
        (-24, 129.0),
        (-16, 131.9),
        (-12, 131.9),
        (-8, 130.4),
        (-4, 128.4),
        (0, 127.5),
        (4, 128.4),
        (8, 130.8),
        (12, 133.4),
        (16, 133.4),
        (20, 130.8),
        (24, 130.1),
        (28, 129.9),
        (36, 128.1),
        (44, 127.7),
        (52, 126.7),
        (60, 125.6),
        (68, 123.5),
        (72, 122.7),
        (90, 120.0),
    ]
)

#: 5 um cloud opacity of the belts and zones (SCIENCE.md 6.4, [ASM]); NTB/STB 2.6 [ASM].
_ZONES_TAU, _POLAR_TAU = 3.5, 3.0
_BANDS_TAU = (  # (south edge, north edge, tau), planetographic degrees
    (-6.92, 6.96, 3.2),  # EZ
    (6.96, 17.51, 2.3),  # NEB
    (-19.95, -6.92, 2.0),  # SEB
    (24.29, 31.65, 2.6),  # NTB
    (-32.35, -27.01, 2.6),  # STB
)
_EDGE_WIDTH = 1.0  # degrees, tanh smoothing of band edges

#: Limb-darkening exponents b in I = I0 mu^b (SCIENCE.md 3.3; b5 = 0.5 is [ASM]).
LIMB_EXPONENT_13UM = 0.20
LIMB_EXPONENT_5UM = 0.50


@dataclass(frozen=True, eq=False)
class SyntheticJupiter:
    """Synthetic band images and the truth they were made from.

    Attributes
    ----------
    temperature_band : Band
        13 um (NEII_2) radiance, W m-2 sr-1 um-1, limb-darkened.
    cloud_band : Band
        4.8 um (M-BAND) radiance, W m-2 sr-1 um-1, limb-darkened.
    temperature : Quantity
        True 13 um nadir brightness temperature (K); NaN off the disc.
    opacity : ndarray
        True 5 um cloud opacity; NaN off the disc.
    clear_temperature : Quantity
        5 um brightness temperature of a cloud-free column.
    geometry : DiscGeometry
    backplanes : Backplanes
    limb_exponents : dict
        ``{"temperature": b13, "cloud": b5}`` used (0 when limb darkening is off).
    """

    temperature_band: Band
    cloud_band: Band
    temperature: u.Quantity = field(repr=False)
    opacity: np.ndarray = field(repr=False)
    clear_temperature: u.Quantity
    geometry: DiscGeometry
    backplanes: Backplanes = field(repr=False)
    limb_exponents: dict[str, float]


def _window(latitude: np.ndarray, south: float, north: float) -> np.ndarray:
    return 0.5 * (np.tanh((latitude - south) / _EDGE_WIDTH) - np.tanh((latitude - north) / _EDGE_WIDTH))


def _inside(x: np.ndarray, edge: float, width: float = 0.04) -> np.ndarray:
    """Smooth step: 1 well below ``edge``, 0 well above."""
    return 0.5 * (1.0 - np.tanh((x - edge) / width))


def _wrap(delta_longitude: np.ndarray) -> np.ndarray:
    return (delta_longitude + 180.0) % 360.0 - 180.0


def _zonal_opacity(latitude: np.ndarray) -> np.ndarray:
    polar = 0.5 * (1 + np.tanh((np.abs(latitude) - 55.0) / _EDGE_WIDTH))
    tau = _ZONES_TAU + (_POLAR_TAU - _ZONES_TAU) * polar
    for south, north, value in _BANDS_TAU:
        tau = tau + (value - _ZONES_TAU) * _window(latitude, south, north)
    return tau


def _hot_spots(latitude, longitude, *, count=9, depth=2.2, centre=7.5, phase=10.0):
    """Gaussian dips in tau (SCIENCE.md 6.4: sigma 2.5 deg lon x 0.8 deg lat, 9 in 360 deg).

    The depth is 2.2 rather than the section's assumed 2.0 so that the spot
    centres reach the tabulated hot-spot opacity, tau ~ 0.3, from the ~2.5 of
    the NEB's southern edge at 7.5 N.
    """
    dip = np.zeros_like(latitude)
    # only the pixels within 8 degrees (10 sigma) of the spots' latitude: beyond, exp(-50) adds nothing
    near = np.abs(latitude - centre) < 8.0
    lat, lon = latitude[near], longitude[near]
    band = np.zeros_like(lat)
    for k in range(count):
        d_lon = _wrap(lon - (phase + k * 360.0 / count))
        band += depth * np.exp(-0.5 * ((d_lon / 2.5) ** 2 + ((lat - centre) / 0.8) ** 2))
    dip[near] = band
    return dip


def _great_red_spot(latitude, longitude, grs_longitude):
    """Elliptical radius r (1 at the edge) of the GRS: 13.7 x 8.9 degrees at 22 S."""
    return np.hypot(_wrap(longitude - grs_longitude) / 6.85, (latitude + 22.0) / 4.45)


def synthetic_jupiter(
    shape: tuple[int, int] = (512, 512),
    *,
    equatorial_radius: float | None = None,
    sub_observer_latitude: float = -1.927,
    pole_angle: float = 0.0,
    central_meridian: float = 340.67,
    grs_longitude: float | None = None,
    clear_temperature: float = 250.0,
    limb_darkening: bool = True,
    noise: float = 0.0,
    seed: int = 0,
    dtype: type = np.float32,
    date_obs: str = "2016-02-15T08:47:39.760",
) -> SyntheticJupiter:
    """Make a synthetic Jupiter with known brightness temperature and cloud opacity.

    Parameters
    ----------
    shape : (int, int)
        Image shape ``(ny, nx)``.
    equatorial_radius : float, optional
        Disc radius in pixels; default 45 % of the smaller side.
    sub_observer_latitude, pole_angle, central_meridian : float
        Viewing geometry in degrees (defaults: Jupiter as VISIR saw it on
        2016-02-15, with the pole up).
    grs_longitude : float, optional
        System III longitude of the Great Red Spot; default 25 degrees east of
        the central meridian, so it is in view.
    clear_temperature : float
        5 um brightness temperature of a cloud-free column (K).
    limb_darkening : bool
        Apply I = I0 mu^b (b = 0.2 at 13 um, 0.5 at 5 um).
    noise : float
        Gaussian noise, as a fraction of the median on-disc radiance of each band.
    seed : int
        Random seed for the noise.
    dtype : numpy dtype
        dtype of the band images.
    date_obs : str
        DATE-OBS of the bands.

    Returns
    -------
    SyntheticJupiter

    Examples
    --------
    >>> jupiter = synthetic_jupiter((256, 256))
    >>> jupiter.temperature_band.filter_name, jupiter.cloud_band.filter_name
    ('NEII_2', 'M-BAND')
    """
    ny, nx = shape
    radius = equatorial_radius if equatorial_radius is not None else 0.45 * min(ny, nx)
    geometry = DiscGeometry(
        ((ny - 1) / 2.0, (nx - 1) / 2.0), radius, sub_observer_latitude, pole_angle, central_meridian
    )
    planes = backplanes(shape, geometry)
    on = planes.on_disc
    lat, lon, mu = planes.latitude[on], planes.longitude[on], planes.mu[on]
    grs = _great_red_spot(lat, lon, central_meridian + 25.0 if grs_longitude is None else grs_longitude)
    temperature = _temperature_model(lat, lon, grs)
    tau = _opacity_model(lat, lon, grs)

    b13, b5 = (LIMB_EXPONENT_13UM, LIMB_EXPONENT_5UM) if limb_darkening else (0.0, 0.0)
    t_filter, c_filter = get_filter("NEII_2"), get_filter("M-BAND")
    radiance13 = temperature_to_radiance(temperature, t_filter, WAVELENGTH_RADIANCE) * mu**b13
    clear = temperature_to_radiance(np.array(clear_temperature), c_filter, WAVELENGTH_RADIANCE)
    radiance5 = clear * np.exp(-tau) * mu**b5

    rng = np.random.default_rng(seed)
    images: list[np.ndarray] = [
        _image(shape, on, values, noise, rng).astype(dtype) for values in (radiance13, radiance5)
    ]
    header = _header(geometry)
    return SyntheticJupiter(
        temperature_band=_band(images[0], t_filter, "temperature", header, date_obs),
        cloud_band=_band(images[1], c_filter, "cloud", header, date_obs),
        temperature=_image(shape, on, temperature, 0.0, rng, fill=np.nan) * u.K,
        opacity=_image(shape, on, tau, 0.0, rng, fill=np.nan),
        clear_temperature=clear_temperature * u.K,
        geometry=geometry,
        backplanes=planes,
        limb_exponents={"temperature": b13, "cloud": b5},
    )


def _temperature_model(lat: np.ndarray, lon: np.ndarray, grs: np.ndarray) -> np.ndarray:
    """13 um brightness temperature: zonal mean, thermal wave at 15-20 N, GRS and its warm core."""
    temperature = np.interp(lat, _ZONAL_T13[:, 0], _ZONAL_T13[:, 1])
    temperature += _window(lat, 15.0, 20.0) * np.cos(np.radians(12.0 * lon))
    return temperature - 3.5 * _inside(grs, 1.0) + 2.0 * _inside(grs, 0.3)


def _opacity_model(lat: np.ndarray, lon: np.ndarray, grs: np.ndarray) -> np.ndarray:
    """5 um cloud opacity: belts and zones, hot spots, the GRS and its bright collar."""
    tau = _zonal_opacity(lat) - _hot_spots(lat, lon)
    inside = _inside(grs, 1.0)
    collar = _inside(grs, 1.3) - inside
    tau = tau * (1 - inside - collar) + 4.5 * inside + 1.5 * collar
    return np.clip(tau, 0.0, None)


def _image(shape, on, values, noise, rng, *, fill=0.0) -> np.ndarray:
    """A full image from on-disc values (``fill`` elsewhere), with optional Gaussian noise."""
    image = np.full(shape, fill, dtype=np.float64)
    image[on] = values
    if noise > 0:
        image += rng.normal(0.0, noise * float(np.median(values)), size=shape)
    return image


def _header(geometry: DiscGeometry) -> fits.Header:
    header = fits.Header()
    header["OBJECT"] = "Jupiter (synthetic)"
    header["ORIGIN"] = ("falsecolor.synthetic", "synthetic Jupiter model")
    for key, value, comment in geometry.to_header():
        header[key] = (value, comment)
    return header


def _band(image: np.ndarray, filt, role: str, header: fits.Header, date_obs: str) -> Band:
    header = header.copy()
    header["FC_ROLE"] = role
    provenance = {"unit": "synthetic", "filter": "synthetic", "date_obs": "synthetic"}
    return Band(
        image,
        WAVELENGTH_RADIANCE,
        filt.wavelength,
        filt.name,
        date_obs,
        None,
        None,
        header,
        f"synthetic Jupiter {filt.name}",
        provenance,
    )
