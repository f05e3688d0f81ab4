"""Changing the picture's size: Lanczos resampling (8- or 16-bit) and whole-pixel enlargement."""

from __future__ import annotations

import numpy as np

#: Largest side of a resampled composite (16384^2 RGBA is 1 GiB).
MAX_SIDE = 16384


def output_size(shape: tuple[int, ...], longest_side: int) -> tuple[int, int]:
    """``(width, height)`` with the longer side ``longest_side`` and the aspect kept."""
    if not 16 <= longest_side <= MAX_SIDE:
        raise ValueError(f"the output size must be 16..{MAX_SIDE} pixels, got {longest_side}")
    ny, nx = shape[:2]
    scale = longest_side / max(ny, nx)
    return max(1, round(nx * scale)), max(1, round(ny * scale))


def resample(image: np.ndarray, longest_side: int) -> np.ndarray:
    """Resize an 8- or 16-bit RGBA image so its longer side is ``longest_side`` pixels.

    Lanczos filtering on premultiplied alpha (Pillow), so transparent pixels do
    not bleed their colour into the planet's edge. 16-bit images are filtered
    channel by channel in 32-bit float, keeping their precision.
    """
    from PIL import Image

    size = output_size(image.shape, longest_side)
    if size == (image.shape[1], image.shape[0]):
        return image
    if image.dtype == np.uint8:
        resized = Image.fromarray(np.ascontiguousarray(image), "RGBA").resize(size, Image.Resampling.LANCZOS)
        return np.asarray(resized)
    full = float(np.iinfo(image.dtype).max)
    alpha = image[..., 3].astype(np.float32) / full
    channels = [image[..., i].astype(np.float32) / full * alpha for i in range(3)] + [alpha]
    planes = [np.asarray(Image.fromarray(c, "F").resize(size, Image.Resampling.LANCZOS)) for c in channels]
    a = np.clip(planes[3], 0.0, 1.0)
    out = np.empty((size[1], size[0], 4), dtype=image.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        for i in range(3):
            value = np.where(a > 0, planes[i] / a, 0.0)
            out[..., i] = np.round(np.clip(value, 0.0, 1.0) * full)
    out[..., 3] = np.round(a * full)
    return out


def enlarge(image: np.ndarray, minimum: int = 320) -> np.ndarray:
    """Repeat each pixel (a whole number of times) until the longer side reaches ``minimum``.

    Small images (a 60 x 55 archival disc) are enlarged this way before a key
    and text are drawn beside them, so the picture is not dwarfed by its key;
    every data pixel stays a uniform square, nothing is interpolated.
    """
    factor = enlargement(image.shape, minimum)
    if factor <= 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def enlargement(shape: tuple[int, ...], minimum: int = 320) -> int:
    """The whole-number factor :func:`enlarge` applies to an image of ``shape``."""
    return max(1, int(np.ceil(minimum / max(shape[:2]))))
