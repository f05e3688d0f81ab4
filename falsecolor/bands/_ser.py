"""SER video files (the amateur planetary-imaging standard), read and written.

Layout (SER format v3): a 178-byte little-endian header, the frames one after
another (rows top to bottom, 1 or 2 bytes per sample, 1 plane for mono/Bayer
or 3 for RGB/BGR), then optionally one 64-bit UTC time stamp per frame in
100 ns ticks since 0001-01-01.

The header's ``LittleEndian`` flag is unreliable in the wild (widely used
capture programs write 0 for little-endian data), so 16-bit samples are read
as little-endian, the de-facto standard, unless ``byte_order='>'`` is given.
"""

from __future__ import annotations

import datetime as _dt
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exceptions import FileFormatError

__all__ = ["SerHeader", "SerWriter", "read_ser_header", "write_ser"]

HEADER_SIZE = 178
_FORMAT = "<14s7i40s40s40sqq"
_FILE_ID = b"LUCAM-RECORDER"
_COLOURS = {0: "mono", 100: "rgb", 101: "bgr", **{k: "bayer" for k in range(8, 20)}}
#: The colour filter patterns of the SER colour IDs (the top-left 2 x 2 pixels; 12-15 are not defined).
BAYER_IDS = {8: "RGGB", 9: "GRBG", 10: "GBRG", 11: "BGGR", 16: "CYYM", 17: "YCMY", 18: "YMCY", 19: "MYYC"}
_EPOCH = _dt.datetime(1, 1, 1)


@dataclass(frozen=True)
class SerHeader:
    """What the header of a SER file says, and where its frames are."""

    path: Path
    colour: str
    width: int
    height: int
    depth: int
    frame_count: int
    observer: str
    instrument: str
    telescope: str
    start_utc: str | None
    frames_present: int
    timestamps: np.ndarray | None  # ISO strings per frame when the trailer is there
    bayer: str | None = None  # a colour sensor's filter pattern (colour IDs 8-19), e.g. "RGGB"

    @property
    def planes(self) -> int:
        return 3 if self.colour in ("rgb", "bgr") else 1

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.uint8) if self.depth <= 8 else np.dtype("<u2")

    @property
    def frame_bytes(self) -> int:
        return self.width * self.height * self.planes * self.dtype.itemsize

    @property
    def frame_shape(self) -> tuple[int, ...]:
        return (self.height, self.width) if self.planes == 1 else (self.height, self.width, 3)


def _ticks_to_iso(ticks: int) -> str | None:
    if ticks <= 0:
        return None
    try:
        return (_EPOCH + _dt.timedelta(microseconds=ticks // 10)).isoformat(timespec="milliseconds")
    except OverflowError:
        return None


def _iso_to_ticks(text: str | None) -> int:
    if not text:
        return 0
    moment = _dt.datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def read_ser_header(path: str | Path) -> SerHeader:
    """Read and check the header of a SER file (frames are not read).

    Raises
    ------
    FileFormatError
        Not a SER file, impossible sizes or an unknown colour mode. A file with
        fewer frames than its header claims is not an error here:
        ``frames_present`` says how many are complete.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            raw = f.read(HEADER_SIZE)
    except OSError as err:
        raise FileFormatError(f"cannot read {path}: {err.strerror or err}") from err
    if len(raw) < HEADER_SIZE or not raw.startswith(_FILE_ID):
        raise FileFormatError(f"{path} is not a SER file (no LUCAM-RECORDER header)")
    fields = struct.unpack(_FORMAT, raw)
    _, _lu_id, colour_id, _little, width, height, depth, count = fields[:8]
    observer, instrument, telescope = (s.split(b"\0")[0].decode("latin-1").strip() for s in fields[8:11])
    if colour_id not in _COLOURS:
        raise FileFormatError(f"{path}: unknown SER colour mode {colour_id}")
    if not (0 < width <= 65_536 and 0 < height <= 65_536 and 1 <= depth <= 16 and count >= 0):
        raise FileFormatError(
            f"{path}: impossible SER header (width {width}, height {height}, depth {depth}, {count} frames)"
        )
    header = SerHeader(
        path,
        _COLOURS[colour_id],
        width,
        height,
        depth,
        count,
        observer,
        instrument,
        telescope,
        _ticks_to_iso(fields[12]),
        0,
        None,
    )
    present = min(count, max(0, size - HEADER_SIZE) // header.frame_bytes)
    timestamps = None
    trailer = HEADER_SIZE + count * header.frame_bytes
    if present == count and count and size >= trailer + 8 * count:
        with path.open("rb") as f:
            f.seek(trailer)
            ticks = np.frombuffer(f.read(8 * count), "<i8")
        if np.all(ticks > 0):
            timestamps = np.array([_ticks_to_iso(int(t)) for t in ticks], dtype=object)
    return SerHeader(
        path,
        header.colour,
        width,
        height,
        depth,
        count,
        observer,
        instrument,
        telescope,
        header.start_utc,
        int(present),
        timestamps,
        BAYER_IDS.get(colour_id),
    )


class SerWriter:
    """Write a SER file frame by frame (top row first), e.g. from a generator.

    >>> import numpy as np, tempfile
    >>> path = tempfile.mkdtemp() + "/v.ser"
    >>> with SerWriter(path, (4, 6), count=2) as ser:
    ...     ser.write(np.zeros((2, 4, 6)))
    >>> read_ser_header(path).frames_present
    2
    """

    def __init__(
        self,
        path: str | Path,
        shape: tuple[int, int],
        *,
        count: int,
        depth: int = 16,
        colour: str = "mono",
        observer: str = "",
        instrument: str = "",
        telescope: str = "",
        start_utc: str | None = None,
    ) -> None:
        self.path, self.shape, self.count, self.depth = Path(path), tuple(shape), count, depth
        self._dtype = np.dtype(np.uint8) if depth <= 8 else np.dtype("<u2")
        self._written = 0
        self._times: list[str] = []
        ids = {v: k for k, v in (*_COLOURS.items(), *BAYER_IDS.items()) if v != "bayer"}
        if colour not in ids:
            raise ValueError(f"unknown SER colour mode {colour!r}: choose one of {', '.join(ids)}")
        colour_id = ids[colour]
        header = struct.pack(
            _FORMAT,
            _FILE_ID,
            0,
            colour_id,
            1,
            shape[1],
            shape[0],
            depth,
            count,
            observer.encode("latin-1")[:40],
            instrument.encode("latin-1")[:40],
            telescope.encode("latin-1")[:40],
            _iso_to_ticks(start_utc),
            _iso_to_ticks(start_utc),
        )
        self._file = self.path.open("wb")
        self._file.write(header)

    def write(self, frames: np.ndarray, timestamps: list[str] | None = None) -> None:
        """Append frames ``(k, ny, nx)`` (or one ``(ny, nx)`` frame), rounded and clipped to the depth."""
        frames = np.asarray(frames)
        if frames.ndim == len(self.shape):
            frames = frames[None]
        if frames.dtype != self._dtype:
            top = 2**self.depth - 1
            frames = np.clip(np.rint(frames), 0, top).astype(self._dtype)
        self._file.write(np.ascontiguousarray(frames).tobytes())
        self._written += len(frames)
        if timestamps is not None:
            self._times += list(timestamps)

    def close(self) -> None:
        if self._file.closed:
            return
        if self._times and len(self._times) == self._written == self.count:
            self._file.write(np.array([_iso_to_ticks(t) for t in self._times], "<i8").tobytes())
        self._file.close()

    def __enter__(self) -> SerWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_ser(
    path: str | Path,
    frames: np.ndarray,
    *,
    depth: int | None = None,
    colour: str = "mono",
    timestamps: list[str] | None = None,
    observer: str = "",
    instrument: str = "",
    telescope: str = "",
    start_utc: str | None = None,
) -> Path:
    """Write frames ``(n, ny, nx)`` (or ``(n, ny, nx, 3)`` for ``colour='rgb'``) as a SER file.

    ``colour`` is ``'mono'``, ``'rgb'``, ``'bgr'`` or a colour sensor's mosaic
    pattern (``'RGGB'``, ``'GRBG'``, ``'GBRG'``, ``'BGGR'``, ...): raw mosaic
    frames ``(n, ny, nx)`` whose top-left 2 x 2 pixels have those colours.

    Rows are written top first, as SER stores them: ``frames[i][0]`` is the top
    row. uint8 data are written with 8 bits per sample, anything else as 16-bit
    little-endian (values are rounded and clipped to 0..65535).
    ``timestamps`` (ISO 8601 UTC, one per frame) go in the trailer.
    """
    frames = np.asarray(frames)
    if frames.ndim != (4 if colour in ("rgb", "bgr") else 3):
        raise ValueError(f"frames of shape {frames.shape} do not fit SER colour mode {colour!r}")
    if timestamps is not None and len(timestamps) != len(frames):
        raise ValueError(f"{len(timestamps)} time stamps for {len(frames)} frames")
    bits = depth or (8 if frames.dtype == np.uint8 else 16)
    start = start_utc or (timestamps[0] if timestamps else None)
    with SerWriter(
        path,
        frames.shape[1:3],
        count=len(frames),
        depth=bits,
        colour=colour,
        observer=observer,
        instrument=instrument,
        telescope=telescope,
        start_utc=start,
    ) as writer:
        writer.write(frames, timestamps)
    return Path(path)
