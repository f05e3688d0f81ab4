"""The package's type hints are true: mypy, with the settings in pyproject.toml, finds no error.

Run on the installed package (the one the other tests import), copied out of site-packages
(mypy takes a file under site-packages for a library, not for a source to check), so the check
covers what a user gets. Skipped when mypy or pyproject.toml is not at hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import falsecolor

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_mypy_finds_no_error(tmp_path, monkeypatch):
    api = pytest.importorskip("mypy.api")
    if not PYPROJECT.is_file():
        pytest.skip("pyproject.toml is not beside the tests")
    package = Path(falsecolor.__file__).resolve().parent
    copy = tmp_path / "falsecolor"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    out, err, status = api.run(["--config-file", str(PYPROJECT), "--no-incremental", "falsecolor"])
    assert status == 0, out + err
