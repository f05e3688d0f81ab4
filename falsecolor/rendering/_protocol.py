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

    rgba: np.ndarray
    temperature: u.Quantity
    opacity: np.ndarray
    mask: np.ndarray
    palette: Palette
    t_limits: AxisLimits
    tau_limits: AxisLimits
    temperature_band: Band
    cloud_band: Band | None
    recipe: Recipe | None
    geometry: DiscGeometry | None
    temperature_error: np.ndarray | None
    opacity_error: np.ndarray | None

    @property
    def temperature_quantity(self) -> AxisQuantity: ...

    @property
    def cloud_quantity(self) -> AxisQuantity: ...

    @property
    def notes(self) -> dict[str, str]: ...

    @property
    def inputs(self) -> list[str]: ...

    def rgba16(self) -> np.ndarray: ...
