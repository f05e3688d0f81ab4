"""Frame and calibration files that would stack to a wrong picture are refused with one line: image
kinds whose pixels are not intensities, a stack's own output, flats that cannot be divided by."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

import falsecolor
from falsecolor.bands import open_frames
from falsecolor.cli import main
from falsecolor.exceptions import FileFormatError, InputError
from falsecolor.synthetic import synthetic_frames


def _cli(argv):
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:
        return stop.code


def _png16_rgb(path, rgb: np.ndarray) -> None:
    """A 16-bit RGB PNG (which Pillow cannot write), chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ny, nx, _ = rgb.shape
    rows = b"".join(b"\0" + row.astype(">u2").tobytes() for row in rgb)
    header = struct.pack(">IIBBBBB", nx, ny, 16, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_a_16_bit_colour_png_is_refused_not_read_as_8_bit(tmp_path, capsys):
    rgb = np.random.default_rng(0).integers(0, 4096, (32, 40, 3)).astype(np.uint16)
    _png16_rgb(tmp_path / "f.png", rgb)
    with Image.open(tmp_path / "f.png") as check:  # the test file is what Pillow reads as 8-bit
        assert check.mode == "RGB"
    with pytest.raises(FileFormatError, match=r"16-bit colour PNG.*16-bit TIFF or SER"):
        open_frames(str(tmp_path / "f.png"))
    code = _cli(["stack", tmp_path / "f.png", "-o", tmp_path / "o.fits"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "16-bit colour PNG" in err
    assert not (tmp_path / "o.fits").exists()


@pytest.mark.parametrize("photometric, name", [("separated", "CMYK"), ("palette", "palette-colour")])
def test_tiffs_whose_values_are_not_intensities_are_refused(tmp_path, photometric, name):
    import tifffile

    data = np.random.default_rng(1).integers(0, 255, (32, 40, 4) if photometric == "separated" else (32, 40))
    extra = (
        {"colormap": np.tile(np.arange(256, dtype=np.uint16) * 257, (3, 1))}
        if photometric == "palette"
        else {}
    )
    tifffile.imwrite(tmp_path / "f.tif", data.astype(np.uint8), photometric=photometric, **extra)
    with pytest.raises(FileFormatError, match=f"a {name} TIFF"):
        open_frames(str(tmp_path / "f.tif"))


def test_a_palette_png_is_colour(tmp_path):
    grey = np.random.default_rng(2).integers(0, 255, (32, 40)).astype(np.uint8)
    Image.fromarray(np.stack([grey, grey // 2, grey // 4], axis=-1)).convert("P").save(tmp_path / "p.png")
    source = open_frames(str(tmp_path / "p.png"), channel="rgb")
    planes = np.empty((3, 32, 40), np.float32)
    assert source.is_colour(0) and source.read_rgb(0, planes) is None
    assert planes[0].mean() > 1.5 * planes[2].mean()


def test_a_stack_is_not_frames_its_coverage_is_skipped_and_a_colour_cube_refused(tmp_path, capsys):
    lucky = synthetic_frames(12, (64, 64), seed=1)
    result = falsecolor.stack(lucky.frames, keep="100%", align="none")
    result.to_fits(tmp_path / "band.fits")
    source = open_frames(str(tmp_path / "band.fits"))
    assert len(source) == 1  # the band, not its COVERAGE extension
    colour = falsecolor.stack(np.stack([lucky.frames] * 3, axis=-1), channel="rgb", keep="100%", align="none")
    colour.to_fits(tmp_path / "colour.fits")
    code = _cli(["stack", tmp_path / "colour.fits", "-o", tmp_path / "o.fits"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "is a colour stack (CHANNEL = 'rgb')" in err


def test_when_no_frame_is_usable_the_error_is_the_only_line(tmp_path, capsys):
    folder = tmp_path / "blank"
    folder.mkdir()
    for k in range(12):
        Image.fromarray(np.full((32, 40), 17, np.uint8)).save(folder / f"{k}.png")
    code = _cli(["stack", folder, "-o", tmp_path / "o.fits", "-q"])
    err = capsys.readouterr().err
    assert (
        code == 2 and err == "falsecolor: error: no usable frame among 12: 12 blank (no signal or constant)\n"
    )


def test_dust_in_a_flat_is_repaired_and_a_flat_dark_in_places_is_refused(tmp_path):
    lucky = synthetic_frames(16, (64, 64), seed=3, bad_pixel_fraction=0.0)
    flat = np.ones((64, 64), np.float32)
    flat[30, 30] = flat[12, 50] = 0.0  # two dead specks of dust
    clean = falsecolor.stack(lucky.frames, keep="100%", align="none", method="mean")
    dusty = falsecolor.stack(lucky.frames, keep="100%", align="none", method="mean", flat=flat)
    for y, x in ((30, 30), (12, 50)):  # repaired from the four neighbours, not a hole of zeros
        neighbours = np.mean(
            [clean.data[y - 1, x], clean.data[y + 1, x], clean.data[y, x - 1], clean.data[y, x + 1]]
        )
        assert dusty.data[y, x] == pytest.approx(neighbours, rel=1e-4)
    half = np.ones((64, 64, 3), np.float32)
    half[:, :32, 2] = 0.0
    colour = np.stack([lucky.frames] * 3, axis=-1)
    with pytest.raises(InputError, match=r"on 50\.0 % of its pixels in its blue plane"):
        falsecolor.stack(colour, channel="rgb", flat=half)
    nan_flat = np.ones((64, 64), np.float32)
    nan_flat[5, 5] = np.nan
    with pytest.raises(InputError, match=r"no usable flat frame \(NaN or infinite values\)"):
        falsecolor.stack(lucky.frames, flat=nan_flat)


def test_an_empty_preview_name_is_refused_before_any_work(tmp_path, capsys):
    path = tmp_path / "frames.fits"
    fits.PrimaryHDU(synthetic_frames(12, (48, 48), seed=4).frames).writeto(path)
    code = _cli(["stack", path, "-o", tmp_path / "o.fits", "--preview", ""])
    err = capsys.readouterr().err
    assert (
        code == 2
        and err == "falsecolor: error: --preview needs a file name: the quick look is a PNG; name it .png\n"
    )
