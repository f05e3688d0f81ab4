"""Hooks that a workflow installs for a layer below it, which may not import it.

:data:`STUDIO` opens the studio page on a composite (``Composite.studio()``): the
studio is built on rendering, so rendering finds it here once
:mod:`falsecolor.pipeline` is imported, which installs it without importing
rendering itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["STUDIO"]

STUDIO: list[Callable[..., Any]] = []
