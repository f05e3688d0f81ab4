"""Band-averaged Planck radiance over a filter curve, and its inverse by a uniform ln-L table."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

import numpy as np
from astropy import constants as const
from astropy import units as u

from .._blocks import Kernel
from .._units import FREQUENCY_RADIANCE, WAVENUMBER_RADIANCE
from ..exceptions import InputError
from ._conventions import CONVENTIONS, Weighting

# --------------------------------------------------------------------------------------
# Band integration over a filter curve


def _curve_key(spectral: Any) -> tuple[str, int]:
    wavelength = np.ascontiguousarray(spectral.curve_wavelength.to_value(u.um), dtype=np.float64)
    transmission = np.ascontiguousarray(spectral.transmission, dtype=np.float64)
    digest = hashlib.sha1(wavelength.tobytes() + transmission.tobytes()).hexdigest()
    _CURVES[digest] = (wavelength, transmission)
    return digest, wavelength.size


_CURVES: dict[str, tuple[np.ndarray, np.ndarray]] = {}

# Temperature range of the band tables; outside it the inverse returns NaN.
_T_MIN, _T_MAX = 10.0, 3000.0
_TABLE_SIZE = 8192


class _BandTable:
    """Band-averaged radiance L(T) and its inverse for one filter curve and convention."""

    def __init__(
        self, wavelength_um: np.ndarray, transmission: np.ndarray, convention: str, weighting: Weighting
    ):
        kernel = CONVENTIONS["wavenumber" if convention == "frequency" else convention]
        order = np.argsort(wavelength_um)
        lam = wavelength_um[order]
        weight = np.clip(transmission[order], 0.0, None)
        if weighting == "photon":
            weight = weight * lam
        if convention == "wavelength":
            q = 1.0 / lam  # 1/um
            measure = lam
        else:
            q = 1e4 / lam  # cm-1
            measure = q[::-1]
            q, weight = q[::-1], weight[::-1]
        norm = np.trapezoid(weight, measure)
        if not norm > 0:
            raise InputError("the filter transmission curve is zero everywhere")
        # Forward table: ln L on a grid uniform in 1/T.
        self.inv_t = np.linspace(1.0 / _T_MAX, 1.0 / _T_MIN, _TABLE_SIZE)
        ln_l = np.empty(_TABLE_SIZE)
        for start in range(0, _TABLE_SIZE, 512):
            inv_t = self.inv_t[start : start + 512, None]
            with np.errstate(over="ignore"):
                planck = kernel.amplitude * q**kernel.power / np.expm1(kernel.exponent * q * inv_t)
            ln_l[start : start + 512] = np.log(np.trapezoid(weight * planck, measure, axis=1) / norm)
        if convention == "frequency":
            ln_l += np.log((1 / const.c).to_value(u.s / u.cm)) + np.log(
                (WAVENUMBER_RADIANCE * u.s / u.cm).to(FREQUENCY_RADIANCE)
            )
        self.convention = convention
        self.unit = CONVENTIONS[convention].radiance_unit
        self.ln_l = ln_l[::-1].copy()  # ascending in ln L (and in T)
        inv_t_ascending_l = self.inv_t[::-1].copy()
        # Inverse table: 1/T on a grid uniform in ln L, so look-ups are index arithmetic.
        self.ln_l0 = self.ln_l[0]
        self.step = (self.ln_l[-1] - self.ln_l[0]) / (_TABLE_SIZE - 1)
        grid = self.ln_l0 + self.step * np.arange(_TABLE_SIZE)
        inverse = np.interp(grid, self.ln_l, inv_t_ascending_l)
        # NaN sentinels at both ends: any index that falls outside the table (colder,
        # hotter, I <= 0, NaN) is clipped onto a NaN, so the kernel needs no range checks.
        self.inverse = np.concatenate([[np.nan], inverse, [np.nan]])
        self.slope = np.concatenate([[np.nan], np.diff(inverse), [np.nan, np.nan]])

    def radiance(self, temperature: np.ndarray) -> np.ndarray:
        t = np.asarray(temperature, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.exp(np.interp(1.0 / t, self.inv_t, self.ln_l[::-1]))
        return np.where((t >= _T_MIN) & (t <= _T_MAX), out, np.nan)


@lru_cache(maxsize=64)
def _band_table(digest: str, size: int, convention: str, weighting: Weighting) -> _BandTable:
    wavelength, transmission = _CURVES[digest]
    return _BandTable(wavelength, transmission, convention, weighting)


def table_for(spectral: Any, convention: str, weighting: Weighting) -> _BandTable:
    if weighting not in ("energy", "photon"):
        raise InputError(f"weighting must be 'energy' or 'photon', got {weighting!r}")
    digest, size = _curve_key(spectral)
    return _band_table(digest, size, convention, weighting)


def band_kernel(table: _BandTable, scale: float) -> Kernel:
    """Kernel: radiance (times ``scale`` into the table's unit) -> T, NaN outside the table.

    Position p = (ln(scale I) - ln L0) / step + 1 on the sentinel-padded table;
    1/T = inverse[floor p] + (p - floor p) slope[floor p].
    """
    inverse, slope = table.inverse, table.slope
    gain = 1.0 / table.step
    offset = (np.log(scale) - table.ln_l0) * gain + 1.0

    def kernel(x, t, position, cell_start, inv_t, step, cell):
        np.log(x, out=position, dtype=np.float64)  # NaN for I < 0, -inf for I = 0
        position *= gain
        position += offset
        np.floor(position, out=cell_start)
        np.copyto(cell, cell_start, casting="unsafe")  # NaN/inf/huge land on a sentinel
        position -= cell_start  # fraction within the cell
        np.take(inverse, cell, out=inv_t, mode="clip")
        np.take(slope, cell, out=step, mode="clip")
        step *= position
        inv_t += step
        np.divide(1.0, inv_t, out=inv_t)
        t[...] = inv_t

    return Kernel(kernel, (np.float64, np.float64, np.float64, np.float64, np.int32))
