"""The package's type hints are true: mypy, with the settings in pyproject.toml, finds no error.

Run on the installed package (the one the other tests import), so the check also covers what a
user gets. Skipped when mypy or pyproject.toml is not at hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import falsecolor

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_mypy_finds_no_error():
    api = pytest.importorskip("mypy.api")
    if not PYPROJECT.is_file():
        pytest.skip("pyproject.toml is not beside the tests")
    package = str(Path(falsecolor.__file__).resolve().parent)
    out, err, status = api.run(["--config-file", str(PYPROJECT), "--no-incremental", package])
    assert status == 0, out + err
