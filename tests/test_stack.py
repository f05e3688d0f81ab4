"""Lucky imaging: quality ranking, registration accuracy, combination, local alignment, the
stack command and API, bad frames, and the dask cluster path."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from astropy.io import fits
from scipy import stats

import falsecolor
from falsecolor import lucky
from falsecolor.bands import write_ser
from falsecolor.cli import main
from falsecolor.exceptions import FalsecolorWarning, InputError
from falsecolor.synthetic import synthetic_frames


@pytest.fixture(scope="module")
def frames():
    """120 synthetic 5 µm frames (128 x 128) with known blur and tip-tilt."""
    return synthetic_frames(120, (128, 128), seed=11)


def _kept_shifts(result):
    kept = [f for f in result.frames if f["kept"]]
    return np.array([f["index"] for f in kept]), np.array([[f["dy"], f["dx"]] for f in kept])


def _truth_like(result, lucky_frames, fwhm):
    """The noiseless scene, blurred by ``fwhm`` and placed where the stack put it."""
    index, measured = _kept_shifts(result)
    offset = (lucky_frames.shifts[index] - measured).mean(axis=0)
    truth = lucky_frames.blurred_truth(fwhm)
    return lucky.fourier_shift(truth, *offset)


def _rms(image, truth):
    inside = np.isfinite(image)
    inside[:8], inside[-8:], inside[:, :8], inside[:, -8:] = False, False, False, False
    return float(np.sqrt(np.mean((image[inside] - truth[inside]) ** 2)))


# ---- the steps ------------------------------------------------------------------------------


def test_recovered_shifts_within_a_twentieth_of_a_pixel(frames):
    result = falsecolor.stack(frames.frames, keep="50%")
    index, measured = _kept_shifts(result)
    error = measured - frames.shifts[index]
    error -= error.mean(axis=0)  # the reference's own position is arbitrary
    rms = float(np.sqrt(np.mean(error**2)))
    assert rms < 0.05, rms
    assert np.std(frames.shifts[index]) > 0.5  # the frames really moved


def test_selection_ranks_frames_in_blur_order(frames):
    meter = lucky.QualityMeter(frames.frames.shape[1:])
    quality = [meter(frame)[0] for frame in frames.frames]
    rho = stats.spearmanr(quality, -frames.fwhm).statistic
    assert rho > 0.9, rho
    laplacian = lucky.QualityMeter(frames.frames.shape[1:], "laplacian")
    rho = stats.spearmanr([laplacian(f)[0] for f in frames.frames], -frames.fwhm).statistic
    assert rho > 0.8, rho


def test_stack_is_sharper_than_the_unregistered_mean_and_less_noisy_than_the_best_frame(frames):
    result = falsecolor.stack(frames.frames, keep="20%")
    best = int(np.argmin(frames.fwhm))
    truth = _truth_like(result, frames, float(np.median(frames.fwhm[[f["kept"] for f in result.frames]])))
    unregistered = falsecolor.stack(frames.frames, keep="20%", align="none")
    q = lucky.frame_quality
    assert q(np.nan_to_num(result.data)) > 1.1 * q(unregistered.data)
    # noise: the stack's scatter about the truth is well below the noise of the best single frame
    with pytest.warns(FalsecolorWarning, match="only 1 frame stacked"):
        single = falsecolor.stack(frames.frames[best : best + 1], keep=1)
    assert _rms(result.data, truth) < 0.5 * _rms(single.data, _truth_like(single, frames, frames.fwhm[best]))
    assert _rms(result.data, truth) < 0.5 * frames.noise
    assert _rms(result.data, truth) < _rms(unregistered.data, truth)


def test_local_alignment_beats_global_on_a_spatially_varying_warp():
    # a differential warp of a few pixels across the disc: the isoplanatic patch is smaller than Jupiter
    warped = synthetic_frames(60, (192, 192), warp=2.5, tip_tilt=1.0, snr=60, seed=5)
    kwargs = {"keep": "50%", "method": "mean"}
    global_ = falsecolor.stack(warped.frames, **kwargs)
    local = falsecolor.stack(warped.frames, align="local", box=48, **kwargs)
    fwhm = float(np.median(warped.fwhm))
    error_global = _rms(global_.data, _truth_like(global_, warped, fwhm))
    error_local = _rms(local.data, _truth_like(local, warped, fwhm))
    assert error_local < 0.85 * error_global, (error_local, error_global)
    q = lucky.frame_quality
    assert q(np.nan_to_num(local.data)) > 1.1 * q(np.nan_to_num(global_.data))
    assert all(f["local_shift_rms"] > 0 for f in local.frames if f["kept"])


def test_methods_agree_on_clean_frames_and_clipping_removes_a_streak(frames):
    cube = frames.frames[:40].copy()
    cube[7, 62:64, 30:100] += 4 * frames.level  # a satellite trail across one frame
    kwargs = {"keep": "100%", "align": "global"}
    mean = falsecolor.stack(cube, method="mean", **kwargs).data
    clipped = falsecolor.stack(cube, method="clipped", **kwargs).data
    median = falsecolor.stack(cube, method="median", **kwargs).data
    clean_rows = np.s_[20:50, 20:100]
    for other in (clipped, median):  # with every frame kept, blurry ones differ a little at edges
        difference = np.abs(other[clean_rows] - mean[clean_rows])
        assert np.median(difference) < 0.15 * frames.noise
        assert np.percentile(difference, 99) < 1.5 * frames.noise
    streak = np.s_[62:64, 30:100]
    assert np.nanmean(mean[streak]) - np.nanmean(median[streak]) > 0.05 * frames.level
    assert abs(np.nanmean(clipped[streak]) - np.nanmean(median[streak])) < 0.01 * frames.level


def test_histogram_median_matches_the_exact_median():
    rng = np.random.default_rng(2)
    cube = rng.normal(100, 5, (301, 16, 16)).astype(np.float32)
    pilot = lucky.Pilot.from_frames(cube[:16])
    binned = lucky.HistogramMedian((16, 16), pilot, limit=10)
    for i, frame in enumerate(cube):
        binned.add(frame, i)
    assert binned.counts is not None  # switched to the histogram
    np.testing.assert_allclose(binned.result(), np.median(cube, axis=0), atol=0.05 * 5)


def test_drizzle_doubles_the_grid_and_keeps_the_flux_level(frames):
    result = falsecolor.stack(frames.frames, keep="50%", drizzle=2)
    plain = falsecolor.stack(frames.frames, keep="50%")
    assert result.data.shape == (256, 256)
    assert result.band.header["DRIZZLE"] == 2.0
    centre_plain = np.nanmean(plain.data[48:80, 48:80])
    centre_drizzle = np.nanmean(result.data[96:160, 96:160])
    assert centre_drizzle == pytest.approx(centre_plain, rel=0.01)


def test_dark_and_flat_are_applied():
    rng = np.random.default_rng(3)
    scene = synthetic_frames(30, (96, 96), seed=8, flat_error=0, bad_pixel_fraction=0)
    dark = rng.uniform(50, 60, (96, 96)).astype(np.float32)
    flat = rng.uniform(0.8, 1.2, (96, 96)).astype(np.float32)
    raw = scene.frames * flat + dark
    corrected = falsecolor.stack(raw, keep="50%", dark=dark, flat=flat * 3 + dark)
    reference = falsecolor.stack(scene.frames, keep="50%")
    np.testing.assert_allclose(
        np.nanmean(corrected.data[30:60, 30:60]), np.nanmean(reference.data[30:60, 30:60]), rtol=0.02
    )


def test_keep_parsing_and_bad_options():
    assert lucky.parse_keep("10%") == ("fraction", 0.1)
    assert lucky.keep_count(("fraction", 0.1), 55) == 6
    assert lucky.keep_count(("count", 500), 55) == 55
    for bad in ("ten", "0%", "150%", -3):
        with pytest.raises(InputError):
            lucky.parse_keep(bad)
    cube = np.ones((3, 16, 16), np.float32)
    with pytest.raises(InputError, match="unknown stacking method"):
        falsecolor.stack(cube, method="sum")
    with pytest.raises(InputError, match="needs local alignment"):
        falsecolor.stack(cube, local_selection=True)


def test_bad_frames_are_named_and_skipped(frames):
    cube = frames.frames[:30].copy()
    cube[3, 5, 5] = np.nan
    cube[4] = 0
    cube[5] *= 0.3  # a cloud passes
    with pytest.warns(FalsecolorWarning) as caught:
        result = falsecolor.stack(cube, keep="50%")
    messages = " | ".join(str(w.message) for w in caught)
    assert "array#3: NaN or infinite values" in messages
    assert "array#4: blank" in messages
    assert "array#5: much fainter" in messages
    statuses = {f["index"]: f["status"] for f in result.frames}
    assert statuses[3].startswith("NaN") and not result.frames[3]["kept"]
    assert result.summary["usable"] == 27


def test_no_usable_frame_is_a_clear_error():
    cube = np.full((4, 32, 32), np.nan, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FalsecolorWarning)
        with pytest.raises(InputError, match="no usable frame among 4: 4 NaN or infinite values"):
            falsecolor.stack(cube)


# ---- files, header, report, command line --------------------------------------------------------


@pytest.fixture(scope="module")
def ser_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("ser") / "jupiter.ser"
    made = synthetic_frames(80, (128, 128), seed=21, path=path)
    return path, made


def test_stack_header_carries_counts_method_and_mid_time(ser_file, tmp_path):
    path, made = ser_file
    result = falsecolor.stack(path, keep="25%")
    header = result.band.header
    assert header["NFRAMES"] == 80 and header["NKEPT"] == 20 and header["KEEPFRAC"] == 0.25
    assert header["STACKMTH"] == "weighted" and header["ALIGN"] == "global"
    kept_times = [made.times[f["index"]] for f in result.frames if f["kept"]]
    assert header["DATE-BEG"] == min(kept_times) and header["DATE-END"] == max(kept_times)
    assert min(kept_times) < result.band.date_obs[:23] < max(kept_times)
    out = result.to_fits(tmp_path / "band.fits")
    band = falsecolor.read_band(out)
    assert band.date_obs.startswith(header["DATE-OBS"][:19])
    assert fits.getheader(out)["INSTRUME"] == "falsecolor synthetic"


def test_fits_cube_keywords_pass_through_and_render_reads_the_stack(tmp_path):
    path = tmp_path / "m.fits"
    made = synthetic_frames(40, (128, 128), seed=4, path=path)
    result = falsecolor.stack(path, keep="25%")
    assert result.band.filter_name == "M-BAND"
    out = result.to_fits(tmp_path / "cloud.fits")
    jupiter = falsecolor.synthetic_jupiter((128, 128), equatorial_radius=0.4 * 128)
    cloud = falsecolor.read_band(out)
    composite = falsecolor.render(jupiter.temperature_band, cloud)
    assert composite.rgba.shape == (128, 128, 4)
    assert np.isfinite(composite.opacity[60:68, 60:68]).all()
    assert made.path == path


def test_cli_stack_writes_band_report_and_plot(ser_file, tmp_path, capsys):
    path, _ = ser_file
    out, report = tmp_path / "band.fits", tmp_path / "report.json"
    status = main(["stack", str(path), "-o", str(out), "--keep", "10%", "--report", str(report), "-q"])
    assert status == 0
    data = json.loads(report.read_text())
    assert len(data["frames"]) == 80 and sum(f["kept"] for f in data["frames"]) == 8
    assert {"quality", "dy", "dx", "kept", "status"} <= set(data["frames"][0])
    assert data["options"]["keep"] == "10%"
    plot = tmp_path / "report.png"
    assert plot.read_bytes().startswith(b"\x89PNG")
    assert fits.getheader(out)["NKEPT"] == 8


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-o", "{tmp}/x.png"], "name it .fits"),
        (["-o", "{ser}"], "is one of the inputs"),
        (["-o", "{tmp}/missing/x.fits"], "does not exist"),
        (["-o", "{tmp}/x.fits", "--keep", "lots"], "give a percentage"),
        (["-o", "{tmp}/x.fits", "--region", "0:5,0:5"], "--region"),
    ],
)
def test_cli_stack_bad_input_exit_2_one_line_nothing_written(ser_file, tmp_path, capsys, argv, message):
    path, _ = ser_file
    before = path.read_bytes()
    argv = [a.format(tmp=tmp_path, ser=path) for a in argv]
    try:
        status = main(["stack", str(path), *argv, "-q"])
    except SystemExit as stop:  # argparse's own usage errors
        status = stop.code
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]
    assert not list(tmp_path.glob("x.*"))
    assert path.read_bytes() == before


def test_cli_stack_no_usable_frames(tmp_path, capsys):
    write_ser(tmp_path / "blank.ser", np.zeros((5, 16, 16), np.uint16))
    assert main(["stack", str(tmp_path / "blank.ser"), "-o", str(tmp_path / "x.fits"), "-q"]) == 2
    assert "no usable frame among 5" in capsys.readouterr().err
    assert not (tmp_path / "x.fits").exists()


@pytest.mark.realdata
def test_real_amateur_frames(data_dir):
    folder = data_dir / "frames" / "jupiter"
    if not folder.is_dir():
        pytest.skip("no amateur frames")
    result = falsecolor.stack(folder, keep="100%", method="mean")
    plain = falsecolor.stack(folder, keep="100%", method="mean", align="none")
    assert result.summary["frames"] == 10 and result.summary["kept"] == 10
    shifts = np.array([[f["dy"], f["dx"]] for f in result.frames])
    assert np.ptp(shifts, axis=0).max() > 1  # the planet drifts between frames
    q = lucky.frame_quality
    assert q(np.nan_to_num(result.data)) > q(plain.data)


# ---- a dask cluster ---------------------------------------------------------------------------------


def test_cluster_result_equals_local_result(ser_file):
    distributed = pytest.importorskip("dask.distributed")
    path, _ = ser_file
    local = falsecolor.stack(path, keep="20%", method="clipped", chunk=16)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        remote = falsecolor.stack(path, keep="20%", method="clipped", chunk=16, scheduler=cluster)
    np.testing.assert_array_equal(remote.data, local.data)
    assert [f["kept"] for f in remote.frames] == [f["kept"] for f in local.frames]


def test_unreachable_scheduler_is_a_clear_error(ser_file):
    pytest.importorskip("dask.distributed")
    path, _ = ser_file
    with pytest.raises(InputError, match="cannot reach the dask scheduler"):
        falsecolor.stack(path, scheduler="tcp://127.0.0.1:1")


def test_worked_example_frames_to_composite(tmp_path):
    """The README's worked example, small: two synthetic frame cubes -> two stacks -> one composite."""
    for band, seed in (("temperature", 1), ("cloud", 2)):
        synthetic_frames(60, (160, 160), band=band, path=tmp_path / f"{band}.fits", seed=seed)
        assert main(["stack", str(tmp_path / f"{band}.fits"), "-o", str(tmp_path / f"{band}_stack.fits"),
                     "--keep", "25%", "-q"]) == 0  # fmt: skip
    composite = falsecolor.render(
        tmp_path / "temperature_stack.fits", tmp_path / "cloud_stack.fits",
        corrections=falsecolor.pipeline.Corrections(coalign=True),
    )  # fmt: skip
    truth = falsecolor.synthetic_jupiter((160, 160), equatorial_radius=64.0).temperature.value
    centre = (slice(60, 100), slice(60, 100))  # the stacks carry CONVFACT: kelvin without options
    assert abs(np.nanmedian(composite.temperature.value[centre]) - np.nanmedian(truth[centre])) < 1.0
    assert "coalign" in composite.notes
    with pytest.raises(InputError, match="band 'q'"):
        synthetic_frames(2, (32, 32), band="q")


def test_noise_aware_weights_lower_the_noise_of_frames_with_uneven_noise(frames):
    """Every other frame three times noisier (thin cloud, a bright sky): --weights snr gives them less
    weight than the quality weights do, so the stack is closer to that of the clean frames."""
    noisy = frames.frames.astype(np.float32)
    rng = np.random.default_rng(5)
    sigma = float(np.std(noisy[0][:8, :8]))  # the sky's own noise in a corner
    noisy[1::2] += rng.normal(0, 3 * sigma, noisy[1::2].shape).astype(np.float32)
    clean = falsecolor.stack(frames.frames, keep="100%", workers=1).data
    residual = {}
    for weights in ("quality", "snr"):
        result = falsecolor.stack(noisy, keep="100%", weights=weights, workers=1)
        difference = (result.data - clean)[np.isfinite(result.data) & np.isfinite(clean)]
        # robust: a sharp feature a fraction of a pixel off (another anchor) is not noise
        residual[weights] = 1.4826 * float(np.median(np.abs(difference - np.median(difference))))
        used = {f["index"]: f["weight"] for f in result.frames if f["kept"]}
        if weights == "snr":  # the noisy frames weigh about a tenth of the others (1/3**2)
            odd = np.mean([w for i, w in used.items() if i % 2])
            even = np.mean([w for i, w in used.items() if not i % 2])
            assert odd < 0.5 * even
            assert result.band.header["WEIGHTS"] == "snr"
    assert residual["snr"] < 0.75 * residual["quality"], residual


def test_noise_aware_weights_need_the_weighted_mean_of_registered_frames(tmp_path, capsys):
    path = tmp_path / "f.fits"
    fits.writeto(path, synthetic_frames(12, (48, 48), seed=2).frames)
    for extra in (["--method", "mean"], ["--align", "none"]):
        assert main(["stack", str(path), "-o", str(tmp_path / "s.fits"), "--weights", "snr", *extra]) == 2
        assert "--weights snr" in capsys.readouterr().err
    assert not (tmp_path / "s.fits").exists()


def test_noise_aware_weights_without_two_reference_frames_are_the_quality_weights(frames):
    """With one reference frame nothing can be measured against it: a warning, and the quality
    weights (not a silent plain mean)."""
    with pytest.warns(FalsecolorWarning, match="needs at least two reference frames"):
        result = falsecolor.stack(frames.frames, keep=15, weights="snr", reference_frames=1, workers=1)
    quality = falsecolor.stack(frames.frames, keep=15, reference_frames=1, workers=1)
    assert result.band.header["WEIGHTS"] == "quality"
    assert [f["weight"] for f in result.frames] == [f["weight"] for f in quality.frames]
    assert np.std([f["weight"] for f in result.frames if f["kept"]]) > 0
