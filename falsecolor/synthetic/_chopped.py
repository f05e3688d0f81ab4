"""A synthetic chopped (and nodded) thermal-infrared burst with known truth (SCIENCE.md §3.1, §6.6).

Frames alternate between the two chop beams. Beam A sees the planet, the sky
emission and the telescope's own emission; beam B the same sky and telescope
(plus a small chop residual, the telescope radiating differently at the two
chop positions) with the planet displaced by the chop throw: its image in the
off-beam. Both beams are tip-tilted and blurred independently (they are
separate exposures), with background-limited noise, row stripes, a flat-field
error that multiplies the background, and dead and hot pixels (which the
difference cancels). The sky is tens of times brighter than the disc, so a
stack that does not subtract the beams is plainly wrong.

With nodding (``nod_pairs``), the telescope is moved by the throw every
``nod_pairs`` pairs: in nod position B the planet sits at its main position in
chop beam B and the off-beam image is in beam A, displaced by minus the throw;
the chop residual then changes sign in the on − off difference, so nods cancel it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.fft
from astropy.io import fits

from ..bands import SerWriter
from ..exceptions import InputError
from ._frames import _blur
from ._jupiter import synthetic_jupiter

__all__ = ["ChoppedFrames", "synthetic_chopped"]


@dataclass
class ChoppedFrames:
    """A synthetic chopped burst and the truth it was made from.

    Attributes
    ----------
    frames : ndarray or None
        ``(2 * pairs, ny, nx)`` float32 beam frames in time order (row 0 at the
        bottom); None when written to ``path``.
    path : Path or None
        The FITS cube (or SER video) written.
    scene : ndarray
        The noiseless, unblurred planet at its main position (counts).
    shifts : ndarray
        ``(2 * pairs, 2)`` tip-tilt ``(dy, dx)`` of each beam frame.
    fwhm : ndarray
        Seeing FWHM of each beam frame (pixels).
    beams : list of str
        ``'A'`` or ``'B'``: the chop beam of each frame.
    nods : ndarray
        ``(pairs,)`` nod position of each pair (0: A, 1: B).
    throw : (int, int)
        Where the off-beam image of the planet lies relative to the main one, ``(dy, dx)`` pixels, in nod A.
    noise : float
        Standard deviation of one A − B difference at the disc centre (counts).
    level, sky, telescope : float
        Disc-centre brightness; sky and telescope emission (counts).
    """

    frames: np.ndarray | None = field(repr=False)
    path: Path | None
    scene: np.ndarray = field(repr=False)
    shifts: np.ndarray = field(repr=False)
    fwhm: np.ndarray = field(repr=False)
    beams: list[str] = field(repr=False)
    nods: np.ndarray = field(repr=False)
    throw: tuple[int, int]
    noise: float
    level: float
    sky: float
    telescope: float
    _canvas: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((1, 1)))
    _pad: tuple[int, int] = (0, 0)

    @property
    def pairs(self) -> int:
        return len(self.nods)

    def _render(self, spectrum: np.ndarray, fwhm: float, dy: float, dx: float) -> np.ndarray:
        image = _blur(spectrum, self._canvas.shape, fwhm, dy, dx)
        py, px = self._pad
        ny, nx = self.scene.shape
        return image[py : py + ny, px : px + nx]

    def clean_frames(self) -> np.ndarray:
        """``(pairs, ny, nx)``: the planet alone as each on-beam saw it (no sky, background or noise)."""
        spectrum = scipy.fft.rfft2(self._canvas)
        on = np.array([self.beams[2 * k] != ("A" if self.nods[k] == 0 else "B") for k in range(self.pairs)])
        index = 2 * np.arange(self.pairs) + on  # the frame of each pair that holds the main image
        return np.stack([self._render(spectrum, self.fwhm[i], *self.shifts[i]) for i in index])

    def blurred_truth(self, fwhm: float) -> np.ndarray:
        """The scene seen through a Gaussian PSF of ``fwhm`` pixels (no noise, no shift)."""
        return self._render(scipy.fft.rfft2(self._canvas), fwhm, 0.0, 0.0)


def _tip_tilt(rng, n: int, rms: float, rho: float) -> np.ndarray:
    shifts = np.empty((n, 2))
    shifts[0] = rng.normal(0, rms, 2)
    for i in range(1, n):
        shifts[i] = rho * shifts[i - 1] + np.sqrt(1 - rho**2) * rng.normal(0, rms, 2)
    return shifts


def synthetic_chopped(
    pairs: int = 100,
    shape: tuple[int, int] = (128, 256),
    *,
    throw: tuple[int, int] | None = None,
    radius: float | None = None,
    nod_pairs: int | None = None,
    first_beam: str = "A",
    fwhm: float = 2.5,
    fwhm_spread: float = 0.3,
    tip_tilt: float = 1.5,
    correlation_time: float = 0.2,
    dit: float = 0.02,
    snr: float = 30.0,
    sky: float = 30.0,
    telescope: float = 5.0,
    chop_residual: float = 0.01,
    stripes: float = 0.005,
    flat_error: float = 0.015,
    bad_pixel_fraction: float = 0.001,
    level: float = 1000.0,
    seed: int = 0,
    path: str | Path | None = None,
    date_obs: str = "2016-02-15T08:47:39.760",
    band: str = "cloud",
) -> ChoppedFrames:
    """Make a chopped (optionally nodded) burst of the synthetic Jupiter at 4.8 µm (or 13 µm).

    Parameters
    ----------
    pairs, shape
        Number of A/B pairs (twice as many frames) and the frame shape.
    throw : (int, int), optional
        The chop throw ``(dy, dx)`` in pixels: where the planet's off-beam image
        lies relative to its main one. Default ``(0, 0.4 nx)``.
    radius : float, optional
        Disc radius in pixels; default 20 % of the smaller side. The planet is centred.
    nod_pairs : int, optional
        Nod every this many pairs (A, B, A, ...); default no nodding.
    first_beam : {'A', 'B'}
        The beam of the first frame of every pair.
    fwhm, fwhm_spread, tip_tilt, correlation_time, dit
        Seeing and image motion as in :func:`synthetic_frames`, per beam frame.
    snr
        Signal-to-noise of one A − B difference at the disc centre.
    sky, telescope
        Sky and telescope emission as multiples of the disc level (mid-IR: the background dominates).
    chop_residual
        The telescope's extra emission in beam B (a plane), as a fraction of the disc level.
    stripes, flat_error, bad_pixel_fraction
        Row stripes (RMS per row, fraction of the disc level), flat-field error, dead/hot pixels.
    level
        Disc-centre brightness in counts.
    path : str or Path, optional
        Write the frames to this ``.fits`` file (streamed) instead of returning them: a cube
        whose header says it is chopped (``HIERARCH ESO DET CHOP ST = T``, ``CHOPBEAM``), or
        with nodding one image extension per nod position (``HIERARCH ESO SEQ NODPOS``). A
        ``.ser`` video carries no chop marker (stack it with ``--chop pairs``).
    band : {'cloud', 'temperature'}
        The synthetic Jupiter's M-BAND (4.8 µm) or NEII_2 (13 µm) image.

    Examples
    --------
    >>> burst = synthetic_chopped(4, (48, 96), seed=1)
    >>> burst.frames.shape, burst.throw
    ((8, 48, 96), (0, 38))
    """
    if first_beam not in ("A", "B"):
        raise InputError(f"first_beam {first_beam!r}: choose 'A' or 'B'")
    if band not in ("cloud", "temperature"):
        raise InputError(f"band {band!r}: choose cloud (4.8 µm) or temperature (13 µm)")
    if pairs < 1 or (nod_pairs is not None and nod_pairs < 1):
        raise InputError("pairs and nod_pairs must be at least 1")
    rng = np.random.default_rng(seed)
    ny, nx = shape
    ty, tx = throw if throw is not None else (0, round(0.4 * nx))
    jupiter = synthetic_jupiter(shape, equatorial_radius=radius or 0.2 * min(ny, nx), limb_darkening=True)
    truth_band = jupiter.cloud_band if band == "cloud" else jupiter.temperature_band
    scene = np.nan_to_num(np.asarray(truth_band.data, np.float64))
    centre_level = float(np.percentile(scene[scene > 0], 90))
    scene = scene / centre_level * level
    py, px = abs(ty) + 32, abs(tx) + 32  # room for the off-beam image: no FFT wrap-round
    canvas = np.pad(scene, ((py, py), (px, px)))
    spectrum = scipy.fft.rfft2(canvas)

    n = 2 * pairs
    nods = (np.arange(pairs) // nod_pairs) % 2 if nod_pairs else np.zeros(pairs, int)
    other = "B" if first_beam == "A" else "A"
    beams = [first_beam if j % 2 == 0 else other for j in range(n)]
    widths = fwhm * np.exp(rng.normal(0.0, fwhm_spread, n))
    shifts = _tip_tilt(rng, n, tip_tilt, float(np.exp(-dit / correlation_time)))
    background = (sky + telescope) * level
    gain = snr**2 * (level + 2 * background) / level**2
    flat = (1 + rng.normal(0, flat_error, shape)).astype(np.float32)
    bad = rng.random(shape) < bad_pixel_fraction
    hot = bad & (rng.random(shape) < 0.5)
    y, x = np.mgrid[0:ny, 0:nx].astype(np.float32)
    bowl = telescope * level * (1 + 0.05 * ((x / nx - 0.5) ** 2 + (y / ny - 0.5) ** 2))
    residual = chop_residual * level * (1 + 0.5 * (x / nx - 0.5) - 0.3 * (y / ny - 0.5))
    sky_slope = sky * level * 0.02 * (x / nx - 0.5)
    start = _dt.datetime.fromisoformat(date_obs)
    times = [(start + _dt.timedelta(seconds=i * dit)).isoformat(timespec="milliseconds") for i in range(n)]
    result = ChoppedFrames(
        None,
        None,
        scene.astype(np.float32),
        shifts,
        widths,
        beams,
        nods,
        (ty, tx),
        level / snr,
        level,
        sky * level,
        telescope * level,
        canvas,
        (py, px),
    )

    def frame(j: int) -> np.ndarray:
        nod, beam = int(nods[j // 2]), beams[j]
        on = beam == ("A" if nod == 0 else "B")
        sign = 0 if on else (1 if nod == 0 else -1)
        planet = result._render(spectrum, widths[j], shifts[j, 0] + sign * ty, shifts[j, 1] + sign * tx)
        drift = 1 + 0.01 * np.sin(2 * np.pi * j * dit / 7.0)  # the sky changes slowly; the chop follows it
        light = (
            np.maximum(planet, 0) + sky * level * drift + sky_slope + bowl + (residual if beam == "B" else 0)
        )
        noisy = light + rng.standard_normal(shape, np.float32) * np.sqrt(light / gain).astype(np.float32)
        noisy = noisy * flat + rng.normal(0, stripes * level, (ny, 1))
        noisy[bad] = 0.0
        noisy[hot] = 5 * background
        return noisy.astype(np.float32)

    if path is None:
        result.frames = np.stack([frame(j) for j in range(n)])
        return result
    result.path = written = Path(path)
    if written.suffix.lower() == ".ser":
        with SerWriter(
            written, shape, count=n, depth=16, instrument="falsecolor synthetic", start_utc=times[0]
        ) as ser:
            for j in range(n):
                ser.write(frame(j)[::-1] + 2000.0, [times[j]])
        return result
    header = fits.Header()
    header["DATE-OBS"], header["FRAMTIME"] = times[0], (dit, "[s] time between frames")
    header["FILTER"], header["INSTRUME"] = truth_band.filter_name, "falsecolor synthetic"
    header["CONVFACT"] = (centre_level / level, "radiance per count")
    header["CONVUNIT"] = truth_band.unit.to_string()
    header["HIERARCH ESO DET CHOP ST"] = (True, "chopping")
    header["HIERARCH ESO TEL CHOP ST"] = (True, "chopping")
    header["HIERARCH ESO DET CHOP NCYCLES"] = (pairs, "chop cycles (A/B pairs)")
    header["CHOPBEAM"] = (first_beam + other, "chop beams of each frame pair, in order")
    _write_fits(written, header, frame, times, nods, nod_pairs, shape)
    return result


def _write_fits(path: Path, header: fits.Header, frame, times, nods, nod_pairs, shape) -> None:
    ny, nx = shape
    n = len(times)
    if not nod_pairs:
        header["NAXIS"], header["NAXIS1"], header["NAXIS2"], header["NAXIS3"] = 3, nx, ny, n
        with fits.StreamingHDU(str(path), _ordered(header)) as stream:
            for j in range(n):
                stream.write(frame(j))
        return
    fits.PrimaryHDU(header=header).writeto(str(path))
    block = 2 * nod_pairs
    for start in range(0, n, block):
        count = min(block, n - start)
        extension = fits.Header()
        extension["XTENSION"], extension["BITPIX"], extension["NAXIS"] = "IMAGE", -32, 3
        extension["NAXIS1"], extension["NAXIS2"], extension["NAXIS3"] = nx, ny, count
        extension["PCOUNT"], extension["GCOUNT"] = 0, 1
        extension["EXTNAME"] = f"NOD{start // block + 1}"
        extension.extend(header.cards)
        extension["DATE-OBS"] = times[start]
        extension["HIERARCH ESO SEQ NODPOS"] = ("AB"[int(nods[start // 2])], "nod position")
        with fits.StreamingHDU(str(path), extension) as stream:
            for j in range(start, start + count):
                stream.write(frame(j))


def _ordered(header: fits.Header) -> fits.Header:
    """A primary header: the layout cards first, then the others (HIERARCH cards kept as they are)."""
    ordered = fits.Header()
    ordered["SIMPLE"], ordered["BITPIX"] = True, -32
    for key in ("NAXIS", "NAXIS1", "NAXIS2", "NAXIS3"):
        ordered[key] = header[key]
    ordered.extend(card for card in header.cards if not card.keyword.startswith("NAXIS"))
    return ordered
