"""The Examples in the docstrings run (every module, private ones included)."""

import doctest
import importlib
import pkgutil

import pytest

import falsecolor

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(falsecolor.__path__, "falsecolor.")
    if not m.name.endswith("__main__")
)


def test_every_public_function_is_documented_with_an_example():
    names = [
        "render",
        "compose",
        "read_band",
        "brightness_temperature",
        "planck_radiance",
        "cloud_opacity",
        "synthetic_jupiter",
    ]
    for name in names:
        assert ">>>" in (getattr(falsecolor, name).__doc__ or ""), name


@pytest.mark.parametrize("name", ["falsecolor", *MODULES])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
