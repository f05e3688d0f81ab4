"""Inputs that used to crash or mislead: each ends in a product or one clear line, never a traceback.

One test per case of the safety issue: small frames with local alignment, odd
file names and terminals, malformed environment and options, degenerate images,
several frames in one image file, byte-swapped floating-point data and options
given twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
from astropy.io import fits
from PIL import Image

from falsecolor.cli import main
from falsecolor.synthetic import synthetic_frames


def _cli(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:
        return int(stop.code or 0)


def _one_line(code: int, err: str, *patterns: str) -> None:
    assert code == 2, f"exit status {code}; stderr:\n{err}"
    lines = [line for line in err.splitlines() if not line.startswith("falsecolor: warning:")]
    assert "Traceback" not in err and len(lines) == 1 and lines[0].startswith("falsecolor: error: "), err
    for pattern in patterns:
        assert pattern in err, f"{pattern!r} not in {err!r}"


def _process(*argv, env=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "falsecolor", *map(str, argv)],
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        **kwargs,
    )


# --- frames ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("side", [128, 160])
def test_local_alignment_on_small_frames_fits_its_boxes(side, tmp_path, capsys):
    frames = synthetic_frames(12, (side, side), seed=2, path=tmp_path / "f.fits")
    out = tmp_path / "s.fits"
    assert _cli(["stack", frames.path, "-o", out, "--align", "local", "--keep", "50%", "-q"]) == 0
    err = capsys.readouterr().err
    assert "box" in err  # the warning says the boxes were made smaller to fit
    stacked = fits.getdata(out)
    assert stacked.shape == (side, side) and np.isfinite(stacked).mean() > 0.5


def test_local_alignment_refuses_frames_too_small_for_three_boxes(tmp_path, capsys):
    frames = synthetic_frames(8, (40, 40), seed=2, path=tmp_path / "f.fits")
    code = _cli(["stack", frames.path, "-o", tmp_path / "s.fits", "--align", "local"])
    _one_line(code, capsys.readouterr().err, "--align")
    assert not (tmp_path / "s.fits").exists()


def test_frames_under_8_pixels_are_refused(tmp_path, capsys):
    cube = tmp_path / "tiny.fits"
    fits.PrimaryHDU(np.random.default_rng(0).random((5, 6, 6)).astype(np.float32)).writeto(cube)
    _one_line(_cli(["stack", cube, "-o", tmp_path / "s.fits"]), capsys.readouterr().err, "6 x 6")
    assert not (tmp_path / "s.fits").exists()


def _pages(n: int) -> list[np.ndarray]:
    """n frames of a small moving disc, each different."""
    y, x = np.mgrid[:64, :64]
    return [((np.hypot(x - 30 - k % 3, y - 32) < 16) * (120 + 10 * k) + 5).astype(np.uint8) for k in range(n)]


@pytest.mark.parametrize("kind", ["multi-page TIFF", "animated PNG"])
def test_every_page_of_an_image_file_is_a_frame(kind, tmp_path, capsys):
    from falsecolor import open_frames

    pages = _pages(5)
    if kind == "multi-page TIFF":
        path = tmp_path / "frames.tif"
        tifffile.imwrite(path, np.stack(pages))
    else:
        path = tmp_path / "frames.png"
        images = [Image.fromarray(p) for p in pages]
        images[0].save(path, save_all=True, append_images=images[1:])
    frames = open_frames(str(path))
    assert len(frames) == 5
    buffer = np.empty(frames.shape, np.float32)
    means = []
    for k in range(5):
        assert frames.read(k, buffer) is None
        means.append(float(buffer.mean()))
    frames.close()
    assert len(set(np.round(means, 3))) == 5  # five different frames, not the first five times
    assert _cli(["stack", path, "-o", tmp_path / "s.fits", "--keep", "100%"]) == 0
    assert "5 of 5 frames stacked" in capsys.readouterr().out


# --- names and terminals ----------------------------------------------------------------------------


def test_names_that_are_not_utf8(band_files, tmp_path):
    t = tmp_path / os.fsdecode(b"t\xff\xfe.fits")
    t.write_bytes(band_files["temperature"].read_bytes())
    png = tmp_path / os.fsdecode(b"o\xff.png")
    run = _process("render", "-t", t, "-c", band_files["cloud"], "-o", png)
    assert run.returncode == 0, run.stderr
    assert png.is_file() and b"\\xff" in run.stdout and b"Traceback" not in run.stderr
    assert b"carries no recipe" in run.stderr  # a recipe is UTF-8 text: it cannot name that file
    recipe = tmp_path / "r.toml"
    run = _process(
        "render", "-t", t, "-c", band_files["cloud"], "-o", tmp_path / "b.png", "--recipe-out", recipe
    )
    assert run.returncode == 2 and b"not UTF-8" in run.stderr and run.stderr.count(b"\n") == 1
    assert not recipe.exists() and not (tmp_path / "b.png").exists()  # refused before the work
    run = _process(
        "render", "--demo", "--demo-size", 64, "-o", tmp_path / "c.png", "--title", os.fsdecode(b"T\xe9")
    )
    assert run.returncode == 2 and b"not UTF-8 text" in run.stderr


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize("command", ["render", "stack", "info", "filters"])
def test_help_and_output_in_a_terminal_that_is_not_utf8(command, encoding):
    run = _process(command, "--help", env={"PYTHONIOENCODING": encoding, "LC_ALL": "C"})
    assert run.returncode == 0 and b"Traceback" not in run.stderr, run.stderr
    run = _process("filters", env={"PYTHONIOENCODING": encoding, "LC_ALL": "C"})
    assert run.returncode == 0 and b"NEII_2" in run.stdout, run.stderr


@pytest.mark.parametrize("where", ["output", "input"])
def test_names_longer_than_the_file_system_allows(where, band_files, tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    long = folder / ("x" * 300 + (".png" if where == "output" else ".fits"))
    t = long if where == "input" else band_files["temperature"]
    out = long if where == "output" else folder / "x.png"
    code = _cli(["render", "-t", t, "-c", band_files["cloud"], "-o", out])
    _one_line(code, capsys.readouterr().err, "too long")
    assert list(folder.iterdir()) == []


def test_a_name_as_long_as_allowed_is_written(band_files, tmp_path):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / ("é" * 125 + ".png")  # 254 bytes: its temporaries must fit in 255
    assert _cli(["render", "-t", band_files["temperature"], "-c", band_files["cloud"], "-o", out, "-q"]) == 0
    assert [p.name for p in out.parent.iterdir()] == [out.name]


# --- options and environment ------------------------------------------------------------------------


@pytest.mark.parametrize("dpi", ["-300", "0", "1e9", "nan"])
def test_impossible_dpi(dpi, tmp_path, capsys):
    code = _cli(["render", "--demo", "--demo-size", "64", "-o", tmp_path / "x.png", "--dpi", dpi])
    _one_line(code, capsys.readouterr().err, "--dpi")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("value", ["yesterday", "1e99", "-5", "12.5"])
def test_malformed_source_date_epoch(value, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    code = _cli(["render", "--demo", "--demo-size", "64", "-o", tmp_path / "x.png"])
    _one_line(code, capsys.readouterr().err, "SOURCE_DATE_EPOCH")


@pytest.mark.parametrize("address", ["nonsense", "tcp://", "tcp://256.1.1.1:99999"])
def test_bad_scheduler_address(address, tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    frames = synthetic_frames(6, (64, 64), seed=1, path=tmp_path / "f.fits")
    code = _cli(["stack", frames.path, "-o", tmp_path / "s.fits", "--scheduler", address])
    _one_line(code, capsys.readouterr().err, "scheduler")


@pytest.mark.parametrize("flags", [["--title", "a", "--title", "b"], ["--dpi", "100", "--dpi", "200"]])
def test_an_option_given_twice_is_an_error(flags, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = _cli(["render", "--demo", "--demo-size", "64", "-o", "x.png", *flags])
    _one_line(code, capsys.readouterr().err, flags[0])
    assert list(tmp_path.iterdir()) == []


# --- degenerate images --------------------------------------------------------------------------------


def _pair(tmp_path: Path, t: np.ndarray, c: np.ndarray) -> list[str]:
    paths = []
    for name, data, cards in (
        ("t.fits", t, {"BUNIT": "K", "FILTER": "NEII_2"}),
        ("c.fits", c, {"BUNIT": "W m-2 sr-1 um-1", "FILTER": "M-BAND"}),
    ):
        hdu = fits.PrimaryHDU(np.asarray(data, np.float32))
        hdu.header.update(cards)
        hdu.writeto(tmp_path / name)
        paths.append(str(tmp_path / name))
    return ["-t", paths[0], "-c", paths[1]]


def test_a_one_pixel_image_with_a_sheet(tmp_path, capsys):
    bands = _pair(tmp_path, np.full((1, 1), 130.0), np.full((1, 1), 0.3))
    assert _cli(["render", *bands, "--sheet", "-o", tmp_path / "x.png", "-q"]) == 0
    with Image.open(tmp_path / "x.png") as image:
        assert image.width > image.height > 1  # the composite and the two grey bands side by side


def test_a_two_pixel_image_with_limb_correction(tmp_path, capsys):
    bands = _pair(tmp_path, np.full((2, 2), 130.0), np.full((2, 2), 0.3))
    _one_line(
        _cli(["render", *bands, "--limb-correct", "-o", tmp_path / "x.png"]), capsys.readouterr().err, "disc"
    )
    assert not (tmp_path / "x.png").exists()


def test_a_constant_image_gets_a_warning_and_a_sensible_key(tmp_path, capsys):
    y, x = np.mgrid[:96, :96]
    disc = np.hypot(x - 48, y - 48) < 40
    t = np.where(disc, 130.0, np.nan)
    c = np.where(disc, 0.25, np.nan)
    bands = _pair(tmp_path, t, c)
    assert _cli(["render", *bands, "-o", tmp_path / "x.png", "--fits-out", tmp_path / "p"]) == 0
    captured = capsys.readouterr()
    assert "the same everywhere" in captured.err and "give the limits" in captured.err
    lines = {line.split()[0]: line for line in captured.out.splitlines()[1:]}
    low, high = (float(v) for v in lines["temperature"].split()[1:4:2])
    assert low < 130 < high and high - low >= 0.5
    tau = captured.out.splitlines()[2].split()
    tau_low, tau_high = float(tau[3]), float(tau[5])
    assert 0 <= tau_low < tau_high  # never a negative opacity on the key
    picture = np.asarray(Image.open(tmp_path / "x.png").convert("RGB"))
    assert picture.std() > 10  # a key and a disc, not a blank page


# --- byte order ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [">f4", ">f8", ">i2"])
def test_byteswapped_data_get_the_hint_and_read_right_with_it(dtype, band_files, tmp_path, capsys):
    good = fits.getdata(band_files["temperature"]).astype(np.float64)
    values = good if dtype != ">i2" else np.nan_to_num(good * 100)
    stored = values.astype(dtype)
    swapped = tmp_path / "swapped.fits"
    hdu = fits.PrimaryHDU(stored)
    hdu.header.update(fits.getheader(band_files["temperature"]))
    if dtype == ">i2":
        hdu.header["BSCALE"], hdu.header["BZERO"] = 0.01, 0.0
    hdu.writeto(swapped)
    proper = tmp_path / "proper.fits"  # the same values, stored right
    proper.write_bytes(swapped.read_bytes())
    raw = bytearray(swapped.read_bytes())  # swap every value's bytes in place (what a bad writer does)
    with fits.open(swapped) as hdul:
        start = hdul.fileinfo(0)["datLoc"]
    width = np.dtype(dtype).itemsize
    body = np.frombuffer(bytes(raw[start : start + stored.nbytes]), np.uint8).reshape(-1, width)[:, ::-1]
    raw[start : start + stored.nbytes] = body.tobytes()
    swapped.write_bytes(bytes(raw))
    c = band_files["cloud"]
    assert _cli(["render", "-t", proper, "-c", c, "-o", tmp_path / "ref.png", "-q"]) == 0
    _one_line(
        _cli(["render", "-t", swapped, "-c", c, "-o", tmp_path / "x.png"]),
        capsys.readouterr().err,
        "--byteswap",
    )
    argv = ["render", "-t", swapped, "-c", c, "--byteswap", "-o", tmp_path / "x.png", "-q"]
    _one_line(_cli(argv), capsys.readouterr().err, "not byte-swapped", "--no-cloud-byteswap")
    assert _cli([*argv, "--no-cloud-byteswap"]) == 0
    with Image.open(tmp_path / "x.png") as made, Image.open(tmp_path / "ref.png") as reference:
        assert np.array_equal(np.asarray(made), np.asarray(reference))
    _one_line(
        _cli(["render", "-t", band_files["temperature"], "-c", c, "--byteswap", "-o", tmp_path / "y.png"]),
        capsys.readouterr().err,
        "not byte-swapped",
    )
