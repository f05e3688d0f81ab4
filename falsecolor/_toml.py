"""Reading TOML documents (palettes, recipes) with errors that name the key and its line.

TOML is parsed by the standard library (:mod:`tomllib`), never evaluated.
:class:`TomlDocument` keeps the text beside the parsed tables so that a
validation error can say ``recipe.toml:12: axes.t_limits: ...``; the checks
(:meth:`TomlDocument.value`, :meth:`TomlDocument.table`) cover what both file
kinds need: allowed keys, types, choices and numeric ranges.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ._readable import regular_file

__all__ = ["MAX_TOML_BYTES", "TomlDocument", "is_stream", "key_lines"]

#: Palettes and recipes are small; a bigger file is refused before it is parsed.
MAX_TOML_BYTES = 1 << 20

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]\[]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_\-]+))*)\s*="""
)
_PART = re.compile(r"""\s*("[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_\-]+)\s*(?:\.|$)""")

_TYPE_NAMES = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    list: "an array",
    dict: "a table",
}


def is_stream(path: str | Path) -> bool:
    """Whether ``path`` is a pipe or a character device (read as a stream, never as a regular file)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def _split_key(text: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _PART.findall(text))


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line number (1-based) of each table header and key definition, by dotted path.

    A best-effort scan: keys inside multi-line strings or arrays are not
    followed, which only costs an error message its line number.
    """
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_string = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:
            in_string = line.count('"""') % 2 == 0 and line.count("'''") % 2 == 0
            continue
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault(table + _split_key(key.group(1)), number)
        if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
            in_string = True
    return lines


class TomlDocument:
    """A parsed TOML file plus what is needed to point at its lines.

    Parameters
    ----------
    text : str
        The document.
    source : str
        File name used in messages.
    error : type
        Exception class raised for every problem (a ``FalsecolorError``).
    what : str
        What the file is, for messages (``"palette"``, ``"recipe"``).
    """

    def __init__(self, text: str, source: str, *, error: type[Exception], what: str):
        self.source = source
        self.error_type = error
        self.what = what
        self.text = text
        if len(text) > MAX_TOML_BYTES:  # also for text that came from elsewhere (an image's recipe)
            raise error(f"{what} {source} is larger than {MAX_TOML_BYTES >> 10} KiB: not a {what}")
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise error(f"{what} file {source} is not valid TOML: {err}") from err
        except RecursionError:
            raise error(f"{what} file {source} is nested too deeply to be a {what}") from None
        self._lines: dict[tuple[str, ...], int] | None = None

    @classmethod
    def read(
        cls, path: str | Path, *, error: type[Exception], what: str, stream: bool = False
    ) -> TomlDocument:
        """Read a file (at most :data:`MAX_TOML_BYTES`) as UTF-8 TOML.

        Only a regular file is read, unless ``stream`` allows a pipe (a file
        the user gave on the command line, such as ``<(make-recipe)``).
        """
        path = Path(path)
        if not (stream and is_stream(path)):
            regular_file(path, f"{what} file", error=error)
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_TOML_BYTES + 1)
        except FileNotFoundError:
            raise error(f"{what} file {path} does not exist") from None
        except IsADirectoryError:
            raise error(f"{what} file {path} is a directory: give a .toml file") from None
        except OSError as err:
            raise error(f"cannot read {what} file {path}: {err.strerror or err}") from None
        if len(raw) > MAX_TOML_BYTES:
            raise error(f"{what} file {path} is larger than {MAX_TOML_BYTES >> 10} KiB: not a {what}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise error(f"{what} file {path} is not UTF-8 text (is it a {what} TOML file?)") from None
        return cls(text, str(path), error=error, what=what)

    # -- messages -------------------------------------------------------------------------

    def line_of(self, path: Iterable[str]) -> int | None:
        """The line defining ``path`` (or its nearest enclosing table), if found."""
        if self._lines is None:
            self._lines = key_lines(self.text)
        path = tuple(path)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None

    def fail(self, path: Iterable[str], message: str) -> Exception:
        """The exception for a problem at ``path`` (``source:line: key: message``)."""
        path = tuple(path)
        line = self.line_of(path)
        where = f"{self.source}:{line}" if line else self.source
        name = ".".join(path)
        return self.error_type(f"{where}: {name}: {message}" if name else f"{where}: {message}")

    # -- checked access -------------------------------------------------------------------

    def table(self, path: Iterable[str], allowed: Iterable[str], *, required: bool = False) -> dict:
        """The table at ``path`` (``{}`` when absent), refusing keys not in ``allowed``."""
        path = tuple(path)
        node: Any = self.data
        for depth, part in enumerate(path):
            if not isinstance(node, dict):
                raise self.fail(path[:depth], "must be a table")
            if part not in node:
                if required:
                    raise self.fail(path[:depth], f"needs a [{'.'.join(path)}] table")
                return {}
            node = node[part]
        if not isinstance(node, dict):
            raise self.fail(path, "must be a table (write it as [section] or {key = value})")
        allowed = list(allowed)
        for key in node:
            if key not in allowed:
                raise self.fail((*path, key), f"unknown key; {self._choices('allowed', allowed)}")
        return node

    def value(
        self,
        table: dict,
        path: Iterable[str],
        kind: type | tuple[type, ...],
        default: Any = None,
        *,
        choices: Iterable[Any] | None = None,
        low: float | None = None,
        high: float | None = None,
        length: int | None = None,
        items: type | tuple[type, ...] | None = None,
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """``table[path[-1]]`` checked for type, choices, range and array length.

        Integers are accepted where a number is wanted; booleans never are.
        ``items`` is the type of an array's elements; ``choices``, ``low`` and
        ``high`` apply to a scalar or to each element.
        ``check`` may return a message to reject a value for any other reason.
        """
        path = tuple(path)
        key = path[-1]
        if key not in table:
            return default
        value = table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not self._is(value, kinds):
            raise self.fail(path, f"must be {' or '.join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)}")
        if isinstance(value, list) and length is not None and len(value) != length:
            raise self.fail(path, f"must hold {length} values, got {len(value)}")
        elements = value if isinstance(value, list) else [value]
        for item in elements:
            if isinstance(value, list) and items is not None:
                item_kinds = items if isinstance(items, tuple) else (items,)
                if not self._is(item, item_kinds):
                    names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in item_kinds)
                    raise self.fail(path, f"every element must be {names}, got {item!r}")
            if choices is not None and item not in list(choices):
                raise self.fail(path, f"{item!r} is not valid; {self._choices('choose', choices)}")
            if isinstance(item, int | float) and not isinstance(item, bool):
                if not math.isfinite(item):
                    raise self.fail(path, f"must be finite, got {item}")
                if (low is not None and item < low) or (high is not None and item > high):
                    raise self.fail(path, f"{item} is out of range {_range(low, high)}")
        if check is not None:
            problem = check(value)
            if problem:
                raise self.fail(path, problem)
        return value

    @staticmethod
    def _is(value: Any, kinds: tuple[type, ...]) -> bool:
        if isinstance(value, bool):
            return bool in kinds
        if isinstance(value, int) and (float in kinds or int in kinds):
            return True
        return any(isinstance(value, k) for k in kinds if k is not bool)

    @staticmethod
    def _choices(verb: str, choices: Iterable[Any]) -> str:
        return f"{verb}: {', '.join(str(c) for c in choices)}"


def _range(low: float | None, high: float | None) -> str:
    if low is None:
        return f"<= {high}"
    if high is None:
        return f">= {low}"
    return f"{low}..{high}"
