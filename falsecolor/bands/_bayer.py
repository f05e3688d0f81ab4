"""Colour (Bayer) sensors: which pattern a mosaic frame has, and demosaicing it.

A one-shot colour camera puts a 2 x 2 pattern of colour filters over its pixels.
Its frames are a mosaic: each pixel saw one colour. The pattern is named by the
colours of the top-left 2 x 2 pixels, row by row (``RGGB``: red, green / green,
blue). SER files say it in the header's colour ID (8-11; 16-19 are the
cyan-yellow-magenta sensors, which are not demosaiced here); FITS files in
``BAYERPAT``, with ``XBAYROFF``/``YBAYROFF`` (the pattern starts that many
columns/rows in) and ``ROWORDER``.

Where the pattern starts in a FITS file: the camera programs that write
``BAYERPAT`` (SharpCap, FireCapture, N.I.N.A., INDI, ASCOM/MaxIm) store the
sensor's rows as read out, top row first, and name the pattern from the first
stored pixel; ``ROWORDER = 'TOP-DOWN'`` says so. A file stored bottom-up
(``ROWORDER = 'BOTTOM-UP'``) still names the pattern from the image's top-left
pixel, which is then the first pixel of its last stored row, so its phase
depends on the number of rows (Siril's reading; with an even number of rows
``RGGB`` seen from the top is ``GBRG`` seen from the first stored row).
Without ``ROWORDER``, top-down is assumed, as those programs write.

Frames are demosaiced in their stored row order, before any flip, with the
pattern of the first stored pixel, by ``colour-demosaicing``
(Malvar, He & Cutler 2004: bilinear plus gradient correction, linear, vectorised
over the whole frame; ``pip install 'falsecolor-ir[bayer]'``), imported only
when a mosaic is read.

References
----------
Malvar, H. S., He, L.-W. & Cutler, R. (2004). High-quality linear
interpolation for demosaicing of Bayer-patterned color images. ICASSP 2004,
III-485. https://doi.org/10.1109/ICASSP.2004.1326587
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from .._messages import option
from ..exceptions import FileFormatError, InputError

__all__ = ["BAYER_CHOICES", "PATTERNS", "check_bayer", "demosaic", "fits_bayer", "resolve_bayer", "shifted"]

#: The red-green-blue patterns that can be demosaiced.
PATTERNS = ("RGGB", "GRBG", "GBRG", "BGGR")
#: What ``bayer=`` takes: from the header, never, or one pattern for every single-plane frame.
BAYER_CHOICES = ("auto", "none", *PATTERNS)
_CMY = ("CYYM", "YCMY", "YMCY", "MYYC")
_library: Any = None  # colour_demosaicing, once imported


def shifted(pattern: str, rows: int, columns: int) -> str:
    """The pattern that starts ``rows`` rows down and ``columns`` columns right of ``pattern``'s origin.

    >>> shifted("RGGB", 1, 0), shifted("RGGB", 0, 1), shifted("RGGB", 1, 1)
    ('GBRG', 'GRBG', 'BGGR')
    """
    cells = [[pattern[0], pattern[1]], [pattern[2], pattern[3]]]
    if rows % 2:
        cells = cells[::-1]
    if columns % 2:
        cells = [row[::-1] for row in cells]
    return "".join(cells[0] + cells[1])


def _offset(header: fits.Header, key: str) -> int:
    value = header.get(key, 0)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def fits_bayer(header: fits.Header, rows: int) -> tuple[str | None, tuple[int, int]]:
    """A FITS header's ``BAYERPAT`` (upper case, as written) and the phase from its origin to stored [0, 0].

    The phase is ``(rows, columns)`` to shift the pattern by (see :func:`shifted`).
    """
    stated = header.get("BAYERPAT")
    row_order = str(header.get("ROWORDER", "TOP-DOWN")).strip().upper()
    dy, dx = _offset(header, "YBAYROFF"), _offset(header, "XBAYROFF")
    if row_order == "BOTTOM-UP":  # the pattern is named from the top row, the last one stored
        dy += rows - 1
    if not isinstance(stated, str) or not stated.strip():
        return None, (dy % 2, dx % 2)
    return stated.strip().upper(), (dy % 2, dx % 2)


def resolve_bayer(segments: list, bayer: str) -> list:
    """The segments with the pattern each is demosaiced with, as of its first stored pixel (or None).

    ``bayer`` is ``'auto'`` (the file's own pattern), ``'none'`` (read mosaics
    as they are, one value per pixel) or a pattern for every single-plane frame.

    Raises
    ------
    InputError
        An unknown ``bayer``, or a mosaic to demosaic without colour-demosaicing installed.
    FileFormatError
        A file's pattern that cannot be demosaiced (CMY, or not a pattern).
    """
    choice = check_bayer(bayer)
    resolved = []
    for segment in segments:
        stated = segment.bayer if choice == "AUTO" else None if choice == "NONE" else choice
        if choice not in ("AUTO", "NONE") and (segment.colour != "mono" or len(segment.shape) != 2):
            stated = None  # a colour frame is demosaiced already
        if stated is not None:
            _check_pattern(stated, segment.path)
            stated = shifted(stated, *segment.bayer_phase)
        resolved.append(dataclasses.replace(segment, bayer=stated, bayer_phase=(0, 0)))
    if any(s.bayer for s in resolved):
        _demosaicing()
    return resolved


def check_bayer(bayer: str) -> str:
    """``bayer`` checked and in upper case (``AUTO``, ``NONE`` or a pattern)."""
    choice = bayer.strip().upper() if isinstance(bayer, str) else bayer
    if choice not in ("AUTO", "NONE", *PATTERNS):
        raise InputError(f"{option('bayer', bayer)}: choose {', '.join(BAYER_CHOICES)}")
    return choice


def _check_pattern(pattern: str, path: str) -> None:
    if pattern in PATTERNS:
        return
    name = Path(path).name
    if pattern in _CMY:
        raise FileFormatError(
            f"{name} is from a cyan-yellow-magenta colour sensor ({pattern}), which is not demosaiced: "
            f"stack its raw mosaic with {option('bayer', 'none')}"
        )
    raise FileFormatError(
        f"{name}: unknown Bayer pattern {pattern!r} in the header: give the pattern with "
        f"{option('bayer', 'RGGB')} (or GRBG, GBRG, BGGR), or {option('bayer', 'none')} for the raw mosaic"
    )


def _demosaicing() -> Any:
    global _library
    if _library is not None:  # no warning filters touched again: frames are demosaiced in threads
        return _library
    options = np.get_printoptions()  # colour-science switches numpy to 1.13-style printing on import
    try:
        with warnings.catch_warnings():
            # colour-demosaicing 0.2 imports convolve from scipy.ndimage.filters, deprecated since SciPy 1.8
            warnings.simplefilter("ignore", DeprecationWarning)
            import colour_demosaicing
    except ImportError as err:
        raise InputError(
            "demosaicing colour (Bayer) frames needs colour-demosaicing: pip install "
            "'falsecolor-ir[bayer]' (from a checkout: pip install '.[bayer]'), or stack the raw "
            f"mosaic with {option('bayer', 'none')}"
        ) from err
    finally:
        np.set_printoptions(**options)
    _library = colour_demosaicing
    return _library


def demosaic(mosaic: np.ndarray, pattern: str) -> np.ndarray:
    """Red, green and blue ``(ny, nx, 3)`` float32 of a mosaic ``(ny, nx)`` whose [0, 0] has ``pattern``.

    Notes
    -----
    Malvar-He-Cutler interpolation: linear in the data (so a dark subtracted
    before or after gives the same result). On a smooth synthetic planet the
    median error is 1e-5 of a channel's maximum, at most 2 % at the limb (6 %
    for blue, sampled one pixel in four), away from the outer three pixels
    (the 5 x 5 kernels reflect at the edges). NaN spreads to the neighbours
    that interpolate from it.
    """
    if pattern not in PATTERNS:
        raise InputError(f"unknown Bayer pattern {pattern!r}: choose {', '.join(PATTERNS)}")
    library = _demosaicing()
    rgb = library.demosaicing_CFA_Bayer_Malvar2004(np.asarray(mosaic, np.float32), pattern)
    return np.asarray(rgb, np.float32)
