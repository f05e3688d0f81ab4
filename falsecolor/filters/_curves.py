"""Filter curve files: NEMESIS ``.fil``, CSV and two-column tables; one filter of several; nominal checks."""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
from astropy import units as u

from .._messages import option
from .._readable import MiB, regular_file
from ..exceptions import FileFormatError, FilterError, warn
from ._filter import Filter

__all__ = ["CURVE_FILE_LIMIT", "CURVE_SUFFIXES", "load_filter", "load_filters", "read_filters", "selected"]

#: The suffixes of curve files.
CURVE_SUFFIXES = {".csv", ".fil", ".dat", ".txt"}


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
    filters = read_filters(path)
    for f in filters:
        _checked(f, path)
    return filters


def read_filters(path: str | Path) -> list[Filter]:
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
    filters = read_filters(path)
    if len(filters) != 1:
        names = ", ".join(f.name for f in filters)
        raise FilterError(
            f"{path} holds {len(filters)} filters ({names}): pick one as {path}:NAME "
            "or {path}:WAVELENGTH_UM (or use load_filters)".replace("{path}", str(path))
        )
    return _checked(filters[0], path)


def selected(path: str, selector: str) -> Filter:
    """The filter of a curve file that ``selector`` (a name, or a wavelength in µm) picks, checked."""
    return _checked(_pick(read_filters(path), selector, path), path)


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
