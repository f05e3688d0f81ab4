"""The outputs of a run, checked before any work: writable, not an input, and no two the same file."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .._atomic import check_output
from ..exceptions import InputError, OutputError

__all__ = ["check_outputs", "picture_formats"]


def check_outputs(
    files: str | Path | Sequence[str | Path],
    *,
    fits_prefix: str | Path | None = None,
    inputs: Iterable[str | Path] = (),
) -> list[Path]:
    """Every output of a run (and the FITS products of ``fits_prefix``), checked; fail before any work.

    Raises
    ------
    OutputError
        An output's folder is missing or not writable, an output is a folder
        or one of the ``inputs``, or two outputs are the same file
        (``-o a.png -o ./a.png``).
    """
    paths = [Path(files)] if isinstance(files, str | Path) else [Path(f) for f in files]
    if fits_prefix is not None:
        from ..rendering import fits_product_paths

        paths += list(fits_product_paths(fits_prefix))
    inputs = list(inputs)
    seen: dict[str, Path] = {}
    for path in paths:
        check_output(path, inputs=inputs)
        key = os.path.normcase(os.path.realpath(path))
        if key in seen:
            same = (
                f"{path} is named twice"
                if str(seen[key]) == str(path)
                else f"{seen[key]} and {path} are one file"
            )
            raise OutputError(f"{same}: a run writes each output once; choose another name")
        seen[key] = path
    return paths


def picture_formats(paths: Iterable[str | Path]) -> None:
    """Every picture output has a suffix falsecolor writes (.png, .tif, .jpg)."""
    from ..export import format_of

    for path in paths:
        try:
            format_of(path)
        except ValueError as err:
            raise InputError(str(err)) from None
