"""Frame sources for lucky imaging: FITS cubes and files, SER videos, PNG/TIFF sequences.

:func:`open_frames` turns file names, directories and glob patterns into one
:class:`FrameSource`, an indexable sequence of frames read lazily one at a
time into a caller's buffer, so memory does not grow with the number of
frames. FITS and SER data are memory-mapped and the pages of a frame are
released once it has been read. A source holds only paths and layout, so it
pickles small and reopens its files in another process (a dask worker).

Frames follow the package convention: row 0 is the bottom of the image. SER
and PNG/TIFF store the top row first and are flipped on reading.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import glob
import mmap
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from ..exceptions import FileFormatError, InputError, warn
from . import _fits, _ser

__all__ = ["FRAME_SUFFIXES", "FrameSource", "open_frames"]

FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fz")
IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp")
FRAME_SUFFIXES = (*FITS_SUFFIXES, ".ser", *IMAGE_SUFFIXES)
CHANNELS = ("luminance", "red", "green", "blue")
_LUMINANCE = np.array([0.2126, 0.7152, 0.0722], np.float32)  # Rec. 709 weights
_FRAME_TIME_KEYS = ("FRAMTIME", "HIERARCH ESO DET SEQ1 DIT", "HIERARCH ESO DET DIT", "DIT")
_PAGE = mmap.PAGESIZE


@dataclass(frozen=True)
class _Segment:
    """Consecutive frames stored one way in one file."""

    kind: str  # "raw" (memory-mapped samples), "image" (one PNG/TIFF), "fits" (read by astropy)
    path: str
    count: int
    shape: tuple[int, ...]  # stored shape of one frame: (ny, nx) or (ny, nx, 3)
    offset: int = 0
    dtype: str = "<f4"
    scale: float = 1.0
    zero: float = 0.0
    blank: int | None = None
    flip: bool = False
    colour: str = "mono"  # "mono", "rgb" or "bgr"
    hdu: int = 0
    times: tuple[str | None, ...] | None = None
    saturation: float | None = None
    array: np.ndarray | None = field(default=None, repr=False, compare=False)  # kind "array"


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

    segments: list[_Segment]
    shape: tuple[int, int]
    channel: str = "luminance"
    header: fits.Header = field(default_factory=fits.Header, repr=False)
    problems: dict[int, str] = field(default_factory=dict, repr=False)
    unit: str | None = None
    _starts: np.ndarray = field(init=False, repr=False)
    _cache: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._starts = np.cumsum([0] + [s.count for s in self.segments])

    def __len__(self) -> int:
        return int(self._starts[-1])

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = {}  # open files and maps stay with the process that made them
        return state

    def _locate(self, index: int) -> tuple[_Segment, int]:
        if not 0 <= index < len(self):
            raise IndexError(f"frame {index} out of range 0..{len(self) - 1}")
        k = int(np.searchsorted(self._starts, index, side="right")) - 1
        return self.segments[k], index - int(self._starts[k])

    def name(self, index: int) -> str:
        """``file`` or ``file#k`` for frame k of a multi-frame file."""
        segment, k = self._locate(index)
        label = Path(segment.path).name
        return f"{label}#{k}" if segment.count > 1 else label

    def time(self, index: int) -> str | None:
        """Observation time of a frame (ISO 8601 UTC) when the files say it."""
        segment, k = self._locate(index)
        return segment.times[k] if segment.times is not None else None

    def saturation(self, index: int) -> float | None:
        """The stored value meaning "saturated" (the integer maximum), if any."""
        return self._locate(index)[0].saturation

    def read(self, index: int, out: np.ndarray) -> str | None:
        """Read frame ``index`` into ``out`` (float32, ``shape``).

        Returns None, or the reason the frame cannot be used (it is then left
        undefined in ``out``).
        """
        if index in self.problems:
            return self.problems[index]
        segment, k = self._locate(index)
        try:
            if segment.kind == "raw":
                return self._read_raw(segment, k, out)
            if segment.kind == "array":
                stored = segment.array[k]
            elif segment.kind == "fits":
                stored = self._fits_data(segment)[k]
            else:
                stored = _read_image(segment.path)
        except (OSError, ValueError, SyntaxError, MemoryError, Warning) as err:
            return f"unreadable ({str(err).splitlines()[0] if str(err) else type(err).__name__})"
        if stored.shape[:2] != self.shape:
            return f"shape {stored.shape[:2]} differs from the first frame's {self.shape}"
        if segment.blank is not None:
            stored = np.where(stored == segment.blank, np.nan, stored)
        self._convert(stored, segment, out)
        return None

    def _read_raw(self, segment: _Segment, k: int, out: np.ndarray) -> None:
        maps = self._cache.setdefault("maps", {})
        if segment.path not in maps:
            with open(segment.path, "rb") as f:
                maps[segment.path] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        mm = maps[segment.path]
        dtype = np.dtype(segment.dtype)
        size = int(np.prod(segment.shape)) * dtype.itemsize
        start = segment.offset + k * size
        stored = np.frombuffer(mm, dtype, int(np.prod(segment.shape)), start).reshape(segment.shape)
        if segment.blank is not None and np.any(stored == segment.blank):
            stored = np.where(stored == segment.blank, np.nan, stored)
        self._convert(stored, segment, out)
        del stored
        low = start - start % _PAGE
        if hasattr(mm, "madvise"):  # give the pages back: memory stays flat over thousands of frames
            mm.madvise(mmap.MADV_DONTNEED, low, min(start + size, len(mm)) - low)

    def _fits_data(self, segment: _Segment) -> np.ndarray:
        cached = self._cache.get(("fits", segment.path, segment.hdu))
        if cached is None:
            with fits.open(segment.path, memmap=False, do_not_scale_image_data=True) as hdul:
                cached = np.asarray(hdul[segment.hdu].data).reshape(-1, *segment.shape)
            self._cache[("fits", segment.path, segment.hdu)] = cached
        return cached

    def _convert(self, stored: np.ndarray, segment: _Segment, out: np.ndarray) -> None:
        if stored.ndim == 3:
            stored = _one_channel(stored, segment.colour, self.channel)
        np.copyto(out, stored[::-1] if segment.flip else stored, casting="unsafe")
        if segment.scale != 1.0:
            out *= np.float32(segment.scale)
        if segment.zero != 0.0:
            out += np.float32(segment.zero)

    @classmethod
    def from_array(cls, frames: np.ndarray, *, header: fits.Header | None = None) -> FrameSource:
        """Frames already in memory, ``(n, ny, nx)`` with row 0 at the bottom."""
        frames = np.asarray(frames)
        if frames.ndim != 3 or frames.shape[0] < 1 or min(frames.shape[1:]) < 1:
            raise InputError(f"frames must be an array (n, ny, nx); got shape {frames.shape}")
        segment = _Segment("array", "array", frames.shape[0], frames.shape[1:], array=frames)
        return cls([segment], frames.shape[1:], header=header or fits.Header())

    def close(self) -> None:
        """Release the memory maps (the source reopens them when read again)."""
        for mm in self._cache.get("maps", {}).values():
            with contextlib.suppress(BufferError):  # a frame view is still alive somewhere
                mm.close()
        self._cache.clear()


def _one_channel(rgb: np.ndarray, colour: str, channel: str) -> np.ndarray:
    rgb = rgb[..., :3]
    if colour == "bgr":
        rgb = rgb[..., ::-1]
    if channel == "luminance":
        return rgb.astype(np.float32) @ _LUMINANCE
    return rgb[..., CHANNELS.index(channel) - 1]


def _read_image(path: str) -> np.ndarray:
    if path.lower().endswith((".tif", ".tiff")):
        import tifffile

        data = tifffile.imread(path)
        if data.ndim == 3 and data.shape[0] in (3, 4) and data.shape[-1] not in (3, 4):
            data = np.moveaxis(data, 0, -1)  # planar RGB
        return data
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as img:
            if img.mode == "P":
                img = img.convert("RGBA")
            elif img.mode in ("LA", "CMYK", "YCbCr", "HSV"):
                img = img.convert("RGB")
            return np.asarray(img)


def _image_shape(path: str) -> tuple[tuple[int, ...], float | None]:
    """Shape and saturation value of an image file, from its header only."""
    if path.lower().endswith((".tif", ".tiff")):
        import tifffile

        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            shape, dtype = page.shape, page.dtype
        if len(shape) == 3 and shape[0] in (3, 4) and shape[-1] not in (3, 4):
            shape = (*shape[1:], shape[0])
        return tuple(shape), _saturation(np.dtype(dtype))
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as img:
            bands, (width, height) = len(img.getbands()), img.size
            sixteen = img.mode.startswith("I;16") or img.mode == "I"
    shape = (height, width) if bands == 1 else (height, width, 3)
    return shape, 65_535.0 if sixteen else 255.0


def _saturation(dtype: np.dtype) -> float | None:
    return float(np.iinfo(dtype).max) if dtype.kind in "iu" else None


def _natural_key(path: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path)]


def _expand(inputs: list[str | Path]) -> list[str]:
    files: list[str] = []
    for item in inputs:
        text = str(item)
        if os.path.isdir(text):
            found = [p for p in glob.glob(os.path.join(text, "*")) if p.lower().endswith(FRAME_SUFFIXES)]
            if not found:
                raise FileFormatError(f"{text} holds no frame files ({', '.join(FRAME_SUFFIXES)})")
            files += sorted(found, key=_natural_key)
        elif os.path.exists(text):
            files.append(text)
        elif glob.has_magic(text):
            found = [p for p in glob.glob(text) if os.path.isfile(p)]
            if not found:
                raise FileFormatError(f"no files match {text!r}: check the pattern")
            files += sorted(found, key=_natural_key)
        else:
            raise FileFormatError(f"{text} does not exist: check the path")
    if not files:
        raise FileFormatError("no frames given: name FITS cubes, SER videos, image files or a directory")
    return files


def open_frames(
    inputs: str | Path | list[str | Path],
    *,
    channel: str = "luminance",
) -> FrameSource:
    """Open frames from files, directories and glob patterns as one :class:`FrameSource`.

    Parameters
    ----------
    inputs : str, Path or list
        FITS files (2-D images or ``(n, ny, nx)`` cubes; every image HDU of a
        file contributes), SER videos, PNG/TIFF/JPEG frames, directories of
        those, or glob patterns. Files are taken in natural order
        (``2.png`` before ``10.png``).
    channel : str
        For colour frames: ``'luminance'`` (Rec. 709 weights, default) or
        ``'red'``, ``'green'``, ``'blue'``.

    Returns
    -------
    FrameSource

    Raises
    ------
    FileFormatError
        A path that does not exist, a pattern matching nothing, a file that is
        not a frame format, or no readable frame at all.
    """
    if channel not in CHANNELS:
        raise InputError(f"unknown channel {channel!r}: choose one of {', '.join(CHANNELS)}")
    files = _expand([inputs] if isinstance(inputs, str | Path) else list(inputs))
    segments: list[_Segment] = []
    header: fits.Header | None = None
    for path in files:
        lower = path.lower()
        if lower.endswith(".ser"):
            new, found = _ser_segments(path)
        elif lower.endswith(FITS_SUFFIXES):
            new, found = _fits_segments(path)
        elif lower.endswith(IMAGE_SUFFIXES):
            try:
                shape, saturation = _image_shape(path)
            except (OSError, ValueError, SyntaxError, Warning) as err:
                warn(f"{Path(path).name}: unreadable image ({err}); frame skipped", stacklevel=2)
                new, found = [_Segment("image", path, 1, (0, 0))], None
            else:
                colour = "rgb" if len(shape) == 3 else "mono"
                new = [_Segment("image", path, 1, shape, flip=True, colour=colour, saturation=saturation)]
                found = None
        else:
            raise FileFormatError(
                f"{path}: not a frame file (use {', '.join(s for s in FRAME_SUFFIXES if s != '.fit.gz')})"
            )
        segments += new
        if header is None and found is not None:
            header = found
    return _assemble(segments, header or fits.Header(), channel)


def _assemble(segments: list[_Segment], header: fits.Header, channel: str) -> FrameSource:
    shapes = [s.shape[:2] for s in segments if s.count and s.shape[:2] != (0, 0)]
    if not shapes:
        raise FileFormatError("no readable frame in the inputs")
    shape = shapes[0]
    problems: dict[int, str] = {}
    start = 0
    for segment in segments:
        if segment.shape[:2] == (0, 0):
            problems[start] = "unreadable image file"
        elif segment.shape[:2] != shape:
            for k in range(segment.count):
                problems[start + k] = f"shape {segment.shape[:2]} differs from the first frame's {shape}"
        start += segment.count
    unit = header.get("BUNIT") if header is not None else None
    return FrameSource(segments, tuple(shape), channel, header, problems, unit)


def _ser_segments(path: str) -> tuple[list[_Segment], fits.Header]:
    head = _ser.read_ser_header(path)
    header = fits.Header()
    for key, value in (
        ("INSTRUME", head.instrument),
        ("TELESCOP", head.telescope),
        ("OBSERVER", head.observer),
    ):
        if value:
            header[key] = value
    if head.start_utc:
        header["DATE-OBS"] = head.start_utc
    colour = head.colour if head.colour in ("rgb", "bgr") else "mono"
    times = tuple(head.timestamps) if head.timestamps is not None else None
    saturation = float(2**head.depth - 1)
    good = _Segment(
        "raw", path, head.frames_present, head.frame_shape, 178, head.dtype.str, flip=True, colour=colour,
        times=times, saturation=saturation,
    )  # fmt: skip
    segments = [good]
    missing = head.frame_count - head.frames_present
    if missing:
        warn(
            f"{Path(path).name} is truncated: frames {head.frames_present}..{head.frame_count - 1} "
            f"of {head.frame_count} are missing and skipped",
            stacklevel=3,
        )
    return segments, header


def _frame_times(header: fits.Header, count: int) -> tuple[str | None, ...] | None:
    date = header.get("DATE-OBS") or header.get("DATE_OBS")
    if not isinstance(date, str):
        return None
    try:
        start = _dt.datetime.fromisoformat(date.strip().replace("Z", ""))
    except ValueError:
        return None
    step = next((header[k] for k in _FRAME_TIME_KEYS if isinstance(header.get(k), int | float)), None)
    if count == 1:
        return (start.isoformat(timespec="milliseconds"),)
    if step is None:
        return None
    return tuple((start + _dt.timedelta(seconds=i * float(step))).isoformat(timespec="milliseconds")
                 for i in range(count))  # fmt: skip


def _fits_segments(path: str) -> tuple[list[_Segment], fits.Header]:
    p = Path(path)
    _fits.check_readable(p)
    size = p.stat().st_size
    compressed = path.lower().endswith((".gz", ".fz"))
    segments: list[_Segment] = []
    first: fits.Header | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            hdul = fits.open(p, memmap=False, lazy_load_hdus=True, ignore_missing_end=True)
            hdul.readall()
        except (OSError, ValueError, TypeError, IndexError) as err:
            raise FileFormatError(_fits.open_error(p, err)) from err
        with hdul:
            for index, hdu in enumerate(hdul):
                if not _fits.has_image(hdu):
                    continue
                header = _fits.readable_header(hdu.header)
                if first is None:
                    first = header
                naxes = [hdu.header[f"NAXIS{i}"] for i in range(hdu.header["NAXIS"], 0, -1)]
                frame_shape = tuple(naxes[-2:])
                count = int(np.prod(naxes[:-2])) if len(naxes) > 2 else 1
                bitpix = hdu.header["BITPIX"]
                dtype = np.dtype({8: "u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}[bitpix])
                blank = hdu.header.get("BLANK") if bitpix > 0 else None
                scale, zero = float(hdu.header.get("BSCALE", 1.0)), float(hdu.header.get("BZERO", 0.0))
                saturation = None
                if bitpix > 0:
                    top = float(np.iinfo(dtype).max) * scale + zero
                    saturation = top
                times = _frame_times(header, count)
                if compressed or isinstance(hdu, fits.CompImageHDU):
                    segments.append(_Segment("fits", path, count, frame_shape, hdu=index, blank=blank,
                                             scale=scale, zero=zero, dtype=dtype.str, times=times,
                                             saturation=saturation))  # fmt: skip
                    continue
                offset = hdul.fileinfo(index)["datLoc"]
                frame_bytes = int(np.prod(frame_shape)) * dtype.itemsize
                present = min(count, max(0, size - offset) // frame_bytes)
                if present < count:
                    warn(
                        f"{p.name} is truncated: frames {present}..{count - 1} of {count} are missing "
                        "and skipped",
                        stacklevel=3,
                    )
                segments.append(_Segment("raw", path, present, frame_shape, offset, dtype.str, scale, zero,
                                         blank, times=times[:present] if times else None,
                                         saturation=saturation))  # fmt: skip
    if first is None:
        raise FileFormatError(f"{path} has no image HDU")
    return segments, first
