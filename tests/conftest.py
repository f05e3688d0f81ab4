"""Shared fixtures: the real-data folder (skipped when absent), synthetic Jupiters, FITS writers."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

import falsecolor


@pytest.fixture(autouse=True)
def _ctrl_c_acts():
    """Each test runs with Python's own Ctrl-C handler. A test run started in the background of a
    non-interactive shell inherits SIGINT ignored, and so would the command processes the tests
    interrupt with it: they rightly keep an ignored SIGINT ignored, and a test of Ctrl-C would
    see them finish (exit 0) instead."""
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if previous is signal.SIG_IGN:
        signal.signal(signal.SIGINT, previous)


def _shared_data() -> Path:
    env = os.environ.get("FALSECOLOR_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


SHARED_DATA = _shared_data()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """../shared/data (or $FALSECOLOR_SHARED_DATA); the test is skipped when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def jupiter():
    """A noise-free, limb-darkened synthetic Jupiter (256 x 256)."""
    return falsecolor.synthetic_jupiter((256, 256))


@pytest.fixture(scope="session")
def flat_jupiter():
    """A noise-free synthetic Jupiter without limb darkening (256 x 256)."""
    return falsecolor.synthetic_jupiter((256, 256), limb_darkening=False)


@pytest.fixture
def write_fits():
    """A function writing a one-HDU FITS file: ``write_fits(path, data, {"BUNIT": "K"})``."""

    def write(path: Path, data: np.ndarray, cards: dict | None = None) -> Path:
        hdu = fits.PrimaryHDU(np.asarray(data))
        for key, value in (cards or {}).items():
            hdu.header[key] = value
        hdu.writeto(path)
        return path

    return write


@pytest.fixture
def band_files(tmp_path, jupiter):
    """The synthetic bands as FITS files with BUNIT, FILTER, WAVELNTH and DATE-OBS."""
    from falsecolor.bands import band_to_hdu

    paths = {}
    for role, band in (("temperature", jupiter.temperature_band), ("cloud", jupiter.cloud_band)):
        path = tmp_path / f"{role}.fits"
        band_to_hdu(band).writeto(path)
        paths[role] = path
    return paths
