"""Frame sources for lucky imaging: FITS cubes and files, SER and other videos, PNG/TIFF sequences.

:func:`open_frames` turns file names, directories and glob patterns into one
:class:`FrameSource`, an indexable sequence of frames read lazily one at a
time into a caller's buffer, so memory does not grow with the number of
frames. FITS and SER data are memory-mapped and the pages of a frame are
released once it has been read. A source holds only paths and layout, so it
pickles small and reopens its files in another process (a dask worker).

Frames follow the package convention: row 0 is the bottom of the image. SER,
video and PNG/TIFF store the top row first and are flipped on reading. Video
files (AVI, MOV, MP4, MKV) are decoded frame by frame (:mod:`._video`), and
colour-sensor mosaics (Bayer) are demosaiced frame by frame (:mod:`._bayer`),
before the channel is chosen.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import mmap
import os
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from ..exceptions import FalsecolorWarning, FileFormatError, InputError
from ._bayer import check_bayer, demosaic, resolve_bayer
from ._channels import check_channel, clipped, colour_only, one_channel, transparent
from ._channels import luminance as luminance_of
from ._frame_files import FRAME_SUFFIXES, expand, segments_of
from ._frame_formats import Segment, read_image
from ._video import close_videos, read_video_frame

__all__ = ["FRAME_SUFFIXES", "FrameSource", "open_frames"]

_PAGE = mmap.PAGESIZE


#: Bytes of decoded image-file frames (PNG, TIFF, JPEG) a source keeps, so that a frame read again
#: (the reference's, the kept ones') is not decoded again.
DECODED_BUDGET = 128 * 2**20


@dataclass
class FrameSource:
    """An indexable, lazily read sequence of frames of one shape.

    Attributes
    ----------
    shape : (int, int)
        ``(ny, nx)`` of every frame.
    header : astropy.io.fits.Header
        Cards of the first FITS (or SER) header: filter, instrument, time.
    problems : dict
        Frames known to be unusable before reading (truncated file, wrong shape),
        ``index -> reason``.
    """

    segments: list[Segment]
    shape: tuple[int, int]
    channel: str = "luminance"
    header: fits.Header = field(default_factory=fits.Header, repr=False)
    problems: dict[int, str] = field(default_factory=dict, repr=False)
    unit: str | None = None
    bayer: str = "auto"  # how mosaics were chosen (open_frames): calibration frames are read alike
    _starts: tuple[int, ...] = field(init=False, repr=False)
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._starts = tuple(itertools.accumulate((s.count for s in self.segments), initial=0))

    def __len__(self) -> int:
        return self._starts[-1]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = {}  # open files and maps stay with the process that made them
        return state

    def _locate(self, index: int) -> tuple[Segment, int]:
        if not 0 <= index < len(self):
            raise IndexError(f"frame {index} out of range 0..{len(self) - 1}")
        k = bisect.bisect_right(self._starts, index) - 1
        return self.segments[k], index - self._starts[k]

    def name(self, index: int) -> str:
        """``file`` or ``file#k`` for frame k of a multi-frame file."""
        segment, k = self._locate(index)
        label = os.path.basename(segment.path)  # a file's path: Path(...).name, faster
        return f"{label}#{k}" if segment.count > 1 else label

    def time(self, index: int) -> str | None:
        """Observation time of a frame (ISO 8601 UTC) when the files say it."""
        segment, k = self._locate(index)
        return segment.times[k] if segment.times is not None else None

    def saturation(self, index: int) -> float | None:
        """The stored value meaning "saturated" (the integer maximum), if any."""
        return self._locate(index)[0].saturation

    def is_colour(self, index: int) -> bool:
        """Whether frame ``index`` is in colour (red, green and blue, or a mosaic demosaiced)."""
        segment = self._locate(index)[0]
        return segment.colour != "mono" or segment.bayer is not None

    def read(self, index: int, out: np.ndarray) -> str | None:
        """Read frame ``index`` into ``out`` (float32, ``shape``).

        Returns None, or the reason the frame cannot be used (it is then left
        undefined in ``out``).
        """
        return self._read(index, out, self._convert)

    def read_checked(self, index: int, out: np.ndarray) -> tuple[str | None, int, bool]:
        """As :meth:`read`, and, found as it is read, how many of the stored samples behind the frame
        are at the saturation level (in every colour of a colour frame read as luminance), and
        whether its alpha channel makes it transparent anywhere."""
        count, clear = 0, False

        def convert(stored: np.ndarray, segment: Segment, into: np.ndarray) -> None:
            nonlocal count, clear
            count, clear = clipped(stored, segment, self.channel), transparent(stored)
            self._convert(stored, segment, into)

        return self._read(index, out, convert), count, clear

    def read_rgb(self, index: int, out: np.ndarray, luminance: np.ndarray | None = None) -> str | None:
        """Read frame ``index`` as red, green and blue planes into ``out`` (float32, ``(3, *shape)``,
        planes first as FITS stores colour), a mosaic demosaiced, and their luminance into
        ``luminance`` if given (one decode for both); a reason, as :meth:`read`, when it cannot (a
        single-plane frame among colour ones)."""
        if index not in self.problems and not self.is_colour(index):
            return "a single-plane frame among colour ones"
        reason = self._read(index, out, functools.partial(self._convert, channel="planes"))
        if reason is None and luminance is not None:
            luminance_of(out, luminance)
        return reason

    def _read(self, index: int, out: np.ndarray, convert) -> str | None:
        if index in self.problems:
            return self.problems[index]
        segment, k = self._locate(index)
        try:
            if segment.kind == "raw":
                self._read_raw(segment, k, out, convert)
                return None
            if segment.kind == "array":
                assert segment.array is not None
                stored = segment.array[k]
            elif segment.kind == "fits":
                stored = self._fits_data(segment)[k]
            elif segment.kind == "video":
                stored = read_video_frame(self._cache, segment, k)
            else:
                stored = self._decoded(segment, k)
        except (OSError, ValueError, SyntaxError, MemoryError, Warning) as err:
            return f"unreadable ({str(err).splitlines()[0] if str(err) else type(err).__name__})"
        if stored.shape[:2] != self.shape:
            return f"shape {stored.shape[:2]} differs from the first frame's {self.shape}"
        convert(stored, segment, out)
        return None

    def _read_raw(self, segment: Segment, k: int, out: np.ndarray, convert) -> None:
        maps = self._cache.setdefault("maps", {})
        if segment.path not in maps:
            with open(segment.path, "rb") as f:
                maps[segment.path] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        mm = maps[segment.path]
        dtype = np.dtype(segment.dtype)
        size = int(np.prod(segment.shape)) * dtype.itemsize
        start = segment.offset + k * size
        stored = np.frombuffer(mm, dtype, int(np.prod(segment.shape)), start).reshape(segment.shape)
        convert(stored, segment, out)
        del stored
        low = start - start % _PAGE
        if hasattr(mm, "madvise"):  # give the pages back: memory stays flat over thousands of frames
            mm.madvise(mmap.MADV_DONTNEED, low, min(start + size, len(mm)) - low)

    def _decoded(self, segment: Segment, k: int) -> np.ndarray:
        """Page ``k`` of an image file. Decoded frames are kept, in reading order, until they fill
        :data:`DECODED_BUDGET`: a sequence that fits (100 frames of 512² RGBA: 100 MiB) is decoded
        once per stack; in a longer one the frames past the budget are decoded on each read, so
        memory stays bounded. :meth:`close` lets them go."""
        key = ("image", segment.path, k)
        stored = self._cache.get(key)
        if stored is None:
            stored = read_image(segment.path, k)
            with self._cache.setdefault("decoded_lock", threading.Lock()):  # two reading threads
                used = self._cache.get("decoded_bytes", 0)
                if used + stored.nbytes <= DECODED_BUDGET and key not in self._cache:
                    self._cache[key] = stored
                    self._cache["decoded_bytes"] = used + stored.nbytes
        return stored

    def _fits_data(self, segment: Segment) -> np.ndarray:
        cached = self._cache.get(("fits", segment.path, segment.hdu))
        if cached is None:
            with fits.open(segment.path, memmap=False, do_not_scale_image_data=True) as hdul:
                cached = np.asarray(hdul[segment.hdu].data).reshape(-1, *segment.shape)
            self._cache[("fits", segment.path, segment.hdu)] = cached
        return cached

    def _convert(self, stored: np.ndarray, segment: Segment, out: np.ndarray, channel: str = "") -> None:
        """The stored frame as float32 into ``out``: blank values NaN, a mosaic demosaiced, rows in
        the package's order, one channel (``channel``, default the source's) of a colour frame,
        scaled."""
        if segment.blank is not None and np.any(stored == segment.blank):
            stored = np.where(stored == segment.blank, np.nan, stored)
        if segment.bayer is not None:  # in stored row order: the pattern is that of stored [0, 0]
            stored = demosaic(stored, segment.bayer)
        stored = stored[::-1] if segment.flip else stored
        if stored.ndim == 3:
            one_channel(stored, "rgb" if segment.bayer else segment.colour, channel or self.channel, out)
        else:
            assert channel != "planes", "read_rgb reads colour frames only"
            np.copyto(out, stored, casting="unsafe")
        if segment.scale != 1.0:
            out *= np.float32(segment.scale)
        if segment.zero != 0.0:
            out += np.float32(segment.zero)

    @classmethod
    def from_array(
        cls, frames: np.ndarray, *, header: fits.Header | None = None, channel: str = "luminance"
    ) -> FrameSource:
        """Frames already in memory, ``(n, ny, nx)``, or ``(n, ny, nx, 3)`` in colour, with row 0 at
        the bottom; ``channel`` as for :func:`open_frames`."""
        frames = np.asarray(frames)
        colour = frames.ndim == 4 and frames.shape[-1] in (3, 4)
        if frames.ndim != 3 + colour or frames.shape[0] < 1 or min(frames.shape[1:3]) < 1:
            raise InputError(
                f"frames must be an array (n, ny, nx) or (n, ny, nx, 3); got shape {frames.shape}"
            )
        check_channel(channel)
        segment = Segment(
            "array",
            "array",
            frames.shape[0],
            frames.shape[1:],
            array=frames,
            colour="rgb" if colour else "mono",
        )
        problems: dict[int, str] = {}
        if channel == "rgb":
            colour_only([segment], problems)
        return cls([segment], frames.shape[1:3], channel, header or fits.Header(), problems)

    def close(self) -> None:
        """Release the memory maps (the source reopens them when read again)."""
        for mm in self._cache.get("maps", {}).values():
            with contextlib.suppress(BufferError):  # a frame view is still alive somewhere
                mm.close()
        close_videos(self._cache)
        self._cache.clear()


def open_frames(
    inputs: str | Path | list[str | Path],
    *,
    channel: str = "luminance",
    bayer: str = "auto",
) -> FrameSource:
    """Open frames from files, directories and glob patterns as one :class:`FrameSource`.

    Parameters
    ----------
    inputs : str, Path or list
        FITS files (2-D images or ``(n, ny, nx)`` cubes; every image HDU of a
        file contributes), SER videos, video files (AVI, MOV, MP4, MKV, WebM;
        needs the extra ``video``), PNG/TIFF/JPEG frames, directories of
        those, or glob patterns. Files are taken in natural order
        (``2.png`` before ``10.png``).
    channel : str
        For colour frames: ``'luminance'`` (Rec. 709 weights, default),
        ``'red'``, ``'green'``, ``'blue'``, or ``'rgb'`` (read as luminance,
        and as three planes by :meth:`FrameSource.read_rgb`; single-plane
        frames are then unusable).
    bayer : str
        Colour-sensor mosaics: ``'auto'`` (default) demosaics the frames whose
        header names a pattern (SER colour ID 8-11, FITS ``BAYERPAT``);
        ``'none'`` reads every mosaic as it is; ``'RGGB'``, ``'GRBG'``,
        ``'GBRG'`` or ``'BGGR'`` demosaics every single-plane frame with that
        pattern (the colours of its top-left 2 x 2 pixels as the camera reads
        them out; a FITS file's ``XBAYROFF``, ``YBAYROFF`` and ``ROWORDER``
        still apply). Needs the extra ``bayer``.

    Returns
    -------
    FrameSource

    Raises
    ------
    FileFormatError
        A path that does not exist, a pattern matching nothing, a file that is
        not a frame format, or no readable frame at all.
    InputError
        An unknown channel or Bayer pattern, or a video or mosaic without the
        extra that reads it.
    """
    check_channel(channel)
    check_bayer(bayer)
    files = expand([inputs] if isinstance(inputs, str | Path) else list(inputs))
    segments: list[Segment] = []
    header: fits.Header | None = None
    with warnings.catch_warnings(record=True) as caught:  # held back: the error may say it all
        warnings.simplefilter("always", FalsecolorWarning)
        for path in files:
            new, found = segments_of(path)
            segments += new
            if header is None and found is not None:
                header = found
    if not any(s.count and s.shape[:2] != (0, 0) for s in segments):
        reasons = [str(w.message).removesuffix("; frame skipped") for w in caught]
        more = f" (and {len(reasons) - 1} more problem(s))" if len(reasons) > 1 else ""
        raise FileFormatError(
            f"no readable frame in the inputs: {reasons[0]}{more}"
            if reasons
            else "no readable frame in the inputs"
        )
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    source = _assemble(resolve_bayer(segments, bayer), header or fits.Header(), channel)
    source.bayer = bayer
    return source


def _assemble(segments: list[Segment], header: fits.Header, channel: str) -> FrameSource:
    counts: Counter = Counter()
    for s in segments:
        if s.count and s.shape[:2] != (0, 0):
            counts[s.shape[:2]] += s.count
    if not counts:
        raise FileFormatError("no readable frame in the inputs")
    shape = counts.most_common(1)[0][0]  # the size most frames have: an odd frame cannot decide
    problems: dict[int, str] = {}
    start = 0
    for segment in segments:
        if segment.shape[:2] == (0, 0):
            problems[start] = "unreadable image file"
        elif segment.shape[:2] != shape:
            for k in range(segment.count):
                problems[start + k] = f"shape {segment.shape[:2]} differs from most frames' {shape}"
        start += segment.count
    if channel == "rgb":
        colour_only(segments, problems)
    unit = header.get("BUNIT") if header is not None else None
    return FrameSource(segments, tuple(shape), channel, header, problems, unit)
