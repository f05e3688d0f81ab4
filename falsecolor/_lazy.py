"""Modules loaded on first use: ``ndimage = lazy("scipy.ndimage")`` costs nothing until ``ndimage.label``.

scipy.ndimage, scipy.optimize and astropy.coordinates take a quarter of a
second or more to import; a render of a disc with FC_* cards, ``info`` and
``--help`` never need them. A module-level proxy keeps the code that uses them
unchanged.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any

__all__ = ["lazy"]


class _Lazy(ModuleType):
    def __init__(self, name: str):
        super().__init__(name)
        self.__dict__["_module"] = None

    def __getattr__(self, attribute: str) -> Any:
        module = self.__dict__["_module"]
        if module is None:
            module = self.__dict__["_module"] = import_module(self.__name__)
        return getattr(module, attribute)


def lazy(name: str) -> Any:
    """A stand-in for module ``name`` that imports it when an attribute is first read.

    Examples
    --------
    >>> json = lazy("json")
    >>> json.dumps([1])
    '[1]'
    """
    return _Lazy(name)
