"""Chopped thermal-IR bursts: A/B differences stacked, the negative beam kept out of the disc."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits
from scipy import ndimage

import falsecolor
from falsecolor.bands import FrameSource
from falsecolor.cli import main
from falsecolor.exceptions import InputError
from falsecolor.synthetic import synthetic_chopped

pytestmark = pytest.mark.filterwarnings("ignore::falsecolor.exceptions.FalsecolorWarning")

CHOPPED = fits.Header([("CHOPBEAM", "AB")])


@pytest.fixture(scope="module")
def burst():
    return synthetic_chopped(100, (128, 256), seed=3)


def _disc(burst, grow: int = 0) -> np.ndarray:
    disc = burst.scene > 0.3 * burst.level
    return ndimage.binary_dilation(disc, iterations=grow) if grow else disc


def _compare(burst, result):
    """Chopped stack minus the stack of the sky-free frames over the disc, in noise sigmas of the stack."""
    clean = falsecolor.stack(burst.clean_frames(), keep="50%", method="mean")
    sigma = burst.noise / np.sqrt(result.summary["kept"])  # one difference's noise, averaged
    residual = (result.data - clean.data)[_disc(burst)]
    return residual, sigma


def test_chopped_stack_equals_the_sky_free_stack_within_the_noise(burst):
    result = falsecolor.stack(FrameSource.from_array(burst.frames, header=CHOPPED), keep="50%", method="mean")
    assert result.summary["chop"]["pairs"] == 100 and result.summary["chop"]["throw_px"][
        "A"
    ] == pytest.approx(burst.throw, abs=2)
    residual, sigma = _compare(burst, result)
    assert np.isfinite(residual).all()
    assert abs(residual.mean()) < 0.3 * sigma  # measured 0.04 sigma
    assert residual.std() < 1.5 * sigma  # measured 1.1 sigma: noise plus registration


def test_the_negative_beam_never_reaches_the_disc_and_is_nan(burst):
    result = falsecolor.stack(FrameSource.from_array(burst.frames), chop="pairs", keep="50%")
    data = result.data
    sigma = burst.noise / np.sqrt(result.summary["kept"])
    near = _disc(burst, grow=10)
    assert np.nanmin(data[near]) > -5 * sigma
    assert np.nanmin(data) > -5 * sigma  # nowhere a negative image
    # where the off-beam image of the disc lands, the band is NaN
    off_beam = np.roll(_disc(burst), burst.throw, axis=(0, 1))
    off_beam[:, : burst.throw[1]] = False
    assert np.isnan(data[off_beam]).all()
    assert result.band.header["NEGMASK"] >= off_beam.sum()
    assert result.band.header["CHOPMODE"] == "pairs" and result.band.header["NCHOPPR"] == 100


def test_without_chopping_the_stack_is_plainly_wrong(burst):
    plain = falsecolor.stack(burst.frames, chop="none", keep="50%", method="mean")
    chopped = falsecolor.stack(burst.frames, chop="pairs", keep="50%", method="mean")
    _, sigma = _compare(burst, chopped)
    wrong, _ = _compare(burst, plain)
    assert abs(np.nanmean(wrong)) > 1000 * sigma  # the sky, 30 times the disc, is still there
    assert plain.band.header["CHOPMODE"] == "none"


def test_auto_chops_only_when_the_header_says_so(burst):
    assert falsecolor.stack(burst.frames[:20]).summary["chop"]["mode"] == "none"  # never from pixels
    said = falsecolor.stack(FrameSource.from_array(burst.frames[:20], header=CHOPPED))
    assert said.summary["chop"]["pairs"] == 10


def test_nodding_cancels_and_both_negative_beams_are_nan(tmp_path):
    path = tmp_path / "nodded.fits"
    burst = synthetic_chopped(60, (128, 320), nod_pairs=10, seed=4, path=path)
    original = path.read_bytes()
    result = falsecolor.stack(path, keep="50%", method="mean")
    chop = result.summary["chop"]
    assert chop["nod_positions"] == ["A", "B"]
    assert chop["throw_px"]["A"] == pytest.approx(burst.throw, abs=2)
    assert chop["throw_px"]["B"] == pytest.approx([-t for t in burst.throw], abs=2)
    residual, sigma = _compare(burst, result)
    assert abs(residual.mean()) < 0.5 * sigma and residual.std() < 1.6 * sigma
    for sign in (1, -1):
        landed = np.roll(_disc(burst), [sign * t for t in burst.throw], axis=(0, 1))
        assert np.isnan(result.data[ndimage.binary_erosion(landed, iterations=3)]).all()
    assert path.read_bytes() == original


def test_odd_frame_dropped_and_b_first_order(burst):
    frames = burst.frames[1:42]  # starts with a B frame; 41 frames
    result = falsecolor.stack(FrameSource.from_array(frames, header=fits.Header([("CHOPBEAM", "BA")])))
    assert result.summary["chop"]["pairs"] == 20 and result.summary["chop"]["dropped"] == ["array#40"]
    assert np.nanmean(result.data[_disc(burst)]) > 0.3 * burst.level  # the positive beam was kept


def test_bad_chop_combinations_are_clear_errors(burst):
    with pytest.raises(InputError, match="chop pairs"):
        falsecolor.stack(burst.frames[:1], chop="pairs")
    with pytest.raises(InputError, match="dark"):
        falsecolor.stack(burst.frames[:20], chop="pairs", dark=np.zeros((128, 256)))
    with pytest.raises(InputError, match="auto, none or pairs"):
        falsecolor.stack(burst.frames[:20], chop="yes")


def test_cli_stack_chopped_cubes_end_to_end_and_render(tmp_path, capsys):
    from PIL import Image

    stacks = {}
    for band, seed in (("temperature", 5), ("cloud", 6)):
        cube = tmp_path / f"{band}_chopped.fits"
        synthetic_chopped(60, (128, 256), seed=seed, path=cube, band=band)
        out, report = tmp_path / f"{band}.fits", tmp_path / f"{band}.json"
        assert main(["stack", str(cube), "--chop", "pairs", "-o", str(out), "--report", str(report)]) == 0
        assert "chopped: 60 A/B pairs of 120 frames" in capsys.readouterr().out
        header = fits.getheader(out)
        assert header["CHOPMODE"] == "pairs" and header["NCHOPPR"] == 60 and header["NBEAMFRM"] == 120
        assert '"chop": "pairs"' in report.read_text()
        stacks[band] = out
    png = tmp_path / "composite.png"
    assert (
        main(
            [
                "render",
                "-t",
                str(stacks["temperature"]),
                "-c",
                str(stacks["cloud"]),
                "-o",
                str(png),
                "--no-key",
            ]
        )
        == 0
    )
    rgba = np.asarray(Image.open(png).convert("RGBA"))
    opaque = rgba[..., 3] > 0
    assert 0.02 < opaque.mean() < 0.6  # a disc, not the whole frame (the sky) and not nothing
    rows, cols = np.nonzero(opaque)
    assert cols.max() - cols.min() < 1.5 * (rows.max() - rows.min())  # round: no second (negative) disc


def test_cli_chop_pairs_with_one_frame_is_exit_2_one_line(tmp_path, capsys):
    one = tmp_path / "one.fits"
    fits.PrimaryHDU(np.ones((32, 32), np.float32)).writeto(one)
    out = tmp_path / "s.fits"
    assert main(["stack", str(one), "--chop", "pairs", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--chop pairs" in err and "Traceback" not in err
    assert not out.exists()
    process = subprocess.run(
        [sys.executable, "-m", "falsecolor", "stack", str(one), "--chop", "maybe", "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert process.returncode == 2 and "--chop" in process.stderr


def test_a_pair_with_a_saturated_beam_frame_is_left_out(tmp_path):
    """Each beam frame is checked for saturation as it is read, in its stored samples, as unpaired
    frames are (a difference has no saturation level of its own)."""
    burst = synthetic_chopped(10, (128, 256), seed=3)
    counts = np.round(burst.frames * (60_000 / burst.frames.max())).astype(np.uint16)
    counts[5, :40] = 65_535  # the off beam of pair 2, clipped over 15 % of its pixels
    path = tmp_path / "burst.fits"
    fits.PrimaryHDU(counts, header=CHOPPED).writeto(path)
    result = falsecolor.stack(path, keep="100%")
    statuses = {f["index"]: f["status"] for f in result.frames}
    assert statuses[2].startswith("saturated") and statuses[2].endswith("(its off-beam frame)")
    assert result.frames[2]["name"] == "burst.fits#4-5"  # the pair's name: its on and off frames
    assert [i for i, s in statuses.items() if s != "kept"] == [2]


def test_footprints_stay_put_when_the_estimate_found_no_planet():
    from falsecolor.stacking._chop import Beam, _follow

    negative, disc = np.zeros((64, 64), bool), np.zeros((64, 64), bool)
    negative[5:10, 5:10], disc[30:40, 30:40] = True, True
    y, x = np.mgrid[:64, :64]
    image = (10 + 100.0 * (((y - 20) ** 2 + (x - 20) ** 2) < 8**2)).astype(np.float32)
    moved = _follow(Beam((0, 20), negative, disc, (np.nan, np.nan)), image)
    assert moved[0] is negative and moved[1] is disc
