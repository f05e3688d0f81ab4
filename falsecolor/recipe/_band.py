"""An input file and how to read it: :class:`BandInput`, and the kind of an input option."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any

from ..exceptions import OptionError
from ._files import FileName, FilterName
from ._kinds import Flag, Integer, Kind, Problem, QuantityText, Text, _shown
from ._option import Options, declared, option

__all__ = ["BAND_KEYS", "BandInput", "BandRef"]


@dataclass(frozen=True)
class Hdu(Kind):
    """An HDU index (0, 1, ...) or EXTNAME."""

    describe: str = "an HDU index or EXTNAME"

    def parse(self, text: str) -> Any:
        return self._index(text)

    @staticmethod
    def _index(text: str) -> Any:
        """An integral number written as text is an index (``1``, ``1.0``); other text an EXTNAME."""
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() else text

    def check(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip() and value.isprintable():
            value = self._index(value.strip())
            if isinstance(value, str):
                return value
        return Integer(0, None).check(value)


_TEMPERATURE_AND_CLOUD = {"temperature": ("--{}", "--t-{}"), "cloud": ("--cloud-{}",)}
_EVERY_INPUT = {"all": ("--{}",), "cloud": ("--cloud-{}",)}


def _flags(name: str, scopes: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {scope: tuple(f.format(name) for f in flags) for scope, flags in scopes.items()}


@dataclass(frozen=True)
class BandInput(Options):
    """One input file and how to read it (the :func:`~falsecolor.read_band` keywords).

    ``path`` is as written in the recipe: relative to the recipe's folder, or
    absolute. The other options override what the file's header says.

    Examples
    --------
    >>> BandInput("T13.fits", filter="NEII_2").to_toml()
    {'path': 'T13.fits', 'filter': 'NEII_2'}
    """

    TITLE = "input band"

    path: str = option(None, FileName(), help="the file", section="inputs", flag=None)
    _: KW_ONLY
    filter: str | None = option(
        None,
        FilterName(),
        section="inputs",
        metavar="NAME",
        band_flags=_flags("filter", _TEMPERATURE_AND_CLOUD),
        help="filter name, e.g. NEII_2 or M-BAND (see 'falsecolor filters'), or a curve file "
        "(.csv, .dat, .fil; FILE.fil:NAME picks one of several)",
    )
    wavelength: str | float | None = option(
        None,
        QuantityText("13um", bare=False),
        section="inputs",
        metavar="W",
        band_flags=_flags("wavelength", _TEMPERATURE_AND_CLOUD),
        help="wavelength, wavenumber or frequency, e.g. 13um or '769 cm-1' (monochromatic)",
    )
    unit: str | None = option(
        None,
        Text(100),
        section="inputs",
        metavar="UNIT",
        band_flags=_flags("unit", _TEMPERATURE_AND_CLOUD),
        help="data unit, e.g. 'W m-2 sr-1 um-1', 'erg s-1 cm-2 sr-1 (cm-1)-1', MJy/sr, K, counts",
    )
    scale: str | float | None = option(
        None,
        QuantityText("'1.2e-5 W m-2 sr-1 um-1'", bare=False),
        section="inputs",
        metavar="Q",
        band_flags=_flags("scale", _TEMPERATURE_AND_CLOUD),
        help="radiance per count for data in counts, e.g. '1.2e-5 W m-2 sr-1 um-1'",
    )
    hdu: int | str | None = option(
        None,
        Hdu(),
        section="inputs",
        metavar="N",
        band_flags=_flags("hdu", _EVERY_INPUT),
        help="HDU index or EXTNAME (default: the first image)",
    )
    plane: int | None = option(
        None,
        Integer(0, None),
        section="inputs",
        metavar="N",
        band_flags=_flags("plane", _EVERY_INPUT),
        help="plane of a 3-D file",
    )
    byteswap: bool = option(
        False,
        Flag(),
        section="inputs",
        band_flags={"all": ("--byteswap",), "cloud": ("--cloud-byteswap",)},
        help="read data whose bytes are swapped (non-standard FITS)",
    )

    def _check_together(self) -> None:
        if self.path is None:
            raise OptionError("path", "an input band needs its file")
        if self.filter is not None and self.wavelength is not None:
            raise OptionError("wavelength", "give either a filter or a wavelength for one band, not both")

    def read_options(self) -> dict[str, Any]:
        """The :func:`~falsecolor.read_band` keywords (without the path)."""
        options = {k: getattr(self, k) for k in BAND_KEYS[1:] if k != "byteswap"}
        options["byteswap"] = True if self.byteswap else None
        return options

    def to_toml(self) -> str | dict[str, Any]:
        """The path alone, or a table of the path and the options given."""
        given = {
            o.key: o.kind.dump(getattr(self, o.name))
            for o in declared(BandInput)[1:]
            if getattr(self, o.name) not in (None, o.default)
        }
        return {"path": self.path, **given} if given else self.path

    def files(self) -> list[str]:
        """The files it names: the image, and a filter curve."""
        return [self.path, *FilterName().paths(self.filter)] if self.filter else [self.path]

    def moved(self, move) -> BandInput:
        """The same input with its file paths replaced by ``move(path)``."""
        changes: dict[str, Any] = {"path": move(self.path)}
        if self.filter:
            changes["filter"] = FilterName().moved(self.filter, move)
        return self.replace(**changes)


#: The keys of an input band's table in a recipe.
BAND_KEYS = tuple(o.key for o in declared(BandInput))


@dataclass(frozen=True)
class BandRef(Kind):
    """An input band: a file path, or a table of the path and how to read it."""

    describe: str = "a file, or a table {path = ..., filter = ..., ...}"

    def check(self, value: Any) -> BandInput:
        if isinstance(value, BandInput):
            return value
        if isinstance(value, str | os.PathLike):
            if not str(value).strip():
                raise Problem("needs a file path")
            return BandInput(str(value))
        if not isinstance(value, Mapping):
            raise Problem(f"must be a file path or a table, got {_shown(value)}")
        for key in value:
            if key not in BAND_KEYS:
                raise Problem(f"unknown key; allowed: {', '.join(BAND_KEYS)}", (str(key),))
        if "path" not in value:
            raise Problem('needs a path = "FILE.fits" entry')
        try:
            return BandInput(**value)
        except OptionError as err:
            raise Problem(err.problem, (err.name,)) from None

    def dump(self, value: Any) -> Any:
        return value.to_toml()

    def paths(self, value: Any) -> list[str]:
        return value.files()

    def moved(self, value: Any, move) -> Any:
        return value.moved(move)
