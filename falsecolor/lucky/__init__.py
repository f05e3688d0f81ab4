"""Lucky imaging: frame quality, selection, registration, local alignment and combination.

Each step works on one frame (or one chunk of frames) at a time with reusable
buffers, so :func:`falsecolor.stack` can stream thousands of frames through
them on one machine or on a dask cluster.

- :class:`QualityMeter` / :func:`frame_quality`: normalised gradient (or
  Laplacian) energy after a binomial pre-blur, globally and per box.
- :func:`parse_keep`, :func:`select_best`, :func:`brightness_outliers`.
- :class:`Registrar` / :func:`measure_shift`: sub-pixel shifts by band-limited
  FFT cross-correlation refined with an upsampled DFT; :func:`fourier_shift`.
- :class:`LocalAligner`: shifts per alignment box and a smooth warp.
- Accumulators: :class:`SpectralSum`, :class:`SumAccumulator` (weights per
  pixel, sigma clipping against a :class:`Pilot`), :class:`HistogramMedian`,
  :class:`Drizzle`.
"""

from ._combine import METHODS, Drizzle, HistogramMedian, Pilot, SpectralSum, SumAccumulator
from ._local import LocalAligner, ShiftField
from ._quality import METRICS, QualityMeter, frame_quality
from ._register import Registrar, fourier_shift, measure_shift, shift_spectrum
from ._select import brightness_outliers, keep_count, parse_keep, select_best

__all__ = [
    "METHODS",
    "METRICS",
    "Drizzle",
    "HistogramMedian",
    "LocalAligner",
    "Pilot",
    "QualityMeter",
    "Registrar",
    "ShiftField",
    "SpectralSum",
    "SumAccumulator",
    "brightness_outliers",
    "fourier_shift",
    "frame_quality",
    "keep_count",
    "measure_shift",
    "parse_keep",
    "select_best",
    "shift_spectrum",
]
