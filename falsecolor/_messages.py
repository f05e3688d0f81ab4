"""How a message names the option that fixes a problem, in the caller's own terms.

The same problem is fixed with ``--cloud-wavelength 5um`` on the command line,
``cloud_options['wavelength']='5um'`` in :func:`~falsecolor.render` and
``wavelength='5um'`` in :func:`~falsecolor.read_band`. Code that raises an
error calls :func:`option` with the option's name; the front end sets, once,
how names are spelled (:func:`spelled_by`), and the code reading a band sets
which band it is (:func:`for_band`). No function takes a parameter only to get
its messages right.

Examples
--------
>>> option("wavelength", "5um"), option("hdu", 1)
("wavelength='5um'", 'hdu=1')
>>> with for_band("cloud"):
...     option("wavelength", "5um")
"cloud_options['wavelength']='5um'"
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

__all__ = ["UNSET", "Speller", "for_band", "option", "python_spelling", "spelled_by"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "No value given" (None is a value an option can have).
UNSET: Any = _Unset()

#: ``speller(name, value, band)`` -> how the user writes option ``name`` (set to ``value``) for ``band``.
Speller = Callable[[str, Any, "str | None"], str]


def python_spelling(name: str, value: Any, band: str | None) -> str:
    """Keyword arguments: ``name=value``, or ``cloud_options['name']=value`` for a band of a render."""
    if band is not None:
        owner = "temperature_options" if band == "temperature" else "cloud_options"
        return f"{owner}[{name!r}]" + ("" if value is UNSET else f"={value!r}")
    return f"{name}=" + ("..." if value is UNSET else repr(value))


_speller: ContextVar[Speller] = ContextVar("falsecolor_speller", default=python_spelling)
_band: ContextVar[str | None] = ContextVar("falsecolor_band", default=None)


def option(name: str, value: Any = UNSET) -> str:
    """How the user sets option ``name`` (to ``value``), for the band being read, if any."""
    return _speller.get()(name, value, _band.get())


@contextlib.contextmanager
def spelled_by(speller: Speller) -> Iterator[None]:
    """Within the block, :func:`option` spells names with ``speller`` (the command line sets its own)."""
    token = _speller.set(speller)
    try:
        yield
    finally:
        _speller.reset(token)


@contextlib.contextmanager
def for_band(role: str | None) -> Iterator[None]:
    """Within the block, options named by :func:`option` belong to the band ``role``."""
    token = _band.set(role)
    try:
        yield
    finally:
        _band.reset(token)


def readable(text: str) -> str:
    """Text that any terminal or UTF-8 file can hold: bytes that were not UTF-8 shown as ``\\xff``."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that did not come from a file name
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
