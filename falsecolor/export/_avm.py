"""Astronomy Visualization Metadata (AVM) as XMP, through PyAVM."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["AvmBand", "avm_xmp", "read_avm"]


@dataclass(frozen=True)
class AvmBand:
    """One band shown in the picture.

    Attributes
    ----------
    name : str
        Filter or band name (AVM ``Spectral.Bandpass``).
    wavelength_nm : float, optional
        Central wavelength in nanometres (AVM ``Spectral.CentralWavelength``).
    colour : str
        AVM colour assignment; a band seen through a palette is ``Pseudocolor``.
    instrument, facility : str
        Where the band was observed, when known.
    """

    name: str
    wavelength_nm: float | None = None
    colour: str = "Pseudocolor"
    instrument: str = ""
    facility: str = ""


def _spectral_band(wavelength_nm: float | None) -> str:
    """The AVM ``Spectral.Band`` word for a wavelength (nm)."""
    if wavelength_nm is None:
        return "Infrared"
    for limit, name in (
        (0.01, "Gamma-ray"),
        (10, "X-ray"),
        (400, "Ultraviolet"),
        (700, "Optical"),
        (1e6, "Infrared"),
        (1e7, "Millimeter"),
    ):
        if wavelength_nm < limit:
            return name
    return "Radio"


def avm_xmp(
    *,
    title: str | None = None,
    description: str | None = None,
    credit: str | None = None,
    subject: str = "Jupiter",
    bands: Sequence[AvmBand] = (),
    start_times: Sequence[str] = (),
) -> bytes:
    """An XMP packet with the AVM tags of a planetary false-colour image.

    ``Type`` is ``Planetary``, ``Subject.Name`` the planet; each band gives
    ``Spectral.Band``, ``Bandpass``, ``CentralWavelength`` (nm) and
    ``ColorAssignment``. Deterministic: no dates other than those given.
    """
    from pyavm import AVM

    avm = AVM()
    avm.Type = "Planetary"
    avm.Subject.Name = [subject]
    if title:
        avm.Title = title
    if description:
        avm.Description = description
    if credit:
        avm.Credit = credit
    if bands:
        avm.Spectral.Band = [_spectral_band(b.wavelength_nm) for b in bands]
        avm.Spectral.Bandpass = [b.name or "unknown" for b in bands]
        avm.Spectral.ColorAssignment = [b.colour for b in bands]
        if all(b.wavelength_nm is not None for b in bands):
            avm.Spectral.CentralWavelength = [round(float(b.wavelength_nm or 0.0), 3) for b in bands]
        if any(b.instrument for b in bands):
            avm.Instrument = [b.instrument or "unknown" for b in bands]
        if any(b.facility for b in bands):
            avm.Facility = [b.facility or "unknown" for b in bands]
    if start_times:
        avm.Temporal.StartTime = list(start_times)
    return avm.to_xmp()


def read_avm(path):
    """The AVM metadata of an image file (a :class:`pyavm.AVM`), as any AVM reader sees it."""
    from pyavm import AVM

    return AVM.from_image(str(path))
