"""Runs that will not fit are refused before the work; a full disk is one line.

``$FALSECOLOR_MEMORY_LIMIT`` stands in for a small machine: each heavy step
estimates its peak memory first and refuses, naming the option that makes the
run smaller, instead of being killed half-way. A full file system (a small
tmpfs, mounted when the tests run as root) is reported as such, with nothing
left behind.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from falsecolor import read_band
from falsecolor.cli import main
from falsecolor.exceptions import InputError


def _cli(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:
        return int(stop.code or 0)


def _one_line(code: int, err: str, *patterns: str) -> None:
    assert code == 2, f"exit status {code}; stderr:\n{err}"
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("falsecolor: error: "), err
    for pattern in patterns:
        assert pattern in err, f"{pattern!r} not in {err!r}"


# --- memory ------------------------------------------------------------------------------------------


def test_a_render_too_large_for_memory_names_the_option(band_files, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FALSECOLOR_MEMORY_LIMIT", "1500000")  # 1.5 MB: reading fits, rendering not
    argv = ["render", "-t", band_files["temperature"], "-c", band_files["cloud"], "-o", tmp_path / "x.png"]
    _one_line(_cli(argv), capsys.readouterr().err, "of memory", "is free")
    assert not (tmp_path / "x.png").exists()


def test_a_picture_too_large_for_memory_names_size(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FALSECOLOR_MEMORY_LIMIT", "400000000")  # 0.4 GB: a 30000 px page needs ~8 GB
    argv = ["render", "--demo", "--demo-size", "64", "--size", "30000", "-o", tmp_path / "x.png"]
    _one_line(_cli(argv), capsys.readouterr().err, "--size")
    assert not (tmp_path / "x.png").exists()


def test_a_map_too_fine_for_memory_names_the_resolution(band_files, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FALSECOLOR_MEMORY_LIMIT", "2000000000")
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    code = _cli(["map", band_files["temperature"], "-o", tmp_path / "m.fits", "--map-resolution", "0.02"])
    _one_line(code, capsys.readouterr().err, "18000 x 9000 cells", "--map-resolution")
    argv = ["render", "--demo", "--demo-size", "64", "--project", "map", "--map-resolution", "0.02"]
    _one_line(_cli([*argv, "-o", tmp_path / "x.png"]), capsys.readouterr().err, "--map-resolution")
    assert list(tmp_path.iterdir()) == []


def test_one_plane_of_a_cube_is_read_without_the_rest(tmp_path, monkeypatch):
    cube = np.random.default_rng(0).random((24, 256, 256)).astype(np.float32) + 1
    path = tmp_path / "cube.fits"
    hdu = fits.PrimaryHDU(cube)
    hdu.header.update({"BUNIT": "W m-2 sr-1 um-1", "FILTER": "M-BAND"})
    hdu.writeto(path)
    monkeypatch.setenv("FALSECOLOR_MEMORY_LIMIT", "5000000")  # one plane fits; the cube (6 MB) does not
    tracemalloc.start()
    try:
        band = read_band(path, plane=7)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.array_equal(band.data, cube[7])
    assert peak < cube.nbytes / 3  # one plane and astropy's bookkeeping, not the 24 planes
    fits.writeto(tmp_path / "big.fits", np.ones((1200, 1200), np.float32))
    with pytest.raises(InputError, match="of memory"):
        read_band(tmp_path / "big.fits", unit="K")


def test_a_malformed_memory_limit_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FALSECOLOR_MEMORY_LIMIT", "lots")
    _one_line(
        _cli(["render", "--demo", "-o", tmp_path / "x.png"]),
        capsys.readouterr().err,
        "FALSECOLOR_MEMORY_LIMIT",
    )


def test_running_out_of_memory_anyway_is_one_line_not_an_internal_error(tmp_path):
    """Under a hard address-space cap, a MemoryError is reported as such (exit 2), never as a bug."""
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1_400_000_000, 1_400_000_000))\n"
        "from falsecolor.cli import main\n"
        f"sys.exit(main(['render', '--demo', '--demo-size', '4000', '-o', {str(tmp_path / 'x.png')!r}]))\n"
    )
    env = {**os.environ, "FALSECOLOR_MEMORY_LIMIT": str(10**12)}  # the estimate believes it fits
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 2, run.stderr
    assert "not enough memory" in run.stderr and "internal error" not in run.stderr
    assert not (tmp_path / "x.png").exists()


# --- a full disk -------------------------------------------------------------------------------------


@pytest.fixture
def full_disk(tmp_path):
    """A 256 KiB tmpfs (root only, where mount works)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        with contextlib.suppress(OSError):
            subprocess.run(["umount", str(mount)], check=False)


def _frames(path: Path) -> Path:
    y, x = np.mgrid[:256, :256]
    disc = (np.hypot(x - 128, y - 128) < 80).astype(np.float32) * 100 + 5
    noise = np.random.default_rng(0).normal(0, 1, (12, 256, 256)).astype(np.float32)
    fits.PrimaryHDU(disc + noise).writeto(path)
    return path


@pytest.mark.parametrize("command", ["render --fits-out", "stack -o", "map -o"])
def test_a_full_disk_during_a_fits_write_is_one_line(command, full_disk, band_files, tmp_path, capsys):
    (full_disk / "filler").write_bytes(b"\0" * 60_000)  # something that must survive
    if command == "stack -o":
        argv = ["stack", _frames(tmp_path / "frames.fits"), "-o", full_disk / "s.fits"]
    elif command == "map -o":
        argv = ["map", band_files["temperature"], "-o", full_disk / "m.fits", "--map-resolution", "0.25"]
    else:
        t, c = band_files["temperature"], band_files["cloud"]
        argv = ["render", "-t", t, "-c", c, "-o", tmp_path / "x.png", "--fits-out", full_disk / "p"]
    code = _cli(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("falsecolor: error")]
    assert code == 2 and lines and "no space left on device" in lines[0], err
    assert "Traceback" not in err
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]  # no partial file, no temporary
    assert not (tmp_path / "x.png").exists()  # all or nothing: the picture is not kept alone
