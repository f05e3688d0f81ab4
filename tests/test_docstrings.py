"""The Examples in the docstrings run."""

import doctest
import importlib
import pkgutil

import pytest

import falsecolor

MODULES = sorted(m.name for m in pkgutil.iter_modules(falsecolor.__path__) if m.name != "__main__")


@pytest.mark.parametrize("name", ["__init__", *MODULES])
def test_docstring_examples(name):
    module = falsecolor if name == "__init__" else importlib.import_module(f"falsecolor.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
