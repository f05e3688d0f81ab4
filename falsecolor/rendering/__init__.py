"""The render workflow: band images in, a :class:`Composite` out.

:func:`render` reads the bands (or takes them as :class:`~falsecolor.Band`
objects), identifies each band's filter or wavelength once, handles the sky and
the uncertainty, applies the corrections asked for (north up, coalignment,
profile calibration, limb correction, projections), and colours brightness
temperature and the cloud axis through a palette in one pass. :func:`compose`
does the last step for ready arrays. The :class:`Composite` knows how to
present and write itself; :func:`describe` says what a file holds.
"""

from ._clear import clear_reference, cloud_opacity
from ._compose import compose
from ._composite import RECIPE_KEY, Composite, check_page_memory
from ._describe import describe
from ._disc import Disc, find_disc, jupiter_ephemeris
from ._inputs import load_bands, resolve_band
from ._limits import axes_limits, stretches
from ._metadata import file_hash
from ._picture import background_of, caption_of, check_look, key_spec, picture
from ._prepare import Prepared, prepare_bands
from ._products import ascii_text, fits_product_paths
from ._provenance import AxisQuantity, Provenance, Step
from ._render import prepare, prepare_recipe, render

__all__ = [
    "RECIPE_KEY",
    "AxisQuantity",
    "Composite",
    "Disc",
    "Prepared",
    "Provenance",
    "Step",
    "ascii_text",
    "axes_limits",
    "background_of",
    "caption_of",
    "check_look",
    "check_page_memory",
    "clear_reference",
    "cloud_opacity",
    "compose",
    "describe",
    "file_hash",
    "find_disc",
    "fits_product_paths",
    "jupiter_ephemeris",
    "key_spec",
    "load_bands",
    "picture",
    "prepare",
    "prepare_bands",
    "prepare_recipe",
    "render",
    "resolve_band",
    "stretches",
]
