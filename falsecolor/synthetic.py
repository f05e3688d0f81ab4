"""A synthetic Jupiter with known truth (SCIENCE.md section 6): ``synthetic_jupiter``, ``synthetic_frames``.

It is made by wiring the physics stages together, so it lives in the pipeline
package (:mod:`falsecolor.pipeline._synthetic`); this module is its public name.
"""

from .pipeline._lucky_frames import LuckyFrames, synthetic_frames
from .pipeline._synthetic import LIMB_EXPONENT_5UM, LIMB_EXPONENT_13UM, SyntheticJupiter, synthetic_jupiter

__all__ = [
    "LIMB_EXPONENT_5UM",
    "LIMB_EXPONENT_13UM",
    "LuckyFrames",
    "SyntheticJupiter",
    "synthetic_frames",
    "synthetic_jupiter",
]
