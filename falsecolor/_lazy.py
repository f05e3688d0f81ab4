"""Modules loaded on first use: ``ndimage = lazy("scipy.ndimage")`` costs nothing until ``ndimage.label``.

scipy.ndimage, scipy.optimize and astropy.coordinates take a quarter of a
second or more to import; a render of a disc with FC_* cards, ``info`` and
``--help`` never need them. A module-level proxy keeps the code that uses them
unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from types import ModuleType
from typing import Any

__all__ = ["lazy", "lazy_exports"]


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


def lazy_exports(
    package: str, where: Mapping[str, str], renamed: Mapping[str, str] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's module ``__getattr__`` and ``__dir__`` for names loaded on first use.

    ``where`` maps each name to the module holding it, relative to ``package``
    (``".bands"``, ``"..stacking"``); ``renamed`` gives the name it has there when
    it differs. A name, once loaded, is kept in the package's namespace; ``dir()``
    lists the package's ``__all__`` whether loaded or not.
    """
    namespace = sys.modules[package].__dict__  # the package calls this while it is being executed
    others = renamed or {}

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(where[name], package), others.get(name, name))
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return __getattr__, __dir__
