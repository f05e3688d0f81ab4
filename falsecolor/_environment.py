"""The environment variables falsecolor reads, checked once at the start of a command.

``SOURCE_DATE_EPOCH``
    Whole seconds since 1970: the creation time written into pictures made
    with ``--timestamp`` (reproducible builds). A value that is not such a
    number is refused at the start (some libraries falsecolor uses fail on it
    while being imported).
``FALSECOLOR_MEMORY_LIMIT``
    Bytes a run may use (it is refused, before the work, when it would need
    more); default the memory the system has free.
``FALSECOLOR_FAULT``
    For the tests only: a moment of an output's commit at which to signal the
    process itself.
"""

from __future__ import annotations

import os

from .exceptions import InputError

__all__ = ["check_environment", "source_date_epoch"]

#: The latest time SOURCE_DATE_EPOCH may give (9999-12-31T23:59:59 UTC).
_LAST_EPOCH = 253402300799


def source_date_epoch() -> int | None:
    """``$SOURCE_DATE_EPOCH`` as an integer, or None when unset.

    Raises
    ------
    InputError
        When it is set but is not whole seconds since 1970.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or not epoch.strip():
        return None
    if not epoch.strip().isdigit() or int(epoch) > _LAST_EPOCH:
        raise InputError(
            f"SOURCE_DATE_EPOCH={epoch!r} is not a time: give whole seconds since 1970, or unset it"
        )
    return int(epoch)


def check_environment() -> None:
    """Refuse malformed environment variables before any work (and before the libraries read them)."""
    source_date_epoch()
    if "SOURCE_DATE_EPOCH" in os.environ and not os.environ["SOURCE_DATE_EPOCH"].strip():
        del os.environ["SOURCE_DATE_EPOCH"]  # empty means unset; some libraries read it as a number
    limit = os.environ.get("FALSECOLOR_MEMORY_LIMIT")
    if limit:
        try:
            float(limit)
        except ValueError:
            raise InputError(f"FALSECOLOR_MEMORY_LIMIT={limit!r} is not a number of bytes") from None
