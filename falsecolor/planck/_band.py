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

# Temperature range of the band tables; outside it the inverse returns NaN.
T_MIN, T_MAX = 10.0, 1500.0
_TABLE_SIZE = 8192
_NEWTON_STEPS = 6  # at most; two from the interpolated guess in practice
_CONVERGED = 1e-7


class _Curve:
    """A filter curve as a hashable cache key (by content), carrying its arrays."""

    def __init__(self, spectral: Any):
        self.wavelength = np.ascontiguousarray(spectral.curve_wavelength.to_value(u.um), dtype=np.float64)
        self.transmission = np.ascontiguousarray(spectral.transmission, dtype=np.float64)
        self.digest = hashlib.sha1(self.wavelength.tobytes() + self.transmission.tobytes()).digest()

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Curve) and other.digest == self.digest


class _BandTable:
    """Band-averaged radiance L(T) and its inverse for one filter curve and convention.

    The inverse is tabulated against g = ln(1 + K / L), with K = A q^p at the
    band's mean spectral coordinate: for a single wavelength 1/T = g / (C q)
    exactly, so over a band 1/T is nearly linear in g at every temperature and
    linear interpolation between nodes uniform in g is accurate from 10 K to
    1500 K. Each node is exact: its temperature is solved by Newton's method
    on the band integral itself.
    """

    def __init__(self, curve: _Curve, convention: str, weighting: Weighting):
        kernel = CONVENTIONS["wavenumber" if convention == "frequency" else convention]
        order = np.argsort(curve.wavelength)
        lam = curve.wavelength[order]
        weight = np.clip(curve.transmission[order], 0.0, None)
        if weighting == "photon":
            weight = weight * lam
        if convention == "wavelength":
            q, measure = 1.0 / lam, lam  # q in 1/um
        else:
            q = (1e4 / lam)[::-1]  # cm-1, ascending
            measure, weight = q, weight[::-1]
        norm = np.trapezoid(weight, measure)
        if not norm > 0:
            raise InputError("the filter transmission curve is zero everywhere")
        self._terms = (kernel, q, weight / norm, measure)
        # Frequency radiance is the wavenumber radiance divided by c (and W m-2 vs erg cm-2).
        self._ln_offset = 0.0
        if convention == "frequency":
            self._ln_offset = float(
                np.log((1 / const.c).to_value(u.s / u.cm))
                + np.log((WAVENUMBER_RADIANCE * u.s / u.cm).to(FREQUENCY_RADIANCE))
            )
        q_mean = np.trapezoid(weight * q, measure) / norm
        #: g = log1p(K / L): the table's coordinate (decreasing with T)
        self.k = float(kernel.amplitude * q_mean**kernel.power * np.exp(self._ln_offset))
        # a little beyond the range, so that T_MIN and T_MAX themselves are inside
        g_cold = self._g(self._ln_band(np.array([0.98 * T_MIN]))[0])[0]
        g_hot = self._g(self._ln_band(np.array([1.02 * T_MAX]))[0])[0]
        self.g0 = float(g_hot)
        self.step = float(g_cold - g_hot) / (_TABLE_SIZE - 1)
        grid = self.g0 + self.step * np.arange(_TABLE_SIZE)
        inverse = self._solve(grid)
        if not np.all(np.isfinite(inverse)):
            raise InputError(
                "cannot tabulate the band radiance of this filter curve over 10-1500 K "
                "(is it a mid-infrared filter?)"
            )
        self.g = grid  # ascending in g, descending in T; exact at every node
        self.inv_t = inverse  # 1/T at each node (ascending)
        # NaN sentinels at both ends: any index that falls outside the table (hotter,
        # colder, I <= 0, NaN) is clipped onto a NaN, so the kernel needs no range checks.
        self.inverse = np.concatenate([[np.nan], inverse, [np.nan]])
        self.slope = np.concatenate([[np.nan], np.diff(inverse), [np.nan, np.nan]])

    def _g(self, ln_l: np.ndarray) -> np.ndarray:
        """g = ln(1 + K / L), from ln L without overflow."""
        return np.logaddexp(0.0, np.log(self.k) - ln_l)

    def _ln_band(self, temperature: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ln L(T) and d ln L / dT, by direct integration over the curve (blocks of 512 T).

        Works in logarithms (ln B = ln A + p ln q - ln(e^x - 1), shifted by its
        maximum before exponentiating), so short wavelengths at low temperature
        do not underflow to zero.
        """
        kernel, q, weight, measure = self._terms
        ln_amplitude = np.log(kernel.amplitude) + kernel.power * np.log(q)
        ln_l = np.empty(temperature.size)
        slope = np.empty(temperature.size)
        for start in range(0, temperature.size, 512):
            t = temperature[start : start + 512, None]
            x = kernel.exponent * q / t
            one_minus = -np.expm1(-x)  # 1 - e^-x
            ln_planck = ln_amplitude - x - np.log(one_minus)  # ln B, since e^x - 1 = e^x (1 - e^-x)
            peak = ln_planck.max(axis=1, keepdims=True)
            relative = np.exp(ln_planck - peak)
            band = np.trapezoid(weight * relative, measure, axis=1)
            ln_l[start : start + 512] = np.log(band) + peak[:, 0] + self._ln_offset
            # dB/dT = B x / ((1 - e^-x) T)
            slope[start : start + 512] = (
                np.trapezoid(weight * relative * x / (one_minus * t), measure, axis=1) / band
            )
        return ln_l, slope

    def _solve(self, g_target: np.ndarray) -> np.ndarray:
        """1/T at which g(L(T)) equals each target: Newton on ln L from an interpolated guess."""
        # ln L = ln K - ln(e^g - 1), with ln(e^g - 1) = g + ln(1 - e^-g) for large g
        ln_target = np.log(self.k) - (g_target + np.log(-np.expm1(-g_target)))
        coarse_t = np.geomspace(0.9 * T_MIN, 1.1 * T_MAX, 256)
        coarse_ln, _ = self._ln_band(coarse_t)
        t = 1.0 / np.interp(ln_target, coarse_ln, 1.0 / coarse_t)
        for _ in range(_NEWTON_STEPS):
            ln_l, slope = self._ln_band(t)
            step = np.clip(t - (ln_l - ln_target) / slope, 0.5 * T_MIN, 2.0 * T_MAX) - t
            t = t + step
            # Newton converges quadratically: after a relative step under 1e-7 the error is ~1e-14,
            # and another band integral over the whole table would not change T
            if not np.max(np.abs(step) / t) >= _CONVERGED:
                break
        return 1.0 / t

    def radiance(self, temperature: np.ndarray) -> np.ndarray:
        """Band radiance at ``temperature`` (interpolated between the exact nodes)."""
        t = np.asarray(temperature, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.interp(1.0 / t, self.inv_t, self.g)
            out = self.k / np.expm1(g)
        return np.where((t >= T_MIN) & (t <= T_MAX), out, np.nan)


@lru_cache(maxsize=64)
def _band_table(curve: _Curve, convention: str, weighting: Weighting) -> _BandTable:
    return _BandTable(curve, convention, weighting)


def table_for(spectral: Any, convention: str, weighting: Weighting) -> _BandTable:
    if weighting not in ("energy", "photon"):
        raise InputError(f"weighting must be 'energy' or 'photon', got {weighting!r}")
    return _band_table(_Curve(spectral), convention, weighting)


def band_kernel(table: _BandTable, scale: float) -> Kernel:
    """Kernel: radiance (times ``scale`` into the table's unit) -> T, NaN outside the table.

    g = log1p(K / (scale I)); position p = (g - g0) / step + 1 on the
    sentinel-padded table; 1/T = inverse[floor p] + (p - floor p) slope[floor p].
    Casting NaN or a huge position to an integer gives a value that clips onto
    a sentinel (x86 gives INT_MIN, saturating platforms the extremes).
    """
    inverse, slope = table.inverse, table.slope
    ratio = table.k / scale
    gain = 1.0 / table.step
    offset = -table.g0 * gain + 1.0

    def kernel(x, t, position, cell_start, inv_t, step, cell):
        np.divide(ratio, x, out=position, dtype=np.float64)  # inf for I = 0, < 0 for I < 0
        np.log1p(position, out=position)  # NaN for K/I < -1
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
