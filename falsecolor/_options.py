"""How a user sets an option, so that error messages can quote the fix in their own terms."""

from __future__ import annotations

from typing import Any

__all__ = ["option"]

_UNSET = object()


def option(prefix: str, name: str, value: Any = _UNSET) -> str:
    """The spelling of option ``name`` (optionally with ``value``) for one input.

    ``prefix`` says where the user is:

    - ``"--"`` or ``"--cloud-"``: the command line (``--wavelength 13um``);
    - ``""``: keywords of a function such as :func:`~falsecolor.read_band` (``wavelength='13um'``);
    - a mapping name such as ``"cloud_options"``: :func:`~falsecolor.render`'s per-band
      keywords (``cloud_options['wavelength']='13um'``).

    Examples
    --------
    >>> option("--cloud-", "wavelength", "5um"), option("", "hdu", 1), option("cloud_options", "filter")
    ('--cloud-wavelength 5um', 'hdu=1', "cloud_options['filter']")
    """
    shown = "" if value is _UNSET else value
    if prefix.startswith("--"):
        return f"{prefix}{name}" + ("" if value is _UNSET else f" {shown}")
    if not prefix:
        return f"{name}=" + ("..." if value is _UNSET else repr(shown))
    return f"{prefix}['{name}']" + ("" if value is _UNSET else f"={shown!r}")
