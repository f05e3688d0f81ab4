"""Encoders: 8-bit PNG and JPEG, 16-bit TIFF master, each with the sRGB ICC profile and metadata.

Every encoder is deterministic: the same pixels and metadata give the same
bytes (no clock, no random identifiers), so a render can be reproduced
byte for byte.
"""

from __future__ import annotations

import io
import os
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, PngImagePlugin

__all__ = [
    "FORMATS",
    "JPEG_QUALITY",
    "PNG_COMPRESS_LEVEL",
    "XMP_KEY",
    "encode_jpeg",
    "encode_png",
    "encode_tiff",
    "format_of",
    "srgb_icc_profile",
]

#: zlib level for PNG. Measured on rendered Jupiters (benchmarks/README.md): level 4 is the
#: cheapest "lazy matching" level, 10-14 % smaller than level 1 for 1.3-1.5x its time, within
#: 5-10 % of level 6's size at under half its time; level 9 is 10x slower for 1-2 % more.
PNG_COMPRESS_LEVEL = 4
#: JPEG quality for web copies (with 4:4:4 chroma, so coloured edges stay sharp).
JPEG_QUALITY = 92
#: zlib level of the TIFF master (with the horizontal predictor).
TIFF_COMPRESS_LEVEL = 4
#: The PNG iTXt keyword (and TIFF tag 700 content) that holds XMP metadata.
XMP_KEY = "XML:com.adobe.xmp"
#: Output formats by file suffix.
FORMATS = {".png": "png", ".tif": "tiff", ".tiff": "tiff", ".jpg": "jpeg", ".jpeg": "jpeg"}

# A fixed ICC header date (bytes 24-35: year, month, day, hour, minute, second as uint16):
# LittleCMS stamps the current time, which would make every file different.
_ICC_DATE = np.array([2000, 1, 1, 0, 0, 0], dtype=">u2").tobytes()


def format_of(path) -> str:
    """``png``, ``tiff`` or ``jpeg`` from a file name; ValueError for anything else."""
    suffix = str(path)[str(path).rfind(".") :].lower() if "." in str(path) else ""
    try:
        return FORMATS[suffix]
    except KeyError:
        raise ValueError(
            f"cannot tell the format of {str(path)!r} from its suffix: use .png, .tif/.tiff (16-bit master) "
            "or .jpg"
        ) from None


@lru_cache(maxsize=1)
def srgb_icc_profile() -> bytes:
    """The sRGB ICC profile (LittleCMS's built-in sRGB via Pillow), with a fixed header date."""
    from PIL import ImageCms

    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = _ICC_DATE
    return bytes(profile)


def _rgb_or_rgba(image: np.ndarray) -> np.ndarray:
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"expected an (ny, nx, 3|4) image, got {image.shape}")
    if image.shape[2] == 4 and np.all(image[..., 3] == np.iinfo(image.dtype).max):
        return image[..., :3]
    return image


def encode_png(
    rgba: np.ndarray,
    *,
    text: dict[str, str] | None = None,
    compressed_text: dict[str, str] | None = None,
    xmp: bytes | None = None,
    dpi: float | None = None,
    compress_level: int = PNG_COMPRESS_LEVEL,
) -> bytes:
    """Encode an 8-bit sRGB image (row 0 = top) as PNG bytes with an embedded sRGB ICC profile.

    An image whose alpha is opaque everywhere is written as RGB. ``text``
    entries become tEXt chunks (iTXt when not Latin-1); ``compressed_text``
    compressed iTXt chunks (e.g. the recipe); ``xmp`` an iTXt chunk under
    :data:`XMP_KEY`; ``dpi`` a pHYs chunk. The gAMA and cHRM chunks of sRGB
    are written too for decoders without colour management.
    """
    if rgba.dtype != np.uint8:
        raise ValueError(f"PNG output takes 8-bit images, got {rgba.dtype}")
    if not 0 <= compress_level <= 9:
        raise ValueError(f"PNG compress level must be 0..9, got {compress_level}")
    pixels = _rgb_or_rgba(rgba)
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGBA" if pixels.shape[2] == 4 else "RGB")
    info = PngImagePlugin.PngInfo()
    # The PNG specification: with an embedded profile (iCCP) no sRGB chunk; gAMA and cHRM
    # are the fallback for viewers that ignore the profile.
    info.add(b"gAMA", (45455).to_bytes(4, "big"))
    white_and_primaries = (31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000)
    info.add(b"cHRM", b"".join(v.to_bytes(4, "big") for v in white_and_primaries))
    for key, value in (text or {}).items():
        try:
            value.encode("latin-1")
            info.add_text(key, value)
        except UnicodeEncodeError:
            info.add_itxt(key, value)
    for key, value in (compressed_text or {}).items():
        info.add_itxt(key, value, zip=True)
    if xmp is not None:
        info.add_itxt(XMP_KEY, xmp.decode("utf-8"))
    options = {"pnginfo": info, "compress_level": compress_level, "icc_profile": srgb_icc_profile()}
    if dpi is not None:
        options["dpi"] = (dpi, dpi)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def encode_jpeg(
    rgb: np.ndarray,
    *,
    xmp: bytes | None = None,
    comment: str | None = None,
    dpi: float | None = None,
    quality: int = JPEG_QUALITY,
) -> bytes:
    """Encode an opaque 8-bit sRGB image as baseline JPEG (4:4:4) with the sRGB ICC profile."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] not in (3, 4):
        raise ValueError(f"expected uint8 (ny, nx, 3|4), got {rgb.dtype} {rgb.shape}")
    if rgb.shape[2] == 4 and np.any(rgb[..., 3] != 255):
        raise ValueError("JPEG has no transparency: flatten the image onto a background first")
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be 1..100, got {quality}")
    image = Image.fromarray(np.ascontiguousarray(rgb[..., :3]), "RGB")
    options = {"quality": quality, "subsampling": 0, "icc_profile": srgb_icc_profile()}
    if dpi is not None:
        options["dpi"] = (round(dpi), round(dpi))
    if xmp is not None:
        options["xmp"] = xmp
    if comment:
        options["comment"] = comment.encode("utf-8")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", **options)
    return buffer.getvalue()


def encode_tiff(
    rgba: np.ndarray,
    *,
    description: str | None = None,
    software: str | None = None,
    artist: str | None = None,
    xmp: bytes | None = None,
    dpi: float | None = None,
) -> bytes:
    """Encode a 16-bit (or 8-bit) sRGB image as a deflate-compressed TIFF with the sRGB ICC profile.

    Alpha, when not opaque everywhere, is written as an unassociated extra
    sample. ``description``, ``software`` and ``artist`` fill the TIFF tags of
    those names (ASCII); ``xmp`` goes in tag 700.
    """
    import tifffile

    if rgba.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"TIFF output takes 8- or 16-bit images, got {rgba.dtype}")
    pixels = np.ascontiguousarray(_rgb_or_rgba(rgba))
    extratags: list[tuple[int, str, int, Any, bool]] = []
    if artist:
        extratags.append((315, "s", 0, _ascii(artist), True))
    if xmp is not None:
        extratags.append((700, "B", len(xmp), xmp, True))
    options: dict[str, Any] = {
        "photometric": "rgb",
        # Horizontal differencing halves the size of smooth 16-bit pictures; level 4 and strips
        # compressed on every core make it faster than plain deflate (benchmarks/README.md).
        "compression": "zlib",
        "predictor": True,
        "compressionargs": {"level": TIFF_COMPRESS_LEVEL},
        "rowsperstrip": 256,
        "maxworkers": os.cpu_count() or 1,
        "iccprofile": srgb_icc_profile(),
        "description": _ascii(description) if description else None,
        "software": _ascii(software) if software else None,
        "metadata": None,
        "extratags": extratags,
    }
    if pixels.shape[2] == 4:
        options["extrasamples"] = ["unassalpha"]
    if dpi is not None:
        options["resolution"] = (dpi, dpi)
        options["resolutionunit"] = "INCH"
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, pixels, **options)
    return buffer.getvalue()


def _ascii(text: str) -> str:
    """TIFF ASCII tags: non-ASCII letters are spelled out or replaced."""
    text = text.replace("µ", "u").replace("τ", "tau").replace("→", "->").replace("–", "-")
    return text.encode("ascii", "replace").decode("ascii")
