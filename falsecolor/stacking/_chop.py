"""Chopped and nodded thermal-infrared bursts: each A/B pair becomes one difference frame (SCIENCE.md §3.1).

In the mid-infrared the sky and the telescope outshine the planet; the
secondary mirror chops between two beams a few times a second and the
difference of the two removes them. :func:`chop_frames` wraps a
:class:`~falsecolor.bands.FrameSource` in a :class:`ChoppedSource` whose frames
are those differences, read one pair at a time (memory stays flat), so quality
ranking, registration and accumulation see ordinary frames.

The rule, from the headers (never guessed from the pixels):

- ``chop='auto'`` chops when the first file says so: ``HIERARCH ESO DET CHOP
  ST`` or ``HIERARCH ESO TEL CHOP ST`` true, or a ``CHOPBEAM`` card;
  ``'pairs'`` always, ``'none'`` never.
- Frames pair up in order, (0, 1), (2, 3), ..., within each run of frames at
  one nod position; a run's odd last frame is dropped with a warning.
- ``CHOPBEAM`` (``'AB'``/``'A'`` or ``'BA'``/``'B'``) of the run's first image
  HDU says which beam comes first in each pair; by default A.
- ``HIERARCH ESO SEQ NODPOS`` (``'A'``/``'B'``) of each image HDU is its nod
  position (default A). In nod B the telescope has moved the planet by the
  throw into chop beam B (parallel chop/nod), so the difference there is
  B − A: the positive image is always the planet at its main position, and
  the telescope's chop residual changes sign between nods and cancels.

The negative beam (the planet's image in the off-beam, displaced by the chop
throw) must never reach the disc. For each nod position the throw is measured
once, by correlating the high-passed mean on- and off-beams of a few pairs,
together with the disc's footprint; in every difference frame the off-beam's
footprint (following the planet, widened by the image motion) is set to the
sky level, 0, so sharpness and registration lock on the positive planet only;
in the stack those pixels are NaN (header ``NEGMASK``). A plane fitted to the
rest of the sky (the telescope's chop residual, which nodding would cancel) is
subtracted from each difference first, when at least 5 % of the frame is sky.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.fft
from astropy.io import fits
from scipy import ndimage

from .. import lucky
from .._messages import option
from ..bands import FrameSource, saturation_problem
from ..exceptions import InputError, warn
from ._beams import Pair, beam_pairs, says_chopped, segment_headers

__all__ = ["CHOP_MODES", "ChoppedSource", "chop_frames", "mask_negative_beam", "record_chop"]

CHOP_MODES = ("auto", "none", "pairs")
#: Pairs of each nod position read to measure the throw and the disc's footprint.
ESTIMATE_PAIRS = 8
#: The chop residual (a plane) is fitted where this fraction of the frame shows sky, or not at all.
MIN_SKY = 0.05
#: A chop throw is at least this long (pixels): shorter lags are the detector's fixed pattern.
MIN_THROW = 8
#: The throw is refined within this many pixels of the autocorrelation's estimate.
REFINE = 6


@dataclass
class Beam:
    """What one nod position's off-beam looks like, measured on the mean of a few pairs."""

    throw: tuple[int, int]  # (dy, dx): the off-beam image relative to the main one
    negative: np.ndarray  # the off-beam image's footprint (widened), where the estimate's planet is
    disc: np.ndarray  # the positive image's footprint (widened), likewise
    position: tuple[float, float]  # the planet in the estimate


class ChoppedSource(FrameSource):
    """A :class:`~falsecolor.bands.FrameSource` of chop differences: frame k is pair k's on − off beam.

    Attributes
    ----------
    inner : FrameSource
        The beam frames.
    pairs : list of Pair
        The inner frames of each difference (``on``, ``off``) and its nod position.
    dropped : list of int
        Inner frames left without a partner.
    beams : dict
        Per nod position, the measured throw and off-beam footprint (see :func:`chop_frames`).
    """

    def __init__(self, inner: FrameSource, pairs: list[Pair], dropped: list[int]) -> None:
        super().__init__(inner.segments, inner.shape, inner.channel, inner.header, {}, inner.unit)
        self.inner, self.pairs, self.dropped = inner, pairs, dropped
        self.beams: dict[int, Beam] = {}
        self.negative_pixels = 0  # set by mask_negative_beam

    def __len__(self) -> int:
        return len(self.pairs)

    def name(self, index: int) -> str:
        """``cube.fits#4-5``: the on-beam frame, then the off-beam one."""
        pair = self.pairs[index]
        on, off = self.inner.name(pair.on), self.inner.name(pair.off)
        head, _, number = off.rpartition("#")
        return f"{on}-{number}" if head and on.startswith(head + "#") else f"{on}-{off}"

    def time(self, index: int) -> str | None:
        return self.inner.time(self.pairs[index].on)

    def saturation(self, index: int) -> None:
        return None  # each beam is checked when read; a difference has no saturated value

    def read_checked(self, index: int, out: np.ndarray) -> tuple[str | None, int, bool]:
        return self.read(index, out), 0, False  # each beam is checked for saturation when read

    def read(self, index: int, out: np.ndarray) -> str | None:
        """Pair ``index``'s on − off difference into ``out``, its negative beam set to 0."""
        pair = self.pairs[index]
        off = np.empty(self.shape, np.float32)  # per call: chunks read on several threads
        for frame, which, side in ((out, pair.on, "on"), (off, pair.off, "off")):
            reason = _read_beam(self.inner, which, frame)
            if reason is not None:  # the pair's name says which frames: the same reasons count together
                return f"{reason} (its {side}-beam frame)"
        out -= off
        beam = self.beams.get(pair.nod)
        if beam is not None:
            negative, disc = _follow(beam, out)
            sky = ~(negative | disc)
            if np.count_nonzero(sky) > MIN_SKY * sky.size:
                _subtract_plane(out, sky)
            out[negative] = 0.0
        return None

    def close(self) -> None:
        self.inner.close()

    def estimate(self) -> None:
        """Measure each nod position's throw and off-beam footprint on a few of its pairs."""
        for nod in sorted({p.nod for p in self.pairs}):
            members = [k for k, p in enumerate(self.pairs) if p.nod == nod]
            picked = [
                members[int(i)] for i in np.linspace(0, len(members) - 1, min(ESTIMATE_PAIRS, len(members)))
            ]
            beam = _estimate(self, sorted(set(picked)))
            if beam is not None:
                self.beams[nod] = beam


def _read_beam(inner: FrameSource, index: int, frame: np.ndarray) -> str | None:
    """Read one beam frame; why it is unusable (unreadable, saturated in its stored samples), if so."""
    reason, saturated, _ = inner.read_checked(index, frame)
    return reason or saturation_problem(saturated, frame.size)


def _shifted(mask: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``mask`` moved by whole pixels, False where it comes from outside."""
    out = np.zeros_like(mask)
    ny, nx = mask.shape
    if abs(dy) < ny and abs(dx) < nx:
        out[max(dy, 0) : ny + min(dy, 0), max(dx, 0) : nx + min(dx, 0)] = mask[
            max(-dy, 0) : ny + min(-dy, 0), max(-dx, 0) : nx + min(-dx, 0)
        ]
    return out


def _follow(beam: Beam, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The off-beam and disc footprints moved with the planet from the estimate to ``image``."""
    y, x = lucky.planet_position(image)
    if not all(math.isfinite(v) for v in (y, x, *beam.position)):  # no planet to follow by
        return beam.negative, beam.disc
    dy, dx = round(y - beam.position[0]), round(x - beam.position[1])
    return _moved(beam.negative, dy, dx), _moved(beam.disc, dy, dx)


def _moved(mask: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``mask`` moved by whole pixels, its edge repeated: a footprint cut by the frame goes on beyond it."""
    rows = np.clip(np.arange(mask.shape[0]) - dy, 0, mask.shape[0] - 1)
    cols = np.clip(np.arange(mask.shape[1]) - dx, 0, mask.shape[1] - 1)
    return mask[np.ix_(rows, cols)]


def _subtract_plane(image: np.ndarray, sky: np.ndarray) -> None:
    """Subtract the plane fitted to the sky pixels (every 4th row and column): the chop residual."""
    rows, cols = np.nonzero(sky[::4, ::4])
    values = image[::4, ::4][rows, cols].astype(np.float64)
    design = np.column_stack([np.ones(rows.size), 4.0 * rows, 4.0 * cols])
    (c, a, b), *_ = np.linalg.lstsq(design, values, rcond=None)
    y, x = np.ogrid[: image.shape[0], : image.shape[1]]
    image -= (c + a * y + b * x).astype(np.float32)


def _throw(difference: np.ndarray) -> tuple[int, int]:
    """Where the negative image of the mean on - off difference lies relative to the positive one.

    The difference's autocorrelation is most negative at plus and minus the
    throw (the detector's fixed pattern and hot pixels cancelled in the
    difference); the positive part correlated with the negative part picks the sign.
    """
    size = (2 * difference.shape[0], 2 * difference.shape[1])  # zero-padded: no wrap-round
    # the whole disc, not its detail: a zonal planet's belts anticorrelate at half their spacing
    smooth = ndimage.uniform_filter(difference - np.median(difference), 5)
    spectrum = scipy.fft.rfft2(smooth, size)
    autocorrelation = scipy.fft.irfft2(spectrum * np.conj(spectrum), size)
    lag_y = np.round(scipy.fft.fftfreq(size[0]) * size[0]).astype(int)
    lag_x = np.round(scipy.fft.fftfreq(size[1]) * size[1]).astype(int)
    autocorrelation[lag_y[:, None] ** 2 + lag_x[None, :] ** 2 < MIN_THROW**2] = np.inf
    ky, kx = np.unravel_index(int(np.argmin(autocorrelation)), size)
    positive = scipy.fft.rfft2(np.maximum(smooth, 0), size)
    cross = scipy.fft.irfft2(np.conj(positive) * scipy.fft.rfft2(np.maximum(-smooth, 0), size), size)
    sign = 1 if cross[ky, kx] >= cross[-ky, -kx] else -1  # cross[s] = sum positive(x) negative(x + s)
    return sign * int(lag_y[ky]), sign * int(lag_x[kx])


def _refined(positive: np.ndarray, negative: np.ndarray, throw: tuple[int, int]) -> tuple[int, int]:
    """The throw within a few pixels that best lays the positive image on the negative one.

    The autocorrelation's dip is biased when the frame cuts the off-beam image; this
    counts only pixels inside the frame (matched minus mismatched).
    """
    best, score = throw, -np.inf
    sign = np.where(negative, 1, -1).astype(np.int32)
    for dy in range(throw[0] - REFINE, throw[0] + REFINE + 1):
        for dx in range(throw[1] - REFINE, throw[1] + REFINE + 1):
            value = int(sign[_shifted(positive, dy, dx)].sum())
            if value > score:
                best, score = (dy, dx), value
    return best


def _estimate(source: ChoppedSource, members: list[int]) -> Beam | None:
    inner, shape = source.inner, source.shape
    on_sum, off_sum = np.zeros(shape), np.zeros(shape)  # float64: the background is large
    frame, other = np.empty(shape, np.float32), np.empty(shape, np.float32)
    positions, used = [], 0
    for k in members:
        pair = source.pairs[k]
        if _read_beam(inner, pair.on, frame) or _read_beam(inner, pair.off, other):
            continue  # a saturated beam would move the footprint and the planet's position
        if not (np.isfinite(frame).all() and np.isfinite(other).all()):
            continue
        on_sum += frame
        off_sum += other
        positions.append(lucky.planet_position(frame - other))
        used += 1
    if not used:
        return None
    difference = (on_sum - off_sum) / used
    throw = _throw(difference)
    mean = ndimage.uniform_filter(difference, 5)
    top = float(np.percentile(mean, 99.5))
    if not top > 0:
        return None
    # the disc: where the difference is bright, and where its negative image is, moved back by the throw
    # faint belts count (a 5 um disc is mostly far fainter than its hot spots): 5 sigma of the sky
    noise = 1.4826 * float(np.median(np.abs(mean - np.median(mean))))
    level = max(0.03 * top, 5 * noise)
    throw = _refined(mean > level, mean < -level, throw)
    disc = (mean > level) | _shifted(mean < -level, -throw[0], -throw[1])
    disc = ndimage.binary_fill_holes(disc)
    spread = np.nanstd(np.asarray(positions, float), axis=0) if used > 1 else np.zeros(2)
    margin = 4 + math.ceil(2 * float(np.sqrt(np.nansum(spread**2))))
    negative = ndimage.distance_transform_edt(~_shifted(disc, *throw)) <= margin
    widened = ndimage.distance_transform_edt(~disc) <= margin
    position = lucky.planet_position(difference)
    return Beam(throw, negative, widened, position)


def chop_frames(source: FrameSource, mode: str, *, dark: bool = False) -> FrameSource:
    """``source`` as chop differences (a :class:`ChoppedSource`) when ``mode`` and the headers say so.

    Raises
    ------
    InputError
        Chopped frames with a dark (it cancels in the difference), or fewer than two frames.
    """
    if mode == "none" or isinstance(source, ChoppedSource):
        return source
    headers = segment_headers(source)
    if mode == "auto" and not (says_chopped(headers[0]) or says_chopped(source.header)):
        return source
    if dark:
        raise InputError(
            f"the frames are chopped and a dark cancels in the A - B difference: drop {option('dark')} "
            f"(or stack without chopping, {option('chop', 'none')})"
        )
    pairs, dropped = beam_pairs(source, headers)
    if not pairs:
        raise InputError(
            f"{option('chop', mode)} needs chop pairs (A and B beam frames), but there is "
            f"{len(source)} frame: give the whole burst, or stack with {option('chop', 'none')}"
        )
    for index in dropped:
        warn(f"frame {source.name(index)}: the last of its nod position, without its chop partner; dropped")
    chopped = ChoppedSource(source, pairs, dropped)
    chopped.estimate()
    return chopped


def mask_negative_beam(source: FrameSource, image: np.ndarray, coverage: np.ndarray):
    """The stack NaN (and its coverage 0) where the negative beam falls; unchanged unless chopped."""
    if not isinstance(source, ChoppedSource) or not source.beams:
        return image, coverage
    filled = np.nan_to_num(image)
    if image.shape != source.shape:  # drizzled: find the planet on the frames' grid
        rows = np.minimum(
            (np.arange(source.shape[0]) * image.shape[0] / source.shape[0]).astype(int), image.shape[0] - 1
        )
        cols = np.minimum(
            (np.arange(source.shape[1]) * image.shape[1] / source.shape[1]).astype(int), image.shape[1] - 1
        )
        filled = filled[np.ix_(rows, cols)]
    mask = np.zeros(source.shape, bool)
    for beam in source.beams.values():
        mask |= _follow(beam, filled)[0]
    if image.shape != source.shape:
        rows = np.minimum(
            (np.arange(image.shape[0]) * source.shape[0] / image.shape[0]).astype(int), source.shape[0] - 1
        )
        cols = np.minimum(
            (np.arange(image.shape[1]) * source.shape[1] / image.shape[1]).astype(int), source.shape[1] - 1
        )
        mask = mask[np.ix_(rows, cols)]
    source.negative_pixels = int(mask.sum())
    return np.where(mask, np.float32(np.nan), image), np.where(mask, 0, coverage).astype(coverage.dtype)


def record_chop(source: FrameSource, header: fits.Header, summary: dict[str, Any]) -> None:
    """Chop mode, pair count, throws and the masked negative beam in the band's header and the summary."""
    if not isinstance(source, ChoppedSource):
        summary["chop"] = {"mode": "none"}
        header["CHOPMODE"] = ("none", "frames stacked as they are (no chop difference)")
        return
    masked = source.negative_pixels
    throws = {("A", "B")[nod]: list(beam.throw) for nod, beam in sorted(source.beams.items())}
    nods = sorted({p.nod for p in source.pairs})
    header["CHOPMODE"] = ("pairs", "each frame is a chop pair's on - off beam")
    header["NBEAMFRM"] = (len(source.inner), "beam frames read")
    header["NCHOPPR"] = (len(source.pairs), "chop pairs (difference frames)")
    header["CHOPDROP"] = (len(source.dropped), "beam frames without a partner, dropped")
    header["NODPOS"] = ("".join("AB"[n] for n in nods), "nod positions")
    for name, (dy, dx) in throws.items():
        header[f"CHOPTHR{name}"] = (f"{dy} {dx}", f"[px] off-beam dy dx, nod {name}")
    header["NEGMASK"] = (masked, "pixels NaN where the negative beam falls")
    summary["chop"] = {
        "mode": "pairs",
        "beam_frames": len(source.inner),
        "pairs": len(source.pairs),
        "dropped": [source.inner.name(i) for i in source.dropped],
        "nod_positions": ["AB"[n] for n in nods],
        "throw_px": throws,
        "negative_beam_pixels": masked,
    }
