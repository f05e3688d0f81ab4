"""Synthetic lucky-imaging frames with known truth (SCIENCE.md §6.6, the cheap PSF option).

The scene is the synthetic Jupiter's 4.8 µm image in counts. Each frame is the
scene blurred by a Gaussian seeing PSF whose FWHM is drawn log-normally, moved
by AR(1)-correlated tip-tilt, optionally bent by a smooth spatially varying
warp (the isoplanatic patch is smaller than the disc), then given
background-limited noise, a chop-residual gradient, row stripes, a flat-field
error and dead/hot pixels.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.fft
from astropy.io import fits
from scipy import ndimage

from ..bands import SerWriter
from ..exceptions import InputError
from ._jupiter import synthetic_jupiter

__all__ = ["LuckyFrames", "synthetic_frames"]


@dataclass
class LuckyFrames:
    """Synthetic frames and the truth they were made from.

    Attributes
    ----------
    frames : ndarray or None
        ``(n, ny, nx)`` float32 counts (row 0 at the bottom); None when written to ``path``.
    path : Path or None
        The FITS cube or SER file the frames were written to.
    scene : ndarray
        The noiseless, unblurred, unshifted scene (counts).
    shifts : ndarray
        ``(n, 2)`` true ``(dy, dx)`` of each frame's content against the scene.
    fwhm : ndarray
        Seeing FWHM of each frame (pixels).
    warp : float
        Amplitude (pixels) of the random smooth warp applied to every frame (0: none).
    noise : float
        Noise standard deviation at the disc centre (counts).
    bad_pixels : ndarray
        Mask of the dead and hot pixels.
    times : list of str
        Frame times (ISO 8601).
    level : float
        Disc-centre brightness (counts). Frames written to SER carry a +2000 offset.
    """

    frames: np.ndarray | None = field(repr=False)
    path: Path | None
    scene: np.ndarray = field(repr=False)
    shifts: np.ndarray = field(repr=False)
    fwhm: np.ndarray = field(repr=False)
    warp: float
    noise: float
    bad_pixels: np.ndarray = field(repr=False)
    times: list[str] = field(repr=False)
    level: float = 1000.0

    def blurred_truth(self, fwhm: float) -> np.ndarray:
        """The scene seen through a Gaussian PSF of ``fwhm`` pixels (no noise, no shift)."""
        return _blur(scipy.fft.rfft2(self.scene), self.scene.shape, fwhm, 0.0, 0.0)


def _blur(spectrum: np.ndarray, shape: tuple[int, int], fwhm: float, dy: float, dx: float) -> np.ndarray:
    sigma = fwhm / 2.354820045
    ky = scipy.fft.fftfreq(shape[0])[:, None]
    kx = scipy.fft.rfftfreq(shape[1])[None, :]
    otf = np.exp(-2 * np.pi**2 * sigma**2 * (ky**2 + kx**2) - 2j * np.pi * (ky * dy + kx * dx))
    return scipy.fft.irfft2(spectrum * otf, s=shape).astype(np.float32)


def _warp_field(shape, amplitude, rng) -> tuple[np.ndarray, np.ndarray]:
    """A smooth displacement field (pixels) with a scale of about a third of the frame."""
    ny, nx = shape
    y, x = np.mgrid[0:ny, 0:nx].astype(np.float32)
    fields = []
    for _ in range(2):
        total = np.zeros(shape, np.float32)
        for _ in range(3):
            ky, kx = rng.uniform(1.0, 2.5, 2) * 2 * np.pi / np.array([ny, nx])
            total += np.sin(ky * y + rng.uniform(0, 2 * np.pi)) * np.sin(kx * x + rng.uniform(0, 2 * np.pi))
        fields.append(amplitude * total / np.sqrt(3 / 4 * 3))
    return fields[0], fields[1]


def synthetic_frames(
    n: int = 200,
    shape: tuple[int, int] = (256, 256),
    *,
    fwhm: float = 2.5,
    fwhm_spread: float = 0.4,
    tip_tilt: float = 1.5,
    correlation_time: float = 0.2,
    dit: float = 0.02,
    snr: float = 30.0,
    background: float = 3.0,
    gradient: float = 0.01,
    stripes: float = 0.005,
    flat_error: float = 0.015,
    bad_pixel_fraction: float = 0.001,
    warp: float = 0.0,
    level: float = 1000.0,
    seed: int = 0,
    path: str | Path | None = None,
    date_obs: str = "2016-02-15T08:47:39.760",
    band: str = "cloud",
) -> LuckyFrames:
    """Make a sequence of lucky-imaging frames of the synthetic Jupiter at 4.8 µm (or 13 µm).

    Parameters
    ----------
    n, shape
        Number and shape of the frames.
    fwhm, fwhm_spread
        Median seeing FWHM (pixels) and the log-normal spread (σ of ln FWHM).
    tip_tilt, correlation_time, dit
        RMS image motion per axis (pixels), its AR(1) correlation time and the
        frame interval (seconds).
    snr, background
        Signal-to-noise at the disc centre of one frame, and the sky
        background as a multiple of the disc level (background-limited noise).
    gradient, stripes, flat_error, bad_pixel_fraction
        Chop-residual plane, row stripes (RMS per row) and flat-field error as
        fractions of the disc level; fraction of dead/hot pixels.
    warp
        Amplitude (pixels) of a smooth spatially varying distortion per frame;
        0 for a pure shift.
    level
        Disc-centre brightness in counts.
    path : str or Path, optional
        Write the frames to this ``.fits`` cube or ``.ser`` video (streamed,
        not kept in memory) instead of returning them. A FITS cube carries
        ``FILTER``, ``DATE-OBS`` and the radiance per count (``CONVFACT``,
        ``CONVUNIT``), so its stack renders without options.
    band : {'cloud', 'temperature'}
        The synthetic Jupiter's M-BAND (4.8 µm) or NEII_2 (13 µm) image.

    Examples
    --------
    >>> lucky = synthetic_frames(8, (64, 64), seed=1)
    >>> lucky.frames.shape, lucky.shifts.shape
    ((8, 64, 64), (8, 2))
    """
    rng = np.random.default_rng(seed)
    ny, nx = shape
    if band not in ("cloud", "temperature"):
        raise InputError(f"band {band!r}: choose cloud (4.8 µm) or temperature (13 µm)")
    jupiter = synthetic_jupiter(shape, equatorial_radius=0.4 * min(ny, nx), limb_darkening=True)
    truth_band = jupiter.cloud_band if band == "cloud" else jupiter.temperature_band
    scene = np.nan_to_num(np.asarray(truth_band.data, np.float64))
    centre_level = float(np.percentile(scene[scene > 0], 90))
    scene = (scene / centre_level * level).astype(np.float32)
    spectrum = scipy.fft.rfft2(scene.astype(np.float64))

    widths = fwhm * np.exp(rng.normal(0.0, fwhm_spread, n))
    rho = np.exp(-dit / correlation_time)
    shifts = np.empty((n, 2))
    shifts[0] = rng.normal(0, tip_tilt, 2)
    for i in range(1, n):
        shifts[i] = rho * shifts[i - 1] + np.sqrt(1 - rho**2) * rng.normal(0, tip_tilt, 2)

    sky = background * level
    gain = snr**2 * (level + 2 * sky) / level**2
    flat = (1 + rng.normal(0, flat_error, shape)).astype(np.float32)
    bad = rng.random(shape) < bad_pixel_fraction
    hot = bad & (rng.random(shape) < 0.5)
    y, x = np.mgrid[0:ny, 0:nx].astype(np.float32)
    start = _dt.datetime.fromisoformat(date_obs)
    times = [(start + _dt.timedelta(seconds=i * dit)).isoformat(timespec="milliseconds") for i in range(n)]

    def frame(i: int) -> np.ndarray:
        image = _blur(spectrum, shape, widths[i], *shifts[i])
        if warp:
            wy, wx = _warp_field(shape, warp, rng)
            image = ndimage.map_coordinates(image, [y - wy, x - wx], order=3, mode="nearest").astype(
                np.float32
            )
        signal = np.maximum(image, 0)
        noisy = image + rng.standard_normal(shape, np.float32) * np.sqrt((signal + 2 * sky) / gain).astype(
            np.float32
        )
        angle = rng.uniform(0, 2 * np.pi)
        plane = gradient * level * ((np.cos(angle) * (x / nx - 0.5)) + np.sin(angle) * (y / ny - 0.5))
        rows = rng.normal(0, stripes * level, (ny, 1)).astype(np.float32)
        noisy = (noisy + plane + rows) * flat
        noisy[bad] = 0.0
        noisy[hot] = 5 * level
        return noisy.astype(np.float32)

    frames = None
    written = None
    if path is None:
        frames = np.stack([frame(i) for i in range(n)])
    else:
        written = Path(path)
        offset = 2000.0  # keep integer SER samples positive
        if written.suffix.lower() == ".ser":
            with SerWriter(
                written, shape, count=n, depth=16, instrument="falsecolor synthetic", start_utc=times[0]
            ) as ser:
                for i in range(n):
                    ser.write(frame(i)[::-1] + offset, [times[i]])
        else:
            header = fits.Header()
            header["NAXIS"], header["NAXIS1"], header["NAXIS2"], header["NAXIS3"] = 3, nx, ny, n
            header["DATE-OBS"], header["FRAMTIME"] = times[0], (dit, "[s] time between frames")
            header["FILTER"], header["INSTRUME"] = truth_band.filter_name, "falsecolor synthetic"
            header["CONVFACT"] = (centre_level / level, "radiance per count")
            header["CONVUNIT"] = truth_band.unit.to_string()
            with fits.StreamingHDU(written, fits.Header(_primary(header))) as stream:
                for i in range(n):
                    stream.write(frame(i))
    return LuckyFrames(
        frames,
        written,
        scene,
        shifts,
        widths,
        warp,
        float(np.sqrt((level + 2 * sky) / gain)),
        bad,
        times,
        level,
    )


def _primary(header: fits.Header) -> fits.Header:
    primary = fits.Header()
    primary["SIMPLE"] = True
    primary["BITPIX"] = -32
    for card in header.cards:
        primary[card.keyword] = (card.value, card.comment)
    return primary
