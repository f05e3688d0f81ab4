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

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from astropy import units as u

from ._messages import option
from ._readable import MiB, regular_file
from .exceptions import FileFormatError, FilterError, warn

__all__ = [
    "NOMINAL_TOLERANCE",
    "Filter",
    "catalogue",
    "get_filter",
    "list_filters",
    "load_filter",
    "load_filters",
]

#: How far (a fraction of it) a curve's effective wavelength may lie from its nominal one unwarned.
NOMINAL_TOLERANCE = 0.05


@dataclass(frozen=True, eq=False)
class Filter:
    """A filter: name, effective wavelength and transmission curve.

    Parameters
    ----------
    name : str
        Filter name as used on the command line and in headers.
    wavelength : Quantity
        Effective (band-centre) wavelength, used for labels and headers.
    curve_wavelength : Quantity
        Wavelengths of the transmission curve, ascending.
    transmission : ndarray
        Transmission at ``curve_wavelength`` (any scale; only the shape matters).
    description : str
        Where the curve comes from.
    nominal_wavelength : Quantity, optional
        The wavelength the filter is meant to pass (for a curve file, see
        :func:`load_filters`); None when nothing says.
    nominal_source : str
        Where the nominal wavelength comes from (``"file name"``, ...).

    Examples
    --------
    >>> import astropy.units as u
    >>> from falsecolor import Filter
    >>> f = Filter.top_hat("mine", 12.9 * u.um, 13.2 * u.um)
    >>> f.wavelength.round(3)
    <Quantity 13.05 um>
    """

    name: str
    wavelength: u.Quantity
    curve_wavelength: u.Quantity = field(repr=False)
    transmission: np.ndarray = field(repr=False)
    description: str = ""
    nominal_wavelength: u.Quantity | None = field(default=None, repr=False)
    nominal_source: str = field(default="", repr=False)

    @classmethod
    def top_hat(
        cls,
        name: str,
        low: u.Quantity,
        high: u.Quantity,
        *,
        wavelength: u.Quantity | None = None,
        description: str = "",
        nominal: u.Quantity | None = None,
        nominal_source: str = "",
    ) -> Filter:
        """A filter transmitting 1 between ``low`` and ``high`` and 0 outside."""
        lo, hi = low.to_value(u.um), high.to_value(u.um)
        if not 0 < lo < hi:
            raise FilterError(f"top-hat filter {name!r} needs 0 < low < high, got {low}, {high}")
        inner = np.linspace(lo, hi, 129)
        edge = 1e-6 * (hi - lo)
        grid = np.concatenate([[lo - edge], inner, [hi + edge]])
        transmission = np.concatenate([[0.0], np.ones(inner.size), [0.0]])
        centre = wavelength if wavelength is not None else 0.5 * (lo + hi) * u.um
        return cls(name, centre.to(u.um), grid * u.um, transmission, description, nominal, nominal_source)

    @property
    def half_maximum_range(self) -> tuple[u.Quantity, u.Quantity]:
        """Wavelengths where the transmission first and last reaches half its peak."""
        lam = self.curve_wavelength.to_value(u.um)
        above = np.flatnonzero(self.transmission >= 0.5 * self.transmission.max())
        return lam[above[0]] * u.um, lam[above[-1]] * u.um

    def nominal(self) -> tuple[float, str]:
        """The nominal wavelength in µm and where it comes from (else the half-maximum range's centre)."""
        if self.nominal_wavelength is not None:
            return float(self.nominal_wavelength.to_value(u.um)), self.nominal_source
        low, high = (float(v.to_value(u.um)) for v in self.half_maximum_range)
        return 0.5 * (low + high), "centre of its half-maximum range"

    def off_nominal(self) -> str | None:
        """Why the effective wavelength cannot stand for the nominal one, or None when it can.

        It cannot when it lies more than :data:`NOMINAL_TOLERANCE` (5 %) from
        the nominal wavelength, or outside the half-maximum range: the curve
        then transmits mostly outside its band (a filter without its blocker).
        """
        effective = float(self.wavelength.to_value(u.um))
        low, high = (float(v.to_value(u.um)) for v in self.half_maximum_range)
        nominal, source = self.nominal()
        far = abs(effective - nominal) > NOMINAL_TOLERANCE * nominal
        if not far and low <= effective <= high:
            return None
        return (
            f"effective (transmission-weighted) wavelength {effective:.2f} µm, far from its nominal "
            f"{nominal:.2f} µm ({source}; half maximum {low:.2f}-{high:.2f} µm)"
        )


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

_CURVE_SUFFIXES = {".csv", ".fil", ".dat", ".txt"}
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
        return _checked(_pick(_read_filters(path), selector, path), path)
    file_name = path if path and Path(path).suffix.lower() in _CURVE_SUFFIXES else str(name)
    if Path(file_name).suffix.lower() in _CURVE_SUFFIXES or "/" in file_name:
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


# --------------------------------------------------------------------------------------
# Curve files


def load_filters(path: str | Path) -> list[Filter]:
    """Read every filter in a curve file.

    Formats, chosen by suffix and content:

    - NEMESIS ``.fil``: number of filters, then per filter its centre
      wavenumber, point count and ``wavenumber transmission`` lines;
    - CSV with a header naming ``wavelength`` (um) and/or ``wavenumber``
      (cm-1) and ``transmission`` columns, or two unnamed columns where values
      above 100 are taken as wavenumbers;
    - whitespace ``.dat``/``.txt`` tables in the same two-column sense. A
      curve whose peak exceeds 1.5 is taken as percent; negative values are
      set to zero.

    Each filter is named by the file's stem (``filter4.9`` for
    ``/data/filter4.9.dat``), and a NEMESIS filter by the stem and its centre
    (``visir_13.04um``): never by a path. Its wavelength is the effective,
    transmission-weighted one, ∫T λ dλ / ∫T dλ. Its nominal wavelength is, for
    a NEMESIS filter, the centre written in the file; for a table, a
    wavelength in the file's name (a number followed by ``um``, else the last
    decimal number: ``filter4.9.dat`` is 4.9 µm, ``trecs_8.59um.csv`` 8.59
    µm); else the centre of the curve's half-maximum range.

    Returns
    -------
    list of Filter
        In file order. Results are cached until the file changes.

    Warns
    -----
    FalsecolorWarning
        For each filter whose effective wavelength lies far from its nominal
        one (see :meth:`Filter.off_nominal`): MIRSI's ``filter4.9.dat``, a
        4.9 µm filter measured without its blocker, has an effective
        wavelength of 8.65 µm.
    """
    filters = _read_filters(path)
    for f in filters:
        _checked(f, path)
    return filters


def _read_filters(path: str | Path) -> list[Filter]:
    """Every filter in a curve file, unchecked against its nominal wavelength."""
    path = Path(path)
    try:
        stat = regular_file(path, "filter curve", limit=CURVE_FILE_LIMIT).stat()
    except FileFormatError:
        raise
    except OSError as err:
        raise FileFormatError(f"cannot read filter curve {path}: {err.strerror or err}") from err
    # Filters are immutable: reuse them while the file is unchanged.
    return list(_load_filters(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


#: The largest filter-curve file read (a curve of a million points is far smaller).
CURVE_FILE_LIMIT = 16 * MiB


@lru_cache(maxsize=32)
def _load_filters(name: str, mtime_ns: int, size: int) -> tuple[Filter, ...]:
    path = Path(name)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except FileNotFoundError as err:
        raise FileFormatError(f"filter curve {path} does not exist") from err
    except UnicodeDecodeError:
        raise FileFormatError(f"{path} is not a filter curve: it is not UTF-8 text") from None
    except OSError as err:
        raise FileFormatError(f"cannot read filter curve {path}: {err.strerror or err}") from err
    try:
        if path.suffix.lower() == ".fil":
            return tuple(_read_nemesis(text, path))
        return (_read_table(text, path),)
    except _CurveError as err:  # says what is wrong without quoting the file
        raise FileFormatError(f"{path} is not a readable filter curve: {err}") from None
    except (ValueError, IndexError):
        raise FileFormatError(
            f"{path} is not a readable filter curve: expected numbers (a table of wavelength or "
            "wavenumber and transmission, or a NEMESIS .fil file)"
        ) from None


def load_filter(path: str | Path) -> Filter:
    r"""Read a single-filter curve file (see :func:`load_filters` for the formats).

    Raises
    ------
    FilterError
        When the file holds several filters (pick one with ``FILE:NAME`` in
        :func:`get_filter`, or use :func:`load_filters`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from falsecolor import load_filter
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "curve.csv"
    >>> _ = path.write_text("wavelength,transmission\n12.9,0\n13.0,1\n13.1,1\n13.2,0\n")
    >>> f = load_filter(path)
    >>> f.name, round(float(f.wavelength.value), 2)
    ('curve', 13.05)
    """
    filters = _read_filters(path)
    if len(filters) != 1:
        names = ", ".join(f.name for f in filters)
        raise FilterError(
            f"{path} holds {len(filters)} filters ({names}): pick one as {path}:NAME "
            "or {path}:WAVELENGTH_UM (or use load_filters)".replace("{path}", str(path))
        )
    return _checked(filters[0], path)


def _checked(f: Filter, path: str | Path) -> Filter:
    """The filter, after a warning if its effective wavelength cannot stand for its nominal one."""
    problem = f.off_nominal()
    if problem is not None:
        nominal = f"{f.nominal()[0]:g}um"
        warn(
            f"filter curve {Path(path).name}: {problem}: it passes much light outside its band (a filter "
            f"without its blocker?); check the curve, or give {option('wavelength', nominal)} instead",
            stacklevel=3,
        )
    return f


def _pick(filters: list[Filter], selector: str, path: str) -> Filter:
    """The filter of a multi-filter file named by ``selector`` (a name, or a wavelength in µm).

    A wavelength picks, of the filters whose half-maximum range holds it, the
    one whose nominal wavelength is nearest; when none holds it, nothing.
    """
    for f in filters:
        if f.name.lower() == selector.strip().lower():
            return f
    ordered = sorted(filters, key=lambda f: f.nominal()[0])
    listing = ", ".join(f.name for f in ordered)
    try:
        wavelength = float(selector.strip().removesuffix("um").removesuffix("µm"))
    except ValueError:
        raise FilterError(f"{path} has no filter {selector!r}: its filters are {listing}") from None

    def distance(f: Filter) -> float:
        return abs(f.nominal()[0] - wavelength)

    def holds(f: Filter) -> bool:
        low, high = f.half_maximum_range
        return bool(low.to_value(u.um) <= wavelength <= high.to_value(u.um))

    passing = [f for f in filters if holds(f)]
    if passing:
        return min(passing, key=distance)
    nearest = min(filters, key=distance)
    low, high = (float(v.to_value(u.um)) for v in nearest.half_maximum_range)
    raise FilterError(
        f"{path} has no filter passing {wavelength:g} µm (the nearest, {nearest.name}, passes "
        f"{low:.2f}-{high:.2f} µm at half maximum): its filters are {listing}; pick one as "
        f"{path}:NAME or by a wavelength within its band"
    )


class _CurveError(ValueError):
    """What is wrong with a curve file, in words that quote none of its content."""


def _read_nemesis(text: str, path: Path) -> list[Filter]:
    tokens = text.split()
    count = int(tokens[0])
    position = 1
    filters = []
    for _ in range(count):
        centre = float(tokens[position])
        points = int(tokens[position + 1])
        values = np.array(tokens[position + 2 : position + 2 + 2 * points], dtype=float)
        if values.size != 2 * points:
            raise _CurveError(f"filter at {centre} cm-1 promises {points} points, the file ends early")
        position += 2 + 2 * points
        wavenumber, transmission = values[0::2], values[1::2]
        if not centre > 0:
            raise _CurveError("a filter's centre wavenumber must be positive")
        f = _from_wavenumber(
            f"{path.stem}_{1e4 / centre:.2f}um",
            wavenumber,
            transmission,
            f"{path.name}, centre {centre} cm-1",
        )
        filters.append(
            dataclasses.replace(
                f, nominal_wavelength=1e4 / centre * u.um, nominal_source="centre in the file"
            )
        )
    return filters


def _read_table(text: str, path: Path) -> Filter:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    header = lines[0]
    names: list[str] = []
    if re.search(r"[A-Za-z]", header.replace("e-", "").replace("E-", "").replace("e+", "")):
        names = [h.strip().lower() for h in re.split(r"[,\s]+", header.strip()) if h.strip()]
        lines = lines[1:]
    rows = np.array([[float(v) for v in re.split(r"[,\s]+", ln.strip()) if v] for ln in lines])
    if rows.ndim != 2 or rows.shape[1] < 2 or rows.shape[0] < 3:
        raise _CurveError("expected at least two columns and three rows")
    transmission_col = next((i for i, n in enumerate(names) if n.startswith("trans")), rows.shape[1] - 1)
    transmission = rows[:, transmission_col]
    wavelength_col = next((i for i, n in enumerate(names) if n.startswith("wavel")), None)
    wavenumber_col = next((i for i, n in enumerate(names) if n.startswith("waven")), None)
    description = path.name
    if wavelength_col is not None:
        found = _from_wavelength(path.stem, rows[:, wavelength_col], transmission, description)
    elif wavenumber_col is not None:
        found = _from_wavenumber(path.stem, rows[:, wavenumber_col], transmission, description)
    elif np.nanmedian(rows[:, 0]) > 100:  # wavenumbers in cm-1 (mid-IR is 400-2500 cm-1)
        found = _from_wavenumber(path.stem, rows[:, 0], transmission, description)
    else:
        found = _from_wavelength(path.stem, rows[:, 0], transmission, description)
    nominal = _nominal_from_name(path.stem)
    if nominal is None:
        return found
    return dataclasses.replace(found, nominal_wavelength=nominal * u.um, nominal_source="file name")


#: A wavelength in a file name: a number followed by um/µm/micron, or a decimal number.
_MICRON_IN_NAME = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:um|µm|micron)", re.IGNORECASE)
_DECIMAL_IN_NAME = re.compile(r"(?<![\d.])(\d+\.\d+)(?![\d.])")


def _nominal_from_name(stem: str) -> float | None:
    """The wavelength in µm a curve file's name states, or None.

    Examples
    --------
    >>> _nominal_from_name("filter4.9"), _nominal_from_name("trecs_8.59um"), _nominal_from_name("filterQ1")
    (4.9, 8.59, None)
    """
    found = _MICRON_IN_NAME.findall(stem) or _DECIMAL_IN_NAME.findall(stem)
    if not found:
        return None
    value = float(found[-1])
    return value if 0.3 <= value <= 1000.0 else None


def _from_wavenumber(name, wavenumber, transmission, description) -> Filter:
    wavenumber = np.asarray(wavenumber, dtype=float)
    if np.any(wavenumber <= 0):
        raise _CurveError("wavenumbers must be positive")
    return _from_wavelength(name, 1e4 / wavenumber, transmission, description)


def _from_wavelength(name, wavelength, transmission, description) -> Filter:
    wavelength = np.asarray(wavelength, dtype=float)
    transmission = np.asarray(transmission, dtype=float)
    if not (np.all(np.isfinite(wavelength)) and np.all(np.isfinite(transmission))):
        raise _CurveError("the curve contains non-numbers")
    if np.any(wavelength <= 0):
        raise _CurveError("wavelengths must be positive")
    order = np.argsort(wavelength)
    wavelength, transmission = wavelength[order], transmission[order]
    if transmission.max() > 1.5:  # percent
        transmission = transmission / 100.0
        description += " (percent)"
    transmission = np.clip(transmission, 0.0, None)
    if not transmission.max() > 0:
        raise _CurveError("the transmission is zero everywhere")
    effective = np.trapezoid(transmission * wavelength, wavelength) / np.trapezoid(transmission, wavelength)
    return Filter(name, effective * u.um, wavelength * u.um, transmission, description)


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
