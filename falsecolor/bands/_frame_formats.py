"""How each frame format stores its frames: segments of SER and FITS files, and image files."""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from .._messages import option
from ..exceptions import FileFormatError, warn
from . import _fits, _ser
from ._bayer import fits_bayer

__all__ = ["Segment", "fits_segments", "image_shape", "read_image", "ser_segments"]

_FRAME_TIME_KEYS = ("FRAMTIME", "HIERARCH ESO DET SEQ1 DIT", "HIERARCH ESO DET DIT", "DIT")


@dataclass(frozen=True)
class Segment:
    """Consecutive frames stored one way in one file."""

    kind: str  # "raw" (memory-mapped samples), "image" (one PNG/TIFF), "fits" (read by astropy), "video"
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
    bayer: str | None = None  # colour filter pattern of a mosaic frame (see _bayer), None: not a mosaic
    bayer_phase: tuple[int, int] = (0, 0)  # (rows, columns) from the pattern's origin to stored [0, 0]
    video: Any = field(default=None, repr=False, compare=False)  # kind "video": its VideoIndex


@contextlib.contextmanager
def _no_bombs():
    """Pillow's decompression-bomb error (and warning) as a ValueError naming the cause."""
    from PIL import Image

    try:
        yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ValueError(f"image too large to be a frame ({err})") from err


def read_image(path: str, page: int = 0) -> np.ndarray:
    """Page ``page`` of an image file (a multi-page TIFF, an animated PNG or GIF holds several frames)."""
    if path.lower().endswith((".tif", ".tiff")):
        import tifffile

        data = tifffile.imread(path, key=page)
        if data.ndim == 3 and data.shape[0] in (3, 4) and data.shape[-1] not in (3, 4):
            data = np.moveaxis(data, 0, -1)  # planar RGB
        return data[..., 0] if data.ndim == 3 and data.shape[-1] == 2 else data  # grey and alpha: grey
    from PIL import Image

    with warnings.catch_warnings(), _no_bombs():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as opened:
            if page:
                opened.seek(page)
            img: Image.Image = opened
            if img.mode == "P":
                img = img.convert("RGBA")
            elif img.mode in ("LA", "La"):
                img = img.convert("L")  # grey and alpha: one plane
            elif img.mode in ("CMYK", "YCbCr", "HSV"):
                img = img.convert("RGB")
            return np.asarray(img)


def image_shape(path: str) -> tuple[tuple[int, ...], float | None, int]:
    """Shape and saturation value of an image file's frames, and how many pages (frames) it holds."""
    if path.lower().endswith((".tif", ".tiff")):
        import tifffile
        from PIL import Image

        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            shape, dtype, pages = page.shape, page.dtype, len(tif.pages)
            kind = tifffile.PHOTOMETRIC(getattr(page, "photometric", 1)).name
        if kind not in ("MINISBLACK", "RGB"):  # CMYK, palette indices, white-is-zero: not intensities
            name = {"SEPARATED": "CMYK", "PALETTE": "palette-colour", "MINISWHITE": "white-is-zero"}.get(
                kind, kind
            )
            raise ValueError(f"a {name} TIFF ({Path(path).name}): save the frames as grey or RGB")
        if len(shape) == 3 and shape[0] in (3, 4) and shape[-1] not in (3, 4):
            shape = (*shape[1:], shape[0])
        if len(shape) == 3 and shape[-1] == 2:
            shape = shape[:2]  # grey and alpha: one plane
        pixels = int(np.prod(shape[:2]))
        if Image.MAX_IMAGE_PIXELS and pixels > Image.MAX_IMAGE_PIXELS:  # the same limit as other images
            raise ValueError(f"image too large to be a frame ({pixels} pixels in {Path(path).name})")
        return tuple(shape), _saturation(np.dtype(dtype)), pages
    from PIL import Image

    with warnings.catch_warnings(), _no_bombs():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as img:
            bands, (width, height) = len(img.getbands()) - (img.mode in ("LA", "La")), img.size
            sixteen = img.mode.startswith("I;16") or img.mode == "I"
            pages = int(getattr(img, "n_frames", 1))  # an animated PNG or GIF: every frame
            if img.format == "PNG" and img.mode in ("RGB", "RGBA") and _png_depth(path) == 16:
                raise ValueError(
                    f"a 16-bit colour PNG ({Path(path).name}), which Pillow reads as 8-bit: save the "
                    "frames as 16-bit TIFF or SER"
                )
            bands += 2 * (img.mode == "P")  # palette colours are read as RGB(A)
    shape = (height, width) if bands == 1 else (height, width, 3)
    return shape, 65_535.0 if sixteen else 255.0, pages


def _png_depth(path: str) -> int:
    """Bits per sample a PNG stores (its header's bit depth)."""
    with open(path, "rb") as f:
        head = f.read(25)
    return head[24] if len(head) == 25 else 0


def _saturation(dtype: np.dtype) -> float | None:
    return float(np.iinfo(dtype).max) if dtype.kind in "iu" else None


def ser_segments(path: str) -> tuple[list[Segment], fits.Header]:
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
    good = Segment(
        "raw",
        path,
        head.frames_present,
        head.frame_shape,
        178,
        head.dtype.str,
        flip=True,
        colour=colour,
        times=times,
        saturation=saturation,
        bayer=head.bayer,
    )
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
    return tuple(
        (start + _dt.timedelta(seconds=i * float(step))).isoformat(timespec="milliseconds")
        for i in range(count)
    )


def fits_segments(path: str) -> tuple[list[Segment], fits.Header]:
    p = Path(path)
    _fits.check_readable(p)
    size = p.stat().st_size
    compressed = path.lower().endswith((".gz", ".fz"))
    segments: list[Segment] = []
    notes: list[str] = []
    first: fits.Header | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            hdul = fits.open(p, memmap=False, lazy_load_hdus=True, ignore_missing_end=True)
        except (OSError, ValueError, TypeError, IndexError) as err:
            raise FileFormatError(_fits.open_error(p, err)) from err
        with hdul:
            _fits.scan(hdul, p)
            for index, hdu in enumerate(hdul):
                if not _fits.has_image(hdu) or (index and hdu.header.get("EXTNAME") == "COVERAGE"):
                    continue  # a stack's coverage map is not a frame
                header = _fits.readable_header(hdu.header)
                if str(header.get("CHANNEL", "")).strip().lower() == "rgb":
                    raise FileFormatError(
                        f"{p.name} is a colour stack (CHANNEL = 'rgb'), its red, green and blue planes, "
                        f"not frames: render a plane of it with {option('plane')}, or stack the frames "
                        "themselves"
                    )
                if first is None:
                    first = header
                naxes = [hdu.header[f"NAXIS{i}"] for i in range(hdu.header["NAXIS"], 0, -1)]
                frame_shape = tuple(naxes[-2:])
                count = math.prod(int(n) for n in naxes[:-2]) if len(naxes) > 2 else 1
                bitpix = hdu.header["BITPIX"]
                dtype = _fits.bitpix_dtype(bitpix, path)
                blank = hdu.header.get("BLANK") if bitpix > 0 else None
                scale, zero = float(hdu.header.get("BSCALE", 1.0)), float(hdu.header.get("BZERO", 0.0))
                saturation = None
                if bitpix > 0:
                    top = float(np.iinfo(dtype).max) * scale + zero
                    saturation = top
                times = _frame_times(header, count)
                bayer, phase = fits_bayer(header, int(frame_shape[0]))
                if compressed or isinstance(hdu, fits.CompImageHDU):
                    segments.append(
                        Segment(
                            "fits",
                            path,
                            count,
                            frame_shape,
                            hdu=index,
                            blank=blank,
                            scale=scale,
                            zero=zero,
                            dtype=dtype.str,
                            times=times,
                            saturation=saturation,
                            bayer=bayer,
                            bayer_phase=phase,
                        )
                    )
                    continue
                offset = getattr(hdu, "_data_offset", None)  # fileinfo() re-verifies damaged cards
                if not isinstance(offset, int):
                    offset = hdul.fileinfo(index)["datLoc"]
                frame_bytes = math.prod(int(n) for n in frame_shape) * dtype.itemsize
                present = min(count, max(0, size - offset) // frame_bytes)
                if present < count:
                    notes.append(
                        f"{p.name} is truncated: frames {present}..{count - 1} of {count} are missing "
                        "and skipped"
                    )
                segments.append(
                    Segment(
                        "raw",
                        path,
                        present,
                        frame_shape,
                        offset,
                        dtype.str,
                        scale,
                        zero,
                        blank,
                        times=times[:present] if times else None,
                        saturation=saturation,
                        bayer=bayer,
                        bayer_phase=phase,
                    )
                )
    for note in notes:
        warn(note, stacklevel=3)
    if first is None:
        raise FileFormatError(f"{path} has no image HDU")
    return segments, first
