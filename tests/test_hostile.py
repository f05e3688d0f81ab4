"""Recipes and pictures from others are untrusted input; every input of a run is protected.

A crafted PNG or recipe must not write where its author chooses, read a device or
a pipe, or make an error print another file's content. No output of a run ever
replaces a file the run reads, nor anything but a regular file. Each test runs
the command line as a user would and checks the exit status, the one line on
stderr, and the folder afterwards (every file and its bytes).
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image, PngImagePlugin

from falsecolor.cli import main
from falsecolor.pipeline import RECIPE_KEY


def _cli(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:  # argparse usage errors
        return int(stop.code or 0)


def _tree(*folders: Path) -> dict[str, str]:
    """Every file under the folders and a digest of its bytes (special files by kind)."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if ".cache" in path.parts:  # matplotlib's font cache under a $HOME the test points here
                continue
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode):
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif not stat.S_ISDIR(mode):
                found[str(path)] = f"special {stat.S_IFMT(mode)}"
    return found


def _refused(code: int, err: str, *patterns: str) -> None:
    assert code == 2, f"exit status {code}; stderr:\n{err}"
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("falsecolor: error: "), err
    for pattern in patterns:
        assert pattern.lower() in err.lower(), f"{pattern!r} not in {err!r}"


@pytest.fixture
def pair(tmp_path, band_files):
    """A work folder holding the two synthetic bands, and a folder outside it."""
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "outside").mkdir()
    for role, path in band_files.items():
        (work / f"{role}.fits").write_bytes(path.read_bytes())
    return work


def _png_with_recipe(path: Path, recipe: str) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_itxt(RECIPE_KEY, recipe, zip=True)
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path, pnginfo=info)
    return path


_INPUTS = '[inputs]\ntemperature = "temperature.fits"\ncloud = "cloud.fits"\n'


# --- a crafted picture ---------------------------------------------------------------------------


CRAFTED_OUTPUTS = {
    "parent folder": '[output]\nfiles = ["../outside/evil.png"]\nfits = "../outside/evil"\n',
    "absolute path": '[output]\nfiles = ["{outside}/evil.png"]\n',
    "home folder": '[output]\nfiles = ["~/falsecolor-evil.png"]\n',
    "the picture itself": '[output]\nfiles = ["crafted.png"]\nstrip = "crafted.png"\n',
    "hundreds of files": "[output]\nfiles = [{many}]\n",
}


@pytest.mark.parametrize("case", sorted(CRAFTED_OUTPUTS))
def test_a_crafted_picture_writes_only_what_the_user_names(case, pair, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "outside"))
    many = ", ".join(f'"f{i}.png"' for i in range(300))
    outputs = CRAFTED_OUTPUTS[case].format(outside=tmp_path / "outside", many=many)
    crafted = _png_with_recipe(pair / "crafted.png", "version = 1\n" + _INPUTS + outputs)
    before = _tree(tmp_path)
    assert _cli(["render", "--from-image", crafted, "-q"]) == 2  # it names no output of its own
    assert "give --output" in capsys.readouterr().err
    assert _cli(["render", "--from-image", crafted, "-o", pair / "mine.png", "-q"]) == 0
    after = _tree(tmp_path)
    assert set(after) - set(before) == {str(pair / "mine.png")}
    assert all(after[name] == digest for name, digest in before.items())


def test_a_crafted_picture_cannot_make_an_error_print_a_file(pair, tmp_path, capsys):
    secret = tmp_path / "outside" / "secret.txt"
    secret.write_text("wavelength,transmission\nroot:x:0:0:hunter2\n")
    recipe = f'version = 1\n[inputs]\ntemperature = {{ file = "temperature.fits", filter = "{secret}" }}\n'
    crafted = _png_with_recipe(pair / "crafted.png", recipe + 'cloud = "cloud.fits"\n')
    _refused(_cli(["render", "--from-image", crafted, "-o", pair / "x.png"]), err := capsys.readouterr().err)
    assert "hunter2" not in err and "root:x" not in err


# --- a recipe file names its outputs inside its own folder ------------------------------------------


ESCAPES = {
    "parent folder": "../outside/x.png",
    "absolute path": "{outside}/x.png",
    "home folder": "~/x.png",
    "through a link": "link/x.png",
}


@pytest.mark.parametrize("key", ["files", "fits"])
@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_a_recipe_writes_only_inside_its_folder_unless_the_user_repeats_the_path(
    case, key, pair, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path / "outside"))
    (pair / "link").symlink_to(tmp_path / "outside")
    path = ESCAPES[case].format(outside=tmp_path / "outside")
    value = f'["{path}"]' if key == "files" else f'"{path}"'
    extra = "" if key == "files" else 'files = ["in.png"]\n'
    recipe = pair / "r.toml"
    recipe.write_text(f"version = 1\n{_INPUTS}[output]\n{key} = {value}\n{extra}")
    before = _tree(tmp_path)
    _refused(
        _cli(["render", recipe, "-q"]), capsys.readouterr().err, "outside its folder", "give it yourself"
    )
    assert _tree(tmp_path) == before
    # the same path given on the command line is the user's own choice
    flag = (
        ["-o", os.path.expanduser(path)] if key == "files" else ["--fits-out", os.path.expanduser(path)[:-4]]
    )
    monkeypatch.chdir(pair)
    assert _cli(["render", recipe, *flag, "-q"]) == 0


def test_a_recipe_through_a_pipe_reads_and_writes_in_the_working_folder(pair, tmp_path, monkeypatch):
    monkeypatch.chdir(pair)
    text = f'version = 1\n{_INPUTS}[output]\nfiles = ["piped.png"]\n'
    run = subprocess.run(
        [sys.executable, "-m", "falsecolor", "render", "/dev/stdin", "-q"],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert (pair / "piped.png").is_file()
    escaping = text.replace("piped.png", "../outside/piped.png")
    run = subprocess.run(
        [sys.executable, "-m", "falsecolor", "render", "/dev/stdin"],
        input=escaping,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and "outside its folder" in run.stderr
    assert not (tmp_path / "outside" / "piped.png").exists()


def test_dry_run_lists_reads_and_writes_and_writes_nothing(pair, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(pair)
    recipe = pair / "r.toml"
    recipe.write_text(f'version = 1\n{_INPUTS}[output]\nfiles = ["a.png"]\nfits = "products"\n')
    before = _tree(tmp_path)
    assert _cli(["render", recipe, "--dry-run", "--recipe-out", "again.toml"]) == 0
    out = capsys.readouterr().out
    assert _tree(tmp_path) == before
    reads, writes = out.split("would write")
    assert "temperature.fits" in reads and "cloud.fits" in reads and "r.toml" in reads
    for name in ("a.png", "products_temperature.fits", "products_opacity.fits", "again.toml"):
        assert name in writes
    # a dry run checks what a real run checks: here, an output that escapes the folder
    recipe.write_text(f'version = 1\n{_INPUTS}[output]\nfiles = ["../a.png"]\n')
    _refused(_cli(["render", recipe, "--dry-run"]), capsys.readouterr().err, "outside its folder")


# --- special files are never read -----------------------------------------------------------------


def _special(kind: str, tmp_path: Path) -> Path:
    if kind == "/dev/zero":
        return Path("/dev/zero")
    if kind == "a directory":
        (tmp_path / "adir.png").mkdir()
        return tmp_path / "adir.png"
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    return fifo


SPECIAL_ROLES = {
    "palette": lambda p: ["--palette", p],
    "filter curve": lambda p: ["--filter", p],
    "profile table": lambda p: ["--profile", p],
    "sigma map": lambda p: ["--uncertainty", p],
    "temperature band": lambda p: ["-t", p],
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("kind", ["/dev/zero", "a FIFO", "a directory"])
@pytest.mark.parametrize("role", sorted(SPECIAL_ROLES))
def test_special_files_are_refused_before_reading(role, kind, pair, tmp_path):
    special = _special(kind, tmp_path)
    t = ["-t", pair / "temperature.fits"] if role != "temperature band" else []
    argv = ["render", *t, "-c", pair / "cloud.fits", *SPECIAL_ROLES[role](special), "-o", pair / "x.png"]
    # a FIFO would block a reader forever: run out of process, with a deadline
    run = subprocess.run(
        [sys.executable, "-m", "falsecolor", *map(str, argv)], capture_output=True, text=True, timeout=60
    )
    _refused(run.returncode, run.stderr, "not a regular file" if kind != "a directory" else "")
    assert not (pair / "x.png").exists()


@pytest.mark.parametrize("kind", ["/dev/zero", "a FIFO", "a directory"])
def test_a_special_recipe_or_picture_is_refused(kind, tmp_path):
    special = _special(kind, tmp_path)
    for argv in (["render", special], ["render", "--from-image", special, "-o", tmp_path / "x.png"]):
        run = subprocess.run(
            [sys.executable, "-m", "falsecolor", *map(str, argv)], capture_output=True, text=True, timeout=60
        )
        _refused(run.returncode, run.stderr)
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    ("role", "suffix"),
    [("palette", ".toml"), ("filter curve", ".csv"), ("profile table", ".txt"), ("recipe", ".toml")],
)
def test_size_bombs_are_refused_before_reading(role, suffix, pair, tmp_path, capsys):
    bomb = tmp_path / f"bomb{suffix}"
    with open(bomb, "wb") as fh:  # sparse: large to stat, nothing on disk
        fh.truncate(2 << 30)
    argv = {
        "palette": ["-t", pair / "temperature.fits", "-c", pair / "cloud.fits", "--palette", bomb],
        "filter curve": ["-t", pair / "temperature.fits", "-c", pair / "cloud.fits", "--filter", bomb],
        "profile table": ["-t", pair / "temperature.fits", "-c", pair / "cloud.fits", "--profile", bomb],
        "recipe": [bomb],
    }[role]
    _refused(_cli(["render", *argv, "-o", pair / "x.png"]), capsys.readouterr().err, "than", "iB")
    assert not (pair / "x.png").exists()


@pytest.mark.parametrize("role", ["filter curve", "profile table", "palette"])
def test_errors_never_quote_another_files_content(role, pair, tmp_path, capsys):
    secret = tmp_path / "outside" / ("secret.toml" if role == "palette" else "secret.csv")
    secret.write_text("root:x:0:0:hunter2:/root:/bin/bash\nsecond line hunter2\n")
    flag = {"filter curve": "--filter", "profile table": "--profile", "palette": "--palette"}[role]
    argv = ["render", "-t", pair / "temperature.fits", "-c", pair / "cloud.fits", flag, secret]
    _refused(_cli([*argv, "-o", pair / "x.png"]), err := capsys.readouterr().err)
    assert "hunter2" not in err and "root:x" not in err


def test_names_with_escape_sequences_are_printed_escaped(pair, capsys):
    evil = pair / "\x1b[2J\x1b]0;owned\x07.fits"
    assert _cli(["render", "-t", evil, "-c", pair / "cloud.fits", "-o", pair / "x.png"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b[2J" in err
    shown = pair / "\x1b[31mred.png"
    assert _cli(["render", "-t", pair / "temperature.fits", "-c", pair / "cloud.fits", "-o", shown]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[31mred.png" in out
    assert shown.is_file()  # the file itself has the name the user gave


# --- every input is protected -----------------------------------------------------------------------


def _palette_image(path: Path) -> Path:
    """A palette file: a square PNG table."""
    pixels = (np.random.default_rng(1).random((32, 32, 3)) * 255).astype(np.uint8)
    Image.fromarray(pixels).save(path)
    return path


PROTECTED = {
    "palette file": (["--palette", "{lut}"], "{lut}"),
    "sigma map": (["--uncertainty", "{sigma}"], "{sigma}"),
    "filter curve": (["--filter", "{curve}"], "{curve}"),
    "profile table": (["--profile", "{profile}"], "{profile}"),
    "temperature band": ([], "{t}"),
}


@pytest.mark.parametrize("flag", ["-o", "--recipe-out"])
@pytest.mark.parametrize("case", sorted(PROTECTED))
def test_no_output_replaces_anything_the_run_reads(case, flag, pair, tmp_path, capsys):
    names = {
        "lut": _palette_image(pair / "lut.png"),
        "sigma": pair / "sigma.fits",
        "curve": pair / "curve.csv",
        "profile": pair / "profile.txt",
        "t": pair / "temperature.fits",
    }
    fits.PrimaryHDU(np.full((256, 256), 0.01, np.float32)).writeto(names["sigma"])
    names["curve"].write_text("wavelength,transmission\n12.9,0\n13.0,1\n13.1,1\n13.2,0\n")
    names["profile"].write_text("lat,NEII_2\n-60,120\n0,130\n60,120\n")
    extra, protected = PROTECTED[case]
    extra = [e.format(**names) for e in extra]
    protected = Path(protected.format(**names))
    output = [flag, protected] if flag != "-o" else ["-o", protected.with_suffix(".png")]
    if flag == "-o" and protected.suffix != ".png":
        protected.with_suffix(".png").symlink_to(protected)  # the same file under a picture's name
    argv = ["-t", pair / "temperature.fits", "-c", pair / "cloud.fits", *extra, *output]
    if flag != "-o":
        argv += ["-o", pair / "x.png"]
    before = _tree(tmp_path)
    _refused(_cli(["render", *argv]), capsys.readouterr().err, "one of the inputs")
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("role", ["temperature", "opacity"])
def test_no_fits_product_replaces_an_input(role, pair, tmp_path, capsys):
    band = pair / f"p_{role}.fits"  # an input that has the name of a product of --fits-out p
    band.write_bytes((pair / ("temperature.fits" if role == "temperature" else "cloud.fits")).read_bytes())
    bands = ["-t", band, "-c", pair / "cloud.fits"]
    if role == "opacity":
        bands = ["-t", pair / "temperature.fits", "-c", band]
    before = _tree(tmp_path)
    code = _cli(["render", *bands, "-o", pair / "x.png", "--fits-out", pair / "p"])
    _refused(code, capsys.readouterr().err, "one of the inputs")
    assert _tree(tmp_path) == before


def test_the_recipe_and_the_picture_being_run_are_protected(pair, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(pair)
    recipe = pair / "r.toml"
    recipe.write_text(f'version = 1\n{_INPUTS}[output]\nfiles = ["a.png"]\n')
    before = _tree(tmp_path)
    _refused(_cli(["render", recipe, "--recipe-out", recipe]), capsys.readouterr().err, "one of the inputs")
    _refused(
        _cli(["render", recipe, "-o", "r.toml.png", "--recipe-out", "./r.toml"]), capsys.readouterr().err
    )
    assert _tree(tmp_path) == before
    assert _cli(["render", recipe, "-q"]) == 0
    picture = pair / "a.png"
    before = _tree(tmp_path)
    _refused(
        _cli(["render", "--from-image", picture, "-o", picture]), capsys.readouterr().err, "one of the inputs"
    )
    assert _tree(tmp_path) == before


def test_a_series_never_writes_over_its_inputs(pair, tmp_path, capsys):
    for epoch in ("e1", "e2"):
        folder = tmp_path / "series" / epoch
        folder.mkdir(parents=True)
        for role in ("temperature", "cloud"):
            (folder / f"{role}.fits").write_bytes((pair / f"{role}.fits").read_bytes())
    before = _tree(tmp_path)
    glob = str(tmp_path / "series" / "e*")
    victim = tmp_path / "series" / "e1" / "temperature.fits"
    _refused(
        _cli(
            [
                "render",
                "--inputs",
                glob,
                "-t",
                "temperature.fits",
                "-c",
                "cloud.fits",
                "-o",
                tmp_path / "{name}.png",
                "--strip",
                victim,
            ]
        ),
        capsys.readouterr().err,
        "one of the inputs",
    )
    assert _tree(tmp_path) == before


@pytest.mark.skipif(os.geteuid() != 0, reason="only root could replace a device node")
@pytest.mark.parametrize("flag", ["-o", "--recipe-out"])
def test_a_device_is_never_replaced_even_as_root(flag, pair, capsys):
    argv = ["render", "-t", pair / "temperature.fits", "-c", pair / "cloud.fits"]
    argv += [flag, "/dev/null"] + (["-o", pair / "x.png"] if flag != "-o" else [])
    _refused(_cli(argv), capsys.readouterr().err, "not a regular file")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("target", ["a FIFO", "a link to a device", "a folder"])
def test_outputs_are_regular_files_only(target, pair, tmp_path, capsys):
    where = pair / "out.png"
    if target == "a FIFO":
        os.mkfifo(where)
    elif target == "a folder":
        where.mkdir()
    else:
        where.symlink_to("/dev/null")
    before = _tree(tmp_path)
    argv = ["render", "-t", pair / "temperature.fits", "-c", pair / "cloud.fits", "-o", where]
    _refused(_cli(argv), capsys.readouterr().err)
    assert _tree(tmp_path) == before


def test_a_replaced_file_keeps_its_permissions_and_a_link_is_written_through(pair, capsys):
    private = pair / "private.png"
    private.write_bytes(b"old")
    private.chmod(0o600)
    link = pair / "link.png"
    link.symlink_to(private)
    argv = ["render", "-t", pair / "temperature.fits", "-c", pair / "cloud.fits", "-q"]
    assert _cli([*argv, "-o", private]) == 0
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_bytes()[:4] == b"\x89PNG"
    assert _cli([*argv, "-o", link, "--title", "through"]) == 0
    assert link.is_symlink() and stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"through" in private.read_bytes()


@pytest.mark.parametrize("spelling", [".", "products/"])
def test_fits_out_a_folder_puts_the_products_inside_it(spelling, pair, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    if spelling != ".":
        (out / spelling).mkdir()
    bands = ["-t", pair / "temperature.fits", "-c", pair / "cloud.fits"]
    assert _cli(["render", *bands, "-o", "x.png", "--fits-out", spelling, "-q"]) == 0
    folder = out / spelling
    assert sorted(p.name for p in folder.glob("*.fits")) == ["opacity.fits", "temperature.fits"]
    assert fits.getheader(folder / "temperature.fits")["BUNIT"] == "K"
    # beside the inputs, the same products would replace temperature.fits: refused
    monkeypatch.chdir(pair)
    before = _tree(tmp_path)
    assert _cli(["render", *bands, "-o", "x.png", "--fits-out", "."]) == 2
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("flag", ["-o", "--report"])
def test_a_stack_never_writes_over_its_frames(flag, tmp_path, capsys):
    cube = tmp_path / "frames.fits"
    rng = np.random.default_rng(3)
    fits.PrimaryHDU(rng.random((6, 32, 32)).astype(np.float32)).writeto(cube)
    before = _tree(tmp_path)
    argv = ["stack", cube, flag, cube] + (["-o", tmp_path / "s.fits"] if flag != "-o" else [])
    _refused(_cli(argv), capsys.readouterr().err, "one of the inputs")
    assert _tree(tmp_path) == before


def test_a_dry_run_of_the_demo_still_protects_the_recipe(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _cli(["render", "--demo", "--demo-size", "64", "-o", "a.png", "--recipe-out", "a.toml", "-q"]) == 0
    before = _tree(tmp_path)
    code = _cli(["render", "a.toml", "--dry-run", "--recipe-out", "a.toml"])
    _refused(code, capsys.readouterr().err, "one of the inputs")  # as the real run would
    assert _cli(["render", "a.toml", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "synthetic Jupiter" in out and str(tmp_path / "a.toml") in out
    assert _tree(tmp_path) == before
