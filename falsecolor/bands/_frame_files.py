"""Which files hold frames: names, directories and glob patterns expanded in natural order, and the
frame segments of each file by its format."""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from astropy.io import fits

from .._readable import regular_file
from ..exceptions import FileFormatError, warn
from ._frame_formats import Segment, fits_segments, image_shape, ser_segments
from ._video import VIDEO_SUFFIXES, video_segment

__all__ = ["FRAME_SUFFIXES", "expand", "segments_of"]

FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fz")
IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp")
FRAME_SUFFIXES = (*FITS_SUFFIXES, ".ser", *IMAGE_SUFFIXES, *VIDEO_SUFFIXES)


def natural_key(path: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path)]


def expand(inputs: list[str | Path]) -> list[str]:
    files: list[str] = []
    for item in inputs:
        text = str(item)
        if os.path.isdir(text):
            found = [
                p
                for p in glob.glob(os.path.join(text, "*"))
                if p.lower().endswith(FRAME_SUFFIXES) and os.path.isfile(p)  # regular files only
            ]
            if not found:
                raise FileFormatError(f"{text} holds no frame files ({', '.join(FRAME_SUFFIXES)})")
            files += sorted(found, key=natural_key)
        elif os.path.exists(text):
            files.append(str(regular_file(text, "frame file")))
        elif glob.has_magic(text):
            found = [p for p in glob.glob(text) if os.path.isfile(p)]
            if not found:
                raise FileFormatError(f"no files match {text!r}: check the pattern")
            files += sorted(found, key=natural_key)
        else:
            raise FileFormatError(f"{text} does not exist: check the path")
    if not files:
        raise FileFormatError("no frames given: name FITS cubes, SER videos, image files or a directory")
    return files


def segments_of(path: str) -> tuple[list[Segment], fits.Header | None]:
    """The frame segments of one file and its header (None for image files)."""
    lower = path.lower()
    if lower.endswith(".ser"):
        return ser_segments(path)
    if lower.endswith(VIDEO_SUFFIXES):
        segment, header = video_segment(path)
        return [segment], header
    if lower.endswith(FITS_SUFFIXES):
        return fits_segments(path)
    if lower.endswith(IMAGE_SUFFIXES):
        try:
            shape, saturation, pages = image_shape(path)
        except (OSError, ValueError, SyntaxError, Warning) as err:
            warn(f"{Path(path).name}: unreadable image ({err}); frame skipped", stacklevel=3)
            return [Segment("image", path, 1, (0, 0))], None
        colour = "rgb" if len(shape) == 3 else "mono"
        segment = Segment("image", path, pages, shape, flip=True, colour=colour, saturation=saturation)
        return [segment], None
    raise FileFormatError(
        f"{path}: not a frame file (use {', '.join(s for s in FRAME_SUFFIXES if s != '.fit.gz')})"
    )
