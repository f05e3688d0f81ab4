"""Colour-sensor (Bayer) frames: SER colour IDs and FITS BAYERPAT (with offsets and row order)
demosaiced against a known smooth planet, a wrong pattern measurably wrong, the --bayer override,
CMY sensors refused, and one-line errors."""

from __future__ import annotations

import importlib.util
import sys
import warnings

import numpy as np
import pytest
from astropy.io import fits

import falsecolor
from falsecolor.bands import open_frames, read_ser_header, write_ser
from falsecolor.bands._bayer import PATTERNS, shifted
from falsecolor.cli import main
from falsecolor.exceptions import FileFormatError, InputError

# not imported here: on import it switches numpy's printing to 1.13 style (the package restores it)
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("colour_demosaicing") is None, reason="colour-demosaicing is not installed"
)

_REC709 = np.array([0.2126, 0.7152, 0.0722])
OPPOSITE = {"RGGB": "BGGR", "BGGR": "RGGB", "GRBG": "GBRG", "GBRG": "GRBG"}  # red and blue swapped


def planet(shape=(64, 96), centre=(30.0, 50.0)):
    """A smooth colour planet (top row first): soft limb, limb darkening, belts, different per colour."""
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    r = np.hypot(y - centre[0], x - centre[1]) / 24.0
    disc = 0.5 * (1 - np.tanh((r - 1) / 0.12)) * np.sqrt(np.clip(1 - 0.6 * r**2, 0.05, None))
    belts = 1 + 0.15 * np.sin((y - centre[0]) / 3.5)
    red, green, blue = 30_000 * disc * belts, 24_000 * disc * belts**-1, 12_000 * disc
    return np.stack([red + 800, green + 600, blue + 400], axis=-1)


def mosaic(rgb, pattern):
    """The raw frame a sensor with ``pattern`` (its stored [0, 0] first) records of ``rgb``."""
    raw = np.empty(rgb.shape[:2])
    for colour, (dy, dx) in zip(pattern, [(0, 0), (0, 1), (1, 0), (1, 1)], strict=True):
        raw[dy::2, dx::2] = rgb[dy::2, dx::2, "RGB".index(colour)]
    return raw


def _first(source):
    out = np.empty(source.shape, np.float32)
    assert source.read(0, out) is None
    return out


def _errors(image, truth, border=3):
    """Median and maximum relative error away from the outer ``border`` pixels."""
    inner = (slice(border, -border), slice(border, -border))
    error = np.abs(image[inner] - truth[inner]) / truth.max()
    return float(np.median(error)), float(error.max())


def _truth(rgb, channel):
    return rgb @ _REC709 if channel == "luminance" else rgb[..., "rgb".index(channel[0])]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_ser_colour_id_demosaics_to_the_truth_and_a_wrong_pattern_does_not(tmp_path, pattern):
    rgb = planet()
    path = write_ser(tmp_path / "c.ser", np.repeat(mosaic(rgb, pattern)[None], 2, 0), colour=pattern)
    assert read_ser_header(path).bayer == pattern
    for channel in ("red", "green", "blue", "luminance"):
        truth = _truth(rgb, channel)[::-1]  # row 0 at the bottom, as frames are read
        median, worst = _errors(_first(open_frames(path, channel=channel)), truth)
        # measured: median 1e-5 (luminance 1.5e-4); worst at the limb 0.014-0.018, blue (one
        # pixel in four) 0.062
        assert median < 5e-4 and worst < (0.08 if channel == "blue" else 0.03), (channel, median, worst)
        wrong_median, wrong_worst = _errors(
            _first(open_frames(path, channel=channel, bayer=OPPOSITE[pattern])), truth
        )
        if channel != "green":  # red and blue swapped; green sits where it was
            assert wrong_median > 0.003 and wrong_worst > 0.1, (channel, wrong_median, wrong_worst)


@pytest.mark.parametrize("rows", [64, 63])  # the bottom-up phase depends on the parity of the rows
@pytest.mark.parametrize(
    ("row_order", "x_offset", "y_offset"),
    [(None, 0, 0), ("TOP-DOWN", 1, 0), ("BOTTOM-UP", 0, 0), ("BOTTOM-UP", 1, 1), ("TOP-DOWN", 0, 3)],
)
def test_fits_bayerpat_with_offsets_and_row_order(tmp_path, rows, row_order, x_offset, y_offset):
    rgb = planet((rows, 96))  # top row first
    sensor = "GRBG"  # the pattern of the image's top-left pixel
    header = fits.Header()
    header["BAYERPAT"] = shifted(sensor, y_offset, x_offset)  # the offsets move the pattern back
    header["XBAYROFF"], header["YBAYROFF"] = x_offset, y_offset
    if row_order:
        header["ROWORDER"] = row_order
    raw = mosaic(rgb, sensor)
    stored = raw[::-1] if row_order == "BOTTOM-UP" else raw  # FITS row 0 is the first stored row
    fits.PrimaryHDU(np.repeat(stored[None], 2, 0).astype(np.float32), header).writeto(tmp_path / "m.fits")
    read = _first(open_frames(tmp_path / "m.fits", channel="red"))
    truth = rgb[..., 0][::-1] if row_order == "BOTTOM-UP" else rgb[..., 0]  # FITS is read as stored
    median, worst = _errors(read, truth)
    assert median < 5e-4 and worst < 0.03, (median, worst)
    header["BAYERPAT"] = shifted(header["BAYERPAT"], 1, 1)  # a header naming the wrong pattern
    fits.PrimaryHDU(np.repeat(stored[None], 2, 0).astype(np.float32), header).writeto(tmp_path / "w.fits")
    assert _errors(_first(open_frames(tmp_path / "w.fits", channel="red")), truth)[1] > 0.2


def test_bayer_none_reads_the_raw_mosaic_and_a_pattern_overrides_a_mono_file(tmp_path):
    rgb = planet()
    raw = mosaic(rgb, "BGGR")
    coloured = write_ser(tmp_path / "c.ser", raw[None], colour="BGGR")
    np.testing.assert_array_equal(_first(open_frames(coloured, bayer="none")), np.rint(raw)[::-1])
    plain = write_ser(tmp_path / "m.ser", raw[None])  # a colour camera saved as mono
    np.testing.assert_array_equal(_first(open_frames(plain)), np.rint(raw)[::-1])
    median, worst = _errors(_first(open_frames(plain, channel="blue", bayer="bggr")), rgb[..., 2][::-1])
    assert median < 5e-4 and worst < 0.08


def test_a_pattern_leaves_colour_frames_alone(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (1, 16, 20, 3), dtype=np.uint8)
    path = write_ser(tmp_path / "rgb.ser", rgb, colour="rgb")
    np.testing.assert_array_equal(_first(open_frames(path, channel="red", bayer="RGGB")), rgb[0, ::-1, :, 0])


def test_cmy_sensors_and_unknown_patterns_are_refused_with_the_fix(tmp_path):
    path = write_ser(tmp_path / "cmy.ser", np.zeros((2, 16, 16), np.uint8), colour="CYYM")
    with pytest.raises(FileFormatError, match=r"cmy.ser .*cyan-yellow-magenta .*bayer='none'"):
        open_frames(path)
    assert open_frames(path, bayer="none").shape == (16, 16)
    fits.PrimaryHDU(np.zeros((16, 16), np.float32), fits.Header([("BAYERPAT", "XTRANS")])).writeto(
        tmp_path / "x.fits"
    )
    with pytest.raises(FileFormatError, match=r"x.fits: unknown Bayer pattern 'XTRANS'.*bayer='RGGB'"):
        open_frames(tmp_path / "x.fits")
    assert open_frames(tmp_path / "x.fits", bayer="GBRG").segments[0].bayer == "GBRG"
    with pytest.raises(InputError, match="bayer='RGBG': choose auto, none, RGGB"):
        open_frames(tmp_path / "x.fits", bayer="RGBG")


def test_without_colour_demosaicing_a_mosaic_is_one_line_naming_the_extra(tmp_path, monkeypatch, capsys):
    from falsecolor.bands import _bayer

    path = write_ser(tmp_path / "c.ser", np.zeros((2, 16, 16), np.uint8), colour="RGGB")
    monkeypatch.setattr(_bayer, "_library", None)
    monkeypatch.setitem(sys.modules, "colour_demosaicing", None)
    with pytest.raises(InputError, match=r"pip install 'falsecolor-ir\[bayer\]'"):
        open_frames(path)
    assert open_frames(path, bayer="none").shape == (16, 16)  # the raw mosaic needs nothing
    assert main(["stack", str(path), "-o", str(tmp_path / "s.fits"), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "falsecolor-ir[bayer]" in err[0] and "--bayer none" in err[0]
    assert not (tmp_path / "s.fits").exists()


def test_a_drifting_colour_planet_stacks_on_its_true_shifts(tmp_path):
    from falsecolor.synthetic import synthetic_frames

    lucky = synthetic_frames(40, (128, 128), seed=7, tip_tilt=3.0)
    stored = lucky.frames[:, ::-1] * 20
    rgb = np.stack([stored, 0.8 * stored, 0.5 * stored], axis=-1)
    raw = np.stack([mosaic(frame, "GBRG") for frame in rgb])
    path = write_ser(tmp_path / "colour.ser", raw, colour="GBRG")
    result = falsecolor.stack(str(path), keep="50%")
    kept = [f for f in result.frames if f["kept"]]
    index = np.array([f["index"] for f in kept])
    error = np.array([[f["dy"], f["dx"]] for f in kept]) - lucky.shifts[index]
    error -= error.mean(axis=0)
    assert float(np.sqrt(np.mean(error**2))) < 0.05


def test_cli_bayer_option(tmp_path, capsys):
    rgb = planet()
    noise = np.random.default_rng(8).normal(0, 30, (12, *rgb.shape[:2]))
    frames = mosaic(rgb, "RGGB")[None] + noise
    path = write_ser(tmp_path / "m.ser", frames)  # mono header: the pattern comes from --bayer
    out = tmp_path / "s.fits"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        status = main(["stack", str(path), "-o", str(out), "--bayer", "rggb", "--channel", "red", "-q"])
    assert status == 0
    stacked = fits.getdata(out)
    truth = rgb[..., 0][::-1]
    inner = np.isfinite(stacked)
    inner[:4], inner[-4:], inner[:, :4], inner[:, -4:] = False, False, False, False
    assert np.median(np.abs(stacked - truth)[inner]) / truth.max() < 0.01
    with pytest.raises(SystemExit):
        main(["stack", str(path), "-o", str(out), "--bayer", "XYZ"])
    assert "choose auto, none, RGGB" in capsys.readouterr().err


def test_cli_colour_stack_of_a_mosaic_matches_every_colour_of_the_truth(tmp_path):
    rgb = planet()
    noise = np.random.default_rng(9).normal(0, 30, (12, *rgb.shape[:2]))
    path = write_ser(tmp_path / "m.ser", mosaic(rgb, "GRBG")[None] + noise, colour="GRBG")
    out = tmp_path / "s.fits"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["stack", str(path), "-o", str(out), "--channel", "rgb", "-q"]) == 0
    cube = fits.getdata(out)
    assert cube.shape == (3, *rgb.shape[:2])
    for plane in range(3):
        truth = rgb[::-1, :, plane]
        inner = np.isfinite(cube[plane])
        inner[:4], inner[-4:], inner[:, :4], inner[:, -4:] = False, False, False, False
        assert np.median(np.abs(cube[plane] - truth)[inner]) / truth.max() < 0.01, plane


def test_a_raw_flat_is_demosaiced_like_the_frames_it_flattens(tmp_path):
    rgb = planet()
    gains = mosaic(np.ones_like(rgb) * np.array([0.7, 1.0, 1.3]), "RGGB")  # a sensor's colour response
    noise = np.random.default_rng(4).normal(0, 5, (8, *rgb.shape[:2]))
    raw = mosaic(rgb, "RGGB")[None] * gains + noise
    frames = write_ser(tmp_path / "m.ser", raw)  # mono headers: the pattern comes from --bayer
    flat = write_ser(tmp_path / "flat.ser", 20_000 * gains[None])  # taken as the frames are, mono header
    plain, flattened = tmp_path / "plain.fits", tmp_path / "flat_applied.fits"
    common = ["--bayer", "RGGB", "--channel", "rgb", "--keep", "100%", "--align", "none", "-q"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["stack", str(frames), "-o", str(plain), *common]) == 0
        assert main(["stack", str(frames), "-o", str(flattened), "--flat", str(flat), *common]) == 0
    ratio = fits.getdata(flattened) / fits.getdata(plain)
    disc = fits.getdata(plain)[1] > 0.3 * np.nanmax(fits.getdata(plain)[1])
    disc[:4], disc[-4:], disc[:, :4], disc[:, -4:] = False, False, False, False
    for plane in range(3):  # no 2 x 2 pattern of the raw flat in any colour
        values = ratio[plane][disc]
        assert np.nanstd(values) < 0.01 * np.nanmedian(values), plane
