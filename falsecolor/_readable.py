"""Files that are safe to read: regular files of a plausible size, checked before they are opened.

A recipe or a picture from someone else names files to read. Each is read only
when it is a regular file (not a device such as ``/dev/zero``, a FIFO that
would block for ever, a socket or a folder) no larger than its kind can be;
the check happens before the file is opened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .exceptions import FileFormatError

__all__ = ["KiB", "MiB", "regular_file", "size_text"]

KiB = 1 << 10
MiB = 1 << 20


def size_text(size: int) -> str:
    """``"12 MiB"``, ``"340 KiB"``, ``"17 bytes"``."""
    if size >= MiB:
        return f"{size / MiB:.0f} MiB"
    if size >= KiB:
        return f"{size / KiB:.0f} KiB"
    return f"{size} bytes"


def regular_file(
    path: str | os.PathLike[str],
    what: str,
    *,
    limit: int | None = None,
    error: type[Exception] = FileFormatError,
) -> Path:
    """``path`` when it names a regular file of at most ``limit`` bytes (links followed).

    Raises
    ------
    error
        One line naming the file and what it is instead: missing, a folder,
        a device, FIFO or socket, unreadable, or too large for a ``what``.
    """
    file = Path(path)
    try:
        status = os.stat(file)
    except FileNotFoundError:
        raise error(f"{what} {file} does not exist: check the path") from None
    except OSError as err:
        raise error(f"cannot read {what} {file}: {(err.strerror or str(err)).lower()}") from None
    if stat.S_ISDIR(status.st_mode):
        raise error(f"{what} {file} is a directory, not a file") from None
    if not stat.S_ISREG(status.st_mode):
        raise error(f"{what} {file} is not a regular file (a device, FIFO or socket): give a file") from None
    if limit is not None and status.st_size > limit:
        raise error(
            f"{what} {file} is {size_text(status.st_size)}: more than a {what} can be ({size_text(limit)})"
        ) from None
    return file
