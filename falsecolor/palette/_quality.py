"""How good is a palette? Perceptual steps, lightness order, colour-vision deficiency, greyscale.

The colour-science maths (sRGB -> CIE XYZ -> CIELAB, CIEDE2000, the Machado et
al. 2009 colour-vision-deficiency matrices) comes from the ``colour-science``
package, imported only here and only when a report is asked for: it is the
maintained reference implementation of these formulas, so the report does not
depend on matrices copied by hand. The render path keeps its own few OKLab
lines (:mod:`falsecolor._colour`), tested against colour-science, because
importing colour-science costs over a second.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from ._core import CORNERS, Palette

__all__ = ["DEFICIENCIES", "PaletteQuality", "assess", "simulate"]

#: Machado, Oliveira & Fernandes (2009) deficiency names in colour-science, at severity 1.
DEFICIENCIES = {"deuteranopia": "Deuteranomaly", "protanopia": "Protanomaly", "tritanopia": "Tritanomaly"}
#: [ASM] Corner colours closer than this (CIEDE2000) are hard to tell apart on a key.
CORNER_DISTINCT = 10.0
#: [ASM] Corner lightnesses closer than this (CIE L*) merge in a greyscale print.
GREY_DISTINCT = 8.0
#: [ASM] A step smaller than this fraction of the mean step is a flat patch of the palette.
FLAT_STEP = 0.2


def _colour() -> Any:
    """colour-science, imported without its side effect: it switches numpy to 1.13-style printing."""
    options = np.get_printoptions()
    import colour

    np.set_printoptions(**options)
    return colour


def _lab(srgb: np.ndarray) -> np.ndarray:
    colour = _colour()

    xyz = colour.RGB_to_XYZ(srgb, "sRGB", apply_cctf_decoding=True)
    white = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]
    return colour.XYZ_to_Lab(xyz, white)


def _delta_e(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    colour = _colour()

    return colour.delta_E(a, b, method="CIE 2000")


def simulate(srgb: np.ndarray, deficiency: str) -> np.ndarray:
    """sRGB colours ``(..., 3)`` as seen with a colour-vision deficiency (full severity).

    ``deficiency`` is ``deuteranopia``, ``protanopia``, ``tritanopia`` or
    ``greyscale`` (CIE luminance re-encoded as sRGB grey).
    """
    colour = _colour()

    linear = colour.cctf_decoding(np.clip(srgb, 0.0, 1.0), function="sRGB")
    if deficiency == "greyscale":
        luminance = colour.RGB_to_XYZ(linear, "sRGB")[..., 1:2]
        seen = np.repeat(luminance, 3, axis=-1)
    elif deficiency in DEFICIENCIES:
        with warnings.catch_warnings():
            # colour-science notes that its tritanomaly matrices use a different shift domain.
            warnings.simplefilter("ignore", colour.utilities.ColourUsageWarning)
            matrix = colour.matrix_cvd_Machado2009(DEFICIENCIES[deficiency], 1.0)
        seen = linear @ np.asarray(matrix).T
    else:
        raise ValueError(f"unknown deficiency {deficiency!r}: use {', '.join([*DEFICIENCIES, 'greyscale'])}")
    return colour.cctf_encoding(np.clip(seen, 0.0, 1.0), function="sRGB")


@dataclass(frozen=True)
class PaletteQuality:
    """The quality report of one palette (see :func:`assess`).

    Attributes
    ----------
    name : str
    step_min, step_mean : float
        Smallest and mean CIEDE2000 difference between neighbouring table
        cells (along either axis).
    lightness_range : (float, float)
        Darkest and lightest CIE L* in the table.
    lightness_monotonic : float
        Fraction of cloud rows whose L* rises at every step from cold to warm.
    lightness_falling : float
        Fraction of cloud rows whose L* falls at every step (ordered the other way).
    lightness_step_min : float
        Smallest L* step from cold to warm (negative when lightness falls).
    corner_distance : dict
        Smallest CIEDE2000 difference between any two corners, for normal
        vision and under each simulated deficiency.
    greyscale_corner_distance : float
        Smallest L* difference between any two corners (greyscale print).
    greyscale_monotonic : float
        Fraction of cloud rows whose greyscale rises from cold to warm.
    warnings : list of str
        Plain-language problems found.
    """

    name: str
    step_min: float
    step_mean: float
    lightness_range: tuple[float, float]
    lightness_monotonic: float
    lightness_falling: float
    lightness_step_min: float
    corner_distance: dict[str, float]
    greyscale_corner_distance: float
    greyscale_monotonic: float
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready values (rounded to meaningful digits)."""
        return {
            "name": self.name,
            "step_min": round(self.step_min, 4),
            "step_mean": round(self.step_mean, 4),
            "lightness_range": [round(v, 2) for v in self.lightness_range],
            "lightness_monotonic": round(self.lightness_monotonic, 4),
            "lightness_falling": round(self.lightness_falling, 4),
            "lightness_step_min": round(self.lightness_step_min, 4),
            "corner_distance": {k: round(v, 2) for k, v in self.corner_distance.items()},
            "greyscale_corner_distance": round(self.greyscale_corner_distance, 2),
            "greyscale_monotonic": round(self.greyscale_monotonic, 4),
            "warnings": list(self.warnings),
        }


def _corner_colours(table: np.ndarray) -> dict[str, np.ndarray]:
    ends = {"cold_clear": (0, 0), "warm_clear": (-1, 0), "cold_cloudy": (0, -1), "warm_cloudy": (-1, -1)}
    return {name: table[i, j] for name, (i, j) in ends.items()}


def _closest_pair(labs: dict[str, np.ndarray]) -> tuple[float, str, str]:
    pairs = [(float(_delta_e(labs[a], labs[b])), a, b) for a, b in combinations(CORNERS, 2)]
    return min(pairs)


def assess(palette: Palette) -> PaletteQuality:
    """Measure a palette: perceptual steps, lightness order, corners under CVD, greyscale.

    Parameters
    ----------
    palette : Palette

    Returns
    -------
    PaletteQuality
    """
    rgb = np.asarray(palette.lut[..., :3], dtype=np.float64)
    lab = _lab(rgb)
    steps = np.concatenate([_delta_e(lab[1:], lab[:-1]).ravel(), _delta_e(lab[:, 1:], lab[:, :-1]).ravel()])
    lightness_steps = np.diff(lab[..., 0], axis=0)  # along temperature, per cloud column
    grey = _lab(simulate(rgb, "greyscale"))[..., 0]
    grey_steps = np.diff(grey, axis=0)
    corners = {"normal": _closest_pair({k: _lab(v) for k, v in _corner_colours(rgb).items()})}
    for deficiency in DEFICIENCIES:
        seen = {k: _lab(simulate(v, deficiency)) for k, v in _corner_colours(rgb).items()}
        corners[deficiency] = _closest_pair(seen)
    grey_corners = _corner_colours(grey)
    grey_pairs = min(
        (abs(float(grey_corners[a] - grey_corners[b])), a, b) for a, b in combinations(CORNERS, 2)
    )
    report = PaletteQuality(
        name=palette.name,
        step_min=float(steps.min()),
        step_mean=float(steps.mean()),
        lightness_range=(float(lab[..., 0].min()), float(lab[..., 0].max())),
        lightness_monotonic=float(np.mean(np.all(lightness_steps > 0, axis=0))),
        lightness_falling=float(np.mean(np.all(lightness_steps < 0, axis=0))),
        lightness_step_min=float(lightness_steps.min()),
        corner_distance={k: v[0] for k, v in corners.items()},
        greyscale_corner_distance=grey_pairs[0],
        greyscale_monotonic=float(np.mean(np.all(grey_steps > 0, axis=0))),
    )
    _explain(report, corners, grey_pairs)
    return report


def _explain(report: PaletteQuality, corners: dict, grey_pairs: tuple[float, str, str]) -> None:
    notes = report.warnings
    if report.step_min < FLAT_STEP * report.step_mean:
        notes.append(
            f"flat patch: the smallest step (ΔE00 {report.step_min:.3f}) is under "
            f"{FLAT_STEP:.0%} of the mean ({report.step_mean:.3f})"
        )
    if report.lightness_falling == 1.0:
        notes.append("lightness falls from cold to warm everywhere: ordered, but darker means warmer")
    elif report.lightness_monotonic < 1.0:
        notes.append(
            "lightness is not ordered from cold to warm "
            f"(it rises at every step in {report.lightness_monotonic:.0%} of the rows)"
        )
    for vision, (distance, a, b) in corners.items():
        if distance < CORNER_DISTINCT:
            who = "" if vision == "normal" else f" under {vision}"
            notes.append(f"corners {a} and {b} look alike{who} (ΔE00 {distance:.1f} < {CORNER_DISTINCT:g})")
    distance, a, b = grey_pairs
    if distance < GREY_DISTINCT:
        notes.append(f"in greyscale, corners {a} and {b} merge (ΔL* {distance:.1f} < {GREY_DISTINCT:g})")
