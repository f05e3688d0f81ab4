"""Writing results: PNG, JPEG and 16-bit TIFF with ICC profile and metadata; atomically.

Encoders are deterministic (same pixels and metadata, same bytes). Files are
written through :func:`write_atomically`: temporary file, then rename, all or
nothing, never over an input. The writer itself lives in the base layer
(``falsecolor._atomic``), so that a foundation object (a :class:`~falsecolor.Band`)
writes through the same one; this package re-exports it.
"""

from .._atomic import Staging, check_output, output_target, write_atomically
from .._commit import HELD_SIGNALS, held_signals, recover_folder
from ._avm import AvmBand, avm_xmp, read_avm
from ._formats import (
    FORMATS,
    JPEG_QUALITY,
    PNG_COMPRESS_LEVEL,
    XMP_KEY,
    encode_jpeg,
    encode_png,
    encode_tiff,
    format_of,
    srgb_icc_profile,
)

__all__ = [
    "FORMATS",
    "HELD_SIGNALS",
    "JPEG_QUALITY",
    "PNG_COMPRESS_LEVEL",
    "XMP_KEY",
    "AvmBand",
    "Staging",
    "avm_xmp",
    "check_output",
    "encode_jpeg",
    "encode_png",
    "encode_tiff",
    "format_of",
    "held_signals",
    "output_target",
    "read_avm",
    "recover_folder",
    "srgb_icc_profile",
    "write_atomically",
]
