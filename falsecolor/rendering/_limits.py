"""The values at the ends of the two palette axes, and how each axis spreads the values between them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import normalise
from ..normalise import AxisLimits
from ..recipe import Axes

__all__ = ["axes_limits", "stretches"]


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
        stretch=axes.t_stretch,
    )
    tau_axis = normalise.axis_limits(
        cloud,
        limits=axes.tau_limits,
        percentiles=axes.tau_percentiles,
        mask=tau_mask,
        name="cloud opacity",
        minimum_span=1e-3,
        stretch=axes.tau_stretch,
    )
    return t_axis, tau_axis


def stretches(t_axis: AxisLimits, tau_axis: AxisLimits) -> dict[str, Any]:
    """The palette's ``x_stretch`` and ``y_stretch`` keywords for two axes."""
    return {"x_stretch": t_axis.stretch_function, "y_stretch": tau_axis.stretch_function}
