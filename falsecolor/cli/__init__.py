"""Command line: ``falsecolor render | stack | info | ephemeris | map | palettes | filters``.

Thin over :mod:`falsecolor.pipeline`. Errors the user can fix end with one line
on stderr and exit status 2; unexpected failures with exit status 1 (the
traceback only with ``--debug``); a run stopped by a signal with 128 + its
number (see :mod:`falsecolor.cli._main`). Heavy modules are imported only when
a command runs, so ``--help`` is instant.
"""

from ._main import console_main, main
from ._parser import build_parser

__all__ = ["build_parser", "console_main", "main"]
