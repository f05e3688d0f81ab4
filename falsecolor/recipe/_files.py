"""The kinds of options that name files: paths, palettes, filters, sigma maps.

A file a recipe names is relative to the recipe's folder; each kind says which
parts of its value are paths (:meth:`Kind.paths`) so that a recipe written
elsewhere can move them (:meth:`Kind.moved`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._kinds import Kind, Problem, _is_number, _number, _shown

__all__ = ["FileName", "FileNames", "FilterName", "PaletteName", "Uncertainty", "looks_like_file"]

#: Suffixes of the files a recipe names (the rest of a palette value is a built-in name).
_FILE_SUFFIXES = (".toml", ".png", ".fits", ".fit", ".fts", ".gz", ".csv", ".dat", ".fil", ".txt", ".tsv")


def looks_like_file(text: str) -> bool:
    """Whether a value that may be a name or a file names a file (a path separator or a file suffix)."""
    stem = text.split(":")[0] if text.lower().count(".fil:") == 1 else text
    return "/" in stem or "\\" in stem or stem.lower().endswith(_FILE_SUFFIXES)


@dataclass(frozen=True)
class FileName(Kind):
    """A file path (relative to the recipe's folder unless absolute)."""

    describe: str = "a file"

    def check(self, value: Any) -> str:
        if hasattr(value, "__fspath__"):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise Problem(f"must be a file path, got {_shown(value)}")
        if "\x00" in value:
            raise Problem("must be a file path (it holds a NUL character)")
        return value

    def paths(self, value: Any) -> list[str]:
        return [value]

    def moved(self, value: Any, move) -> Any:
        return move(value)


@dataclass(frozen=True)
class FileNames(Kind):
    """Several file paths."""

    describe: str = "file paths"

    def check(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str) or hasattr(value, "__fspath__") or not isinstance(value, Sequence):
            raise Problem(f"must be a list of file paths, got {_shown(value)}")
        return tuple(FileName().check(v) for v in value)

    def paths(self, value: Any) -> list[str]:
        return list(value)

    def moved(self, value: Any, move) -> Any:
        return tuple(move(v) for v in value)


@dataclass(frozen=True)
class PaletteName(Kind):
    """A built-in palette's name, or a palette file (TOML, or a PNG table)."""

    describe: str = "a palette name or file"

    def check(self, value: Any) -> str:
        if hasattr(value, "__fspath__"):
            value = str(value)
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise Problem(f"must be a palette name or file, got {_shown(value)}")
        return value

    def paths(self, value: Any) -> list[str]:
        return [value] if looks_like_file(value) else []

    def moved(self, value: Any, move) -> Any:
        return move(value) if looks_like_file(value) else value


@dataclass(frozen=True)
class FilterName(Kind):
    """A built-in filter's name, or a curve file (``FILE.fil:NAME`` picks one of several in a file)."""

    describe: str = "a filter name or a curve file"

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise Problem(f"must be a filter name or a curve file, got {_shown(value)}")
        return value

    @staticmethod
    def _split(value: str) -> tuple[str, str]:
        """The file part and the ``:NAME`` part of a curve file value."""
        head, colon, name = value.rpartition(":")
        if colon and head.lower().endswith(".fil"):
            return head, colon + name
        return value, ""

    def paths(self, value: Any) -> list[str]:
        return [self._split(value)[0]] if looks_like_file(value) else []

    def moved(self, value: Any, move) -> Any:
        if not looks_like_file(value):
            return value
        path, name = self._split(value)
        return move(path) + name


@dataclass(frozen=True)
class Uncertainty(Kind):
    """A fraction (``0.05``, ``'5%'``), ``sky`` (the noise of the sky pixels), ``none``, or a sigma map."""

    describe: str = "a fraction (5% or 0.05), sky, or a FITS sigma map"

    def parse(self, text: str) -> Any:
        try:
            return float(text)
        except ValueError:
            return text

    def check(self, value: Any) -> Any:
        if hasattr(value, "__fspath__"):
            value = str(value)
        if _is_number(value):
            fraction = float(value)
            if not 0 < fraction < 1:
                raise Problem(f"a fraction must be within 0..1 (e.g. 0.05), got {fraction:g}")
            return fraction
        if not isinstance(value, str) or not value.strip():
            raise Problem(f"give a fraction (5% or 0.05), sky, or a FITS sigma map, not {_shown(value)}")
        text = value.strip()
        if not self.names_file(text) and not text.endswith("%") and text.lower() not in ("sky", "none"):
            self.check(float(text))  # a fraction written as text: its bounds
        if text.endswith("%"):
            percent = _number(text[:-1], "a percentage such as 5%")
            if not 0 < percent < 100:
                raise Problem(f"a percentage must be within 0..100, got {text}")
        return value

    @staticmethod
    def names_file(value: Any) -> bool:
        """Whether the value is a sigma-map file (not a fraction, a percentage, ``sky`` or ``none``)."""
        if not isinstance(value, str) or value.strip().lower() in ("sky", "none", ""):
            return False
        try:
            float(value.strip().rstrip("%"))
        except ValueError:
            return True
        return False

    def paths(self, value: Any) -> list[str]:
        return [value] if self.names_file(value) else []

    def moved(self, value: Any, move) -> Any:
        return move(value) if self.names_file(value) else value
