"""The values at the ends of the two palette axes, and how each axis spreads the values between them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import normalise
from ..normalise import AxisLimits
from ..recipe import Axes

__all__ = ["MINIMUM_TAU_SPAN", "MINIMUM_T_SPAN", "axes_limits", "stretches"]

#: The narrowest spans percentile limits give (a flat image gets these, with a warning, and a key
#: whose labels read plainly), in K and in tau.
MINIMUM_T_SPAN, MINIMUM_TAU_SPAN = 0.5, 0.1


def axes_limits(
    axes: Axes,
    temperature: np.ndarray,
    cloud: np.ndarray,
    *,
    t_mask: np.ndarray | None = None,
    tau_mask: np.ndarray | None = None,
) -> tuple[AxisLimits, AxisLimits]:
    """Both axes' limits as the options ask: given, else percentiles of the unmasked values."""
    t_axis = normalise.axis_limits(
        temperature,
        limits=axes.t_limits,
        percentiles=axes.t_percentiles,
        mask=t_mask,
        name="temperature",
        minimum_span=MINIMUM_T_SPAN,
        stretch=axes.t_stretch,
    )
    tau_axis = normalise.axis_limits(
        cloud,
        limits=axes.tau_limits,
        percentiles=axes.tau_percentiles,
        mask=tau_mask,
        name="cloud opacity",
        minimum_span=MINIMUM_TAU_SPAN,
        stretch=axes.tau_stretch,
        floor=0.0,  # tau (and the aerosol index) are never negative
    )
    return t_axis, tau_axis


def stretches(t_axis: AxisLimits, tau_axis: AxisLimits) -> dict[str, Any]:
    """The palette's ``x_stretch`` and ``y_stretch`` keywords for two axes."""
    return {"x_stretch": t_axis.stretch_function, "y_stretch": tau_axis.stretch_function}
