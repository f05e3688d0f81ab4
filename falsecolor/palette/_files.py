"""Palette files: the built-in registry, TOML and PNG loading, validation."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .._colour import parse_colour
from .._readable import MiB, regular_file
from .._toml import TomlDocument
from ..exceptions import PaletteError
from ._core import CORNERS, DEFAULT_PALETTE, INTERPOLATIONS, MIDPOINTS, Palette

_TOP_KEYS = (
    "name",
    "description",
    "interpolation",
    "credit",
    "license",
    "background",
    "axes",
    "colors",
)
_SUFFIXES = (".toml", ".png")
#: Largest side of a PNG palette (a 4096 x 4096 table is 256 MiB as floats).
MAX_TABLE_SIDE = 4096


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
    """Names of the built-in palettes: the default, its variants, then the others.

    Examples
    --------
    >>> from falsecolor import list_palettes
    >>> list_palettes()[:3]
    ['visir', 'visir-cvd', 'visir-dark']
    """
    names = {p.stem for d in _palette_dirs() for p in d.iterdir() if p.suffix in _SUFFIXES}
    return sorted(names, key=lambda n: (n != DEFAULT_PALETTE, not n.startswith(DEFAULT_PALETTE), n))


def get_palette(name: str | Path | Palette | None = None) -> Palette:
    """A built-in palette by name, or a palette file (TOML or PNG image) by path.

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
    if text.lower().endswith(_SUFFIXES) or "/" in text or Path(text).is_file():
        return load_palette(text)
    for directory in _palette_dirs():
        for suffix in _SUFFIXES:
            candidate = directory / f"{text}{suffix}"
            if candidate.is_file():
                return load_palette(candidate)
    known = ", ".join(list_palettes()) or "(none found: the package data is missing)"
    raise PaletteError(f"unknown palette {text!r}: use one of {known}, or a .toml or .png file")


def load_palette(path: str | Path) -> Palette:
    """Read and validate a palette file (cached until the file changes).

    A ``.png`` file is the look-up table itself: a square image whose columns
    run from cold (left) to warm (right) and whose rows run from cloudy (top)
    to clear (bottom), as :meth:`Palette.lut_image` writes it. Anything else is
    read as TOML (see :mod:`falsecolor.palette`).

    Raises
    ------
    PaletteError
        Missing file, TOML syntax error, unknown keys, wrong types or bad
        colours (naming the key and its line), or an image that is not square.
    """
    path = regular_file(path, "palette file", limit=PALETTE_FILE_LIMIT, error=PaletteError)
    stat = path.stat()
    # The Palette is immutable and builds its table once, so reuse it while the file is unchanged.
    return _load_palette(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


#: The largest palette file read (a PNG table of the largest size, or a TOML file, is far smaller).
PALETTE_FILE_LIMIT = 64 * MiB


@lru_cache(maxsize=32)
def _load_palette(path: str, mtime_ns: int, size: int) -> Palette:
    if path.lower().endswith(".png"):
        return _from_image(Path(path))
    return _from_document(TomlDocument.read(path, error=PaletteError, what="palette"), Path(path))


def _from_image(path: Path) -> Palette:
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            if width != height or not 2 <= width <= MAX_TABLE_SIDE:
                raise PaletteError(
                    f"palette image {path} is {width}x{height}: it must be square, 2..{MAX_TABLE_SIDE} pixels"
                )
            pixels = np.asarray(image.convert("RGBA"), dtype=np.float64) / 255.0
    except PaletteError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise PaletteError(f"palette image {path} cannot be read: {err}") from err
    return Palette(
        name=path.stem,
        corners={},
        table=pixels[::-1].transpose(1, 0, 2),
        description=f"look-up table read from {path.name}",
        source=str(path),
    )


def _colour(doc: TomlDocument, path: tuple[str, ...], value) -> tuple[float, float, float, float]:
    if not isinstance(value, str):
        raise doc.fail(path, "must be a colour string like '#5095ff'")
    try:
        return parse_colour(value)
    except ValueError as err:
        raise doc.fail(path, str(err)) from err


def _from_document(doc: TomlDocument, path: Path) -> Palette:
    top = doc.table((), _TOP_KEYS)
    allowed = (*CORNERS, *MIDPOINTS, "bad")
    colors = doc.table(("colors",), allowed, required=True)
    missing = [c for c in CORNERS if c not in colors]
    if missing:
        raise doc.fail(("colors",), f"needs the corner colour(s) {', '.join(missing)}")
    parsed = {key: _colour(doc, ("colors", key), value) for key, value in colors.items()}
    axes = doc.table(("axes",), ("x", "y"))
    labels = {k: doc.value(axes, ("axes", k), str, None) for k in ("x", "y")}
    strings = {k: doc.value(top, (k,), str, "") for k in ("name", "description", "credit", "license")}
    interpolation = doc.value(top, ("interpolation",), str, "oklab", choices=INTERPOLATIONS)
    background = top.get("background")
    bad = parsed.pop("bad", (0.0, 0.0, 0.0, 0.0))
    return Palette(
        name=strings["name"] or path.stem,
        corners=parsed,
        interpolation=interpolation,
        bad=bad,
        background=None if background is None else _colour(doc, ("background",), background),
        description=strings["description"],
        x_label=labels["x"] or "temperature: cold → warm",
        y_label=labels["y"] or "cloud: clear → cloudy",
        credit=strings["credit"],
        license=strings["license"],
        source=str(path),
    )
