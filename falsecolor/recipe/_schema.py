"""Every recipe key by section: its type, default and rules (the single source of truth)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["BAND_KEYS", "KEY_POSITIONS", "LIMB_CORRECTIONS", "ORIENTATIONS", "SECTIONS"]

LIMB_CORRECTIONS = ("none", "auto", "fit")
ORIENTATIONS = ("north", "sky")
KEY_POSITIONS = ("right", "left", "bottom")
BAND_KEYS = ("path", "filter", "wavelength", "unit", "scale", "hdu", "plane", "byteswap")


def _pair(low: float, high: float, *, increasing: bool = True):
    def check(value):
        if increasing and not value[0] < value[1]:
            return f"needs low < high, got {value[0]:g} {value[1]:g}"
        if not all(low <= v <= high for v in value):
            return f"values must be within {low:g}..{high:g}"
        return None

    return check


def _limb(value):
    if isinstance(value, str):
        return (
            None
            if value in LIMB_CORRECTIONS
            else f"{value!r} is not valid; choose none, auto, fit or an exponent"
        )
    return None if 0 <= value <= 5 else f"an exponent must be within 0..5, got {value:g}"


def _uncertainty(value):
    if isinstance(value, str):
        return None if value.strip() else "give a fraction (5% or 0.05), sky, or a FITS sigma map"
    return None if 0 < value < 1 else f"a fraction must be within 0..1 (e.g. 0.05), got {value:g}"


def _spec(kind, default=None, **rules):
    return {"kind": kind, "default": default, **rules}


#: Every recipe key by section: its type, default and rules (the single source of truth).
SECTIONS: dict[str, dict[str, dict[str, Any]]] = {
    "inputs": {
        "temperature": _spec((str, dict)),
        "cloud": _spec((str, dict)),
        "opacity": _spec((str, dict)),
        "aerosol": _spec((str, dict)),
        "demo": _spec(int, low=32, high=8192),
    },
    "calibration": {
        "subtract_sky": _spec(bool, False),
        "limb_correction": _spec((str, float), "none", check=_limb),
        "cloud_limb_correction": _spec((str, float), check=_limb),
        "mu_min": _spec(float, 0.2, low=0.0, high=0.99),
        "limb_fade": _spec(bool, False),
        "profile": _spec(str),
        "profile_column": _spec(str),
        "uncertainty": _spec((str, float), check=_uncertainty),
        "cloud_uncertainty": _spec((str, float), check=_uncertainty),
        "clear_sky": _spec((str, float)),
        "clear_percentile": _spec(float, 99.5, low=50.0, high=100.0),
    },
    "geometry": {
        "orientation": _spec(str, "north", choices=ORIENTATIONS),
        "site": _spec(str),
        "coalign": _spec(bool, False),
        "project": _spec(str, "none", choices=("none", "map", "disc")),
        "map_resolution": _spec(float, 1.0, low=0.01, high=30.0),
        "view_time": _spec(str),
        "lat_range": _spec(list, length=2, items=float, check=_pair(-90.0, 90.0, increasing=False)),
        "lon_range": _spec(list, length=2, items=float, check=_pair(-360.0, 720.0, increasing=False)),
    },
    "axes": {
        "palette": _spec(str, "visir"),
        "t_limits": _spec(list, length=2, items=float, check=_pair(0.0, math.inf)),
        "tau_limits": _spec(list, length=2, items=float, check=_pair(0.0, math.inf)),
        "t_percentiles": _spec(list, (2.0, 98.0), length=2, items=float, check=_pair(0.0, 100.0)),
        "tau_percentiles": _spec(list, (2.0, 98.0), length=2, items=float, check=_pair(0.0, 100.0)),
    },
    "annotations": {
        "title": _spec(str),
        "credit": _spec(str),
        "caption": _spec(str),
        "key": _spec(bool, True),
        "key_position": _spec(str, "right", choices=KEY_POSITIONS),
        "key_size": _spec(float, 0.34, low=0.05, high=2.0),
        "background": _spec(str),
        "scale_bar": _spec(bool, False),
        "north_arrow": _spec(bool, False),
        "km_per_pixel": _spec(float, low=1e-6, high=1e9),
        "north_angle": _spec(float, low=-360.0, high=360.0),
        "temperature_label": _spec(str),
        "cloud_label": _spec(str),
        "sheet": _spec(bool, False),
    },
    "output": {
        "files": _spec(list, (), items=str),
        "fits": _spec(str),
        "strip": _spec(str),
        "size": _spec(int, low=16, high=16384),
        "dpi": _spec(float, low=1.0, high=100000.0),
        "compress_level": _spec(int, 4, low=0, high=9),
        "jpeg_quality": _spec(int, 92, low=1, high=100),
        "timestamp": _spec(bool, False),
    },
}
