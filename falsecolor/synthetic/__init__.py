"""A synthetic Jupiter with known truth (SCIENCE.md section 6), and lucky-imaging frames of it.

``synthetic_jupiter`` gives a 13 um and a 4.8 um band with the true brightness
temperature, opacity and geometry behind them; ``synthetic_frames`` a sequence
of short, blurred, drifting, noisy frames (a FITS cube or a SER video);
``synthetic_chopped`` a chopped (and nodded) burst whose sky dwarfs the planet.
Used by ``falsecolor render --demo``, the tests, the benchmarks and the gallery.
"""

from importlib import import_module
from typing import Any

from ._jupiter import LIMB_EXPONENT_5UM, LIMB_EXPONENT_13UM, SyntheticJupiter, synthetic_jupiter

#: Loaded on first use: the frames need scipy's FFT and filters, the demo does not.
_LAZY = {
    "ChoppedFrames": "._chopped",
    "LuckyFrames": "._frames",
    "synthetic_chopped": "._chopped",
    "synthetic_frames": "._frames",
}

__all__ = [
    "LIMB_EXPONENT_5UM",
    "LIMB_EXPONENT_13UM",
    "ChoppedFrames",
    "LuckyFrames",
    "SyntheticJupiter",
    "synthetic_chopped",
    "synthetic_frames",
    "synthetic_jupiter",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value
