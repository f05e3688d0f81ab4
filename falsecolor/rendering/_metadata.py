"""What a composite's files say about it: PNG text, AVM XMP, and the hashes of its sources."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from astropy import units as u

from .._environment import source_date_epoch
from .._messages import readable
from .._version import __version__
from ..export import AvmBand, avm_xmp
from ..recipe import Look
from ._protocol import CompositeData

__all__ = ["creation_time", "description", "file_hash", "metadata"]


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def creation_time() -> str:
    """Now (or ``SOURCE_DATE_EPOCH``, for reproducible builds) as RFC 3339 UTC."""
    epoch = source_date_epoch()
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC) if epoch is not None else dt.datetime.now(dt.UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def description(composite: CompositeData) -> str:
    """One paragraph: what each axis shows, from which band, its limits and where they came from."""
    t, tau = composite.t_limits, composite.tau_limits
    t_band = " ".join(filter(None, ["brightness temperature", composite.temperature_quantity.band]))
    axis = composite.cloud_quantity.label.replace("τ", "tau")
    tau_band = " ".join(filter(None, [axis, composite.cloud_quantity.band]))
    return (
        f"False-colour composite. Horizontal axis: {t_band}, {t.low:.2f}-{t.high:.2f} K "
        f"({t.source}). Vertical axis: {tau_band}, {tau.low:.3f}-{tau.high:.3f} "
        f"({tau.source}). Palette: {composite.palette.name}."
    )


def metadata(composite: CompositeData, look: Look, *, timestamp: bool = False) -> dict[str, Any]:
    """Text entries (PNG tEXt keywords) and the AVM XMP packet of a composite."""
    text = {"Software": f"falsecolor {__version__}", "Description": description(composite)}
    if look.title:
        text["Title"] = look.title
    if look.credit:
        text["Author"] = look.credit
    sources = [f"{Path(p).name} sha256:{file_hash(p)}" for p in composite.inputs]
    if sources:
        text["Source"] = "; ".join(sources)
    elif composite.recipe is not None and composite.recipe.demo is not None:
        text["Source"] = f"falsecolor synthetic Jupiter ({composite.recipe.demo} px)"
    if timestamp:
        text["Creation Time"] = creation_time()
    bands = []
    for band in (composite.temperature_band, composite.cloud_band):
        if band is None:
            continue
        header = band.header if band.header is not None else {}
        wavelength = None
        if band.wavelength is not None:
            wavelength = float(band.wavelength.to_value(u.nm, equivalencies=u.spectral()))
        bands.append(
            AvmBand(
                name=readable(Path(band.filter_name).name if band.filter_name else band.label),
                wavelength_nm=wavelength,
                colour="Pseudocolor",
                instrument=str(header.get("INSTRUME", "")).strip(),
                facility=str(header.get("TELESCOP", "")).strip(),
            )
        )
    starts = sorted(
        {b.date_obs for b in (composite.temperature_band, composite.cloud_band) if b and b.date_obs}
    )
    text = {key: readable(value) for key, value in text.items()}  # a file name need not be UTF-8
    xmp = avm_xmp(
        title=text.get("Title"),
        description=text["Description"],
        credit=text.get("Author"),
        bands=bands,
        start_times=starts,
    )
    return {"text": text, "xmp": xmp}
