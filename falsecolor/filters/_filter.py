"""The :class:`Filter`: a name, an effective wavelength, a transmission curve and a nominal wavelength."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from astropy import units as u

from ..exceptions import FilterError

__all__ = ["NOMINAL_TOLERANCE", "Filter"]

#: How far (a fraction of it) a curve's effective wavelength may lie from its nominal one unwarned.
NOMINAL_TOLERANCE = 0.05


@dataclass(frozen=True, eq=False)
class Filter:
    """A filter: name, effective wavelength and transmission curve.

    Parameters
    ----------
    name : str
        Filter name as used on the command line and in headers.
    wavelength : Quantity
        Effective (band-centre) wavelength, used for labels and headers.
    curve_wavelength : Quantity
        Wavelengths of the transmission curve, ascending.
    transmission : ndarray
        Transmission at ``curve_wavelength`` (any scale; only the shape matters).
    description : str
        Where the curve comes from.
    nominal_wavelength : Quantity, optional
        The wavelength the filter is meant to pass (for a curve file, see
        :func:`load_filters`); None when nothing says.
    nominal_source : str
        Where the nominal wavelength comes from (``"file name"``, ...).

    Examples
    --------
    >>> import astropy.units as u
    >>> from falsecolor import Filter
    >>> f = Filter.top_hat("mine", 12.9 * u.um, 13.2 * u.um)
    >>> f.wavelength.round(3)
    <Quantity 13.05 um>
    """

    name: str
    wavelength: u.Quantity
    curve_wavelength: u.Quantity = field(repr=False)
    transmission: np.ndarray = field(repr=False)
    description: str = ""
    nominal_wavelength: u.Quantity | None = field(default=None, repr=False)
    nominal_source: str = field(default="", repr=False)

    @classmethod
    def top_hat(
        cls,
        name: str,
        low: u.Quantity,
        high: u.Quantity,
        *,
        wavelength: u.Quantity | None = None,
        description: str = "",
        nominal: u.Quantity | None = None,
        nominal_source: str = "",
    ) -> Filter:
        """A filter transmitting 1 between ``low`` and ``high`` and 0 outside."""
        lo, hi = low.to_value(u.um), high.to_value(u.um)
        if not 0 < lo < hi:
            raise FilterError(f"top-hat filter {name!r} needs 0 < low < high, got {low}, {high}")
        inner = np.linspace(lo, hi, 129)
        edge = 1e-6 * (hi - lo)
        grid = np.concatenate([[lo - edge], inner, [hi + edge]])
        transmission = np.concatenate([[0.0], np.ones(inner.size), [0.0]])
        centre = wavelength if wavelength is not None else 0.5 * (lo + hi) * u.um
        return cls(name, centre.to(u.um), grid * u.um, transmission, description, nominal, nominal_source)

    @property
    def half_maximum_range(self) -> tuple[u.Quantity, u.Quantity]:
        """Wavelengths where the transmission first and last reaches half its peak."""
        lam = self.curve_wavelength.to_value(u.um)
        above = np.flatnonzero(self.transmission >= 0.5 * self.transmission.max())
        return lam[above[0]] * u.um, lam[above[-1]] * u.um

    def nominal(self) -> tuple[float, str]:
        """The nominal wavelength in µm and where it comes from (else the half-maximum range's centre)."""
        if self.nominal_wavelength is not None:
            return float(self.nominal_wavelength.to_value(u.um)), self.nominal_source
        low, high = (float(v.to_value(u.um)) for v in self.half_maximum_range)
        return 0.5 * (low + high), "centre of its half-maximum range"

    def off_nominal(self) -> str | None:
        """Why the effective wavelength cannot stand for the nominal one, or None when it can.

        It cannot when it lies more than :data:`NOMINAL_TOLERANCE` (5 %) from
        the nominal wavelength, or outside the half-maximum range: the curve
        then transmits mostly outside its band (a filter without its blocker).
        """
        effective = float(self.wavelength.to_value(u.um))
        low, high = (float(v.to_value(u.um)) for v in self.half_maximum_range)
        nominal, source = self.nominal()
        far = abs(effective - nominal) > NOMINAL_TOLERANCE * nominal
        if not far and low <= effective <= high:
            return None
        return (
            f"effective (transmission-weighted) wavelength {effective:.2f} µm, far from its nominal "
            f"{nominal:.2f} µm ({source}; half maximum {low:.2f}-{high:.2f} µm)"
        )
