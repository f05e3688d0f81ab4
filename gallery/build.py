"""Rebuild the gallery: every recipe, every palette, swatches, a time series, a lucky-imaging report.

Run from anywhere with the package installed:

    python gallery/build.py

Each picture is made by the command line itself (``falsecolor.cli.main``), so the
gallery doubles as a check that the documented commands work. The real-data
render reads ../shared/data (beside the repository) and is skipped, with a
note, when that folder is absent. The time-series epochs are synthetic FITS
files written to a temporary folder, never committed.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from falsecolor import list_palettes, synthetic_jupiter
from falsecolor.bands import band_to_hdu
from falsecolor.cli import main

GALLERY = Path(__file__).resolve().parent
RECIPES = GALLERY / "recipes"
SHARED = GALLERY.parent.parent / "shared" / "data"


def run(*args: str) -> None:
    print("falsecolor", " ".join(args))
    status = main(list(args))
    if status != 0:
        sys.exit(f"gallery build failed (exit status {status}) at: falsecolor {' '.join(args)}")


def time_series(folder: Path) -> None:
    """Four epochs one hour apart: the planet turns by ~36 degrees each hour."""
    for index in range(4):
        epoch = folder / f"epoch{index + 1}"
        epoch.mkdir()
        jupiter = synthetic_jupiter(
            (360, 360), central_meridian=300.0 + 36.3 * index, grs_longitude=340.0,
            date_obs=f"2016-02-15T{8 + index:02d}:00:00",
        )  # fmt: skip
        band_to_hdu(jupiter.temperature_band).writeto(epoch / "T13.fits")
        band_to_hdu(jupiter.cloud_band).writeto(epoch / "M5.fits")
    (folder / "frames").mkdir()  # outputs are relative to the recipe, inputs to each epoch
    recipe = folder / "timeseries.toml"
    recipe.write_text((RECIPES / "timeseries.toml").read_text())
    strip = ["--strip", str(GALLERY / "timeseries.png")]
    run("render", str(recipe), "--inputs", str(folder / "epoch*"), *strip, "-q")


def lucky_stack(folder: Path) -> None:
    """400 synthetic 5 µm frames (a SER video) stacked, with the report plot kept for the README."""
    from falsecolor.synthetic import synthetic_frames

    video = folder / "m_band.ser"
    synthetic_frames(400, (256, 256), path=video, seed=7)
    report, plot = str(folder / "report.json"), str(GALLERY / "stack-report.png")
    run("stack", str(video), "-o", str(folder / "m_band.fits"), "--keep", "10%",
        "--report", report, "--plot", plot, "-q")  # fmt: skip


def main_build() -> None:
    for recipe in ("demo", "press", "sheet"):  # a recipe writes only inside its folder: name the output
        run("render", str(RECIPES / f"{recipe}.toml"), "-o", str(GALLERY / f"{recipe}.png"), "-q")
    for folder in ("palettes", "swatches"):
        (GALLERY / folder).mkdir(exist_ok=True)
    for name in list_palettes():  # every palette on the same scene, with the same limits
        out = GALLERY / "palettes" / f"{name}.png"
        run("render", str(RECIPES / "press.toml"), "--palette", name, "--title", f"palette: {name}",
            "--size", "480", "-o", str(out), "-q")  # fmt: skip
    run("palettes", "--preview", str(GALLERY / "swatches"))
    with tempfile.TemporaryDirectory() as folder:
        time_series(Path(folder))
    with tempfile.TemporaryDirectory() as folder:
        lucky_stack(Path(folder))
    if SHARED.is_dir():
        for recipe in ("texes-2025feb", "texes-2025feb-disc"):
            run("render", str(RECIPES / f"{recipe}.toml"), "-o", str(GALLERY / f"{recipe}.png"), "-q")
    else:
        print(f"skipped the real-data render: {SHARED} is absent")


if __name__ == "__main__":
    main_build()
