"""Every option of a render, declared once, in the sections the code that uses them reads.

=============  ===========================================================
section        what reads it
=============  ===========================================================
Inputs         the input bands (or the synthetic demo)
Corrections    calibration and corrections: sky, limb, profile, geometry,
               the clear-sky reference and the uncertainty
Axes           the palette and the limits of its two axes
Look           the picture: key, texts, marks, sheet, size
Output         the files written and how
=============  ===========================================================

A :class:`~falsecolor.Recipe` is all five at once. The first two are here; the
others, which shape the picture and its files, are in :mod:`._picture`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exceptions import OptionError
from ._band import BandInput, BandRef
from ._files import FileName, Uncertainty
from ._kinds import Choice, Flag, Integer, Limb, Number, Pair, QuantityText, Text, TimeText
from ._option import Options, option

__all__ = ["AXIS_INPUTS", "IMAGE_KINDS", "ORIENTATIONS", "PROJECTIONS", "Corrections", "Inputs"]

ORIENTATIONS = ("north", "sky")
IMAGE_KINDS = ("auto", "disc", "map")
PROJECTIONS = ("none", "map", "disc")
#: The side of the built-in synthetic Jupiter when none is given (pixels).
DEFAULT_DEMO_SIZE = 720
#: The inputs that give the cloud axis (one at a time).
AXIS_INPUTS = ("cloud", "opacity", "aerosol")


@dataclass(frozen=True, kw_only=True)
class Inputs(Options):
    """The input bands: a temperature band and one cloud axis, or the built-in synthetic Jupiter."""

    TITLE = "inputs"

    temperature: BandInput | None = option(
        None,
        BandRef(),
        section="inputs",
        short="-t",
        metavar="FITS",
        help="thermal band (e.g. 13 µm): counts, radiance or K",
    )
    cloud: BandInput | None = option(
        None,
        BandRef(),
        section="inputs",
        short="-c",
        metavar="FITS",
        help="~5 µm band: counts, radiance or K",
    )
    opacity: BandInput | None = option(
        None, BandRef(), section="inputs", metavar="FITS", help="a ready cloud-opacity map instead of --cloud"
    )
    aerosol: BandInput | None = option(
        None,
        BandRef(),
        section="inputs",
        metavar="FITS",
        help="no 5 µm image: an aerosol-sensitive thermal band (8.6 µm) instead of --cloud; the cloud axis "
        "is then the aerosol index dT_clear - (T_aerosol - T) in K (--cloud-* options describe it)",
    )
    demo: int | None = option(
        None,
        Integer(32, 8192),
        section="inputs",
        flag="--demo-size",
        metavar="PX",
        unit="px",
        help=f"side of the built-in synthetic Jupiter (with --demo; default {DEFAULT_DEMO_SIZE})",
    )

    def _check_together(self) -> None:
        given = [name for name in AXIS_INPUTS if getattr(self, name) is not None]
        if len(given) > 1:
            raise OptionError(given[1], f"give one cloud axis: {given[0]} or {given[1]}, not both")
        if self.demo is not None and (self.temperature is not None or given):
            raise OptionError("demo", "the demo is the built-in synthetic Jupiter: it takes no input files")

    def axis_input(self) -> tuple[str, BandInput] | None:
        """The cloud-axis input and its role (``cloud``, ``opacity`` or ``aerosol``), if any."""
        for name in AXIS_INPUTS:
            band = getattr(self, name)
            if band is not None:
                return name, band
        return None

    def input_bands(self) -> list[BandInput]:
        """The input bands named: the temperature band, then the cloud axis."""
        return [b for b in (self.temperature, self.cloud, self.opacity, self.aerosol) if b is not None]


@dataclass(frozen=True, kw_only=True)
class Corrections(Options):
    """Calibration and corrections: what is done to the bands before the one pass that colours them.

    The defaults change nothing, except that a disc image is turned north up
    when its geometry on the sky is known. Also ``falsecolor.Corrections``.

    Examples
    --------
    >>> from falsecolor import Corrections, render, synthetic_jupiter
    >>> jupiter = synthetic_jupiter((128, 128))
    >>> fixes = Corrections(limb_correction="auto", mu_min=0.25)
    >>> composite = render(jupiter.temperature_band, jupiter.cloud_band, corrections=fixes)
    >>> composite.notes["temperature_limb"]
    'NEII_2 13.04 µm: I0 = I / mu^0.200 (published exponent...), mu > 0.25'
    """

    TITLE = "calibration and corrections"

    subtract_sky: bool = option(
        False,
        Flag(),
        section="calibration",
        help="subtract each raw band's sky or bias level (measured off the disc) before anything else",
    )
    limb_correction: str | float = option(
        "none",
        Limb(),
        section="calibration",
        flag="--limb-correct",
        const="auto",
        metavar="B|fit",
        help="limb correction I0 = I/mu^b of the temperature band: auto (the filter's published exponent; "
        "the flag alone), fit (from the image), or b; the cloud band's exponent is then fitted",
    )
    cloud_limb_correction: str | float | None = option(
        None,
        Limb(),
        section="calibration",
        flag="--cloud-limb-correct",
        metavar="B|fit|none",
        help="limb correction of the cloud band (default: fit when --limb-correct is given)",
    )
    mu_min: float = option(
        0.2,
        Number(0.0, 0.99),
        section="calibration",
        metavar="MU",
        help="mask the limb-corrected disc where mu = cos(emission angle) <= MU",
    )
    limb_fade: bool = option(
        False, Flag(), section="calibration", help="fade to transparent over mu = MU..MU+0.1"
    )
    profile: str | None = option(
        None,
        FileName(),
        section="calibration",
        metavar="TABLE",
        help="scale the temperature band to a zonal-mean profile table (latitude, then T in K per filter)",
    )
    profile_column: str | None = option(
        None,
        Text(100),
        section="calibration",
        metavar="NAME",
        help="the profile table's column (default: the filter)",
    )
    uncertainty: str | float | None = option(
        None,
        Uncertainty(),
        section="calibration",
        metavar="5%|sky|FITS",
        help="radiance uncertainty, propagated to T and tau and written as UNCERT extensions with "
        "--fits-out: a fraction (5% or 0.05), sky (noise of the pixels below 0.1 of the mean flux) "
        "or a sigma map of the temperature band",
    )
    cloud_uncertainty: str | float | None = option(
        None,
        Uncertainty(),
        section="calibration",
        metavar="5%|sky|FITS",
        help="the same for the cloud band (default: as --uncertainty, unless that is a map)",
    )
    clear_sky: str | float | None = option(
        None,
        QuantityText(),
        section="calibration",
        metavar="VALUE",
        help="clear-sky 5 µm reference: a temperature (250K), a radiance with its unit, or a number in the "
        "band's unit; with --aerosol, dT_clear in K (default: a high on-disc percentile, the hot spots)",
    )
    clear_percentile: float = option(
        99.5,
        Number(50.0, 100.0),
        section="calibration",
        metavar="P",
        help="percentile of the on-disc 5 µm radiance (or dT) taken as clear sky",
    )
    orientation: str = option(
        "north",
        Choice(ORIENTATIONS),
        section="geometry",
        help="north: turn the planet north up when the sky geometry is known; sky: keep the detector frame",
    )
    site: str | None = option(
        None,
        Text(60),
        section="geometry",
        metavar="NAME",
        help="observatory for the ephemeris: paranal, 'mauna kea' or geocentre (default: from the header)",
    )
    ephemeris: str | None = option(
        None,
        FileName(),
        section="geometry",
        metavar="BSP",
        help="a JPL planetary ephemeris file (SPICE SPK, e.g. de440s.bsp; needs the jplephem package, "
        "the extra jpl) for Jupiter's position (default: astropy's built-in one)",
    )
    coalign: bool = option(
        False,
        Flag(),
        section="geometry",
        help="shift the cloud band so its disc (limb fit) sits on the temperature band's: for bands "
        "stacked or reduced separately",
    )
    project: str = option(
        "none",
        Choice(PROJECTIONS),
        section="geometry",
        help="map: render disc images as a cylindrical map; disc: render maps as a disc seen at --view-time",
    )
    map_resolution: float = option(
        1.0, Number(0.01, 30.0), section="geometry", metavar="DEG", unit="deg", help="degrees per map pixel"
    )
    target: str | None = option(
        None,
        Text(60),
        section="geometry",
        metavar="NAME",
        help="the body imaged, e.g. Jupiter or Europa (default: the OBJECT card); only Jupiter's "
        "geometry is modelled, other bodies are rendered without it",
    )
    date: str | None = option(
        None,
        TimeText(),
        section="geometry",
        metavar="UTC",
        help="time of the observation when the header lacks a DATE-OBS it can read, e.g. 1987-10-25T11:17:49",
    )
    pixel_scale: float | None = option(
        None,
        Number(above=0.0, high=3600.0),
        section="geometry",
        metavar="ARCSEC",
        unit="arcsec",
        help="arcseconds per pixel when the header does not say (with a date: the disc's size and north)",
    )
    north_angle: float | None = option(
        None,
        Number(-360.0, 360.0),
        section="geometry",
        metavar="DEG",
        unit="deg",
        help="position angle of the planet's north in the image, from up towards the left (default: the "
        "ephemeris and the WCS); also the north arrow's",
    )
    image_kind: str = option(
        "auto",
        Choice(IMAGE_KINDS),
        section="geometry",
        help="disc or map (a cylindrical or polar projection, never limb-fitted); auto: from the map "
        "cards, the header's history, the 2:1 shape of a global map",
    )
    view_time: str | None = option(
        None,
        TimeText(),
        section="geometry",
        metavar="UTC",
        help="time of the disc view of a map (its CML and B)",
    )
    lat_range: tuple[float, float] | None = option(
        None,
        Pair(-90.0, 90.0, increasing=False),
        section="geometry",
        metavar=("FIRST", "LAST"),
        unit="deg",
        help="latitudes of a map's first and last rows when its header does not say, e.g. -90 90",
    )
    lon_range: tuple[float, float] | None = option(
        None,
        Pair(-360.0, 720.0, increasing=False),
        section="geometry",
        metavar=("FIRST", "LAST"),
        unit="deg",
        help="System III west longitudes of a map's first and last columns, e.g. 360 0",
    )

    def _check_together(self) -> None:
        if self.project == "disc" and not self.view_time:
            raise OptionError("view_time", "a disc view of a map needs the time of the view (UTC)")

    @property
    def cloud_limb(self) -> str | float:
        """The cloud band's limb correction: as given, else ``fit`` when the temperature band is corrected."""
        if self.cloud_limb_correction is not None:
            return self.cloud_limb_correction
        return "none" if self.limb_correction == "none" else "fit"

    def needs_disc(self) -> bool:
        """Whether a correction asked for needs the disc's geometry."""
        asked = (self.limb_correction != "none", self.cloud_limb != "none", self.profile is not None)
        return any(asked) or self.coalign or self.project == "map"
