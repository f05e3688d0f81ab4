"""A synthetic Jupiter with known truth (SCIENCE.md section 6), and lucky-imaging frames of it.

``synthetic_jupiter`` gives a 13 um and a 4.8 um band with the true brightness
temperature, opacity and geometry behind them; ``synthetic_frames`` a sequence
of short, blurred, drifting, noisy frames (a FITS cube or a SER video).
Used by ``falsecolor render --demo``, the tests, the benchmarks and the gallery.
"""

from ._frames import LuckyFrames, synthetic_frames
from ._jupiter import LIMB_EXPONENT_5UM, LIMB_EXPONENT_13UM, SyntheticJupiter, synthetic_jupiter

__all__ = [
    "LIMB_EXPONENT_5UM",
    "LIMB_EXPONENT_13UM",
    "LuckyFrames",
    "SyntheticJupiter",
    "synthetic_frames",
    "synthetic_jupiter",
]
