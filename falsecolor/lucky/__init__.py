"""Lucky imaging: frame quality, selection, registration, local alignment and combination.

Each step works on one frame (or one chunk of frames) at a time with reusable
buffers, so :func:`falsecolor.stack` can stream thousands of frames through
them on one machine or on a dask cluster.

- :class:`QualityMeter` / :func:`frame_quality`: normalised gradient (or
  Laplacian) energy after a binomial pre-blur, globally and per box.
- :func:`parse_keep`, :func:`select_best`, :func:`brightness_outliers`.
- :class:`Registrar` / :func:`measure_shift`: sub-pixel shifts by band-limited
  FFT cross-correlation refined with an upsampled DFT; :func:`fourier_shift`.
- :func:`planet_position` / :func:`unwrap_shift`: where the planet is in each
  frame, which picks the real shift among the periodic ones the FFT allows;
  :func:`disc_match`: whether an aligned frame shows the reference's planet.
- :class:`LocalAligner`: shifts per alignment box and a smooth warp.
- Accumulators that add each frame inside the window it covers
  (:func:`covered_window`): :class:`SumAccumulator` (weights per pixel, sigma
  clipping against a :class:`Pilot`), :class:`HistogramMedian`,
  :class:`Drizzle`; :class:`Coverage` counts the frames behind each pixel.
"""

from ._coarse import (
    disc_fit,
    disc_match,
    planet_mask,
    planet_position,
    planet_positions,
    planet_region,
    position_step,
    shift_tolerance,
    unwrap_shift,
)
from ._combine import (
    METHODS,
    Coverage,
    Drizzle,
    HistogramMedian,
    Pilot,
    SumAccumulator,
    Window,
    covered_window,
)
from ._local import LocalAligner, ShiftField
from ._quality import METRICS, QualityMeter, frame_quality
from ._register import Registrar, fourier_shift, measure_shift, shift_spectrum
from ._select import brightness_outliers, keep_count, parse_keep, select_best

__all__ = [
    "METHODS",
    "METRICS",
    "Coverage",
    "Drizzle",
    "HistogramMedian",
    "LocalAligner",
    "Pilot",
    "QualityMeter",
    "Registrar",
    "ShiftField",
    "SumAccumulator",
    "Window",
    "brightness_outliers",
    "covered_window",
    "disc_fit",
    "disc_match",
    "fourier_shift",
    "frame_quality",
    "keep_count",
    "measure_shift",
    "parse_keep",
    "planet_mask",
    "planet_position",
    "planet_positions",
    "planet_region",
    "position_step",
    "select_best",
    "shift_spectrum",
    "shift_tolerance",
    "unwrap_shift",
]
