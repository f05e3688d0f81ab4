"""Palette files: the built-in registry, TOML loading and validation."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .._colour import parse_colour
from ..exceptions import PaletteError
from ._core import CORNERS, DEFAULT_PALETTE, Palette

_TOP_KEYS = {"name", "description", "interpolation", "credit", "license", "axes", "colors"}


def _palette_dirs() -> list[Path]:
    dirs = []
    packaged = resources.files("falsecolor").joinpath("palettes")
    if packaged.is_dir():
        dirs.append(Path(str(packaged)))
    source = Path(__file__).resolve().parents[2] / "palettes"
    if not dirs and source.is_dir() and (source.parent / "pyproject.toml").is_file():
        dirs.append(source)  # running from a source checkout
    return dirs


def list_palettes() -> list[str]:
    """Names of the built-in palettes, the default first.

    Examples
    --------
    >>> from falsecolor import list_palettes
    >>> list_palettes()
    ['visir', 'visir-linear']
    """
    names = {p.stem for d in _palette_dirs() for p in d.glob("*.toml")}
    return sorted(names, key=lambda n: (n != DEFAULT_PALETTE, n))


def get_palette(name: str | Path | Palette | None = None) -> Palette:
    """A built-in palette by name, or a palette TOML file by path.

    Parameters
    ----------
    name : str, Path or Palette, optional
        ``None`` or ``"default"`` gives the default (``visir``).

    Raises
    ------
    PaletteError
        Unknown name (the valid names are listed) or malformed file.

    Examples
    --------
    >>> from falsecolor import get_palette
    >>> get_palette().name, get_palette("visir-linear").interpolation
    ('visir', 'linear-rgb')
    """
    if isinstance(name, Palette):
        return name
    if name is None or str(name) == "default":
        name = DEFAULT_PALETTE
    text = str(name)
    if text.endswith(".toml") or "/" in text or Path(text).is_file():
        return load_palette(text)
    for directory in _palette_dirs():
        candidate = directory / f"{text}.toml"
        if candidate.is_file():
            return load_palette(candidate)
    known = ", ".join(list_palettes()) or "(none found: the package data is missing)"
    raise PaletteError(f"unknown palette {text!r}: use one of {known}, or a .toml file")


def load_palette(path: str | Path) -> Palette:
    """Read and validate a palette TOML file (cached until the file changes).

    Raises
    ------
    PaletteError
        Missing file, TOML syntax error (with its line), unknown keys, bad colours.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError as err:
        raise PaletteError(f"palette file {path} does not exist") from err
    except OSError as err:
        raise PaletteError(f"cannot read palette file {path}: {err}") from err
    # The Palette is immutable and builds its table once, so reuse it while the file is unchanged.
    return _load_palette(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _load_palette(path: str, mtime_ns: int, size: int) -> Palette:
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise PaletteError(f"palette file {path} is not valid TOML: {err}") from err
    except OSError as err:
        raise PaletteError(f"cannot read palette file {path}: {err}") from err
    return _from_document(doc, Path(path))


def _from_document(doc: dict[str, Any], path: Path) -> Palette:
    where = str(path)
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise PaletteError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_TOP_KEYS))}"
        )
    colors = doc.get("colors")
    if not isinstance(colors, dict):
        raise PaletteError(f"{where}: needs a [colors] table with {', '.join(CORNERS)}")
    allowed = set(CORNERS) | {"bad"}
    extra = set(colors) - allowed
    if extra:
        raise PaletteError(
            f"{where}: unknown colour(s) {', '.join(sorted(extra))} in [colors]; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    parsed = {}
    for key, value in colors.items():
        if not isinstance(value, str):
            raise PaletteError(f"{where}: colors.{key} must be a string like '#5095ff'")
        try:
            parsed[key] = parse_colour(value)
        except ValueError as err:
            raise PaletteError(f"{where}: colors.{key}: {err}") from err
    axes = doc.get("axes", {})
    if not isinstance(axes, dict) or set(axes) - {"x", "y"}:
        raise PaletteError(f"{where}: [axes] takes only x and y labels")
    strings = {}
    for key in ("name", "description", "interpolation", "credit", "license"):
        value = doc.get(key, "")
        if not isinstance(value, str):
            raise PaletteError(f"{where}: {key} must be a string")
        strings[key] = value
    bad = parsed.pop("bad", (0.0, 0.0, 0.0, 0.0))
    return Palette(
        name=strings["name"] or path.stem,
        corners=parsed,
        interpolation=strings["interpolation"] or "oklab",
        bad=bad,
        description=strings["description"],
        x_label=str(axes.get("x", "temperature: cold → warm")),
        y_label=str(axes.get("y", "cloud: clear → cloudy")),
        credit=strings["credit"],
        license=strings["license"],
        source=where,
    )
