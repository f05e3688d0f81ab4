"""Frame quality: a noise-robust sharpness measure and the brightness used to reject frames.

Sharpness is the normalised gradient energy ``N Σ|∇b|² / (Σ b)²`` (or the
normalised Laplacian energy ``N Σ(∇²b)² / (Σ b)²``) of the frame ``b`` after a
binomial pre-blur, over a region (by default the bounding box of the disc).
Dividing by the squared flux makes it independent of transparency and
exposure, so frames are ranked by blur, not brightness.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["METRICS", "QualityMeter", "box_slices", "frame_quality"]

METRICS = ("gradient", "laplacian")


def box_slices(shape: tuple[int, int], box: int) -> tuple[int, int]:
    """Number of whole ``box``-sized boxes along each axis (at least one each)."""
    return max(1, shape[0] // box), max(1, shape[1] // box)


@dataclass
class QualityMeter:
    """Sharpness of frames of one shape, reusing its buffers from frame to frame.

    Parameters
    ----------
    shape : (int, int)
        Shape of the region the meter is given (already cropped).
    metric : str
        ``'gradient'`` (default) or ``'laplacian'``.
    boxes : (int, int), optional
        Also return the sharpness in a grid of this many boxes (rows, columns),
        for per-region selection.
    """

    shape: tuple[int, int]
    metric: str = "gradient"
    boxes: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"unknown sharpness metric {self.metric!r}: choose {' or '.join(METRICS)}")
        ny, nx = self.shape
        if ny < 8 or nx < 8:
            raise ValueError(f"a quality region of {ny} x {nx} pixels is too small (at least 8 x 8)")
        self._row = np.empty((ny, nx - 2), np.float32)
        self._blur = np.empty((ny - 2, nx - 2), np.float32)
        self._gx = np.empty((ny - 2, nx - 3), np.float32)
        self._gy = np.empty((ny - 3, nx - 2), np.float32)
        self._lap = np.empty((ny - 4, nx - 4), np.float32)

    def __call__(self, region: np.ndarray) -> tuple[float, float, np.ndarray | None]:
        """Sharpness, summed brightness and (with ``boxes``) per-box sharpness of one region."""
        row, b = self._row, self._blur
        # binomial [1 2 1] x [1 2 1] / 16 pre-blur, in place
        np.add(region[:, :-2], region[:, 2:], out=row)
        row += region[:, 1:-1]
        row += region[:, 1:-1]
        np.add(row[:-2], row[2:], out=b)
        b += row[1:-1]
        b += row[1:-1]
        b *= np.float32(1 / 16)
        flux = float(b.sum())  # float32 pairwise summation: ample for a ranking
        if self.metric == "gradient":
            gx, gy = self._gx, self._gy
            np.subtract(b[:, 1:], b[:, :-1], out=gx)
            np.subtract(b[1:], b[:-1], out=gy)
            energy = float(np.dot(gx.ravel(), gx.ravel())) + float(np.dot(gy.ravel(), gy.ravel()))
            maps: tuple[np.ndarray, ...] = (gx, gy)
        else:
            lap = self._lap
            np.add(b[1:-1, 2:], b[1:-1, :-2], out=lap)
            lap += b[2:, 1:-1]
            lap += b[:-2, 1:-1]
            lap -= 4 * b[1:-1, 1:-1]
            energy = float(np.dot(lap.ravel(), lap.ravel()))
            maps = (lap,)
        n = b.size
        sharpness = n * energy / (flux * flux) if flux > 0 else 0.0
        per_box = self._per_box(maps, b) if self.boxes is not None else None
        return sharpness, flux, per_box

    def _per_box(self, maps: tuple[np.ndarray, ...], b: np.ndarray) -> np.ndarray:
        assert self.boxes is not None
        nby, nbx = self.boxes
        ny, nx = b.shape
        hy, hx = ny // nby, nx // nbx
        energy = np.zeros((nby, nbx))
        for g in maps:  # a difference map is a pixel shorter than the blurred region: tile it on its own
            gy, gx = g.shape[0] // nby, g.shape[1] // nbx
            sq = np.square(g[: nby * gy, : nbx * gx], dtype=np.float64)
            energy += sq.reshape(nby, gy, nbx, gx).sum(axis=(1, 3))
        flux = b[: nby * hy, : nbx * hx].reshape(nby, hy, nbx, hx).sum(axis=(1, 3), dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = hy * hx * energy / flux**2
        return np.where(flux > 0, q, 0.0)


def frame_quality(frame: np.ndarray, *, metric: str = "gradient") -> float:
    """Normalised sharpness of one frame (higher is sharper).

    Examples
    --------
    >>> import numpy as np
    >>> y, x = np.mgrid[:64, :64]
    >>> sharp = np.exp(-((y - 32) ** 2 + (x - 32) ** 2) / 8.0).astype(np.float32)
    >>> blurred = np.exp(-((y - 32) ** 2 + (x - 32) ** 2) / 32.0).astype(np.float32)
    >>> frame_quality(sharp) > frame_quality(blurred)
    True
    """
    frame = np.asarray(frame, np.float32)
    return QualityMeter(frame.shape, metric)(frame)[0]
