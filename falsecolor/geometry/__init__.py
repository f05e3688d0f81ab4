"""Jupiter's geometry: ephemeris, the disc and its backplanes, limb fit and cylindrical maps.

Backplanes come from intersecting each pixel's line of sight with the oblate
spheroid (SCIENCE.md 4.3); the ephemeris from astropy's built-in ephemeris (or
a JPL kernel, :func:`using_ephemeris`) and the IAU rotation model (SCIENCE.md 4.2).
"""

from ._disc import DISC_FRACTION, disc_threshold, on_disc_mask, sky_level
from ._ephemeris import (
    BUILT_IN,
    SITES,
    Ephemeris,
    ephemeris,
    jpl_kernel,
    observatory,
    parse_time,
    using_ephemeris,
)
from ._limbfit import MIN_LIMB_POINTS, LimbFit, fit_limb
from ._mapgrid import MapGrid
from ._maps import MapRecognition, recognise_map
from ._plausible import RADIUS_TOLERANCE, filled_fraction, implausible_fit
from ._projection import (
    PixelCoordinates,
    check_map_memory,
    merge_maps,
    pixel_coordinates,
    project_to_disc,
    project_to_map,
)
from ._spheroid import (
    AXIS_RATIO,
    BLOCK_PIXELS,
    EQUATORIAL_RADIUS_KM,
    FLATTENING,
    POLAR_RADIUS_KM,
    Backplanes,
    DiscGeometry,
    backplanes,
    backplanes_float32,
    centric_to_graphic,
    graphic_to_centric,
    row_blocks,
)
from ._targets import MODELLED, Target, target_of

__all__ = [
    "AXIS_RATIO",
    "BLOCK_PIXELS",
    "BUILT_IN",
    "DISC_FRACTION",
    "EQUATORIAL_RADIUS_KM",
    "FLATTENING",
    "MIN_LIMB_POINTS",
    "MODELLED",
    "POLAR_RADIUS_KM",
    "RADIUS_TOLERANCE",
    "SITES",
    "Backplanes",
    "DiscGeometry",
    "Ephemeris",
    "LimbFit",
    "MapGrid",
    "MapRecognition",
    "PixelCoordinates",
    "Target",
    "backplanes",
    "backplanes_float32",
    "centric_to_graphic",
    "check_map_memory",
    "disc_threshold",
    "ephemeris",
    "filled_fraction",
    "fit_limb",
    "graphic_to_centric",
    "implausible_fit",
    "jpl_kernel",
    "merge_maps",
    "observatory",
    "on_disc_mask",
    "parse_time",
    "pixel_coordinates",
    "project_to_disc",
    "project_to_map",
    "recognise_map",
    "row_blocks",
    "sky_level",
    "target_of",
    "using_ephemeris",
]
