"""How each quantity of a composite was obtained: typed records, written into the outputs' metadata."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["AxisQuantity", "Provenance", "Step"]


@dataclass(frozen=True)
class AxisQuantity:
    """What one axis of a composite shows, from which band, and how it was obtained.

    Attributes
    ----------
    kind : {'temperature', 'opacity', 'aerosol'}
        Brightness temperature; cloud opacity tau (from a 5 um band or a map
        given ready); or the aerosol index dT_clear - dT of two thermal bands.
    band : str
        The band(s) as far as known (``"NEII_2 13.04 µm"``,
        ``"PAH1 8.60 µm − NEII_2 13.04 µm"``), or ``""``.
    how : str
        One line: the file and the conversion.
    """

    kind: str
    band: str
    how: str

    @property
    def name(self) -> str:
        return {"temperature": "brightness temperature", "opacity": "cloud opacity"}.get(
            self.kind, "aerosol index"
        )

    @property
    def unit(self) -> str:
        """``"K"``, or ``""`` for the dimensionless opacity."""
        return "" if self.kind == "opacity" else "K"

    @property
    def label(self) -> str:
        """The key's axis title: ``"brightness temperature (K)"``, ``"cloud opacity τ"``, ...."""
        return "cloud opacity τ" if self.kind == "opacity" else f"{self.name} (K)"

    @property
    def content(self) -> str:
        """The CONTENT card of its FITS product."""
        return {
            "temperature": "brightness temperature",
            "opacity": "cloud opacity tau = ln(I_clear/I)",
            "aerosol": "aerosol index dT_clear - dT, K",
        }[self.kind]


class Step(NamedTuple):
    """One thing done to the data, by name (``"temperature_limb"``, ``"coalign"``, ...), in one line."""

    name: str
    text: str


@dataclass(frozen=True)
class Provenance:
    """The axes of a composite, the clear-sky reference, and each correction in the order it was done."""

    temperature: AxisQuantity
    cloud: AxisQuantity
    clear_sky: str | None = None
    steps: tuple[Step, ...] = ()

    def notes(self) -> dict[str, str]:
        """The same as a flat dict by name (the outputs' HISTORY, ``Composite.notes``)."""
        notes = {"temperature": self.temperature.how, "opacity": self.cloud.how}
        if self.temperature.band:
            notes["temperature_band"] = self.temperature.band
        if self.cloud.band:
            notes["opacity_band"] = self.cloud.band
        if self.cloud.kind == "aerosol":
            notes["cloud_axis"] = self.cloud.label
        if self.clear_sky:
            notes["clear_sky"] = self.clear_sky
        notes.update(self.steps)
        return notes

    def step(self, name: str) -> str | None:
        """The text of a step, if it was done."""
        return dict(self.steps).get(name)
