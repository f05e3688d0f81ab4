"""Colour stacks (``--channel rgb``) and the stack's quick look (``--preview``)."""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

import falsecolor
from falsecolor.cli import main
from falsecolor.exceptions import InputError
from falsecolor.lucky import fourier_shift
from falsecolor.stacking import write_stack
from falsecolor.synthetic import synthetic_frames

COLOURS = (1.0, 0.6, 0.3)  # red, green, blue of the proportional colour frames


def _colour_planet(shape=(96, 96)):
    """A planet whose three colours differ in structure (row 0 at the bottom): belts in red only, a
    spot in blue only, so a colour moved by a pixel or a swapped plane shows."""
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    r = np.hypot(y - 48, x - 46) / 26
    disc = 0.5 * (1 - np.tanh((r - 1) / 0.1))
    red = 900 * disc * (1 + 0.3 * np.sin(y / 3))
    green = 700 * disc
    blue = 400 * disc * (1 + 1.5 * np.exp(-((y - 40) ** 2 + (x - 55) ** 2) / 20))
    return np.stack([red, green, blue]) + 20.0  # planes first


def _drifting(planes, n=24, seed=4, noise=4.0):
    """Frames ``(n, ny, nx, 3)`` of ``planes`` moved by known sub-pixel shifts, with noise."""
    rng = np.random.default_rng(seed)
    shifts = rng.uniform(-6, 6, (n, 2))
    frames = np.stack([np.stack([fourier_shift(p, dy, dx) for p in planes], axis=-1) for dy, dx in shifts])
    return (frames + rng.normal(0, noise, frames.shape)).astype(np.float32), shifts


def _proportional(n=60, seed=3):
    lucky = synthetic_frames(n, (96, 96), seed=seed)
    return np.stack([c * lucky.frames for c in COLOURS], axis=-1)


def _cli(argv):
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:
        return stop.code


def test_each_plane_is_the_stack_of_that_colour_and_the_band_is_their_luminance():
    frames = _proportional()
    result = falsecolor.stack(frames, channel="rgb", keep="25%")
    assert result.rgb.shape == (96, 96, 3) and result.rgb.dtype == np.float32
    for plane, colour in enumerate(("red", "green", "blue")):
        alone = falsecolor.stack(frames, channel=colour, keep="25%").data
        assert np.array_equal(np.isnan(result.rgb[..., plane]), np.isnan(alone))
        assert np.nanmax(np.abs(result.rgb[..., plane] - alone)) < 1e-5 * np.nanmax(alone)
    luminance = falsecolor.stack(frames, channel="luminance", keep="25%").data
    assert np.nanmax(np.abs(result.data - luminance)) < 1e-5 * np.nanmax(luminance)
    planes = np.nanmean(result.rgb.reshape(-1, 3), axis=0)
    np.testing.assert_allclose(planes / planes[0], COLOURS, rtol=1e-4)


def test_the_colours_stay_in_register_on_a_drifting_planet():
    truth = _colour_planet()
    frames, shifts = _drifting(truth)
    result = falsecolor.stack(frames, channel="rgb", keep="50%")
    kept = [f for f in result.frames if f["kept"]]
    index = np.array([f["index"] for f in kept])
    offset = (shifts[index] - np.array([[f["dy"], f["dx"]] for f in kept])).mean(axis=0)
    inner = (slice(12, -12), slice(12, -12))
    for plane in range(3):
        expected = fourier_shift(truth[plane], *offset)
        error = np.abs(result.rgb[..., plane] - expected)[inner]
        assert np.nanmedian(error) < 0.01 * truth[plane].max(), plane
        assert np.nanmax(error) < 0.05 * truth[plane].max(), plane
    swapped = np.abs(result.rgb[..., 0] - fourier_shift(truth[2], *offset))[inner]
    assert np.nanmax(swapped) > 0.3 * truth[0].max()  # the test can tell the planes apart


def test_threads_give_the_same_colour_stack():
    frames, _ = _drifting(_colour_planet(), n=30)
    one = falsecolor.stack(frames, channel="rgb", keep="50%", workers=1, chunk=4)
    two = falsecolor.stack(frames, channel="rgb", keep="50%", workers=2, chunk=4)
    assert np.array_equal(one.rgb, two.rgb, equal_nan=True)


def test_colour_darks_per_plane_and_a_single_plane_dark_on_every_plane():
    frames, _ = _drifting(_colour_planet(), n=16)
    clean = falsecolor.stack(frames, channel="rgb", keep="50%")
    rng = np.random.default_rng(1)
    colour_dark = rng.uniform(0, 50, (96, 96, 3)).astype(np.float32) + np.float32([80, 40, 10])
    darkened = falsecolor.stack(frames + colour_dark, channel="rgb", keep="50%", dark=colour_dark[None])
    np.testing.assert_allclose(darkened.rgb, clean.rgb, atol=1e-2, equal_nan=True)
    mono_dark = rng.uniform(0, 50, (96, 96)).astype(np.float32)
    darkened = falsecolor.stack(frames + mono_dark[..., None], channel="rgb", keep="50%", dark=mono_dark)
    np.testing.assert_allclose(darkened.rgb, clean.rgb, atol=1e-2, equal_nan=True)


def test_colour_flats_keep_the_camera_colour_balance():
    frames, _ = _drifting(_colour_planet(), n=16, noise=0.5)
    clean = falsecolor.stack(frames, channel="rgb", keep="50%")
    y, x = np.mgrid[0:96, 0:96]
    vignette = (1 - 0.2 * ((y - 48) ** 2 + (x - 48) ** 2) / 48**2).astype(np.float32)
    flat = np.stack([vignette * g for g in (2.0, 1.0, 0.5)], axis=-1)  # per-colour gains as well
    flattened = falsecolor.stack(frames * vignette[..., None], channel="rgb", keep="50%", flat=flat)
    ratio = flattened.rgb / clean.rgb
    disc = clean.data > 0.5 * np.nanmax(clean.data)
    scales = []
    for plane in range(3):  # the vignetting is gone from every plane ...
        values = ratio[..., plane][disc]
        assert np.nanstd(values) < 0.01 * np.nanmedian(values)
        scales.append(np.nanmedian(values))
    # ... and the flat's own colour (its gains) is not put into the picture: one scale for all planes
    np.testing.assert_allclose(np.array(scales) / scales[0], 1.0, rtol=0.01)


def test_single_plane_frames_are_refused_or_left_out(tmp_path):
    mono = synthetic_frames(12, (64, 64), seed=2).frames
    with pytest.raises(InputError, match="stacks colour frames"):
        falsecolor.stack(mono, channel="rgb")
    truth = _colour_planet((64, 64)) / 6  # under 255: not saturated
    folder = tmp_path / "frames"
    folder.mkdir()
    frames, _ = _drifting(truth, n=8, noise=1.0)
    for k, frame in enumerate(frames):
        Image.fromarray(np.clip(frame[::-1], 0, 255).astype(np.uint8)).save(folder / f"{k}.png")
    Image.fromarray(np.clip(frames[0, ::-1, :, 1], 0, 255).astype(np.uint8)).save(folder / "8.png")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        result = falsecolor.stack(str(folder), channel="rgb", keep="100%")
    grey = [f for f in result.frames if f["name"] == "8.png"]
    assert grey and grey[0]["status"] == "a single-plane frame in a colour stack"
    assert result.summary["kept"] == 8


@pytest.mark.parametrize(
    "options, pattern",
    [
        ({"method": "median"}, r"method='weighted' or method='mean'"),
        ({"align": "local"}, r"align='global' or align='none'"),
        ({"drizzle": 2}, r"does not drizzle"),
    ],
)
def test_what_a_colour_stack_does_not_do_is_refused_with_the_fix(options, pattern):
    with pytest.raises(InputError, match=pattern):
        falsecolor.stack(_proportional(12), channel="rgb", **options)


def test_cli_colour_stack_writes_a_cube_and_a_colour_preview(tmp_path, capsys):
    frames, _ = _drifting(_colour_planet(), n=12)
    path = tmp_path / "colour.fits"
    fits.PrimaryHDU(frames[..., 0]).writeto(path)  # a FITS cube is single-plane: colour comes from PNG
    folder = tmp_path / "png"
    folder.mkdir()
    for k, frame in enumerate(frames):
        Image.fromarray(np.clip(frame[::-1] / 6, 0, 255).astype(np.uint8)).save(folder / f"f{k}.png")
    out, look = tmp_path / "s.fits", tmp_path / "s.png"
    assert _cli(["stack", folder, "-o", out, "--channel", "rgb", "--preview", look, "--keep", "50%"]) == 0
    assert "red, green and blue planes" in capsys.readouterr().out
    with fits.open(out) as hdul:
        assert hdul[0].data.shape == (3, 96, 96) and hdul[0].header["CHANNEL"] == "rgb"
        assert hdul["COVERAGE"].data.shape == (96, 96)
        cube = hdul[0].data
    assert _cli(["render", "--help"]) == 0 and "--plane" in capsys.readouterr().out
    decoded = np.asarray(Image.open(look))
    assert decoded.shape == (96, 96, 3) and decoded.dtype == np.uint8
    disc = np.isfinite(cube[1]) & (cube[1] > 0.5 * np.nanmax(cube[1]))
    red, blue = decoded[..., 0][disc[::-1]].mean(), decoded[..., 2][disc[::-1]].mean()
    assert red > 1.5 * blue  # the planet is red: the preview shows it in colour, top row first
    code = _cli(["stack", path, "-o", tmp_path / "m.fits", "--channel", "rgb"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "stacks colour frames" in err
    assert not (tmp_path / "m.fits").exists()


def test_preview_is_grey_top_row_first_and_a_wrong_suffix_is_refused_before_work(tmp_path, capsys):
    lucky = synthetic_frames(20, (64, 80), seed=5)
    result = falsecolor.stack(lucky.frames, keep="50%")
    written = write_stack(result, tmp_path / "s.fits", preview_to=tmp_path / "s.png")
    decoded = np.asarray(Image.open(io.BytesIO((tmp_path / "s.png").read_bytes())))
    assert len(written) == 2 and decoded.shape == (64, 80) and decoded.dtype == np.uint8
    data = np.nan_to_num(result.data[::-1], nan=0.0)
    assert np.corrcoef(decoded.ravel(), data.ravel())[0, 1] > 0.95
    assert decoded.max() == 255 and decoded.min() == 0
    path = tmp_path / "frames.fits"
    fits.PrimaryHDU(lucky.frames).writeto(path)
    code = _cli(["stack", path, "-o", tmp_path / "t.fits", "--preview", tmp_path / "t.jpg"])
    err = capsys.readouterr().err
    assert code == 2 and re.fullmatch(r"falsecolor: error: --preview .*name it \.png\n", err)
    assert not (tmp_path / "t.fits").exists()


def test_a_cluster_gives_the_same_colour_stack(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    from falsecolor.bands import write_ser

    frames, _ = _drifting(_colour_planet(), n=20)
    stored = np.clip(frames[:, ::-1] * 20, 0, 65_535).astype(np.uint16)  # SER stores the top row first
    path = write_ser(tmp_path / "colour.ser", stored, colour="rgb")
    local = falsecolor.stack(str(path), channel="rgb", keep="50%", chunk=4)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        remote = falsecolor.stack(str(path), channel="rgb", keep="50%", chunk=4, scheduler=cluster)
    assert np.array_equal(remote.rgb, local.rgb, equal_nan=True)
    assert np.nanmean(local.rgb[..., 0]) > 1.5 * np.nanmean(local.rgb[..., 2])  # SER colour order kept


def _ser_pair(tmp_path, frames):
    """The same colour frames as an RGB SER and as a BGR SER (planes stored in the other order)."""
    from falsecolor.bands import write_ser

    stored = np.clip(frames[:, ::-1] * 20, 0, 60_000).astype(np.uint16)  # SER stores the top row first
    rgb = write_ser(tmp_path / "rgb.ser", stored, colour="rgb")
    bgr = write_ser(tmp_path / "bgr.ser", stored[..., ::-1], colour="bgr")
    return rgb, bgr


def test_a_bgr_ser_stacks_to_the_same_colours_as_an_rgb_one(tmp_path):
    frames, _ = _drifting(_colour_planet(), n=10)
    rgb, bgr = _ser_pair(tmp_path, frames)
    one = falsecolor.stack(str(rgb), channel="rgb", keep="100%")
    two = falsecolor.stack(str(bgr), channel="rgb", keep="100%")
    assert np.array_equal(one.rgb, two.rgb, equal_nan=True)
    assert np.nanmean(one.rgb[..., 0]) > 1.5 * np.nanmean(one.rgb[..., 2])


def test_an_opened_source_keeps_its_channel_and_a_different_one_is_refused(tmp_path):
    from falsecolor.bands import open_frames

    frames, _ = _drifting(_colour_planet(), n=10)
    path, _ = _ser_pair(tmp_path, frames)
    result = falsecolor.stack(open_frames(str(path), channel="rgb"), keep="100%")
    assert result.rgb is not None and result.options.channel == "rgb"
    with pytest.raises(InputError, match="opened as luminance"):
        falsecolor.stack(open_frames(str(path)), channel="rgb")


def test_a_colour_clipped_in_one_plane_is_saturated_whatever_the_luminance(tmp_path):
    from falsecolor.bands import write_ser

    frames, _ = _drifting(_colour_planet() / 4, n=12, noise=1.0)
    clipped = np.clip(frames, 0, 255).round().astype(np.uint8)
    clipped[..., 0] = np.where(frames[..., 0] > 120, np.uint8(255), clipped[..., 0])  # red burnt out
    luminance = clipped.astype(np.float32) @ np.float32([0.2126, 0.7152, 0.0722])
    assert (clipped[..., 0] == 255).mean() > 0.01 and luminance.max() < 250
    path = write_ser(tmp_path / "burnt.ser", clipped, colour="rgb")
    for channel in ("rgb", "luminance", "red"):
        with pytest.raises(InputError, match="12 saturated"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # each frame is also warned about
            falsecolor.stack(str(path), channel=channel)
    assert falsecolor.stack(str(path), channel="green").summary["usable"] == 12


def test_a_hot_pixel_of_one_colour_is_repaired_in_that_plane():
    frames, _ = _drifting(_colour_planet(), n=16, noise=1.0)
    hot = frames.copy()
    hot[:, 70, 20, 2] += 400  # a hot blue pixel: a seventh of that in luminance
    clean = falsecolor.stack(frames, channel="rgb", keep="50%", align="none")
    repaired = falsecolor.stack(hot, channel="rgb", keep="50%", align="none")
    assert abs(repaired.rgb[70, 20, 2] - clean.rgb[70, 20, 2]) < 10  # not +400


def test_single_colour_stacks_take_the_same_colour_of_a_colour_dark():
    frames, _ = _drifting(_colour_planet(), n=10)
    dark = np.zeros((96, 96, 3), np.float32) + np.float32([90, 50, 10])
    for plane, channel in enumerate(("red", "green", "blue")):
        clean = falsecolor.stack(frames, channel=channel, keep="100%")
        darkened = falsecolor.stack(frames + dark, channel=channel, keep="100%", dark=dark)
        np.testing.assert_allclose(darkened.data, clean.data, atol=1e-2, equal_nan=True), plane


def test_ambiguous_or_mixed_calibration_frames_are_refused_with_one_line(tmp_path, capsys):
    frames, _ = _drifting(_colour_planet() / 6, n=8, noise=1.0)
    folder = tmp_path / "frames"
    folder.mkdir()
    for k, frame in enumerate(frames):
        Image.fromarray(np.clip(frame[::-1], 0, 255).astype(np.uint8)).save(folder / f"{k}.png")
    cube = tmp_path / "dark_cube.fits"
    fits.PrimaryHDU(np.zeros((3, 96, 96), np.float32)).writeto(cube)
    mono, colour = tmp_path / "mono.png", tmp_path / "colour.png"
    Image.fromarray(np.full((96, 96), 3, np.uint8)).save(mono)
    Image.fromarray(np.full((96, 96, 3), 3, np.uint8)).save(colour)
    stacked = tmp_path / "stacked.fits"
    assert _cli(["stack", folder, "-o", stacked, "--channel", "rgb", "-q"]) == 0
    cases = [
        (["--dark", cube], "three single planes"),
        (["--dark", mono, "--dark", colour], "mix colour and single-plane"),
        (["--flat", stacked], "is a colour stack (CHANNEL = 'rgb')"),
    ]
    for extra, pattern in cases:
        out = tmp_path / "o.fits"
        code = _cli(["stack", folder, "-o", out, "--channel", "rgb", *extra])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and pattern in err and "Traceback" not in err, err
        assert not out.exists()


def test_grey_and_alpha_images_are_single_plane(tmp_path):
    from falsecolor.bands import open_frames

    grey = np.random.default_rng(0).integers(0, 200, (32, 40), dtype=np.uint8)
    alpha = np.full_like(grey, 255)
    Image.fromarray(np.stack([grey, alpha], axis=-1), mode="LA").save(tmp_path / "la.png")
    source = open_frames(str(tmp_path / "la.png"))
    out = np.empty(source.shape, np.float32)
    assert not source.is_colour(0) and source.read(0, out) is None
    np.testing.assert_array_equal(out, grey[::-1])
    with pytest.raises(InputError, match="read as one plane"):
        open_frames(str(tmp_path / "la.png"), channel="rgb")


def test_transparent_frames_are_stacked_with_a_warning_and_opaque_ones_without(tmp_path):
    frames, _ = _drifting(_colour_planet() / 6, n=8, noise=1.0)
    for name, alpha in (("opaque", 255), ("clear", 0)):
        folder = tmp_path / name
        folder.mkdir()
        for k, frame in enumerate(frames):
            rgba = np.dstack([np.clip(frame[::-1], 0, 255), np.full(frame.shape[:2], 255.0)]).astype(np.uint8)
            rgba[:10, :, 3] = alpha  # the top rows: opaque, or transparent
            Image.fromarray(rgba, mode="RGBA").save(folder / f"{k}.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an opaque sequence: no warning at all
        falsecolor.stack(str(tmp_path / "opaque"), channel="rgb", keep="100%")
    with pytest.warns(UserWarning, match=r"8 of 8 frames are transparent in places .*first 0\.png"):
        result = falsecolor.stack(str(tmp_path / "clear"), channel="rgb", keep="100%")
    assert result.summary["kept"] == 8
