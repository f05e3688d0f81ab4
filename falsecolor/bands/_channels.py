"""Channels of colour frames: one colour or the luminance of a frame, its clipped samples, and which
frames a colour stack can use."""

from __future__ import annotations

import math

import numpy as np

from .._messages import option
from ..exceptions import InputError
from ._frame_formats import Segment

__all__ = [
    "CHANNELS",
    "check_channel",
    "clipped",
    "colour_only",
    "luminance",
    "one_channel",
    "saturation_problem",
    "transparent",
]

#: What a frame is read as; ``rgb`` reads luminance with :meth:`FrameSource.read` and the three
#: colours with :meth:`FrameSource.read_rgb`.
CHANNELS = ("luminance", "red", "green", "blue", "rgb")
LUMINANCE = np.array([0.2126, 0.7152, 0.0722], np.float32)  # Rec. 709 weights
#: A frame with more of its pixels' worth of samples than this share at the saturation level is left out.
SATURATED_SHARE = 1e-3


def check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise InputError(f"unknown channel {channel!r}: choose one of {', '.join(CHANNELS)}")


def one_channel(stored: np.ndarray, colour: str, channel: str, out: np.ndarray) -> None:
    """One channel (or the luminance) of a colour frame ``(ny, nx, 3|4)`` into ``out``; with
    ``channel='planes'``, red, green and blue into ``out`` ``(3, ny, nx)``."""
    planes = [stored[..., k] for k in ((2, 1, 0) if colour == "bgr" else (0, 1, 2))]
    if channel in ("luminance", "rgb"):
        luminance(planes, out)
    elif channel == "planes":
        for target, plane in zip(out, planes, strict=True):
            np.copyto(target, plane, casting="unsafe")
    else:
        np.copyto(out, planes[CHANNELS.index(channel) - 1], casting="unsafe")


def luminance(planes, out: np.ndarray) -> None:
    """The Rec. 709 luminance of red, green and blue planes into ``out`` (float32), a plane at a time
    straight from the stored type: twice as fast as a float copy of the frame and a product with the
    weights."""
    scratch = np.empty_like(out)
    np.multiply(planes[0], LUMINANCE[0], out=out, dtype=np.float32, casting="unsafe")
    for plane, weight in zip(planes[1:], LUMINANCE[1:], strict=True):
        np.multiply(plane, weight, out=scratch, dtype=np.float32, casting="unsafe")
        out += scratch


def colour_only(segments: list[Segment], problems: dict[int, str]) -> None:
    """A colour stack leaves single-plane frames out, and refuses inputs with none in colour."""
    start, colour = 0, 0
    for segment in segments:
        if segment.colour == "mono" and segment.bayer is None:
            for k in range(segment.count):
                problems.setdefault(start + k, "a single-plane frame in a colour stack")
        else:
            colour += segment.count
        start += segment.count
    if not colour:
        raise InputError(
            f"{option('channel', 'rgb')} stacks colour frames (RGB images, colour SER or video, Bayer "
            f"mosaics demosaiced): these are read as one plane; drop it, or, if they are a colour "
            f"sensor's mosaics, name the pattern with {option('bayer', 'RGGB')} (or GRBG, GBRG, BGGR)"
        )


def clipped(stored: np.ndarray, segment: Segment, channel: str) -> int:
    """How many of a stored frame's samples that make what is stacked are at the saturation level
    (every colour of a colour frame measured on its luminance; a mosaic's raw samples)."""
    if segment.saturation is None or stored.dtype.kind not in "iu":
        return 0
    top = (segment.saturation - segment.zero) / segment.scale  # in stored units
    if stored.ndim == 3:
        if channel in ("luminance", "rgb"):
            stored = stored[..., :3]
        else:
            index = CHANNELS.index(channel) - 1
            stored = stored[..., 2 - index if segment.colour == "bgr" else index]
    if math.isnan(top):
        return 0
    limit = math.ceil(top) if math.isfinite(top) else top  # stored integers: compare as integers
    info = np.iinfo(stored.dtype)
    if limit > info.max:
        return 0
    if limit <= info.min:
        return int(stored.size)
    return int(np.count_nonzero(stored >= stored.dtype.type(limit)))


def saturation_problem(saturated: int, pixels: int) -> str | None:
    """Why a frame of ``pixels`` with ``saturated`` samples at the saturation level (:func:`clipped`,
    as :meth:`FrameSource.read_checked` counts them) is left out; None when it is not."""
    if saturated > SATURATED_SHARE * pixels:
        return "saturated (more than 0.1 % of pixels at the maximum)"
    return None


def transparent(stored: np.ndarray) -> bool:
    """Whether a stored colour frame with an alpha channel is transparent anywhere (its colours are
    read as they are stored there)."""
    if stored.ndim != 3 or stored.shape[-1] != 4 or stored.dtype.kind not in "iu":
        return False
    return bool(np.any(stored[..., 3] < np.iinfo(stored.dtype).max))
