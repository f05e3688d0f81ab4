"""Global sub-pixel registration by FFT cross-correlation with a local upsampled DFT.

The shift of a frame against the reference is found in three steps on the
band-limited cross-power spectrum ``conj(R) F`` (frequencies above
``max_frequency`` cycles per pixel carry mostly noise after seeing blur, and
are left out):

1. a coarse correlation from a small inverse FFT of the kept frequencies;
2. a parabola through the coarse peak;
3. the correlation evaluated by a matrix-multiply DFT on a fine grid
   (``1/upsample`` pixel) around that estimate (Guizar-Sicairos, Thurman &
   Fienup 2008, Opt. Lett. 33, 156), and a parabola through the fine peak.

Shifting is done in Fourier space (exact for band-limited images), so the
mean of the aligned frames can be accumulated as a spectrum and inverted once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.fft

__all__ = ["Registrar", "fourier_shift", "measure_shift"]


def _parabola(minus: np.ndarray, centre: np.ndarray, plus: np.ndarray) -> np.ndarray:
    """Offset of the vertex of a parabola through three equally spaced samples (clipped to ±0.5)."""
    denominator = minus - 2 * centre + plus
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(denominator < 0, 0.5 * (minus - plus) / denominator, 0.0)
    return np.clip(offset, -0.5, 0.5)


@dataclass
class Registrar:
    """Measures shifts of frames against one reference image.

    Parameters
    ----------
    reference : ndarray
        The reference image ``(ny, nx)``.
    upsample : int
        Fine-grid factor of the DFT refinement (the grid step is
        ``1/upsample`` pixel before the final parabola).
    max_frequency : float
        Highest spatial frequency used, cycles per pixel (≤ 0.5).
    """

    reference: np.ndarray = field(repr=False)
    upsample: int = 20
    max_frequency: float = 0.25

    def __post_init__(self) -> None:
        ny, nx = self.reference.shape
        self.shape = (ny, nx)
        ky = max(2, min(ny // 2, round(self.max_frequency * ny)))
        kx = max(2, min(nx // 2, round(self.max_frequency * nx)))
        self._rows = np.r_[0:ky, ny - ky : ny]  # fft order: 0..ky-1, then -ky..-1
        self._ky = np.r_[0:ky, -ky:0].astype(np.float64)
        self._kx = np.arange(kx + 1, dtype=np.float64)
        self._ncols = kx + 1
        weight = np.full(kx + 1, 2.0)
        weight[0] = 1.0
        if 2 * kx == nx:
            weight[-1] = 1.0
        self._weight = weight
        self._coarse_shape = (2 * ky, 2 * kx)
        self._step = (ny / (2 * ky), nx / (2 * kx))
        spectrum = self.spectrum(self.reference)
        self._ref = np.conj(self._crop(spectrum))
        self._ref[0, 0] = 0  # the mean level carries no position
        self._ref_power = float(np.sum(np.square(np.abs(self._ref)) @ weight))
        self.reference_spectrum = spectrum

    def spectrum(self, image: np.ndarray) -> np.ndarray:
        """Real FFT of an image (complex64 for float32 input)."""
        return scipy.fft.rfft2(image, workers=1)

    def _crop(self, spectrum: np.ndarray) -> np.ndarray:
        return spectrum[self._rows, : self._ncols]

    def shift(self, spectrum: np.ndarray) -> tuple[float, float, float]:
        """``(dy, dx, correlation)`` of a frame given its :meth:`spectrum`.

        ``frame(r) ≈ reference(r - d)``: the frame's content sits ``d`` pixels
        further along each axis. ``correlation`` (0..1) is the normalised peak.
        """
        crop = self._crop(spectrum)
        cross = self._ref * crop
        # 1. coarse correlation on a (2ky, 2kx) grid
        coarse = scipy.fft.irfft2(cross, s=self._coarse_shape, workers=1)
        cy, cx = np.unravel_index(int(np.argmax(coarse)), coarse.shape)
        gy, gx = coarse.shape
        oy = _parabola(coarse[(cy - 1) % gy, cx], coarse[cy, cx], coarse[(cy + 1) % gy, cx])
        ox = _parabola(coarse[cy, (cx - 1) % gx], coarse[cy, cx], coarse[cy, (cx + 1) % gx])
        y0 = ((cy + oy + gy / 2) % gy - gy / 2) * self._step[0]
        x0 = ((cx + ox + gx / 2) % gx - gx / 2) * self._step[1]
        # 2. the correlation on a fine grid around (y0, x0), by matrix-multiply DFT
        half = max(self._step) * 0.5 + 1.0 / self.upsample
        n = int(np.ceil(half * self.upsample))
        offsets = np.arange(-n, n + 1) / self.upsample
        ys, xs = y0 + offsets, x0 + offsets
        ny, nx = self.shape
        ey = np.exp((2j * np.pi / ny) * np.outer(ys, self._ky))
        ex = np.exp((2j * np.pi / nx) * np.outer(self._kx, xs))
        fine = ((ey @ (cross * self._weight)) @ ex).real
        fy, fx = (int(i) for i in np.unravel_index(int(np.argmax(fine)), fine.shape))
        fy, fx = min(max(fy, 1), fine.shape[0] - 2), min(max(fx, 1), fine.shape[1] - 2)
        dy = ys[fy] + _parabola(fine[fy - 1, fx], fine[fy, fx], fine[fy + 1, fx]) / self.upsample
        dx = xs[fx] + _parabola(fine[fy, fx - 1], fine[fy, fx], fine[fy, fx + 1]) / self.upsample
        power = np.square(np.abs(crop))
        power[0, 0] = 0
        frame_power = float(np.sum(power @ self._weight))
        norm = np.sqrt(self._ref_power * frame_power)
        correlation = float(fine[fy, fx] / norm) if norm > 0 else 0.0
        return float(dy), float(dx), correlation


def _ramps(shape: tuple[int, int], dy: float, dx: float) -> tuple[np.ndarray, np.ndarray]:
    ny, nx = shape
    ky = scipy.fft.fftfreq(ny)
    kx = scipy.fft.rfftfreq(nx)
    return np.exp(-2j * np.pi * ky * dy).astype(np.complex64), np.exp(-2j * np.pi * kx * dx).astype(
        np.complex64
    )


def shift_spectrum(spectrum: np.ndarray, shape: tuple[int, int], dy: float, dx: float) -> np.ndarray:
    """Multiply a real-FFT spectrum in place by the phase ramp that moves the image by ``(dy, dx)``."""
    ry, rx = _ramps(shape, dy, dx)
    spectrum *= ry[:, None]
    spectrum *= rx[None, :]
    return spectrum


def fourier_shift(image: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """The image moved by ``(dy, dx)`` pixels (periodic, exact for band-limited images).

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((8, 8), np.float32); image[2, 3] = 1
    >>> moved = fourier_shift(image, 1, -2)
    >>> np.unravel_index(np.argmax(moved), moved.shape)
    (np.int64(3), np.int64(1))
    """
    image = np.asarray(image, np.float32)
    spectrum = shift_spectrum(scipy.fft.rfft2(image), image.shape, dy, dx)
    return scipy.fft.irfft2(spectrum, s=image.shape)


def measure_shift(
    reference: np.ndarray, frame: np.ndarray, *, upsample: int = 20, max_frequency: float = 0.25
) -> tuple[float, float]:
    """Sub-pixel shift ``(dy, dx)`` of ``frame`` against ``reference``: ``frame(r) ≈ reference(r - d)``.

    Examples
    --------
    >>> import numpy as np
    >>> y, x = np.mgrid[:64, :64]
    >>> ref = np.exp(-((y - 30.0) ** 2 + (x - 33.0) ** 2) / 18)
    >>> frame = np.exp(-((y - 31.3) ** 2 + (x - 32.4) ** 2) / 18)
    >>> dy, dx = measure_shift(ref, frame)
    >>> round(dy, 2), round(dx, 2)
    (1.3, -0.6)
    """
    registrar = Registrar(np.asarray(reference, np.float32), upsample, max_frequency)
    dy, dx, _ = registrar.shift(registrar.spectrum(np.asarray(frame, np.float32)))
    return dy, dx
