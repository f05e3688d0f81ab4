"""What presenting a composite reads of it, as a Protocol (so the page, the metadata and the FITS
products need not import the Composite that uses them)."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from astropy import units as u

from ..bands import Band
from ..geometry import DiscGeometry
from ..normalise import AxisLimits
from ..palette import Palette
from ..recipe import Recipe
from ._provenance import AxisQuantity

__all__ = ["CompositeData"]


class CompositeData(Protocol):
    """The data of a :class:`~falsecolor.Composite`: colours, maps, limits, inputs, provenance."""

    @property
    def rgba(self) -> np.ndarray: ...

    @property
    def temperature(self) -> u.Quantity: ...

    @property
    def opacity(self) -> np.ndarray: ...

    @property
    def mask(self) -> np.ndarray: ...

    @property
    def palette(self) -> Palette: ...

    @property
    def t_limits(self) -> AxisLimits: ...

    @property
    def tau_limits(self) -> AxisLimits: ...

    @property
    def temperature_band(self) -> Band: ...

    @property
    def cloud_band(self) -> Band | None: ...

    @property
    def recipe(self) -> Recipe | None: ...

    @property
    def geometry(self) -> DiscGeometry | None: ...

    @property
    def temperature_error(self) -> np.ndarray | None: ...

    @property
    def opacity_error(self) -> np.ndarray | None: ...

    @property
    def temperature_quantity(self) -> AxisQuantity: ...

    @property
    def cloud_quantity(self) -> AxisQuantity: ...

    @property
    def notes(self) -> dict[str, str]: ...

    @property
    def inputs(self) -> list[str]: ...

    def rgba16(self) -> np.ndarray: ...
