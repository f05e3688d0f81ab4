"""Will it fit? The memory free for a run, and a refusal, before the work, when it will not fit.

A run that would exhaust the memory is refused with one line naming the
option that makes it smaller, instead of being killed half-way (or surfacing
as an internal error). The free memory is the kernel's estimate of what can be
allocated without swapping (``MemAvailable``), capped by the container's
limit (cgroup v2 ``memory.max``) and by ``$FALSECOLOR_MEMORY_LIMIT`` (bytes)
when set.
"""

from __future__ import annotations

import os
from pathlib import Path

from .exceptions import InputError

__all__ = ["available_bytes", "gigabytes", "require"]

_LIMIT_ENV = "FALSECOLOR_MEMORY_LIMIT"


def gigabytes(nbytes: float) -> str:
    """``"12.3 GB"`` (or MB below a gigabyte)."""
    return f"{nbytes / 1e9:.1f} GB" if nbytes >= 1e9 else f"{nbytes / 1e6:.0f} MB"


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_available() -> int | None:
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit == "max":
            return None
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        return max(0, int(limit) - used)
    except (OSError, ValueError):
        return None


def available_bytes() -> int | None:
    """Memory a run can still use, in bytes (None when it cannot be told)."""
    known = [value for value in (_meminfo_available(), _cgroup_available()) if value is not None]
    limit = os.environ.get(_LIMIT_ENV)
    if limit:
        try:
            known.append(int(float(limit)))
        except ValueError:
            raise InputError(f"${_LIMIT_ENV} must be a number of bytes, got {limit!r}") from None
    return min(known) if known else None


def require(nbytes: float, what: str, fix: str) -> None:
    """Refuse (one line, naming ``fix``) a step that needs more than the free memory."""
    free = available_bytes()
    if free is not None and nbytes > free:
        raise InputError(
            f"{what} needs about {gigabytes(nbytes)} of memory and {gigabytes(free)} is free: {fix}"
        )
