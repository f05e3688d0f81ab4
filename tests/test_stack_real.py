"""Stacking real sequences: drifts that must not wrap, a field made of every frame's coverage, short
sequences, implausible shifts, and the stacked band's sky seen by `render` whatever its border.

The real frames (../shared/data/frames) are amateur 640 x 360 sequences in which the planet is
small and drifts hundreds of pixels; the truth they are checked against is measured here on each
frame alone (the planet's centre of mass), independently of the registration.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from astropy.io import fits
from scipy import ndimage

import falsecolor
from falsecolor import geometry, lucky
from falsecolor.bands import open_frames
from falsecolor.cli import main
from falsecolor.exceptions import FalsecolorWarning
from falsecolor.synthetic import synthetic_frames


def _frames(data_dir, name):
    folder = data_dir / "frames" / name
    if not folder.is_dir():
        pytest.skip(f"no {name} frames")
    return folder


def _planet_centre(image: np.ndarray) -> tuple[float, float]:
    """Centre of mass of the largest blob above the sky (full resolution, NaN ignored)."""
    sky = np.nanmedian(image)
    bright = np.nan_to_num(image, nan=sky) > sky + 0.3 * (np.nanmax(image) - sky)
    labels, count = ndimage.label(bright)
    largest = 1 + int(np.argmax(ndimage.sum(bright, labels, range(1, count + 1))))
    blob = labels == largest
    return ndimage.center_of_mass(np.where(blob, image - sky, 0))


def _planet_box(image: np.ndarray, margin: int) -> tuple[slice, slice]:
    sky = np.nanmedian(image)
    bright = np.nan_to_num(image, nan=sky) > sky + 0.3 * (np.nanmax(image) - sky)
    labels, count = ndimage.label(bright)
    largest = 1 + int(np.argmax(ndimage.sum(bright, labels, range(1, count + 1))))
    rows, cols = ndimage.find_objects((labels == largest).astype(int))[0]
    return slice(rows.start - margin, rows.stop + margin), slice(cols.start - margin, cols.stop + margin)


def _truth_shifts(folder) -> np.ndarray:
    source = open_frames(folder)
    frame = np.empty(source.shape, np.float32)
    centres = []
    for i in range(len(source)):
        assert source.read(i, frame) is None
        centres.append(_planet_centre(frame))
    return np.array(centres)


def _shifts(result) -> np.ndarray:
    return np.array([[f["dy"], f["dx"]] for f in result.frames], float)


def _coverage_from_shifts(shape, shifts) -> np.ndarray:
    """Coverage recomputed from the reported shifts: aligned pixel r comes from the frame's r + d."""
    count = np.zeros(shape, int)
    rows, cols = np.arange(shape[0]), np.arange(shape[1])
    for dy, dx in shifts:
        inside_y = (rows + dy >= -0.05) & (rows + dy <= shape[0] - 1 + 0.05)
        inside_x = (cols + dx >= -0.05) & (cols + dx <= shape[1] - 1 + 0.05)
        count += np.outer(inside_y, inside_x)
    return count


# ---- drifts larger than half the frame ----------------------------------------------------------


@pytest.mark.realdata
def test_saturn_drift_of_387_px_does_not_wrap(data_dir, tmp_path, capsys):
    folder = _frames(data_dir, "saturn")
    truth = _truth_shifts(folder)
    out, report = tmp_path / "saturn.fits", tmp_path / "saturn.json"
    assert main(["stack", str(folder), "-o", str(out), "--keep", "100%", "--report", str(report), "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "", "nothing was wrong: nothing to warn about"
    data = json.loads(report.read_text())
    measured = np.array([[f["dy"], f["dx"]] for f in data["frames"]])
    error = measured - truth
    error -= np.median(error, axis=0)  # the anchor frame's own position is arbitrary
    assert np.abs(error).max() < 3.0, error  # measured: within 0.3 px
    assert measured[:, 1].min() < -380  # -387 px, reported as +253 px when the correlation wrapped
    assert all(f["kept"] and f["status"] == "kept" for f in data["frames"])
    assert data["summary"]["kept"] == 10 and data["summary"]["left_out"] == []
    with fits.open(out) as hdul:
        image, coverage = hdul[0].data, hdul["COVERAGE"].data
    box = _planet_box(image, margin=6)
    assert np.isfinite(image[box]).all(), "Saturn is outside the usable field"
    assert (coverage[box] == 10).all(), "every frame covers the planet it was registered on"


def _drifting_disc(n: int, shape: tuple[int, int], path: np.ndarray, seed: int) -> np.ndarray:
    """Frames of a small banded disc on a sky, drawn (not wrapped) at each position of ``path``."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    frames = []
    for cy, cx in path:
        r = np.hypot(y - cy, x - cx)
        disc = 1 / (1 + np.exp((r - 11.0) / 0.8))
        bands = 1 + 0.3 * np.sin(2 * np.pi * (y - cy) / 5.5) + 0.15 * np.cos(2 * np.pi * (x - cx) / 7.0)
        frames.append(20 + 200 * disc * bands + rng.normal(0, 1.5, shape))
    return np.array(frames, np.float32)


def test_synthetic_drift_beyond_half_the_frame_does_not_wrap():
    n, shape = 12, (96, 160)
    path = np.column_stack([np.linspace(28, 66, n), np.linspace(18, 142, n)])  # 124 px in x: > 80
    frames = _drifting_disc(n, shape, path, seed=3)
    result = falsecolor.stack(frames, keep="100%", method="mean")
    measured = _shifts(result)
    error = measured - path
    error -= error.mean(axis=0)
    assert float(np.sqrt(np.mean(error**2))) < 0.1, error
    assert np.ptp(measured[:, 1]) > shape[1] / 2
    # the periodic correlation alone gives the far frames' shift wrapped round the frame
    anchor = int(np.argmin(np.abs(measured).sum(axis=1)))
    registrar = lucky.Registrar(frames[anchor])
    periodic = np.array([registrar.shift(registrar.spectrum(f))[1] for f in frames])
    assert np.abs(periodic - measured[:, 1]).max() == pytest.approx(shape[1], abs=0.5)
    assert result.summary["left_out"] == []
    box = _planet_box(result.data, margin=3)
    assert np.isfinite(result.data[box]).all() and (result.coverage[box] == n).all()


# ---- the field: every pixel from the frames that cover it -----------------------------------------


@pytest.fixture(scope="module")
def jupiter_stacks(data_dir, tmp_path_factory):
    folder = _frames(data_dir, "jupiter")
    directory = tmp_path_factory.mktemp("jupiter")
    paths = {}
    for field in FIELDS:
        paths[field] = directory / f"{field}.fits"
        assert main(["stack", str(folder), "-o", str(paths[field]), "--field", field, "-q"]) == 0
    return folder, paths


#: the fields and how many of the 10 Jupiter frames must cover a pixel in each
FIELDS = {"supported": 5, "whole": 1, "common": 10}


@pytest.mark.realdata
def test_jupiter_field_is_every_well_covered_pixel_with_a_right_coverage_map(jupiter_stacks):
    folder, paths = jupiter_stacks
    result = falsecolor.stack(folder)  # the default: the supported field, at least 10 frames
    with fits.open(paths["supported"]) as hdul:
        image, coverage = hdul[0].data, hdul["COVERAGE"].data
        assert hdul["COVERAGE"].data.dtype.kind == "i"
        assert hdul[0].header["FIELD"] == "supported" and hdul[0].header["MINCOVER"] == 5
    np.testing.assert_array_equal(image, result.data)
    np.testing.assert_array_equal(coverage, result.coverage)
    assert result.summary["kept"] == 10
    # measured: 76.7 % of the frame has data (was 15.4 %: only where all ten frames overlap)
    assert np.isfinite(image).mean() > 0.7
    independent = _coverage_from_shifts(image.shape, _shifts(result))
    assert coverage.max() == 10 and (coverage == 10).mean() > 0.1
    assert np.count_nonzero(independent != coverage) < 0.002 * coverage.size
    assert np.abs(independent - coverage).max() <= 1
    for field, need in FIELDS.items():  # NaN exactly where fewer frames than the field needs covered
        data = fits.getdata(paths[field])
        np.testing.assert_array_equal(np.isfinite(data), coverage >= need, err_msg=field)
        both = np.isfinite(data) & np.isfinite(image)
        assert np.abs(data[both] - image[both]).max() < 1e-3, "a pixel's value does not depend on the field"
    assert np.isfinite(fits.getdata(paths["whole"])).all()  # some frame covers every pixel
    assert 0.12 < np.isfinite(fits.getdata(paths["common"])).mean() < 0.2  # the former field
    # a low-coverage corner holds the same sky level as the middle, only noisier
    whole = fits.getdata(paths["whole"])
    sky = np.median(whole[coverage == 10])
    assert abs(np.median(whole[coverage <= 2]) - sky) < 1.0
    assert falsecolor.read_band(paths["supported"]).shape == image.shape


@pytest.mark.realdata
@pytest.mark.parametrize("field", list(FIELDS))
def test_jupiter_drizzle_follows_the_same_field_rule(jupiter_stacks, field):
    folder, paths = jupiter_stacks
    result = falsecolor.stack(folder, drizzle=2, field=field)
    plain = fits.getdata(paths[field])
    assert result.data.shape == result.coverage.shape == (720, 1280)
    np.testing.assert_array_equal(np.isfinite(result.data), result.coverage >= FIELDS[field])
    assert np.isfinite(result.data).mean() == pytest.approx(np.isfinite(plain).mean(), abs=0.01)
    # no zero border (before: the uncovered border took 0 from the fallback); the sky is at 16 counts
    assert np.nanmin(result.data) > 8
    assert np.nanmedian(result.data) == pytest.approx(np.nanmedian(plain), abs=0.5)


# ---- short sequences -------------------------------------------------------------------------------


@pytest.mark.realdata
def test_default_keep_stacks_at_least_ten_frames(jupiter_stacks, capsys):
    folder, paths = jupiter_stacks
    assert fits.getheader(paths["supported"])["NKEPT"] == 10  # was 1 (10 % of 10)
    with pytest.warns(FalsecolorWarning, match="only 2 frames stacked: fewer than 3"):
        result = falsecolor.stack(folder, keep=2)
    assert result.summary["kept"] == 2
    out = paths["supported"].with_name("two.fits")
    assert main(["stack", str(folder), "-o", str(out), "--keep", "2", "-q"]) == 0
    err = capsys.readouterr().err
    assert "only 2 frames stacked" in err and "--keep 100%" in err


def test_default_keep_on_longer_sequences():
    made = synthetic_frames(30, (64, 64), seed=2)
    assert falsecolor.stack(made.frames).summary["kept"] == 10  # 10 % of 30 is 3: at least 10
    assert falsecolor.stack(made.frames, keep="10%").summary["kept"] == 3  # asked for: no warning
    assert falsecolor.stack(made.frames, keep="50%").summary["kept"] == 15


# ---- implausible shifts ---------------------------------------------------------------------------


def _other_scene(like: np.ndarray, texture: float, seed: int) -> np.ndarray:
    """A frame of another scene, the same level on average: a smaller, off-centre, textured planet."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : like.shape[0], 0 : like.shape[1]]
    planet = (np.hypot(y - 30, x - 62) < 22) * (1 + texture * rng.normal(size=like.shape))
    scene = planet * (like.sum() / planet.sum()) + rng.normal(0, 0.02 * like.max(), like.shape)
    return scene.astype(np.float32)


@pytest.mark.parametrize("texture", [0.0, 0.5], ids=["smooth", "sharpest"])
def test_a_frame_of_another_scene_is_flagged_and_left_out(texture):
    made = synthetic_frames(24, (96, 96), seed=6)
    cube = made.frames.copy()
    cube[9] = _other_scene(cube[9], texture, seed=1)
    with pytest.warns(FalsecolorWarning, match=r"frame array#9: implausible shift.*left out"):
        result = falsecolor.stack(cube, keep="100%")
    odd = result.frames[9]
    assert not odd["kept"] and odd["status"].startswith("implausible shift") and odd["weight"] == 0
    assert [f["index"] for f in result.summary["left_out"]] == [9]
    assert result.summary["kept"] == 23 and result.band.header["NKEPT"] == 23
    clean = falsecolor.stack(np.delete(made.frames, 9, axis=0), keep="100%")
    inside = np.isfinite(result.data) & np.isfinite(clean.data)
    # stacked in, the odd frame would move the stack by ~1/24 of two scenes' difference: ~40 counts RMS
    assert np.sqrt(np.mean((result.data[inside] - clean.data[inside]) ** 2)) < 0.1 * made.noise
    others = np.delete(_shifts(result), 9, axis=0) - np.delete(made.shifts, 9, axis=0)
    assert float(np.std(others, axis=0).max()) < 0.05


def test_a_frame_without_the_planet_is_rejected_and_named():
    made = synthetic_frames(20, (96, 96), seed=7)
    cube = made.frames.copy()
    rng = np.random.default_rng(0)
    cube[4] = rng.normal(cube[4].mean(), cube[4].std(), cube[4].shape).astype(np.float32)  # noise
    with pytest.warns(FalsecolorWarning, match="frame array#4: no planet in the frame"):
        result = falsecolor.stack(cube, keep="100%")
    assert result.frames[4]["status"].startswith("no planet") and not result.frames[4]["kept"]
    assert result.summary["kept"] == 19


# ---- the stacked band's sky, whatever its border ----------------------------------------------------


def _half_level_area(folder) -> float:
    """The planet's area (fraction of the frame) at half its level above the sky, on each raw frame."""
    source = open_frames(folder)
    frame = np.empty(source.shape, np.float32)
    areas = []
    for i in range(len(source)):
        source.read(i, frame)
        sky, top = np.median(frame), np.percentile(frame, 99.9)
        areas.append(float(np.mean(frame > sky + 0.5 * (top - sky))))
    return float(np.median(areas))


#: the stacked band in counts, read as 5 um radiance at an arbitrary scale (both axes from one band)
RENDER = ["--wavelength", "5um", "--cloud-wavelength", "5um"]
RENDER += ["--scale", "1e-3 W m-2 sr-1 um-1", "--cloud-scale", "1e-3 W m-2 sr-1 um-1"]


@pytest.mark.realdata
@pytest.mark.parametrize("field", list(FIELDS))
def test_stack_then_render_sees_the_sky_and_subtracts_it(jupiter_stacks, tmp_path, capsys, field):
    folder, paths = jupiter_stacks
    band = str(paths[field])
    base = ["render", "-t", band, "-c", band, *RENDER]
    assert main([*base, "-o", str(tmp_path / "raw.png"), "-q"]) == 0
    err = capsys.readouterr().err
    assert "the sky around the disc is at 16." in err and "--subtract-sky" in err
    prefix = tmp_path / "t"
    assert (
        main([*base, "--subtract-sky", "-o", str(tmp_path / "sub.png"), "--fits-out", str(prefix), "-q"]) == 0
    )
    assert "sky" not in capsys.readouterr().err
    temperature = fits.getdata(f"{prefix}_temperature.fits")
    disc = np.isfinite(temperature)
    finite_field = np.isfinite(fits.getdata(band))
    # measured: the disc is 2.0 % of the frame (13 % of the common field), the planet's half-level
    # area 1.3 %; before, the whole finite rectangle (15.4 % of the frame) was "disc"
    half = _half_level_area(folder)
    assert half < disc.mean() < 2 * half
    assert disc.sum() < 0.2 * finite_field.sum()
    labels, _ = ndimage.label(disc)
    assert np.bincount(labels.ravel())[1:].max() > 0.97 * disc.sum(), "one disc, not scattered pixels"


def test_sky_on_the_finite_edge_of_a_border_but_never_on_a_limb():
    y, x = np.mgrid[0:200, 0:300]
    r = np.hypot(y - 90, x - 140)
    rng = np.random.default_rng(1)
    disc = np.where(r < 40, 100 * np.sqrt(np.clip(1 - (r / 40) ** 2, 0, 1)), 0.0)
    stacked = (16 + disc + rng.normal(0, 0.5, r.shape)).astype(np.float32)
    stacked[:30], stacked[:, 250:] = np.nan, np.nan  # a stack's uncovered border
    assert geometry.sky_level(stacked) == pytest.approx(16, abs=0.2)  # was NaN: "fills the frame"
    assert 16 < geometry.disc_threshold(stacked, raw=True) < 20  # was 2.3: every finite pixel "disc"
    masked = np.where(r < 40, stacked, np.nan)  # a product masked off the planet: its edge is a limb
    assert math.isnan(geometry.sky_level(masked))
    assert geometry.on_disc_mask(masked, raw=True).all(where=np.isfinite(masked))
    # a planet on 0.1 % of a raw frame (Saturn in a wide field) stands above its sky, not the sky above 0
    small = 16 + np.where(r < 5, 40.0, 0.0) + rng.normal(0, 0.5, r.shape)
    assert geometry.sky_level(small) == pytest.approx(16, abs=0.1)
    np.testing.assert_array_equal(geometry.on_disc_mask(small, raw=True), r < 5)


@pytest.mark.parametrize("name", ["jupiter", "saturn"])
def test_real_colour_stack_keeps_the_planet_colours_in_register(data_dir, name):
    folder = _frames(data_dir, name)
    colour = falsecolor.stack(str(folder), channel="rgb", keep="100%")
    grey = falsecolor.stack(str(folder), channel="luminance", keep="100%")
    assert np.array_equal(np.isnan(colour.data), np.isnan(grey.data))
    assert np.nanmax(np.abs(colour.data - grey.data)) < 1e-3 * np.nanmax(grey.data)
    # The colours sit apart in every frame (atmospheric dispersion, colour structure): the stack keeps
    # each frame's offsets between them, and adds no fringe of its own.
    source = open_frames(str(folder), channel="rgb")
    planes = np.empty((3, *source.shape), np.float32)
    offsets = []
    for index in range(len(source)):
        assert source.read_rgb(index, planes) is None
        red = _planet_centre(planes[0])
        offsets.append([np.subtract(_planet_centre(planes[p]), red) for p in (1, 2)])
    expected, spread = np.mean(offsets, axis=0), np.std(offsets, axis=0) / math.sqrt(len(offsets))
    red = _planet_centre(colour.rgb[..., 0])
    stacked = [np.subtract(_planet_centre(colour.rgb[..., p]), red) for p in (1, 2)]
    assert np.all(np.abs(stacked - expected) < 3 * spread + 0.05), (stacked, expected)
    disc = colour.data > 0.5 * np.nanmax(colour.data)
    red, green, blue = (float(np.nanmean(colour.rgb[..., p][disc])) for p in range(3))
    assert red > blue and green > blue  # a warm planet through a colour camera
