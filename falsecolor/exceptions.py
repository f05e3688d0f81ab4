"""Errors and warnings raised by falsecolor.

Every error a user can cause (bad file, bad option, unwritable output) is a
:class:`FalsecolorError`; the command line turns it into one line on stderr and
exit status 2. Anything else escaping is a bug (exit status 1).
"""

from __future__ import annotations

import warnings

from ._messages import UNSET, option

__all__ = [
    "ByteOrderError",
    "CubeError",
    "FalsecolorError",
    "FalsecolorWarning",
    "FileFormatError",
    "FilterError",
    "InputError",
    "OptionError",
    "OutputError",
    "PaletteError",
    "RecipeError",
    "UnitError",
    "warn",
]


class FalsecolorError(Exception):
    """Base class: a problem with the user's input, options or output location.

    The message is one sentence that names the problem and, where possible, the
    option or argument that fixes it.
    """


class InputError(FalsecolorError, ValueError):
    """Input data or an option value cannot be used (shape, values, ranges)."""


class FileFormatError(FalsecolorError, OSError):
    """A file is missing, unreadable, truncated or not in the expected format."""


class ByteOrderError(FileFormatError):
    """Integer image data whose bytes look swapped (read them with ``byteswap=True``)."""


class CubeError(InputError):
    """A 3-D cube where a 2-D image is needed (choose a ``plane``)."""


class UnitError(InputError):
    """A unit is unknown or does not fit the role it is used in."""


class FilterError(InputError):
    """A filter name is unknown or a filter curve cannot be used."""


class PaletteError(InputError):
    """A palette name is unknown or a palette file is malformed."""


class RecipeError(InputError):
    """A recipe file is malformed or asks for something impossible."""


class OptionError(RecipeError):
    """An option's value is not of its kind or out of its bounds, named as the user sets it.

    ``name`` is the option's name in the option model and ``problem`` what is
    wrong, without the name (so a recipe reader can point at the key's line).
    """

    def __init__(self, name: str, problem: str, value: object = None, *, spelled: str | None = None):
        self.name = name
        self.problem = problem
        shown = spelled or option(name, UNSET if value is None else value)
        super().__init__(f"{shown}: {problem}")


class OutputError(FalsecolorError, OSError):
    """An output cannot be written (missing directory, permissions, would overwrite an input)."""


class FalsecolorWarning(UserWarning):
    """Something was read or done that the user should know about."""


def warn(message: str, *, stacklevel: int = 2) -> None:
    """Issue a :class:`FalsecolorWarning` (the one place warnings come from)."""
    warnings.warn(message, FalsecolorWarning, stacklevel=stacklevel + 1)
