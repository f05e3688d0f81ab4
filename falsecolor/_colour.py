"""sRGB transfer function, OKLab, and chroma-reducing gamut mapping (array in, array out).

The render path needs only these few conversions; they are vectorised numpy so
a palette builds its look-up table in milliseconds without importing a
colour-science package. The tests check them against published reference
values (CSS Color 4 / Ottosson 2020) and against colour-science.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "linear_to_oklab",
    "linear_to_srgb",
    "map_into_gamut",
    "oklab_to_linear",
    "parse_colour",
    "srgb_to_linear",
]

# Ottosson (2020), "A perceptual color space for image processing",
# https://bottosson.github.io/posts/oklab/ (linear sRGB <-> LMS <-> OKLab).
_RGB_TO_LMS = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
_LMS_TO_LAB = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)
_LAB_TO_LMS = np.linalg.inv(_LMS_TO_LAB)
_LMS_TO_RGB = np.linalg.inv(_RGB_TO_LMS)


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB decoding; domain and range [0, 1]."""
    c = np.asarray(srgb, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB encoding; domain and range [0, 1] (clipped)."""
    c = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def linear_to_oklab(linear: np.ndarray) -> np.ndarray:
    """Linear-light sRGB ``(..., 3)`` to OKLab ``(..., 3)`` (L in [0, 1])."""
    lms = np.asarray(linear, dtype=np.float64) @ _RGB_TO_LMS.T
    return np.cbrt(lms) @ _LMS_TO_LAB.T


def oklab_to_linear(lab: np.ndarray) -> np.ndarray:
    """OKLab ``(..., 3)`` to linear-light sRGB ``(..., 3)`` (may leave [0, 1])."""
    lms = (np.asarray(lab, dtype=np.float64) @ _LAB_TO_LMS.T) ** 3
    return lms @ _LMS_TO_RGB.T


def map_into_gamut(lab: np.ndarray, *, iterations: int = 24) -> np.ndarray:
    """Bring OKLab colours into the sRGB gamut by reducing chroma at constant L and hue.

    Colours already inside are returned unchanged; for the others the largest
    chroma scale in [0, 1] that stays inside is found by bisection. Lightness
    is clipped to [0, 1] first (grey of that lightness is always inside).
    """
    lab = np.array(lab, dtype=np.float64)
    lab[..., 0] = np.clip(lab[..., 0], 0.0, 1.0)
    eps = 1e-9

    def inside(candidate):
        rgb = oklab_to_linear(candidate)
        return np.all((rgb >= -eps) & (rgb <= 1 + eps), axis=-1)

    outside = ~inside(lab)
    if not outside.any():
        return lab
    todo = lab[outside]
    low = np.zeros(todo.shape[:-1])
    high = np.ones(todo.shape[:-1])
    for _ in range(iterations):
        mid = 0.5 * (low + high)
        trial = todo.copy()
        trial[..., 1:] *= mid[..., None]
        ok = inside(trial)
        low = np.where(ok, mid, low)
        high = np.where(ok, high, mid)
    todo[..., 1:] *= low[..., None]
    lab[outside] = todo
    return lab


def parse_colour(text: str) -> tuple[float, float, float, float]:
    """``#rgb``, ``#rrggbb`` or ``#rrggbbaa`` (sRGB) to RGBA floats in [0, 1].

    Also accepts the matplotlib colour names (``black``, ``none``, ...).

    Raises
    ------
    ValueError
        When the text is not a colour.
    """
    from matplotlib.colors import to_rgba

    value = str(text).strip()
    if value.lower() in ("none", "transparent"):
        return (0.0, 0.0, 0.0, 0.0)
    try:
        return tuple(float(c) for c in to_rgba(value))  # type: ignore[return-value]
    except ValueError as err:
        raise ValueError(f"{text!r} is not a colour (use '#rrggbb', '#rrggbbaa' or a name)") from err
