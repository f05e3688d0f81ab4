"""Cloud opacity from the ~5 um window against a clear-sky reference.

tau = -ln(I / I_clear) = ln I_clear - ln I, the effective absorption optical
depth of the cloud column above the ~1-5 bar emitting level. The gain of the
detector cancels in the ratio, so uncalibrated counts work as well as radiance
when the clear-sky reference comes from the image itself.
"""

from __future__ import annotations

import numpy as np

from ._blocks import Kernel, float_dtype, subsample
from .exceptions import InputError

__all__ = [
    "CLEAR_SKY_PERCENTILE",
    "clear_sky_radiance",
    "opacity_from_radiance",
    "opacity_kernel",
]

#: Default percentile of on-disc 5 um radiance taken as the clear-sky reference:
#: the hot spots, "less cloud cover than more than 99 percent of the planet".
CLEAR_SKY_PERCENTILE = 99.5


def clear_sky_radiance(
    radiance: np.ndarray, *, percentile: float = CLEAR_SKY_PERCENTILE, mask: np.ndarray | None = None
) -> float:
    """The clear-sky 5 um radiance: a high percentile of the positive on-disc values.

    Parameters
    ----------
    radiance : ndarray
        5 um radiance or counts, ``(ny, nx)``.
    percentile : float
        Percentile in (0, 100] of the positive, unmasked pixels.
    mask : ndarray of bool, optional
        True where a pixel is not on the disc (excluded).

    Returns
    -------
    float
        In the unit of ``radiance``.

    Raises
    ------
    InputError
        When no pixel is positive and finite.
    """
    if not 0 < percentile <= 100:
        raise InputError(f"the clear-sky percentile must be in (0, 100], got {percentile}")
    sample = subsample(radiance, mask)
    sample = sample[sample > 0]
    if sample.size == 0:
        raise InputError(
            "the cloud band has no positive finite radiance on the disc: "
            "check the file (all NaN, zero or negative?)"
        )
    return float(np.percentile(sample, percentile))


def opacity_from_radiance(radiance: np.ndarray, clear: float, *, out: np.ndarray | None = None) -> np.ndarray:
    """Cloud opacity tau = ln(I_clear / I) of plain values, clipped at 0, NaN where I <= 0.

    The array-level core of :func:`falsecolor.cloud_opacity` (which also takes
    Quantities and a clear-sky temperature).

    Parameters
    ----------
    radiance : ndarray
        5 um radiance (or counts), any shape. float32 stays float32.
    clear : float
        Clear-sky radiance in the same unit (see :func:`clear_sky_radiance`).
    out : ndarray, optional
        Output buffer of the same shape.

    Returns
    -------
    ndarray
        tau >= 0; NaN where the radiance is not positive and finite.

    Notes
    -----
    tau = -ln(I / I_clear). Domain: I > 0, I_clear > 0. Range: [0, inf).
    Pixels brighter than the reference (tau < 0) are set to 0.

    Examples
    --------
    >>> import numpy as np
    >>> opacity_from_radiance(np.array([1.0, 0.5, 2.0, 0.0]), 1.0)
    array([0.        , 0.69314718, 0.        ,        nan])
    """
    values = np.asarray(radiance)
    if out is None:
        out = np.empty(values.shape, float_dtype(values))
    opacity_kernel(clear, dtype=values.dtype).run([values], [out])
    return out


def opacity_kernel(clear: float, *, dtype: np.dtype | type = np.float64) -> Kernel:
    """A block kernel: radiance -> tau = ln(I_clear) - ln(I), clipped at 0, NaN where undefined.

    Parameters
    ----------
    clear : float
        Clear-sky radiance, in the units of the values the kernel will read.
    dtype : dtype
        dtype of those values: the logarithm is taken in float32 for float32
        data (ample for tau) and in float64 otherwise.

    Returns
    -------
    Kernel
        ``func(values_block, tau_block, scratch)``.

    Notes
    -----
    tau = ln I_clear - ln I; NaN for I <= 0, I = inf or NaN; tau < 0 is set to 0.
    """
    if not (np.isfinite(clear) and clear > 0):
        raise InputError(f"the clear-sky radiance must be positive, got {clear}")
    work = float_dtype(np.empty(0, dtype))
    log_clear = work(np.log(clear))

    def kernel(x, tau, buffer):
        np.log(x, out=buffer, dtype=work)  # NaN for I < 0, -inf for I = 0, inf for I = inf
        np.subtract(log_clear, buffer, out=buffer)
        np.copyto(buffer, np.nan, where=np.isinf(buffer))
        np.maximum(buffer, 0.0, out=buffer)  # keeps NaN
        tau[...] = buffer

    return Kernel(kernel, (work,))
