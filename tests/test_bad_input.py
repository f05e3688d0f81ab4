"""Bad input ends with exit status 2, one line on stderr, no output file, inputs untouched.

Through the Python API the same input raises a :class:`~falsecolor.exceptions.FalsecolorError`
subclass (never a raw OSError, ValueError, KeyError, MemoryError or numpy warning) and writes
nothing. Inputs that are hostile to memory (a tiny file claiming a huge image, decompression
bombs) run where they cannot take the machine down: in-process only when the refusal happens
before the allocation, otherwise in a child process with a capped address space.
"""

import hashlib
import os
import re
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
import tifffile
from astropy.io import fits
from PIL import Image, PngImagePlugin

import falsecolor
from falsecolor.bands import write_ser
from falsecolor.cli import main
from falsecolor.exceptions import FalsecolorError, FalsecolorWarning


def _digest(paths):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def _fits(path, data, **cards):
    hdu = fits.PrimaryHDU(np.asarray(data, dtype=np.float32))
    for key, value in cards.items():
        hdu.header[key] = value
    hdu.writeto(path)
    return path


@pytest.fixture
def files(tmp_path, band_files):
    t, c = band_files["temperature"], band_files["cloud"]
    image = fits.getdata(t)
    made = {
        "good_t": t,
        "good_c": c,
        "text": tmp_path / "notes.fits",
        "empty": tmp_path / "empty.fits",
        "truncated": tmp_path / "truncated.fits",
        "header_only": tmp_path / "header.fits",
        "badunit": _fits(tmp_path / "badunit.fits", image, BUNIT="bananas"),
        "nowave": _fits(tmp_path / "nowave.fits", image, BUNIT="W m-2 sr-1 um-1"),
        "badfilter": _fits(tmp_path / "badfilter.fits", image, BUNIT="W m-2 sr-1 um-1", FILTER="NOTAFILTER"),
        "small": _fits(tmp_path / "small.fits", image[:100, :120], BUNIT="W m-2 sr-1 um-1", FILTER="M-BAND"),
        "nan": _fits(
            tmp_path / "nan.fits", np.full(image.shape, np.nan), BUNIT="W m-2 sr-1 um-1", FILTER="NEII_2"
        ),
        "negative": _fits(
            tmp_path / "negative.fits",
            -np.abs(fits.getdata(c)) - 1e-3,
            BUNIT="W m-2 sr-1 um-1",
            FILTER="M-BAND",
        ),
        "zeros": _fits(
            tmp_path / "zeros.fits", np.zeros(image.shape), BUNIT="W m-2 sr-1 um-1", FILTER="NEII_2"
        ),
    }
    made["text"].write_text("SIMPLE? no, just text\n" * 100)
    made["empty"].write_bytes(b"")
    made["truncated"].write_bytes(t.read_bytes()[: 2880 + 10000])
    fits.PrimaryHDU().writeto(made["header_only"])
    return made


CASES = {
    "missing file": (["-t", "{missing}", "-c", "{good_c}"], "does not exist"),
    "not FITS": (["-t", "{text}", "-c", "{good_c}"], "not a FITS file"),
    "empty file": (["-t", "{good_t}", "-c", "{empty}"], "empty"),
    "truncated FITS": (["-t", "{truncated}", "-c", "{good_c}"], "truncated"),
    "no image HDU": (["-t", "{header_only}", "-c", "{good_c}"], "no image HDU"),
    "unknown unit": (["-t", "{badunit}", "-c", "{good_c}"], "--unit"),
    "no wavelength": (["-t", "{nowave}", "-c", "{good_c}"], "--wavelength"),
    "unknown filter": (["-t", "{badfilter}", "-c", "{good_c}"], "--filter"),
    "shapes differ": (["-t", "{good_t}", "-c", "{small}"], "differ in shape"),
    "all-NaN temperature": (["-t", "{nan}", "-c", "{good_c}"], "no usable pixel"),
    "zero temperature band": (["-t", "{zeros}", "-c", "{good_c}"], "no usable pixel"),
    "negative 5 um radiance": (["-t", "{good_t}", "-c", "{negative}"], "no positive"),
    "bad unit option": (
        ["-t", "{good_t}", "-c", "{good_c}", "--t-unit", "parsecs per gloop"],
        "unknown unit",
    ),
    "bad wavelength option": (["-t", "{nowave}", "-c", "{good_c}", "--t-wavelength", "13"], "needs a unit"),
    "unknown palette": (["-t", "{good_t}", "-c", "{good_c}", "--palette", "rainbow"], "unknown palette"),
    "bad limits": (["-t", "{good_t}", "-c", "{good_c}", "--t-limits", "130", "130"], "limits"),
    "bad background": (["-t", "{good_t}", "-c", "{good_c}", "--background", "plaid"], "colour"),
    "no cloud axis": (["-t", "{good_t}"], "--cloud"),
    "demo and files": (["--demo", "-t", "{good_t}", "-c", "{good_c}"], "--demo uses"),
    "missing required output": (None, "give --output out.png"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_render_bad_input(case, files, tmp_path, capsys):
    arguments, message = CASES[case]
    out = tmp_path / "out.png"
    before = _digest(list(files.values()))
    names = {**{k: str(v) for k, v in files.items()}, "missing": str(tmp_path / "missing.fits")}
    if arguments is None:
        argv = ["render", "-t", names["good_t"], "-c", names["good_c"]]
    else:
        argv = ["render", *(a.format(**names) for a in arguments), "-o", str(out)]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse usage errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()
    assert [p.name for p in tmp_path.glob("*.part")] == []
    assert _digest(list(files.values())) == before


@pytest.mark.parametrize("target", ["missing_dir", "directory", "input", "fits_onto_input"])
def test_unwritable_outputs(target, files, tmp_path, capsys):
    temperature = tmp_path / "x_temperature.fits"  # also the name of a --fits-out x product
    temperature.write_bytes(files["good_t"].read_bytes())
    (tmp_path / "cloud_link.png").symlink_to(files["good_c"])  # a .png name for an input
    inputs = [temperature, files["good_c"]]
    before = _digest(inputs)
    base = ["render", "-t", str(temperature), "-c", str(files["good_c"])]
    argv = (
        base
        + {
            "missing_dir": ["-o", str(tmp_path / "no" / "such" / "dir" / "out.png")],
            "directory": ["-o", str(tmp_path)],
            "input": ["-o", str(tmp_path / "cloud_link.png")],
            "fits_onto_input": ["-o", str(tmp_path / "ok.png"), "--fits-out", str(tmp_path / "x")],
        }[target]
    )
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    expected = {
        "missing_dir": "does not exist",
        "directory": "is a directory",
        "input": "one of the inputs",
        "fits_onto_input": "one of the inputs",
    }[target]
    assert expected in err
    assert not (tmp_path / "ok.png").exists() and not (tmp_path / "x_opacity.fits").exists()
    assert _digest(inputs) == before


def test_read_only_location(files, capsys):
    code = main(
        ["render", "-t", str(files["good_t"]), "-c", str(files["good_c"]), "-o", "/proc/falsecolor.png"]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot write" in err


def test_info_bad_files(files, capsys):
    assert main(["info", str(files["text"])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a FITS file" in err
    assert main(["info", str(files["good_t"]), str(files["empty"])]) == 2
    captured = capsys.readouterr()
    assert "empty" in captured.err and "on disc" in captured.out


# ==========================================================================================
# The matrix: one row per hostile input and interface (a CLI command or an API call).
#
# Every row runs in its own tmp_path holding the inputs; outputs are asked for inside it too,
# so "nothing written, no temporary left, no input changed" is one comparison of the tree.


def _tree(root):
    """sha256 of every file under ``root`` (hidden and temporary files included)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _cli(argv):
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:  # argparse usage errors
        return stop.code


def _assert_one_line_error(code, err, pattern):
    assert code == 2, f"exit status {code} (2 expected); stderr:\n{err}"
    assert "Traceback" not in err, err
    assert err.count("\n") == 1 and err.endswith("\n"), f"stderr is not exactly one line:\n{err}"
    assert err.startswith("falsecolor: error: "), err
    assert re.search(pattern, err, re.IGNORECASE), f"{pattern!r} not found in {err!r}"


def _assert_api_refuses(call, pattern):
    """``call()`` raises a FalsecolorError matching ``pattern``; the package's own warnings may come
    first, any other exception or warning (numpy, astropy) fails the test as it is."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FalsecolorWarning)
        with pytest.raises(FalsecolorError, match=f"(?i){pattern}"):
            call()


def _run_row(interface, subject, tmp_path, capsys, pattern, *, role="t", good=None):
    """Run one row: ``subject`` (a path or list of arguments) through ``interface``."""
    before = _tree(tmp_path)
    out_png, out_fits = tmp_path / "out" / "picture.png", tmp_path / "out" / "result.fits"
    out_png.parent.mkdir()
    capsys.readouterr()
    if interface in _API:
        _assert_api_refuses(lambda: _API[interface](subject, good, role), pattern)
    else:
        argv = {
            "render": lambda: [
                "render",
                "-t",
                subject if role == "t" else good["t"],
                "-c",
                subject if role == "c" else good["c"],
                "-o",
                out_png,
            ],
            "info": lambda: ["info", subject],
            "map": lambda: ["map", subject, "-o", out_fits, "-q"],
            "stack": lambda: ["stack", subject, "-o", out_fits, "-q"],
        }[interface]()
        code = _cli(argv)
        _assert_one_line_error(code, capsys.readouterr().err, pattern)
    assert list((tmp_path / "out").iterdir()) == [], "something was written"
    (tmp_path / "out").rmdir()
    assert _tree(tmp_path) == before, "an input changed or a file was left behind"


def _render_api(subject, good, role):
    if role == "t":
        return falsecolor.render(subject, good["c"])
    return falsecolor.render(good["t"], subject)


_API = {
    "read_band": lambda subject, good, role: falsecolor.read_band(subject),
    "render_api": _render_api,
    "stack_api": lambda subject, good, role: falsecolor.stack(subject),
}


# ---- hostile FITS files ----------------------------------------------------------------------


def _cards(role):
    return {"BUNIT": "W m-2 sr-1 um-1", "FILTER": "NEII_2" if role == "t" else "M-BAND"}


def _write(path, raw):
    path.write_bytes(raw)
    return path


def _card_image(keyword, value):
    return f"{keyword:8s}= {value:>20}".encode("latin-1")


def _patch_card(raw, keyword, card):
    """``raw`` with the header card of ``keyword`` replaced by the 80 bytes of ``card``."""
    for start in range(0, len(raw), 80):
        name = raw[start : start + 8]
        if name.rstrip() == keyword.encode():
            return raw[:start] + card.ljust(80)[:80] + raw[start + 80 :]
        if name == b"END     ":
            break
    raise AssertionError(f"no {keyword} card")


def _with_card(name, keyword, value):
    """A builder: the good file with the card ``keyword`` rewritten to ``value``."""
    return lambda d, source, role: _write(
        d / name, _patch_card(source.read_bytes(), keyword, _card_image(keyword, value))
    )


def _claiming(path, nx, ny, role="t"):
    """A 9 kB file whose header claims an ``nx`` x ``ny`` float32 image."""
    header = fits.Header([("SIMPLE", True), ("BITPIX", -32), ("NAXIS", 2), ("NAXIS1", nx), ("NAXIS2", ny)])
    header.update(_cards(role))
    raw = header.tostring().encode() + np.zeros(1000, ">f4").tobytes()
    return _write(path, raw + b"\0" * (-len(raw) % 2880))


def _byteswapped(d, source, role):
    """Integer counts whose bytes are little-endian under a standard (big-endian) header."""
    image = np.nan_to_num(fits.getdata(source).astype(np.float64))
    counts = np.round(image / image.max() * 30000).astype(">i2")
    hdu = fits.PrimaryHDU(counts)
    hdu.header.update(_cards(role), BUNIT="count", CONVFACT=float(image.max() / 30000))
    hdu.header["CONVUNIT"] = "W m-2 sr-1 um-1"
    path = d / "swapped.fits"
    hdu.writeto(path)
    with fits.open(path) as hdul:
        start = hdul.fileinfo(0)["datLoc"]
    raw = bytearray(path.read_bytes())
    raw[start : start + counts.nbytes] = counts.astype("<i2").tobytes()
    return _write(path, bytes(raw))


def _scaled_int16(d, source, role, name, **scaling):
    """int16 data whose BSCALE/BZERO cards turn them into useless or overflowing values."""
    image = np.nan_to_num(fits.getdata(source).astype(np.float64))
    hdu = fits.PrimaryHDU(np.round(image / image.max() * 30000).astype(np.int16))
    hdu.header.update(_cards(role))
    for key, value in scaling.items():
        hdu.header[key] = value
    path = d / name
    hdu.writeto(path)
    return path


def _values(d, source, role, name, fill):
    image = fits.getdata(source).astype(np.float32)
    return _fits(d / name, fill(image), **_cards(role))


def _png_named_fits(d, source, role):
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(d / "picture.png")
    return _write(d / "picture.fits", (d / "picture.png").read_bytes())


def _table_only(d, source, role):
    column = fits.Column("a", "E", array=np.ones(3, np.float32))
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns([column])]).writeto(d / "table.fits")
    return d / "table.fits"


def _header_only(d, source, role):
    fits.PrimaryHDU().writeto(d / "header.fits")
    return d / "header.fits"


#: name -> (builder(dir, the good file it stands in for, role) -> path, role, message pattern)
FITS_CASES = {
    "empty file": (lambda d, s, r: _write(d / "empty.fits", b""), "t", "empty"),
    "text file": (
        lambda d, s, r: _write(d / "notes.fits", b"SIMPLE? no, just text\n" * 100),
        "t",
        "not a FITS file",
    ),
    "random bytes": (
        lambda d, s, r: _write(d / "random.fits", np.random.default_rng(0).bytes(5760)),
        "t",
        "not a FITS file",
    ),
    "PNG named .fits": (_png_named_fits, "t", "not a FITS file"),
    "truncated data": (
        lambda d, s, r: _write(d / "cut.fits", s.read_bytes()[: 2880 + 10000]),
        "t",
        "truncated",
    ),
    "truncated header": (
        lambda d, s, r: _write(d / "cut.fits", s.read_bytes()[:1000]),
        "t",
        "truncated|corrupt",
    ),
    "header only": (_header_only, "t", "no image HDU"),
    "binary table only": (_table_only, "t", "no image HDU"),
    "1-D image": (lambda d, s, r: _fits(d / "line.fits", np.ones(100), **_cards(r)), "t", "no image HDU"),
    "zero-sized axis": (_with_card("zero_axis.fits", "NAXIS1", 0), "t", "no image HDU|do not match its data"),
    "negative NAXIS2": (_with_card("negative_axis.fits", "NAXIS2", -256), "t", "NAXIS|not a readable FITS"),
    "NAXIS2 not a number": (
        _with_card("text_axis.fits", "NAXIS2", "'twohundred'"),
        "t",
        "NAXIS|not a readable FITS",
    ),
    "100000 x 100000 claimed by a 9 kB file": (
        lambda d, s, r: _claiming(d / "huge.fits", 100_000, 100_000),
        "t",
        "truncated",
    ),
    "BITPIX -64 over float32 data": (_with_card("bitpix_64.fits", "BITPIX", -64), "t", "truncated"),
    "BITPIX 12 (no such FITS type)": (_with_card("bitpix_12.fits", "BITPIX", 12), "t", "BITPIX"),
    "BITPIX 16 over float32 data": (
        _with_card("bitpix_16.fits", "BITPIX", 16),
        "c",
        "BITPIX|extra|corrupt|damaged|size",
    ),
    "byte-swapped integers": (_byteswapped, "t", "byte-swapped"),
    "BSCALE not a number": (
        lambda d, s, r: _scaled_int16(d, s, r, "bscale_text.fits", BSCALE="lots"),
        "t",
        "BSCALE",
    ),
    "non-ASCII BUNIT": (
        lambda d, s, r: _write(
            d / "micro.fits",
            _patch_card(s.read_bytes(), "BUNIT", "BUNIT   = 'W m-2 sr-1 \xb5m-1'".encode("latin-1")),
        ),
        "t",
        "unknown unit",
    ),
    "cube without a plane": (
        lambda d, s, r: _fits(d / "cube.fits", np.ones((3, 16, 16)), **_cards(r)),
        "t",
        "plane",
    ),
    # values: every pixel unusable
    "NaN everywhere (cloud)": (
        lambda d, s, r: _values(d, s, r, "nan.fits", lambda a: np.full_like(a, np.nan)),
        "c",
        "no positive",
    ),
    "inf everywhere": (
        lambda d, s, r: _values(d, s, r, "inf.fits", lambda a: np.full_like(a, np.inf)),
        "t",
        "no usable pixel",
    ),
    "inf everywhere (cloud)": (
        lambda d, s, r: _values(d, s, r, "inf.fits", lambda a: np.full_like(a, np.inf)),
        "c",
        "no positive",
    ),
    "all zeros (cloud)": (lambda d, s, r: _values(d, s, r, "zeros.fits", np.zeros_like), "c", "no positive"),
    "negative radiance (temperature)": (
        lambda d, s, r: _values(d, s, r, "neg.fits", lambda a: -np.abs(a) - 1),
        "t",
        "no usable pixel",
    ),
    "BSCALE = 0": (
        lambda d, s, r: _scaled_int16(d, s, r, "bscale0.fits", BSCALE=0.0),
        "t",
        "BSCALE|no usable pixel",
    ),
    "BSCALE = 0 (cloud)": (
        lambda d, s, r: _scaled_int16(d, s, r, "bscale0.fits", BSCALE=0.0),
        "c",
        "BSCALE|no positive",
    ),
    "BSCALE and BZERO overflow to inf": (
        lambda d, s, r: _scaled_int16(d, s, r, "overflow.fits", BSCALE=1e308, BZERO=1e308),
        "t",
        "BSCALE|BZERO|overflow|no usable pixel",
    ),
    "BSCALE and BZERO overflow to inf (cloud)": (
        lambda d, s, r: _scaled_int16(d, s, r, "overflow.fits", BSCALE=1e308, BZERO=1e308),
        "c",
        "BSCALE|BZERO|overflow|no positive",
    ),
}

_READ = ("render", "info", "map", "read_band", "render_api")
_VALUES = ("render", "render_api")
_STACK = ("stack", "stack_api")
#: Which interfaces refuse each file. ``info`` describes a byte-swapped file or a cube (plane 0)
#: and the stack reads integer frames as stored, so those rows are not asked of them.
FITS_INTERFACES = dict.fromkeys(FITS_CASES, _VALUES)  # pixel values: only a render needs them
FITS_INTERFACES.update(
    dict.fromkeys(
        [
            "empty file",
            "text file",
            "random bytes",
            "PNG named .fits",
            "truncated data",
            "truncated header",
            "header only",
            "binary table only",
            "1-D image",
            "zero-sized axis",
            "100000 x 100000 claimed by a 9 kB file",
            "BITPIX 12 (no such FITS type)",
            "BITPIX 16 over float32 data",
        ],
        _READ + _STACK,
    )
)
FITS_INTERFACES.update(
    dict.fromkeys(
        [
            "negative NAXIS2",
            "NAXIS2 not a number",
            "BITPIX -64 over float32 data",
            "BSCALE not a number",
            "non-ASCII BUNIT",
        ],
        _READ,
    )
)
FITS_INTERFACES.update(
    dict.fromkeys(
        ["byte-swapped integers", "cube without a plane"], ("render", "map", "read_band", "render_api")
    )
)
FITS_ROWS = [
    pytest.param(case, interface, id=f"{case} [{interface}]")
    for case in FITS_CASES
    for interface in FITS_INTERFACES[case]
]


@pytest.mark.parametrize(("case", "interface"), FITS_ROWS)
def test_hostile_fits(case, interface, band_files, tmp_path, capsys):
    build, role, pattern = FITS_CASES[case]
    good = {"t": band_files["temperature"], "c": band_files["cloud"]}
    (tmp_path / "bad").mkdir()
    subject = build(tmp_path / "bad", good[role], role)
    if interface in ("render", "map") and case == "cube without a plane":
        pattern = "--plane"  # the command line names its own option
    if interface == "render" and case == "byte-swapped integers":
        pattern = "--byteswap"
    _run_row(interface, subject, tmp_path, capsys, pattern, role=role, good=good)


# ---- frames for `falsecolor stack`: PNG/TIFF and SER -----------------------------------------


def _disc_frames(count, shape, seed=0):
    """16-bit frames of a banded disc with a little jitter and noise (top row first)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[: shape[0], : shape[1]]
    frames = []
    for _ in range(count):
        r = np.hypot(y - shape[0] / 2 - rng.normal(0, 0.5), x - shape[1] / 2 - rng.normal(0, 0.5))
        image = np.where(r < shape[0] / 3, 30000 + 3000 * np.sin(y / 2.5), 800) + rng.normal(0, 30, shape)
        frames.append(np.clip(image, 0, 65535).astype(np.uint16))
    return frames


def _chunk(kind, body):
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def _png_claiming(path, width, height):
    """A 100-byte PNG whose header declares ``width`` x ``height`` 8-bit grey pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + _chunk(b"IEND", b"")
    return _write(path, b"\x89PNG\r\n\x1a\n" + body)


def _tiff_claiming(path, width, height):
    """A 150-byte deflate TIFF whose only strip claims ``width`` x ``height`` 8-bit pixels."""
    data = zlib.compress(b"\0" * 4096)
    tags = [
        (256, 4, width),
        (257, 4, height),
        (258, 3, 8),
        (259, 3, 8),
        (262, 3, 1),
        (273, 4, 0),
        (277, 3, 1),
        (278, 4, height),
        (279, 4, len(data)),
    ]
    start = 8 + 2 + 12 * len(tags) + 4
    ifd = struct.pack("<H", len(tags))
    for tag, kind, value in tags:
        value = start if tag == 273 else value
        ifd += (
            struct.pack("<HHIHH", tag, kind, 1, value, 0)
            if kind == 3
            else struct.pack("<HHII", tag, kind, 1, value)
        )
    return _write(path, b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + data)


def _frames_dir(d, shapes, suffix=".png"):
    folder = d / "frames"
    folder.mkdir()
    for i, shape in enumerate(shapes):
        frame = _disc_frames(1, shape, seed=i)[0]
        if suffix == ".png":
            Image.fromarray(frame).save(folder / f"f{i:02d}.png")
        else:
            tifffile.imwrite(folder / f"f{i:02d}.tif", frame)
    return folder


_SER = {"colour": 18, "width": 26, "height": 30, "depth": 34, "count": 38}


def _ser(d, name="video.ser", frames=8, **fields):
    """A good 48 x 48 16-bit SER video of ``frames`` frames with some header fields overwritten."""
    path = write_ser(d / name, np.stack(_disc_frames(frames, (48, 48))))
    raw = bytearray(path.read_bytes())
    for field, value in fields.items():
        struct.pack_into("<i", raw, _SER[field], value)
    return _write(path, bytes(raw))


def _ser_cut(d, keep):
    path = _ser(d)
    return _write(path, path.read_bytes()[:keep])


FRAME_SIZE = 178 + 48 * 48 * 2  # a SER header and one 48 x 48 16-bit frame

#: name -> (builder(dir) -> path, message pattern); each runs through `stack` and `falsecolor.stack`
FRAME_CASES = {
    "PNG bomb: 60000 x 60000 declared in 100 bytes": (
        lambda d: _png_claiming(d / "bomb.png", 60000, 60000),
        "too large|bomb|pixels",
    ),
    "PNG bomb in a directory": (
        lambda d: _png_claiming((d / "frames").mkdir() or d / "frames" / "f.png", 60000, 60000).parent,
        "too large|bomb|pixels",
    ),
    "PNG that is text": (
        lambda d: _write(d / "frame.png", b"not a picture\n" * 10),
        "unreadable|cannot identify|not a",
    ),
    "SER: bad magic": (
        lambda d: _write(d / "v.ser", b"NOT-A-SER-FILE" + _ser(d).read_bytes()[14:]),
        "not a SER file",
    ),
    "SER: empty file": (lambda d: _write(d / "v.ser", b""), "empty|not a SER file"),
    "SER: header shorter than 178 bytes": (lambda d: _ser_cut(d, 100), "not a SER file"),
    "SER: zero width": (lambda d: _ser(d, width=0), "impossible SER header"),
    "SER: negative height": (lambda d: _ser(d, height=-48), "impossible SER header"),
    "SER: pixel depth 0": (lambda d: _ser(d, depth=0), "impossible SER header"),
    "SER: pixel depth 17": (lambda d: _ser(d, depth=17), "impossible SER header"),
    "SER: negative frame count": (lambda d: _ser(d, count=-1), "impossible SER header"),
    "SER: unknown colour mode": (lambda d: _ser(d, colour=55), "colour mode"),
    "SER: 1000 frames claimed, no complete frame present": (
        lambda d: _write(d / "v.ser", _ser(d, count=1000).read_bytes()[: FRAME_SIZE - 10]),
        "truncated|incomplete|missing|no complete frame",
    ),
    "SER: short data (the only frame cut)": (
        lambda d: _ser_cut(d, FRAME_SIZE - 10),
        "truncated|incomplete|missing|no complete frame",
    ),
    "SER: 65536 x 65536 frames declared in 1 kB": (
        lambda d: _write(d / "v.ser", _ser(d, width=65536, height=65536).read_bytes()[:1178]),
        "truncated|incomplete|missing|no complete frame|too large",
    ),
    "glob matching nothing": (lambda d: d / "nothing-*.png", "no files match"),
    "directory without frames": (lambda d: (d / "frames").mkdir() or d / "frames", "no frame files"),
    "not a frame format": (lambda d: _write(d / "frames.txt", b"frame 1\n"), "not a frame file"),
}


@pytest.mark.parametrize("interface", ["stack", "stack_api"])
@pytest.mark.parametrize("case", list(FRAME_CASES))
def test_hostile_frames(case, interface, tmp_path, capsys):
    build, pattern = FRAME_CASES[case]
    (tmp_path / "bad").mkdir()
    subject = build(tmp_path / "bad")
    _run_row(interface, subject, tmp_path, capsys, pattern)


# A TIFF needs no decoding to declare any size, and tifffile (unlike Pillow) has no bomb limit:
# these rows run in a child whose address space is capped, so a package that allocates the
# declared 60000 x 60000 frame fails the row instead of eating the machine's memory.

_CHILD = textwrap.dedent(
    """
    import resource, sys, warnings
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    mode, args = sys.argv[2], sys.argv[3:]
    if mode == "cli":
        from falsecolor.cli import main
        sys.exit(main(args))
    import falsecolor
    from falsecolor.exceptions import FalsecolorError
    warnings.simplefilter("ignore", falsecolor.FalsecolorWarning)
    try:
        getattr(falsecolor, mode)(*args)
    except FalsecolorError as err:
        print(f"FalsecolorError {type(err).__name__}: {err}")
        sys.exit(2)
    except BaseException as err:
        print(f"raw {type(err).__name__}: {err}")
        sys.exit(1)
    print("returned")
    """
)


def _capped(mode, *args, limit=3 << 30):
    """Run the CLI (``mode='cli'``) or ``falsecolor.<mode>(*args)`` with at most ``limit`` bytes of
    address space; returns (exit status, stdout, stderr)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the memory cap needs RLIMIT_AS (Linux)")
    root = str(Path(falsecolor.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(limit), mode, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return done.returncode, done.stdout, done.stderr


def test_memory_cap_lets_a_normal_stack_run(tmp_path):
    """The cap used below is generous: an ordinary stack runs under it."""
    folder = _frames_dir(tmp_path, [(48, 48)] * 6)
    code, _, err = _capped("cli", "stack", folder, "-o", tmp_path / "ok.fits", "-q")
    assert code == 0, err
    assert fits.getdata(tmp_path / "ok.fits").shape == (48, 48)


@pytest.mark.parametrize("interface", ["stack", "stack_api"])
def test_tiff_bomb_is_refused_before_allocating(interface, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    _tiff_claiming(folder / "bomb.tif", 60000, 60000)
    before = _tree(tmp_path)
    if interface == "stack":
        code, _, err = _capped("cli", "stack", folder, "-o", tmp_path / "out.fits", "-q")
        _assert_one_line_error(code, err, "too large|bomb|pixels")
    else:
        code, out, err = _capped("stack", folder)
        assert code == 2 and out.startswith("FalsecolorError"), out + err
        assert re.search("(?i)too large|bomb|pixels", out), out
    assert _tree(tmp_path) == before


def test_huge_naxis_is_refused_before_allocating(tmp_path):
    """A 9 kB file claiming 20000 x 20000 float32 pixels (1.6 GB) is refused from its size,
    without first allocating the claimed image (measured with tracemalloc; the
    100000 x 100000 rows above only pass because that allocation fails outright)."""
    path = _claiming(tmp_path / "huge.fits", 20_000, 20_000)
    tracemalloc.start()
    try:
        with pytest.raises(FalsecolorError, match="truncated"):
            falsecolor.read_band(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"read_band allocated {peak / 2**20:.0f} MiB for a 9 kB file"


@pytest.mark.parametrize("api", ["open_frames", "read_png_palette"])
def test_bombs_are_refused_before_allocating(api, tmp_path):
    bomb = _png_claiming(tmp_path / "bomb.png", 60000, 60000)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FalsecolorWarning)
            with pytest.raises(FalsecolorError):
                falsecolor.open_frames(bomb) if api == "open_frames" else falsecolor.get_palette(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


# ---- frames that are valid, or only partly bad ---------------------------------------------


@pytest.mark.parametrize("suffix", [".png", ".tif"])
@pytest.mark.parametrize("interface", ["stack", "open_frames"])
def test_16_bit_frames_are_read_exactly(suffix, interface, tmp_path, capsys):
    """16-bit PNG/TIFF frames are valid input: values above 255 come through unchanged."""
    frame = _disc_frames(1, (48, 48))[0]
    assert frame.max() > 30000
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(4):
        if suffix == ".png":
            Image.fromarray(frame).save(folder / f"f{i}.png")
        else:
            tifffile.imwrite(folder / f"f{i}.tif", frame)
    expected = frame[::-1].astype(np.float32)  # row 0 at the bottom
    if interface == "open_frames":
        source = falsecolor.open_frames(folder)
        out = np.empty(source.shape, np.float32)
        assert [source.read(i, out) for i in range(len(source))][-1] is None
        np.testing.assert_array_equal(out, expected)
        assert source.saturation(0) == 65535
        return
    argv = [
        "stack",
        folder,
        "-o",
        tmp_path / "band.fits",
        "--align",
        "none",
        "--method",
        "mean",
        "--keep",
        "100%",
        "-q",
    ]
    assert _cli(argv) == 0, capsys.readouterr().err
    # the mean of four identical frames, to float32 rounding: every 16-bit count intact
    np.testing.assert_array_equal(np.round(fits.getdata(tmp_path / "band.fits")), expected)


@pytest.mark.parametrize("interface", ["stack", "stack_api"])
def test_mixed_frame_sizes_never_stack_the_odd_one(interface, tmp_path, capsys):
    """One 32 x 32 frame first, then five 48 x 48 ones: refused (exit 2, naming the sizes), or the
    five stacked with the odd one named; never a "stack" of the single odd frame."""
    folder = _frames_dir(tmp_path, [(32, 32)] + [(48, 48)] * 5)
    before = _tree(folder)
    out = tmp_path / "band.fits"
    if interface == "stack":
        code = _cli(["stack", folder, "-o", out, "-q"])
        err = capsys.readouterr().err
        if code == 2:
            _assert_one_line_error(code, err, "shape|size")
            assert not out.exists()
        else:
            assert code == 0, err
            assert fits.getdata(out).shape == (48, 48), "the stack was made of the odd frame"
            assert "f00.png" in err and "Traceback" not in err
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FalsecolorWarning)
            try:
                result = falsecolor.stack(folder, keep="100%")
            except FalsecolorError as err:
                assert re.search("(?i)shape|size", str(err))
            else:
                assert result.band.shape == (48, 48), "the stack was made of the odd frame"
    assert _tree(folder) == before


@pytest.mark.parametrize(
    "case", ["SER with 8 of 20 frames present", "PNG bomb among good frames", "wrong-size frame last"]
)
def test_partly_bad_frames_are_skipped_and_named(case, tmp_path, capsys):
    """Documented tolerance (README, "stack"): unusable frames are skipped with a warning naming
    them and the rest are stacked; stderr holds only those warnings."""
    if case.startswith("SER"):
        subject, named = _ser(tmp_path, count=20), "truncated"
    elif case.startswith("PNG"):
        subject = _frames_dir(tmp_path, [(48, 48)] * 6)
        _png_claiming(subject / "f99.png", 60000, 60000)
        named = "f99.png"
    else:
        subject, named = _frames_dir(tmp_path, [(48, 48)] * 5 + [(32, 32)]), "f05.png"
    before = _tree(tmp_path)
    out = tmp_path / "out" / "band.fits"
    out.parent.mkdir()
    code = _cli(["stack", subject, "-o", out, "-q"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert named in err and "Traceback" not in err
    assert all(line.startswith("falsecolor: warning: ") for line in err.splitlines()), err
    assert fits.getdata(out).shape == (48, 48)
    out.unlink()
    out.parent.rmdir()
    assert _tree(tmp_path) == before


# ---- recipes and palettes (TOML, PNG) --------------------------------------------------------

_DEEP_TABLES = "a = " + "{b = " * 10000 + "1" + "}" * 10000 + "\n"
_DEEP_ARRAYS = "a = " + "[" * 10000 + "]" * 10000 + "\n"
_DEEP_HEADER = "[" + ".".join(["a"] * 10000) + "]\n"
_FIFTY_MB = "x" * 50_000_000

#: name -> (file name, content (str, or bytes as is), message pattern)
RECIPE_CASES = {
    "malformed TOML": ("r.toml", "version = = 1\n", "not valid TOML"),
    "unclosed table header": ("r.toml", "version = 1\n[axes\n", "not valid TOML"),
    "10000 nested inline tables": ("r.toml", _DEEP_TABLES, "nested too deeply"),
    "10000 nested arrays": ("r.toml", _DEEP_ARRAYS, "nested too deeply"),
    "10000-level dotted table header": ("r.toml", _DEEP_HEADER, "unknown key"),
    "50 MB string": ("r.toml", f'version = 1\n[annotations]\ntitle = "{_FIFTY_MB}"\n', "larger than"),
    "not UTF-8": ("r.toml", b"version = 1\n[annotations]\ntitle = '\xe9t\xe9'\n", "not UTF-8"),
    "NUL byte": ("r.toml", "version = 1\x00\n", "not valid TOML"),
    "wrong type": ("r.toml", "version = 1\n[axes]\nt_limits = 'hot'\n", "t_limits"),
    "unknown key": ("r.toml", "version = 1\n[axes]\ncolour = 'blue'\n", "unknown key"),
    "future version": ("r.toml", "version = 99\n", "version"),
    "infinite limits": ("r.toml", "version = 1\n[axes]\nt_limits = [120.0, inf]\n", "finite"),
    "missing recipe file": (None, None, "does not exist"),
}


def _file(d, name, content):
    if name is None:
        return d / "missing.toml"
    path = d / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("interface", ["render", "load_recipe"])
@pytest.mark.parametrize("case", list(RECIPE_CASES))
def test_bad_recipes(case, interface, tmp_path, capsys):
    name, content, pattern = RECIPE_CASES[case]
    path = _file(tmp_path, name, content)
    before = _tree(tmp_path)
    if interface == "render":
        _assert_one_line_error(
            _cli(["render", path, "-o", tmp_path / "out.png"]), capsys.readouterr().err, pattern
        )
    else:
        _assert_api_refuses(lambda: falsecolor.load_recipe(path), pattern)
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("interface", ["render", "render_recipe"])
@pytest.mark.parametrize(
    ("case", "band", "pattern"),
    [
        (
            "unknown filter in a recipe",
            '{ path = "temperature.fits", filter = "NOTAFILTER" }',
            "unknown filter",
        ),
        ("unknown unit in a recipe", '{ path = "temperature.fits", unit = "bananas" }', "unknown unit"),
        ("missing input file in a recipe", '"nowhere.fits"', "does not exist"),
        ("unknown palette in a recipe", '"temperature.fits"\n[axes]\npalette = "rainbow"', "unknown palette"),
    ],
)
def test_recipes_naming_bad_things(case, band, pattern, interface, band_files, tmp_path, capsys):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(f'version = 1\n[inputs]\ncloud = "cloud.fits"\ntemperature = {band}\n')
    before = _tree(tmp_path)
    if interface == "render":
        code = _cli(["render", recipe, "-o", tmp_path / "out.png"])
        _assert_one_line_error(code, capsys.readouterr().err, pattern)
    else:
        recipe_run = falsecolor.load_recipe(recipe)
        _assert_api_refuses(
            lambda: falsecolor.render_recipe(recipe_run, files=[tmp_path / "out.png"]), pattern
        )
    assert _tree(tmp_path) == before


def _png_with_recipe(path, text, *, compressed=False):
    from falsecolor.pipeline import RECIPE_KEY

    info = PngImagePlugin.PngInfo()
    info.add_text(RECIPE_KEY, text, zip=compressed)
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path, pnginfo=info)
    return path


#: An embedded recipe bigger than the 1 MiB a recipe file may have (5 MB keeps the row quick).
_BIG_EMBEDDED = f'version = 1\n[inputs]\ndemo = 64\n[annotations]\ntitle = "{"x" * 5_000_000}"\n'

EMBEDDED_CASES = {
    "embedded recipe nested 10000 deep": (lambda p: _png_with_recipe(p, _DEEP_ARRAYS), "nested too deeply"),
    "embedded recipe nested 10000 deep, compressed": (
        lambda p: _png_with_recipe(p, _DEEP_TABLES, compressed=True),
        "nested too deeply",
    ),
    "embedded recipe of 5 MB": (
        lambda p: _png_with_recipe(p, _BIG_EMBEDDED),
        "larger than|too large|too long",
    ),
    "embedded recipe that is not TOML": (lambda p: _png_with_recipe(p, "version = = 1"), "not valid TOML"),
    "PNG without a recipe": (
        lambda p: Image.fromarray(np.zeros((4, 4), np.uint8)).save(p) or p,
        "carries no falsecolor recipe",
    ),
    "text file named .png": (lambda p: _write(p, b"hello\n"), "cannot read image"),
}


@pytest.mark.parametrize("interface", ["render --from-image", "recipe_from_image"])
@pytest.mark.parametrize("case", list(EMBEDDED_CASES))
def test_bad_embedded_recipes(case, interface, tmp_path, capsys):
    build, pattern = EMBEDDED_CASES[case]
    image = build(tmp_path / "made.png")
    before = _tree(tmp_path)
    if interface == "recipe_from_image":
        from falsecolor.pipeline import recipe_from_image

        _assert_api_refuses(lambda: recipe_from_image(image), pattern)
    else:
        code = _cli(["render", "--from-image", image, "-o", tmp_path / "out.png"])
        _assert_one_line_error(code, capsys.readouterr().err, pattern)
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("where", ["recipe", "option"])
def test_huge_title_is_refused(where, tmp_path, capsys):
    title = "x" * 1_000_000
    if where == "recipe":
        recipe = tmp_path / "r.toml"
        recipe.write_text(f'version = 1\n[inputs]\ndemo = 64\n[annotations]\ntitle = "{title}"\n')
        argv = ["render", recipe, "-o", tmp_path / "out.png"]
    else:
        argv = ["render", "--demo", "--demo-size", "64", "--title", title, "-o", tmp_path / "out.png"]
    _assert_one_line_error(_cli(argv), capsys.readouterr().err, "title")
    assert not (tmp_path / "out.png").exists()


PALETTE_CASES = {
    "malformed TOML": ("p.toml", "[colors\n", "not valid TOML"),
    "10000 nested inline tables": ("p.toml", _DEEP_TABLES, "nested too deeply"),
    "10000 nested arrays": ("p.toml", _DEEP_ARRAYS, "nested too deeply"),
    "10000-level dotted table header": ("p.toml", _DEEP_HEADER, "unknown key"),
    "50 MB string": ("p.toml", f'name = "{_FIFTY_MB}"\n', "larger than"),
    "not UTF-8": ("p.toml", b"name = '\xe9'\n", "not UTF-8"),
    "missing corner": ("p.toml", '[colors]\ncold_clear = "#5095ff"\n', "corner"),
    "bad colour": (
        "p.toml",
        '[colors]\ncold_clear = "plaid"\nwarm_clear = "#fff"\ncold_cloudy = "#000"\nwarm_cloudy = "#f80"\n',
        "cold_clear",
    ),
    "unknown interpolation": (
        "p.toml",
        'interpolation = "hsv"\n[colors]\ncold_clear = "#5095ff"\n'
        'warm_clear = "#fff"\ncold_cloudy = "#000"\nwarm_cloudy = "#f80"\n',
        "interpolation",
    ),
    "PNG bomb": ("p.png", None, "cannot be read|too large|bomb"),
    "PNG not square": ("p.png", "rect", "square"),
    "text named .png": ("p.png", "not a picture\n", "cannot be read"),
    "missing palette file": (None, None, "does not exist"),
    "unknown palette name": ("rainbow", None, "unknown palette"),
}


def _palette(d, name, content):
    if name is None:
        return d / "missing.toml"
    if name == "rainbow":
        return "rainbow"
    path = d / name
    if name.endswith(".png") and content is None:
        return _png_claiming(path, 60000, 60000)
    if content == "rect":
        Image.fromarray(np.zeros((4, 8, 4), np.uint8)).save(path)
        return path
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("interface", ["render", "get_palette", "render_api"])
@pytest.mark.parametrize("case", list(PALETTE_CASES))
def test_bad_palettes(case, interface, tmp_path, capsys):
    name, content, pattern = PALETTE_CASES[case]
    palette = _palette(tmp_path, name, content)
    before = _tree(tmp_path)
    if interface == "render":
        argv = ["render", "--demo", "--demo-size", "64", "--palette", palette, "-o", tmp_path / "out.png"]
        _assert_one_line_error(_cli(argv), capsys.readouterr().err, pattern)
    elif interface == "get_palette":
        _assert_api_refuses(lambda: falsecolor.get_palette(palette), pattern)
    else:
        jupiter = falsecolor.synthetic_jupiter((64, 64))
        _assert_api_refuses(
            lambda: falsecolor.render(jupiter.temperature_band, jupiter.cloud_band, palette=palette), pattern
        )
    assert _tree(tmp_path) == before


# ---- unknown filters, units, wavelengths and palettes -----------------------------------------

#: name -> (CLI options added to a good render, API call(t, c, d), message pattern)
NAME_CASES = {
    "unknown filter": (
        ["--filter", "NOTAFILTER"],
        lambda t, c, d: falsecolor.render(t, c, temperature_options={"filter": "NOTAFILTER"}),
        "unknown filter",
    ),
    "unknown cloud filter": (
        ["--cloud-filter", "NOTAFILTER"],
        lambda t, c, d: falsecolor.render(t, c, cloud_options={"filter": "NOTAFILTER"}),
        "unknown filter",
    ),
    "unknown filter name (get_filter)": (
        ["--filter", "neii2"],
        lambda t, c, d: falsecolor.get_filter("neii2"),
        "unknown filter",
    ),
    "filter curve file of random bytes": (
        ["--filter", "{d}/curve.csv"],
        lambda t, c, d: falsecolor.load_filter(d / "curve.csv"),
        "filter curve",
    ),
    "filter curve zero everywhere": (
        ["--filter", "{d}/zero.csv"],
        lambda t, c, d: falsecolor.load_filter(d / "zero.csv"),
        "zero everywhere",
    ),
    "missing filter curve file": (
        ["--filter", "{d}/none.csv"],
        lambda t, c, d: falsecolor.load_filter(d / "none.csv"),
        "does not exist",
    ),
    "unknown unit": (
        ["--unit", "bananas"],
        lambda t, c, d: falsecolor.read_band(t, unit="bananas"),
        "unknown unit",
    ),
    "unknown cloud unit": (
        ["--cloud-unit", "parsecs per gloop"],
        lambda t, c, d: falsecolor.render(t, c, cloud_options={"unit": "parsecs per gloop"}),
        "unknown unit",
    ),
    "a unit of the wrong kind": (
        ["--unit", "m/s"],
        lambda t, c, d: falsecolor.render(t, c, temperature_options={"unit": "m/s"}),
        "unit",
    ),
    "wavelength in furlongs": (
        ["--wavelength", "13 furlongs"],
        lambda t, c, d: falsecolor.read_band(t, wavelength="13 furlongs"),
        "wavelength",
    ),
    "zero wavelength": (
        ["--wavelength", "0um"],
        lambda t, c, d: falsecolor.read_band(t, wavelength="0um"),
        "wavelength",
    ),
    "zero wavenumber": (
        ["--wavelength", "0 cm-1"],
        lambda t, c, d: falsecolor.read_band(t, wavelength="0 cm-1"),
        "wavelength",
    ),
    "NaN wavelength": (
        ["--wavelength", "nan um"],
        lambda t, c, d: falsecolor.read_band(t, wavelength="nan um"),
        "wavelength",
    ),
    "scale that is not a quantity": (
        ["--scale", "abc"],
        lambda t, c, d: falsecolor.read_band(t, scale="abc"),
        "scale",
    ),
    "unknown palette": (
        ["--palette", "rainbow"],
        lambda t, c, d: falsecolor.render(t, c, palette="rainbow"),
        "unknown palette",
    ),
    "clear sky in furlongs": (
        ["--clear-sky", "3 furlongs"],
        lambda t, c, d: falsecolor.render(t, c, clear_sky="3 furlongs"),
        "clear|unknown unit",
    ),
    "negative clear-sky temperature": (
        ["--clear-sky=-250K"],
        lambda t, c, d: falsecolor.render(t, c, clear_sky="-250K"),
        "clear",
    ),
}


@pytest.mark.parametrize("interface", ["cli", "api"])
@pytest.mark.parametrize("case", list(NAME_CASES))
def test_unknown_names_and_values(case, interface, band_files, tmp_path, capsys):
    options, call, pattern = NAME_CASES[case]
    _write(tmp_path / "curve.csv", np.random.default_rng(1).bytes(3000))
    (tmp_path / "zero.csv").write_text("wavelength,transmission\n12.9,0\n13.0,0\n13.1,0\n")
    t, c = band_files["temperature"], band_files["cloud"]
    before = _tree(tmp_path)
    if interface == "cli":
        argv = [
            "render",
            "-t",
            t,
            "-c",
            c,
            *(o.format(d=tmp_path) for o in options),
            "-o",
            tmp_path / "o.png",
        ]
        _assert_one_line_error(_cli(argv), capsys.readouterr().err, pattern)
    else:
        _assert_api_refuses(lambda: call(t, c, tmp_path), pattern)
    assert _tree(tmp_path) == before


# ---- outputs: missing directory, read-only location, onto an input -----------------------------

#: /proc refuses new files even to root, so it is the read-only location everywhere.
OUTPUT_CASES = {
    "render -o in a missing directory": (
        ["render", "{t}", "{c}", "-o", "{d}/no/such/out.png"],
        "does not exist",
    ),
    "render -o in a read-only location": (["render", "{t}", "{c}", "-o", "/proc/fc-out.png"], "cannot write"),
    "render -o onto the cloud input": (["render", "{t}", "{c}", "-o", "{c}"], "one of the inputs"),
    "render -o below an input file": (
        ["render", "{t}", "{c}", "-o", "{t}/out.png"],
        "does not exist|not a dir",
    ),
    "render --recipe-out onto an input": (
        ["render", "{t}", "{c}", "-o", "{d}/out.png", "--recipe-out", "{t}"],
        "one of the inputs",
    ),
    "render --recipe-out in a read-only location": (
        ["render", "{t}", "{c}", "-o", "{d}/out.png", "--recipe-out", "/proc/fc-recipe.toml"],
        "cannot write",
    ),
    "render --recipe-out in a missing directory": (
        ["render", "{t}", "{c}", "-o", "{d}/out.png", "--recipe-out", "{d}/no/r.toml"],
        "does not exist",
    ),
    "render --fits-out in a read-only location": (
        ["render", "{t}", "{c}", "-o", "{d}/out.png", "--fits-out", "/proc/fc-products"],
        "cannot write",
    ),
    "render --fits-out in a missing directory": (
        ["render", "{t}", "{c}", "-o", "{d}/out.png", "--fits-out", "{d}/no/p"],
        "does not exist",
    ),
    # three frames: a "stack" of one image is warned about, and only the error may be printed here
    "stack -o in a read-only location": (["stack", "{f}", "-o", "/proc/fc-band.fits", "-q"], "cannot write"),
    "stack -o onto its input": (["stack", "{t}", "-o", "{t}", "-q"], "one of the inputs"),
    "stack --report onto an input": (
        ["stack", "{t}", "-o", "{d}/band.fits", "--report", "{t}", "-q"],
        "one of the inputs",
    ),
    "stack -o in a missing directory": (["stack", "{t}", "-o", "{d}/no/band.fits", "-q"], "does not exist"),
    "map -o onto its input": (["map", "{t}", "-o", "{t}", "-q"], "one of the inputs"),
    "map -o in a read-only location": (["map", "{t}", "-o", "/proc/fc-map.fits", "-q"], "cannot write"),
    "map -o in a missing directory": (["map", "{t}", "-o", "{d}/no/map.fits", "-q"], "does not exist"),
    "palettes --preview in a read-only location": (
        ["palettes", "--preview", "/proc/fc-swatches"],
        "cannot make",
    ),
}


@pytest.mark.parametrize("case", list(OUTPUT_CASES))
def test_unwritable_outputs_everywhere(case, band_files, tmp_path, capsys):
    argv, pattern = OUTPUT_CASES[case]
    names = {
        "t": band_files["temperature"],
        "c": band_files["cloud"],
        "d": tmp_path,
        "f": tmp_path / "f.fits",
    }
    fits.PrimaryHDU(np.stack([fits.getdata(names["t"])] * 3)).writeto(names["f"])
    argv = [a.format(**names) for a in argv]
    if argv[0] == "render":
        argv[1:3] = ["-t", argv[1], "-c", argv[2]]
    before = _tree(tmp_path)
    _assert_one_line_error(_cli(argv), capsys.readouterr().err, pattern)
    assert _tree(tmp_path) == before, "an input changed or an output was left behind"
    assert not any(Path("/proc").glob("fc-*"))


@pytest.mark.parametrize(
    ("case", "pattern"),
    [
        ("save onto an input", "one of the inputs"),
        ("save in a missing directory", "does not exist"),
        ("save in a read-only location", "cannot write"),
        ("FITS products in a read-only location", "cannot write"),
        ("save with FITS products onto an input", "one of the inputs"),
        ("stacked band onto an input", "one of the inputs"),
    ],
)
def test_unwritable_outputs_api(case, pattern, band_files, tmp_path):
    t, c = band_files["temperature"], band_files["cloud"]
    composite = falsecolor.render(t, c)
    shutil_copy = tmp_path / "x_temperature.fits"  # also the name of a fits_prefix="x" product
    shutil_copy.write_bytes(t.read_bytes())
    (tmp_path / "cloud_link.png").symlink_to(c)  # a picture name for an input
    before = _tree(tmp_path)
    calls = {
        "save onto an input": lambda: composite.save(tmp_path / "cloud_link.png"),
        "save in a missing directory": lambda: composite.save(tmp_path / "no" / "out.png"),
        "save in a read-only location": lambda: composite.save("/proc/fc-out.png"),
        "FITS products in a read-only location": lambda: composite.to_fits("/proc/fc-products"),
        "save with FITS products onto an input": lambda: falsecolor.render(shutil_copy, c).save(
            tmp_path / "out.png", fits_prefix=tmp_path / "x"
        ),
        "stacked band onto an input": lambda: falsecolor.stack(
            np.stack(_disc_frames(4, (48, 48))).astype(np.float32)
        ).to_fits(t, inputs=[t]),
    }
    _assert_api_refuses(calls[case], pattern)
    assert _tree(tmp_path) == before


# ---- damaged header cards that the reader repairs (documented: forgiving of real archives) ----


@pytest.mark.parametrize("card", ["FILTER", "OBJECT", "DATE-OBS"])
@pytest.mark.parametrize("damage", ["non-ASCII bytes", "NUL bytes"])
def test_damaged_header_cards_are_repaired_or_dropped(card, damage, band_files, tmp_path, capsys):
    """A card of bytes 0x80-0xCF or of NULs does not stop a render whose unit and wavelength are
    still known (WAVELNTH stands in for a lost FILTER); nothing but the output is written."""
    raw = band_files["temperature"].read_bytes()
    garbage = bytes(range(0x80, 0xD0)) if damage == "non-ASCII bytes" else b"\0" * 80
    damaged = _write(tmp_path / "damaged.fits", _patch_card(raw, card, garbage))
    band = falsecolor.read_band(damaged)
    assert band.unit == falsecolor.read_band(band_files["temperature"]).unit
    before = _tree(tmp_path)
    out = tmp_path / "out" / "picture.png"
    out.parent.mkdir()
    code = _cli(["render", "-t", damaged, "-c", band_files["cloud"], "-o", out, "-q"])
    assert code == 0, capsys.readouterr().err
    assert out.read_bytes().startswith(b"\x89PNG")
    out.unlink()
    out.parent.rmdir()
    assert _tree(tmp_path) == before
