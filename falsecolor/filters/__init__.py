"""Filters: effective wavelength and transmission curve, a built-in VISIR registry, curve files.

The built-in VISIR filters carry top-hat curves with the same mean and width
(second moment) as the measured NEMESIS ``visir.fil`` curves of the Leicester
group (leighfletcher/MIRImaging), which reproduces their band-averaged
brightness temperatures to a few mK, and the effective wavenumbers used by the
Leicester pipeline (GiantPipe ``SetWave.py``). M-BAND is the JIRAM M channel
(4.78 um, 0.48 um wide). Load a measured curve with :func:`load_filter` when
you have one.

A curve read from a file is checked against its nominal wavelength (see
:func:`load_filters`): a curve whose transmission-weighted wavelength lies far
from it, such as a filter measured without its blocker that leaks at longer
wavelengths, is warned about.
"""

from __future__ import annotations

from pathlib import Path

from astropy import units as u

from ..exceptions import FilterError
from ._curves import CURVE_SUFFIXES, load_filter, load_filters, selected
from ._filter import NOMINAL_TOLERANCE, Filter

__all__ = [
    "NOMINAL_TOLERANCE",
    "Filter",
    "catalogue",
    "get_filter",
    "list_filters",
    "load_filter",
    "load_filters",
]


# name: (nominal um, effective wavenumber cm-1 or None, top-hat low um, high um)
# Nominal centres: D. Asmus VISIR module; effective wavenumbers: GiantPipe SetWave.py.
# Top-hats: same mean and variance as the measured curves in leighfletcher/MIRImaging
# visir/visir.fil (edges = mean -+ sqrt(3) sigma); band-averaged temperatures through them
# agree with the measured curves to 0.003 K at 110-150 K (tests/test_filters.py).
_VISIR = {
    "M-BAND": (4.82, None, 4.54, 5.02),
    "J7.9": (7.76, 1253.0625, 7.569, 8.379),
    "PAH1": (8.59, 1163.0755, 8.329, 8.866),
    "ARIII": (8.99, 1112.15, 8.914, 9.080),
    "SIV_1": (9.82, 1012.52, 9.753, 10.002),
    "SIV": (10.49, 956.922, 10.359, 10.553),
    "SIV_2": (10.77, 929.2795, 10.629, 10.895),
    "PAH2": (11.25, 887.524, 10.876, 11.659),
    "PAH2_2": (11.88, 852.115, 11.520, 11.961),
    "NEII_1": (12.27, 815.7001, 12.150, 12.390),
    "NEII": (12.81, None, 12.652, 12.936),
    "NEII_2": (13.04, 766.75227, 12.906, 13.177),
    "Q1": (17.65, 563.97095, 17.235, 18.281),
    "Q2": (18.72, 532.73522, 18.157, 19.386),
    "Q3": (19.50, 511.97345, 19.316, 19.743),
}

_ALIASES = {"M": "M-BAND", "MBAND": "M-BAND", "M_BAND": "M-BAND", "J7_9": "J7.9"}


def _visir_filter(name: str) -> Filter:
    nominal, wavenumber, low, high = _VISIR[name]
    effective = (1e4 / wavenumber if wavenumber else 0.5 * (low + high)) * u.um
    source = (
        "top-hat of the JIRAM M channel, 4.78 ± 0.24 µm"
        if name == "M-BAND"
        else "top-hat with the mean and width of the measured VISIR curve"
    )
    return Filter.top_hat(
        name,
        low * u.um,
        high * u.um,
        wavelength=effective,
        description=f"VLT/VISIR {name}, nominal {nominal} µm; {source}",
        nominal=nominal * u.um,
        nominal_source="VISIR filter table",
    )


_REGISTRY: dict[str, Filter] = {}


def _canonical(name: str) -> str:
    key = name.strip().upper().replace(" ", "")
    key = _ALIASES.get(key, key)
    return key


def get_filter(name: str | Filter) -> Filter:
    """Return a built-in filter by name (case-insensitive), or a filter curve from a file.

    Parameters
    ----------
    name : str or Filter
        A registry name (``falsecolor filters`` lists them, e.g. ``NEII_2``,
        ``M-BAND``), the path of a curve file (see :func:`load_filter`), or
        ``FILE:SELECTOR`` for one filter of a file holding several (``SELECTOR``
        is a filter name in the file, e.g. ``visir_13.04um``, or a wavelength in
        µm, e.g. ``13.04``: of the filters whose half-maximum range holds it,
        the one whose nominal wavelength is nearest).

    Raises
    ------
    FilterError
        When the name is not known, listing the known names; when no filter of
        a file matches ``SELECTOR``, listing the file's filters.
    FileFormatError
        When a named curve file does not exist or cannot be read.

    Warns
    -----
    FalsecolorWarning
        When a curve's effective wavelength lies far from its nominal one
        (see :meth:`Filter.off_nominal`).

    Examples
    --------
    >>> from falsecolor import get_filter
    >>> f = get_filter("neii_2")
    >>> f.name, round(float(f.wavelength.value), 3)
    ('NEII_2', 13.042)
    """
    if isinstance(name, Filter):
        return name
    key = _canonical(name)
    if key in _VISIR:
        if key not in _REGISTRY:
            _REGISTRY[key] = _visir_filter(key)
        return _REGISTRY[key]
    path, _, selector = str(name).rpartition(":")
    if path and Path(path).is_file():
        return selected(path, selector)
    file_name = path if path and Path(path).suffix.lower() in CURVE_SUFFIXES else str(name)
    if Path(file_name).suffix.lower() in CURVE_SUFFIXES or "/" in file_name:
        return load_filter(file_name)  # a file, or one line saying why not (missing, a device, ...)
    raise FilterError(
        f"unknown filter {name!r}: use one of {', '.join(list_filters())}, "
        "a curve file (.csv, .dat, .fil, FILE.fil:NAME), or give the wavelength instead"
    )


def list_filters() -> list[str]:
    """Names of the built-in filters, bluest first.

    Examples
    --------
    >>> from falsecolor import list_filters
    >>> list_filters()[:3]
    ['M-BAND', 'J7.9', 'PAH1']
    """
    return sorted(_VISIR, key=lambda n: _VISIR[n][0])


def catalogue() -> list[dict]:
    """Name, effective wavelength, half-maximum range and description of every built-in filter."""
    rows = []
    for name in list_filters():
        f = get_filter(name)
        low, high = f.half_maximum_range
        rows.append(
            {
                "name": f.name,
                "wavelength_um": round(float(f.wavelength.to_value(u.um)), 4),
                "half_maximum_um": [round(float(low.value), 3), round(float(high.value), 3)],
                "description": f.description,
            }
        )
    return rows
