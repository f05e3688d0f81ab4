"""Every real file in ../shared/data ends as a validated product or one clear refusal.

Each file goes through ``info`` and through ``render``, ``stack`` or ``map``
as fits it. A validated product means: disc or map recognised correctly, T in
a physical range for the band, most of the field finite, the planet inside the
usable field, and labels free of paths. A refusal means exit status 2 and one
line naming the problem. The table in the README ("Real data") says what the
tool does with each kind of file; ``test_every_file_is_covered`` keeps this
suite and the folder in step.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

from falsecolor import read_band
from falsecolor.cli import main

pytestmark = pytest.mark.realdata

#: Brightness temperatures a Jupiter band can show (K): stratosphere to the 5 µm hot spots.
PHYSICAL_K = (60.0, 320.0)


def _shared() -> Path:
    """The folder the ``data_dir`` fixture gives (read here too: the files parametrize the tests)."""
    env = os.environ.get("FALSECOLOR_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _files(pattern: str) -> list[str]:
    root = _shared()
    return sorted(str(p.relative_to(root)) for p in root.glob(pattern)) if root.is_dir() else []


FAMILIES = {
    "texes": "texes_irtf/*/texesspx_*/*.fits",
    "irtf_disc": "irtf_1987/*.fits",
    "irtf_map": "irtf_1987/cmaps/*.fits",
    "spex_map": "spex_5um_2016/*.fits.gz",
    "jiram": "juno_jiram/*.fits",
    "venus": "spex_venus_5um/*.fits",
    "europa": "sphere_europa/*.fits",
    "visir_map": "visir_reference/*.fits.gz",
    "visir_picture": "visir_reference/*.jpg",
    "filter_fil": "filters/nemesis_fil_original/*.fil",
    "filter_csv": "filters/csv_converted_from_fil/*.csv",
    "filter_dat": "filters/mirsi_jhora99/*.dat",
}


def _cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as stop:
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _refused(code: int, err: str, pattern: str) -> None:
    lines = [line for line in err.splitlines() if not line.startswith("falsecolor: warning:")]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("falsecolor: error: "), err
    assert re.search(pattern, lines[0]), lines[0]


def _info(capsys, path: Path, *options) -> dict:
    code, out, err = _cli(capsys, "info", "--json", path, *options)
    assert code == 0, err
    return json.loads(out)


def _no_paths(png: Path, *roots: Path) -> None:
    """No absolute path under ``roots`` in the picture's texts (a path relative to it may pass by them)."""
    with Image.open(png) as image:
        texts = " ".join(str(value) for value in image.info.values())
    for root in roots:
        assert not re.search(r"(?<![.\w])" + re.escape(str(root)), texts), root


def _kelvin(path: Path) -> np.ndarray:
    data = np.asarray(read_band(path).data, dtype=float)  # read as the tool reads it (damaged cards)
    return data[np.isfinite(data) & (data > 0)]


def test_every_file_is_covered(data_dir):
    covered = {name for pattern in FAMILIES.values() for name in _files(pattern)}
    present = {
        str(p.relative_to(data_dir))
        for p in data_dir.rglob("*")
        if p.is_file() and p.name not in ("README.md", "MANIFEST.sha256") and "frames" not in p.parts
    }
    assert present <= covered, sorted(present - covered)


# --- maps of Jupiter in K: rendered with a partner band of the same epoch -------------------------------


@pytest.mark.parametrize("name", _files(FAMILIES["texes"]))
def test_texes_maps(name, data_dir, tmp_path, capsys):
    path = data_dir / name
    report = _info(capsys, path)
    assert report["map"]["latitude_range"] == [-90.0, 90.0] and not report["map"]["assumed"]
    assert report["target"] == "Jupiter" and report["unit"] == "K" and report["wavelength_um"] > 4
    epoch = path.parent.parent
    partners = [p for p in sorted(epoch.glob("texesspx_*/*.fits")) if p != path and "2144" not in p.name]
    if "2144" in name:  # the all-zero 4.7 µm map
        code, _, err = _cli(capsys, "render", "-t", partners[0], "--cloud", path, "-o", tmp_path / "x.png")
        _refused(code, err, "no (usable|positive)")
        return
    if not partners:  # one map in this epoch: nothing to pair it with; what info reads is checked
        kelvin = _kelvin(path)
        assert PHYSICAL_K[0] < np.percentile(kelvin, 1) and np.percentile(kelvin, 99) < PHYSICAL_K[1]
        return
    out, products = tmp_path / "x.png", tmp_path / "p"
    code, _, err = _cli(
        capsys, "render", "-t", path, "--aerosol", partners[0], "-o", out, "--fits-out", products
    )
    assert code == 0, err
    kelvin = _kelvin(tmp_path / "p_temperature.fits")
    assert kelvin.size > 0.5 * 181 * 361 and PHYSICAL_K[0] < np.percentile(kelvin, 1)
    assert np.percentile(kelvin, 99) < PHYSICAL_K[1]
    assert "map" in _info(capsys, tmp_path / "p_temperature.fits")  # the product keeps its grid
    _no_paths(out, data_dir, tmp_path)


# --- disc images: mapped (the disc fitted and checked) or refused ----------------------------------------


@pytest.mark.parametrize("name", _files(FAMILIES["irtf_disc"]))
def test_irtf_1987_disc_images(name, data_dir, tmp_path, capsys):
    path = data_dir / name
    assert any("byte-swapped" in note for note in _info(capsys, path)["notes"])
    report = _info(capsys, path, "--byteswap")
    if "J4" in str(report["notes"]):  # one card reads 'J4' and a control byte: Jupiter is assumed, and said
        assert report["target"] is None and any("Jupiter assumed" in n for n in report["notes"])
    else:
        assert report["target"] == "Jupiter"
    assert 0.4 < report["on_disc_fraction"] <= 1.0
    out = tmp_path / "m.fits"
    code, _, err = _cli(capsys, "map", path, "--byteswap", "-o", out, "--map-resolution", "2")
    if "equatorial_radius_px" not in report:  # no plausible disc: the map is refused, saying why
        _refused(code, err, "limb")
        assert not out.exists()
        return
    assert code == 0 and "give --date" in err, err  # no readable time: longitudes relative, and said
    assert 22 < report["equatorial_radius_px"] < 27  # Jupiter at ~1"/px in 1987: 24.8 px
    seen = np.isfinite(fits.getdata(out)).mean()
    assert 0.2 < seen < 0.5  # one hemisphere of a 2°/pixel map
    assert np.nanmax(fits.getdata(out, extname="MU")) > 0.95


# --- maps, other bodies and pictures: recognised by info, refused by map -----------------------------------


MAP_CASES = {
    "irtf_map": ("map", "is a map"),
    "spex_map": ("map", "is a map"),
    "jiram": ("map", "is a map"),
    "visir_map": ("map", "is a map"),
    "venus": ("target", "Venus"),
    "europa": ("target", "Europa"),
}


@pytest.mark.parametrize(
    ("family", "name"), [(family, name) for family in MAP_CASES for name in _files(FAMILIES[family])]
)
def test_maps_and_other_bodies_are_never_fitted_as_jupiter(family, name, data_dir, tmp_path, capsys):
    path = data_dir / name
    options = ["--plane", "0"] if family == "europa" else []
    report = _info(capsys, path, *options)
    what, refusal = MAP_CASES[family]
    assert "equatorial_radius_px" not in report and "central_meridian_deg" not in report
    if what == "map":
        assert "map" in report
    else:
        assert report["target"] == refusal
    code, _, err = _cli(capsys, "map", path, *options, "-o", tmp_path / "m.fits")
    _refused(code, err, refusal)
    assert not (tmp_path / "m.fits").exists()


def test_the_visir_temperature_map_reads_as_a_temperature_map(data_dir, capsys):
    path = data_dir / _files(FAMILIES["visir_map"])[0]
    report = _info(capsys, path, "--unit", "K")
    assert report["map"]["latitude_range"][0] == pytest.approx(-30, abs=0.5)
    assert PHYSICAL_K[0] < report["min"] and report["max"] < PHYSICAL_K[1]


@pytest.mark.parametrize("name", _files(FAMILIES["visir_picture"]))
def test_a_picture_is_not_an_input(name, data_dir, tmp_path, capsys):
    code, _, err = _cli(capsys, "info", data_dir / name)
    _refused(code, err, "not a FITS file")


# --- filter curves: a band integrated through each, or one clear refusal ------------------------------------


@pytest.mark.parametrize(
    "name", _files(FAMILIES["filter_fil"]) + _files(FAMILIES["filter_csv"]) + _files(FAMILIES["filter_dat"])
)
def test_filter_curves(name, data_dir, band_files, tmp_path, capsys):
    path = data_dir / name
    out = tmp_path / "x.png"
    argv = [
        "render",
        "-t",
        band_files["temperature"],
        "-c",
        band_files["cloud"],
        "--t-filter",
        path,
        "-o",
        out,
    ]
    code, _, err = _cli(capsys, *argv, "--fits-out", tmp_path / "p")
    if name.endswith(".fil"):  # several filters in one file: the user picks one
        _refused(code, err, "filters|pick one")
        return
    assert code == 0, err
    header = fits.getheader(tmp_path / "p_temperature.fits")
    assert "/" not in header["FILTER"] and header["FILTER"].startswith(Path(name).stem[:20])
    _no_paths(out, data_dir)


# --- frame sequences: stacked, the planet inside the usable field -----------------------------------------


@pytest.mark.parametrize("target", ["jupiter", "saturn", "moon"])
def test_frame_sequences(target, data_dir, tmp_path, capsys):
    from falsecolor.geometry import on_disc_mask

    out = tmp_path / "s.fits"
    code, stdout, err = _cli(
        capsys, "stack", data_dir / "frames" / target, "-o", out, "--report", tmp_path / "r.json"
    )
    assert code == 0, err
    assert "10 of 10 frames stacked" in stdout
    with fits.open(out) as hdul:
        data = hdul[0].data.astype(float)
        coverage = hdul["COVERAGE"].data
    finite = np.isfinite(data)
    assert finite.mean() > 0.6 and np.all(coverage[finite] >= 5)  # supported field: half the frames or more
    planet = on_disc_mask(data, raw=True)
    assert 0.003 < planet.mean() < 0.3
    from scipy.ndimage import binary_dilation, label

    labels, _ = label(planet)
    largest = labels == np.argmax(np.bincount(labels.ravel())[1:]) + 1  # the planet, not a speck
    halo = binary_dilation(largest, iterations=3)  # the planet and 3 px around it
    assert finite[halo].all()  # the whole planet lies inside the usable field, with a margin
    report = _info(capsys, out)
    if target == "jupiter":
        assert 28 < report["equatorial_radius_px"] < 42  # the planet's own limb, not the field's edge
    if target == "saturn":
        assert "equatorial_radius_px" not in report and any("not plausible" in n for n in report["notes"])
