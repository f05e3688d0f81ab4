"""Writing results: PNG, JPEG and 16-bit TIFF with ICC profile and metadata; atomically.

Encoders are deterministic (same pixels and metadata, same bytes). Files are
written through :func:`write_atomically`: temporary file, then rename, all or
nothing, never over an input.
"""

from ._atomic import check_output, write_atomically
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
    "JPEG_QUALITY",
    "PNG_COMPRESS_LEVEL",
    "XMP_KEY",
    "AvmBand",
    "avm_xmp",
    "check_output",
    "encode_jpeg",
    "encode_png",
    "encode_tiff",
    "format_of",
    "read_avm",
    "srgb_icc_profile",
    "write_atomically",
]
