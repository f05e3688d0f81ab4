"""The gallery's pictures do not change: each recipe is rendered again and compared by decoded pixels.

The gallery lives in the repository, not in the package: the test finds it
beside the tests (or through ``$FALSECOLOR_GALLERY``, which ``.ci/run`` sets)
and is skipped when it is absent. The real-data recipes also need
``../shared/data`` where the recipes expect it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from falsecolor.cli import main


def _gallery() -> Path:
    env = os.environ.get("FALSECOLOR_GALLERY")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "gallery"


GALLERY = _gallery()
pytestmark = pytest.mark.skipif(not (GALLERY / "recipes").is_dir(), reason=f"no gallery at {GALLERY}")

PALETTES = sorted(p.stem for p in (GALLERY / "palettes").glob("*.png")) if GALLERY.is_dir() else []


def _same_pixels(made: Path, committed: Path) -> None:
    with Image.open(made) as a, Image.open(committed) as b:
        new, old = np.asarray(a), np.asarray(b)
    assert new.shape == old.shape, (made.name, new.shape, old.shape)
    difference = np.abs(new.astype(np.int16) - old.astype(np.int16))
    # the same code gives the same bytes; one level allows another numpy/BLAS summation order
    assert difference.max() <= 1, (made.name, int(difference.max()), int((difference > 0).sum()))


def _render(tmp_path: Path, recipe: str, *extra: str) -> Path:
    out = tmp_path / f"{recipe}.png"
    status = main(["render", str(GALLERY / "recipes" / f"{recipe}.toml"), "-o", str(out), "-q", *extra])
    assert status == 0
    return out


@pytest.mark.parametrize("recipe", ["demo", "press", "sheet"])
def test_synthetic_gallery_pictures_are_unchanged(tmp_path, recipe):
    _same_pixels(_render(tmp_path, recipe), GALLERY / f"{recipe}.png")


@pytest.mark.parametrize("name", PALETTES)
def test_palette_gallery_pictures_are_unchanged(tmp_path, name):
    made = _render(tmp_path, "press", "--palette", name, "--title", f"palette: {name}", "--size", "480")
    _same_pixels(made, GALLERY / "palettes" / f"{name}.png")


@pytest.mark.realdata
@pytest.mark.parametrize("recipe", ["texes-2025feb", "texes-2025feb-disc"])
def test_real_data_gallery_pictures_are_unchanged(tmp_path, recipe, data_dir):
    expected = GALLERY.parent.parent / "shared" / "data"
    if not expected.is_dir():
        pytest.skip(f"the gallery's recipes read {expected}, which is absent")
    _same_pixels(_render(tmp_path, recipe), GALLERY / f"{recipe}.png")


def test_time_series_strip_is_unchanged(tmp_path):
    from falsecolor import synthetic_jupiter
    from falsecolor.bands import band_to_hdu

    for index in range(4):  # as gallery/build.py makes them: the planet turns ~36 degrees an hour
        epoch = tmp_path / f"epoch{index + 1}"
        epoch.mkdir()
        jupiter = synthetic_jupiter(
            (360, 360),
            central_meridian=300.0 + 36.3 * index,
            grs_longitude=340.0,
            date_obs=f"2016-02-15T{8 + index:02d}:00:00",
        )
        band_to_hdu(jupiter.temperature_band).writeto(epoch / "T13.fits")
        band_to_hdu(jupiter.cloud_band).writeto(epoch / "M5.fits")
    strip = tmp_path / "strip.png"
    status = main(
        [
            "render",
            str(GALLERY / "recipes" / "timeseries.toml"),
            "--inputs",
            str(tmp_path / "epoch*"),
            "-o",
            str(tmp_path / "{name}.png"),
            "--strip",
            str(strip),
            "-q",
        ]
    )
    assert status == 0
    _same_pixels(strip, GALLERY / "timeseries.png")
