"""What values an option takes: each kind checks a value, reads it from the command line, writes it to TOML.

A kind is the part of an option declaration that knows types and bounds.
:meth:`Kind.check` takes a value from anywhere (a TOML document, a Python
keyword, the command line after :meth:`Kind.parse`) and returns it in its one
canonical form (a tuple of floats for a pair, a float for a number), or raises
:class:`Problem` with a short phrase saying what is wrong. The caller says
which option it was, in the user's terms.

No numpy and no astropy here: ``falsecolor --help`` imports this module.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Choice",
    "Flag",
    "Integer",
    "Kind",
    "Limb",
    "Number",
    "Pair",
    "Problem",
    "QuantityText",
    "Text",
]


class Problem(ValueError):
    """What is wrong with a value (a short phrase), and where inside it (keys of a nested table)."""

    def __init__(self, message: str, path: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.path = path


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and type(value).__name__ != "bool_"


def _range(low: float | None, high: float | None, above: float | None) -> str:
    if above == 0 and high is None:
        return "positive"
    if above is not None:
        return f"> {above:g}" if high is None else f"within {above:g}..{high:g} (above {above:g})"
    if low is None and high is None:
        return "finite"
    if low is None:
        return f"<= {high:g}"
    if high is None:
        return f">= {low:g}"
    return f"within {low:g}..{high:g}"


class Kind:
    """The values one option takes."""

    #: argparse ``nargs`` of the option (None: one value).
    nargs: int | str | None = None
    #: A short description of the values, for help texts and the studio.
    describe: str = "a value"

    def check(self, value: Any) -> Any:
        """``value`` in canonical form, or :class:`Problem`."""
        raise NotImplementedError

    def parse(self, text: str) -> Any:
        """A command-line word as a value (checked afterwards by :meth:`check`)."""
        return text

    def dump(self, value: Any) -> Any:
        """The value as TOML writes it."""
        return list(value) if isinstance(value, tuple) else value

    def paths(self, value: Any) -> list[str]:
        """The file paths inside a value (relative to the recipe's folder unless absolute)."""
        return []

    def moved(self, value: Any, move) -> Any:
        """The value with each file path ``p`` replaced by ``move(p)``."""
        return value


@dataclass(frozen=True)
class Flag(Kind):
    """true or false."""

    describe: str = "true or false"

    def check(self, value: Any) -> bool:
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return bool(value)
        raise Problem(f"must be true or false, got {_shown(value)}")


def _number(text: str, what: str = "a number") -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise Problem(f"{_shown(text)} is not {what}") from None
    return value


@dataclass(frozen=True)
class Number(Kind):
    """A finite number within ``low..high`` (or above ``above``)."""

    low: float | None = None
    high: float | None = None
    above: float | None = None

    @property
    def describe(self) -> str:  # type: ignore[override]
        return f"a number {_range(self.low, self.high, self.above)}"

    def parse(self, text: str) -> float:
        return _number(text)

    def check(self, value: Any) -> float:
        if not _is_number(value):
            raise Problem(f"must be a number, got {_shown(value)}")
        number = float(value)
        if not math.isfinite(number):
            raise Problem(f"must be a finite number, got {number}")
        if (
            (self.low is not None and number < self.low)
            or (self.high is not None and number > self.high)
            or (self.above is not None and number <= self.above)
        ):
            raise Problem(f"must be {_range(self.low, self.high, self.above)}, got {number:g}")
        return number


@dataclass(frozen=True)
class Integer(Kind):
    """A whole number within ``low..high``."""

    low: int | None = None
    high: int | None = None

    @property
    def describe(self) -> str:  # type: ignore[override]
        return f"a whole number {_range(self.low, self.high, None)}"

    def parse(self, text: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            pass
        number = _number(text, "a whole number")
        if not number.is_integer():
            raise Problem(f"{_shown(text)} is not a whole number")
        return int(number)

    def check(self, value: Any) -> int:
        if not (isinstance(value, numbers.Integral) and not isinstance(value, bool)):
            if _is_number(value) and float(value).is_integer():
                value = int(value)
            else:
                raise Problem(f"must be a whole number, got {_shown(value)}")
        number = int(value)
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            raise Problem(f"must be {_range(self.low, self.high, None)}, got {number}")
        return number


@dataclass(frozen=True)
class Pair(Kind):
    """Two numbers within ``low..high`` (the first below the second when ``increasing``)."""

    low: float | None = None
    high: float | None = None
    above: float | None = None
    increasing: bool = True
    nargs: int | str | None = 2

    @property
    def describe(self) -> str:  # type: ignore[override]
        order = ", the first below the second" if self.increasing else ""
        return f"two numbers {_range(self.low, self.high, self.above)}{order}"

    def parse(self, text: str) -> float:
        return _number(text)

    def check(self, value: Any) -> tuple[float, float]:
        if isinstance(value, str | bytes | Mapping) or not hasattr(value, "__iter__"):
            raise Problem(f"must be two numbers, got {_shown(value)}")
        value = list(value)
        if len(value) != 2:
            raise Problem(f"must hold 2 values, got {len(value)}")
        element = Number(self.low, self.high, self.above)
        first, second = (element.check(v) for v in value)
        if self.increasing and not first < second:
            raise Problem(f"needs the first value below the second, got {first:g} {second:g}")
        return first, second


@dataclass(frozen=True)
class Choice(Kind):
    """One word of ``choices``."""

    choices: tuple[str, ...] = ()

    @property
    def describe(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(self.choices)

    def check(self, value: Any) -> str:
        if isinstance(value, str) and value in self.choices:
            return value
        raise Problem(f"{_shown(value)} is not valid; choose {', '.join(self.choices)}")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Text(Kind):
    """One line of text, at most ``longest`` characters."""

    longest: int = 200
    describe: str = "text"

    def check(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Problem(f"must be text, got {_shown(value)}")
        if len(value) > self.longest:
            raise Problem(f"is {len(value)} characters long; at most {self.longest} fit")
        if _CONTROL.search(value):
            raise Problem("must be one line of printable text (no control characters)")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # bytes from a terminal that is not UTF-8
            raise Problem("is not UTF-8 text: give it in UTF-8 (set a UTF-8 locale)") from None
        return value


_TIME = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d*)?)?)?Z?|M?JD\s*\d+(\.\d*)?)\s*$", re.I
)


@dataclass(frozen=True)
class TimeText(Text):
    """A UTC time: ISO 8601 (``2018-05-24T02:49:57``), ``JD2458262.6`` or ``MJD58262.1``."""

    longest: int = 60
    describe: str = "a UTC time, e.g. 2018-05-24T02:49:57"

    def check(self, value: Any) -> str:
        text = super().check(value)
        if not _TIME.match(text):
            raise Problem(
                "is not a time: write ISO 8601 UTC such as 2018-05-24T02:49:57, or JD2458262.6 / "
                f"MJD58262.1, got {text!r}"
            )
        return text


_NUMBER_ONLY = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_NUMBER_AND_UNIT = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(\s*\S.*)?$")


@dataclass(frozen=True)
class QuantityText(Kind):
    """A number with a unit (``13um``, ``'0.38 W m-2 sr-1 um-1'``), or a plain number when ``bare`` allows it.

    The unit itself is read (by astropy) where the value is used.
    """

    example: str = "250K"
    bare: bool = True

    @property
    def describe(self) -> str:  # type: ignore[override]
        return f"a number {'with an optional' if self.bare else 'with its'} unit, e.g. {self.example}"

    def parse(self, text: str) -> Any:
        try:
            return float(text) if self.bare else text
        except ValueError:
            return text

    def check(self, value: Any) -> Any:
        if _is_number(value):
            number = float(value)
            if not self.bare:
                raise Problem(f"needs a unit, e.g. {self.example}, got {number:g}")
            if not math.isfinite(number):
                raise Problem(f"must be finite, got {number}")
            return number
        if hasattr(value, "unit") and hasattr(value, "value"):  # an astropy Quantity
            value = str(value)
        if not isinstance(value, str) or not _NUMBER_AND_UNIT.match(value) or len(value) > 100:
            raise Problem(f"must be {self.describe}, got {_shown(value)}")
        if not self.bare and _NUMBER_ONLY.match(value):
            raise Problem(f"needs a unit, e.g. {self.example}, got {_shown(value)}")
        return value


@dataclass(frozen=True)
class Limb(Kind):
    """``none``, ``auto`` (the filter's published exponent), ``fit``, or an exponent within 0..5."""

    describe: str = "none, auto, fit or an exponent within 0..5"

    def parse(self, text: str) -> Any:
        word = text.strip().lower()
        if word in ("none", "auto", "fit"):
            return word
        try:
            return float(word)
        except ValueError:
            raise Problem("give none, auto, fit or an exponent such as 0.2") from None

    def check(self, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip().lower() in ("none", "auto", "fit"):
                return value.strip().lower()
            raise Problem(f"{_shown(value)} is not valid; choose none, auto, fit or an exponent")
        return Number(0.0, 5.0).check(value)
