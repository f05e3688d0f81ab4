"""Video files (AVI, MOV, MP4, MKV) as frame sources, decoded by PyAV one frame at a time.

Capture programs and cameras write planetary sequences as video: uncompressed or
lossless AVI (mono, raw Bayer or colour), and DSLRs H.264 in MP4/MOV. A first
pass reads the packets without decoding them (their time stamps and which are
key frames), so the frame count is known before any frame is decoded; frames
are then decoded when asked for, by a decoder that moves forward through the
file and seeks to the key frame before a frame behind it or far ahead. Memory
holds one decoder and the frames in flight, whatever the video's length.

PyAV (``pip install 'falsecolor-ir[video]'``) is imported only when a video is
opened. Each thread gets its own decoder (a decoder is not thread-safe, and
two threads reading different chunks would make one decoder seek back and
forth).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from ..exceptions import FileFormatError, InputError, warn

__all__ = ["VIDEO_SUFFIXES", "VideoIndex", "close_videos", "read_video_frame", "video_segment"]

VIDEO_SUFFIXES = (".avi", ".mov", ".mp4", ".m4v", ".mkv", ".webm")
#: Decoding forward through this many frames is taken to be cheaper than a seek.
_FORWARD = 16


@dataclass(frozen=True)
class VideoIndex:
    """Where each frame of a video stream is: what the cheap first pass found."""

    stream: int  # the video stream's index in the container
    pts: np.ndarray | None  # presentation time stamp of each frame, in order (None: not seekable)
    keys: np.ndarray  # indices of the key frames (where decoding can start), ascending
    format: str  # what a frame is converted to: gray, gray16le, rgb24 or rgb48le


def _av() -> Any:
    try:
        import av
    except ImportError as err:
        raise InputError(
            "reading video needs PyAV: pip install 'falsecolor-ir[video]' "
            "(from a checkout: pip install '.[video]'), or pip install av"
        ) from err
    return av


def _target_format(name: str, bits: int) -> str:
    """The array format for frames stored as pixel format ``name`` with ``bits`` per sample."""
    mono = name.startswith(("gray", "ya", "y400", "monob", "monow"))
    if mono:
        return "gray" if bits <= 8 else "gray16le"
    return "rgb24" if bits <= 8 else "rgb48le"


def _first_pass(container: Any, stream: Any) -> tuple[int, np.ndarray | None, np.ndarray]:
    """How many frames ``stream`` has, their time stamps and key frames, read without decoding."""
    stamps: list[int | None] = []
    keyframe: list[bool] = []
    for packet in container.demux(stream):
        if packet.size == 0:  # the demuxer's flush packet
            continue
        stamps.append(packet.pts)
        keyframe.append(bool(packet.is_keyframe))
    if not stamps or any(s is None for s in stamps) or len(set(stamps)) != len(stamps):
        # no usable time stamps (a raw elementary stream): frames are decoded in order, no seeking
        return len(stamps), None, np.zeros(0, np.int64)
    order = np.argsort(np.array(stamps, np.int64), kind="stable")
    keys = np.flatnonzero(np.array(keyframe)[order])
    return len(stamps), np.array(stamps, np.int64)[order], keys


def video_segment(path: str) -> tuple[Any, fits.Header]:
    """The frames of a video file as one segment (and an empty header), after the cheap first pass.

    Raises
    ------
    FileFormatError
        Not a video, no video stream, or no frame that decodes.
    InputError
        PyAV is not installed.
    """
    from ._frame_formats import Segment

    av = _av()
    name = Path(path).name
    try:
        with av.open(path, metadata_errors="ignore") as container:
            if not container.streams.video:
                raise FileFormatError(f"{name} holds no video stream: give a video file")
            stream = container.streams.video[0]
            count, pts, keys = _first_pass(container, stream)
            declared = int(stream.frames or 0)  # what the container's header says, when it says
            container.seek(0)
            first = next(container.decode(stream), None)
            if first is None:
                raise FileFormatError(f"{name}: no frame of the video decodes (empty or damaged file)")
            bits = max(c.bits for c in first.format.components)
            target = _target_format(first.format.name, bits)
            shape = (
                (first.height, first.width) if target.startswith("gray") else (first.height, first.width, 3)
            )
            index = VideoIndex(stream.index, pts, keys, target)
    except (av.FFmpegError, OSError, StopIteration, ValueError) as err:
        if isinstance(err, FileFormatError):
            raise
        raise FileFormatError(f"{name} is not a readable video ({_reason(err)}): check the file") from err
    if declared > count:
        warn(
            f"{name} is truncated: frames {count}..{declared - 1} of {declared} are missing and skipped",
            stacklevel=4,
        )
    saturation = 255.0 if target in ("gray", "rgb24") else 65_535.0
    colour = "mono" if target.startswith("gray") else "rgb"
    segment = Segment(
        "video", path, count, shape, flip=True, colour=colour, saturation=saturation, video=index
    )
    return segment, fits.Header()


def _reason(err: BaseException) -> str:
    """FFmpeg's words for an error, without its error number and the file name the message has."""
    text = getattr(err, "strerror", None) or (str(err).splitlines()[0] if str(err) else "")
    return text or type(err).__name__


class _Decoder:
    """One thread's decoder of one video: moves forward, seeks when that is cheaper."""

    def __init__(self, path: str, index: VideoIndex):
        self.av = _av()
        self.index = index
        self.container = self.av.open(path, metadata_errors="ignore")
        self.stream = self.container.streams[index.stream]
        self.stream.thread_type = "AUTO"
        self.frames: Any = None
        self.position = -1  # index of the frame last decoded

    def frame(self, k: int) -> np.ndarray:
        try:
            if self.frames is None or k <= self.position or self._key_between(self.position, k):
                self._seek(k)
            found = self._decode_to(k)
            if found is None and self.position > k:  # the seek landed after the frame: start over
                self._seek(0)
                found = self._decode_to(k)
        except self.av.FFmpegError as err:
            self.frames = None  # the decoder's state is unknown: the next read starts afresh
            raise ValueError(_reason(err)) from err
        if found is None:
            self.frames = None
            raise ValueError(f"frame {k} does not decode (the video is truncated or damaged there)")
        return found

    def _decode_to(self, k: int) -> np.ndarray | None:
        for decoded in self.frames:
            self.position = self._index_of(decoded)
            if self.position == k:
                return decoded.to_ndarray(format=self.index.format)
            if self.position > k:
                return None
        return None

    def _key_between(self, position: int, k: int) -> bool:
        """A key frame after ``position`` and at or before ``k``, far enough ahead to be worth a seek."""
        if self.index.pts is None or k - position <= _FORWARD:
            return False
        keys = self.index.keys
        return bool(np.any((keys > position) & (keys <= k)))

    def _seek(self, k: int) -> None:
        pts, keys = self.index.pts, self.index.keys
        before = keys[keys <= k]
        if pts is None or not len(before) or before[-1] == 0:
            self.container.seek(0)
            self.position = -1
        else:
            self.container.seek(int(pts[before[-1]]), stream=self.stream, backward=True)
            self.position = int(before[-1]) - 1
        self.frames = self.container.decode(self.stream)

    def _index_of(self, decoded: Any) -> int:
        pts = self.index.pts
        if pts is None or decoded.pts is None:
            return self.position + 1
        at = int(np.searchsorted(pts, decoded.pts))
        return at if at < len(pts) and pts[at] == decoded.pts else self.position

    def close(self) -> None:
        self.container.close()


def read_video_frame(cache: dict, segment: Any, k: int) -> np.ndarray:
    """Frame ``k`` of a video segment as stored (top row first), decoded by this thread's decoder."""
    decoders = cache.setdefault("video", {})
    key = (threading.get_ident(), segment.path)
    decoder = decoders.get(key)
    if decoder is None:
        try:
            decoder = decoders[key] = _Decoder(segment.path, segment.video)
        except _av().FFmpegError as err:
            raise OSError(_reason(err)) from err
    return decoder.frame(k)


def close_videos(cache: dict) -> None:
    """Close every decoder a frame source opened."""
    for decoder in cache.get("video", {}).values():
        decoder.close()
