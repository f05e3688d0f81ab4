"""Video files as frame sources (PyAV): exact pixels from lossless FFV1, the right frame from a
lossy H.264 MP4 in any order, streaming, a drifting planet that stacks, and one-line errors."""

from __future__ import annotations

import pickle
import sys
import threading
import warnings

import numpy as np
import pytest

import falsecolor
from falsecolor.bands import open_frames
from falsecolor.cli import main
from falsecolor.exceptions import FalsecolorWarning, FileFormatError, InputError
from falsecolor.synthetic import synthetic_frames

av = pytest.importorskip("av")

_REC709 = np.array([0.2126, 0.7152, 0.0722], np.float32)


def write_video(path, frames, *, codec="ffv1", pix_fmt="gray16le", source="gray16le", rate=25, **options):
    """Encode ``frames`` (top row first, as video stores them) with PyAV."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = pix_fmt
        stream.options = {k: str(v) for k, v in options.items()}
        for frame in frames:
            for packet in stream.encode(
                av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format=source)
            ):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _smooth_frames(n, shape=(48, 64)):
    """Smooth 8-bit colour frames whose level says which frame they are (for lossy codecs)."""
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    base = 0.5 + 0.5 * np.exp(-((y - shape[0] / 2) ** 2 + (x - shape[1] / 2) ** 2) / (2 * 12.0**2))
    levels = 20 + 225 * np.arange(n) / max(n - 1, 1)
    rgb = base[None, ..., None] * levels[:, None, None, None] * np.array([1.0, 0.8, 0.6])
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def _read(source, k):
    out = np.empty(source.shape, np.float32)
    assert source.read(k, out) is None
    return out


ORDER = [0, 1, 2, 39, 5, 6, 20, 3, 38, 12, 13, 11, 0]  # forward, far ahead, back, small steps


def test_ffv1_gray16_mkv_exact_pixels_in_any_order(tmp_path):
    frames = np.random.default_rng(1).integers(0, 65_536, (40, 48, 64), dtype=np.uint16)
    source = open_frames(write_video(tmp_path / "v.mkv", frames))
    assert (len(source), source.shape, source.saturation(0)) == (40, (48, 64), 65_535.0)
    assert source.name(7) == "v.mkv#7"
    for k in ORDER:
        np.testing.assert_array_equal(_read(source, k), frames[k][::-1])  # flipped: row 0 at the bottom
    source.close()


@pytest.mark.parametrize("channel", ["red", "green", "blue", "luminance"])
def test_ffv1_colour_avi_exact_through_the_channel_choice(tmp_path, channel):
    frames = np.random.default_rng(2).integers(0, 256, (12, 32, 40, 3), dtype=np.uint8)
    path = write_video(tmp_path / "c.avi", frames, pix_fmt="bgr0", source="rgb24")
    source = open_frames(path, channel=channel)
    assert source.saturation(0) == 255.0
    for k in (0, 11, 4):
        stored = frames[k][::-1]
        if channel == "luminance":
            expected = stored.astype(np.float32) @ _REC709
        else:
            expected = stored[..., "rgb".index(channel[0])].astype(np.float32)
        np.testing.assert_allclose(_read(source, k), expected, atol=1e-4)


def test_ffv1_colour_avi_exact_as_three_planes_and_their_luminance(tmp_path):
    frames = np.random.default_rng(3).integers(0, 256, (6, 32, 40, 3), dtype=np.uint8)
    source = open_frames(
        write_video(tmp_path / "c.avi", frames, pix_fmt="bgr0", source="rgb24"), channel="rgb"
    )
    planes, luminance = np.empty((3, 32, 40), np.float32), np.empty((32, 40), np.float32)
    for k in (5, 0, 3):
        assert source.read_rgb(k, planes, luminance) is None
        np.testing.assert_array_equal(planes, np.moveaxis(frames[k][::-1], -1, 0))
        np.testing.assert_allclose(luminance, frames[k][::-1].astype(np.float32) @ _REC709, atol=1e-4)
        np.testing.assert_allclose(_read(source, k), luminance, atol=1e-4)


def test_h264_mp4_gives_each_frame_within_a_few_levels(tmp_path):
    frames = _smooth_frames(30)
    path = write_video(
        tmp_path / "dslr.mp4", frames, codec="libx264", pix_fmt="yuv420p", source="rgb24", g=8, crf=12
    )
    source = open_frames(path, channel="green")
    assert len(source) == 30 and source.shape == (48, 64)
    truth = frames[:, ::-1, :, 1].astype(np.float32)
    for k in [0, 1, 29, 15, 16, 14, 7, 8, 25, 2]:
        error = np.abs(_read(source, k)[None] - truth).mean(axis=(1, 2))
        assert np.argmin(error) == k, (k, error.round(1))  # this frame, not a neighbour
        assert error[k] < 2.5 and np.abs(_read(source, k) - truth[k]).max() < 8, (k, error[k])


def test_streaming_memory_does_not_grow_with_the_frame_count(tmp_path):
    frames = _smooth_frames(400, (256, 256))  # 79 MB of decoded frames
    path = write_video(tmp_path / "long.mkv", frames, pix_fmt="bgr0", source="rgb24")
    source = open_frames(path)
    out = np.empty(source.shape, np.float32)

    def resident():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    for k in range(20):
        source.read(k, out)
    start = resident()
    for k in range(20, 400):
        assert source.read(k, out) is None
    grown = resident() - start
    assert grown < 20e6, f"resident memory grew {grown / 1e6:.0f} MB over 380 frames"


def test_threads_and_pickled_copies_read_the_right_frames(tmp_path):
    frames = np.random.default_rng(3).integers(0, 256, (30, 24, 32), dtype=np.uint8)
    source = open_frames(write_video(tmp_path / "t.avi", frames, pix_fmt="gray", source="gray"))
    wrong = []

    def reader(indices):
        for k in indices:
            if not np.array_equal(_read(source, k), frames[k][::-1]):
                wrong.append(k)

    threads = [threading.Thread(target=reader, args=(r,)) for r in (range(0, 30), range(29, -1, -1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    copy = pickle.loads(pickle.dumps(source))  # a dask worker reopens the file itself
    np.testing.assert_array_equal(_read(copy, 17), frames[17][::-1])


@pytest.mark.parametrize(
    ("suffix", "codec", "pix_fmt", "tolerance"),
    [(".mkv", "ffv1", "gray16le", 0.05), (".mp4", "libx264", "yuv420p", 0.1)],
)
def test_a_drifting_planet_in_a_video_stacks_on_its_true_shifts(tmp_path, suffix, codec, pix_fmt, tolerance):
    lucky = synthetic_frames(60, (128, 128), seed=4, tip_tilt=3.0)
    stored = lucky.frames[:, ::-1]  # top row first
    if codec == "ffv1":
        data, source_format, options = (
            np.clip(np.rint(stored * 20), 0, 65_535).astype(np.uint16),
            "gray16le",
            {},
        )
    else:
        scaled = np.clip(stored / np.percentile(stored, 99.9) * 220, 0, 255).astype(np.uint8)
        data, source_format, options = np.repeat(scaled[..., None], 3, -1), "rgb24", {"crf": 16}
    path = write_video(
        tmp_path / f"planet{suffix}", data, codec=codec, pix_fmt=pix_fmt, source=source_format, **options
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FalsecolorWarning)  # a few hot pixels clip in 8 bits
        result = falsecolor.stack(str(path), keep="50%")
    kept = [f for f in result.frames if f["kept"]]
    index = np.array([f["index"] for f in kept])
    error = np.array([[f["dy"], f["dx"]] for f in kept]) - lucky.shifts[index]
    error -= error.mean(axis=0)  # the reference's own position is arbitrary
    rms = float(np.sqrt(np.mean(error**2)))
    assert rms < tolerance, rms
    assert np.std(lucky.shifts[index]) > 1  # the planet really drifted


def test_truncated_avi_keeps_its_complete_frames_and_warns(tmp_path):
    frames = np.random.default_rng(5).integers(0, 256, (40, 32, 32), dtype=np.uint8)
    path = write_video(tmp_path / "full.avi", frames, pix_fmt="gray", source="gray")
    cut = tmp_path / "cut.avi"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.warns(FalsecolorWarning, match="cut.avi is truncated"):
        source = open_frames(cut)
    assert 5 < len(source) < 40
    np.testing.assert_array_equal(_read(source, 3), frames[3][::-1])


def _broken_files(tmp_path):
    mp4 = write_video(
        tmp_path / "good.mp4", _smooth_frames(20), codec="libx264", pix_fmt="yuv420p", source="rgb24"
    )
    (tmp_path / "text.mp4").write_text("not a video at all\n")
    (tmp_path / "cut.mp4").write_bytes(mp4.read_bytes()[: mp4.stat().st_size // 3])  # no index yet
    (tmp_path / "empty.avi").write_bytes(b"")
    return ["text.mp4", "cut.mp4", "empty.avi"]


def test_a_file_that_is_not_a_readable_video_is_one_clear_error(tmp_path):
    for name in _broken_files(tmp_path):
        with pytest.raises(FileFormatError, match=f"{name}.*(not a readable video|no frame)"):
            open_frames(tmp_path / name)


def test_cli_bad_video_exit_2_one_line_nothing_written(tmp_path, capsys):
    for name in _broken_files(tmp_path):
        before = (tmp_path / name).read_bytes()
        assert main(["stack", str(tmp_path / name), "-o", str(tmp_path / "s.fits"), "-q"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and name in err[0] and "Traceback" not in err[0], err
        assert not (tmp_path / "s.fits").exists()
        assert (tmp_path / name).read_bytes() == before


def test_without_pyav_a_video_is_one_line_naming_the_extra(tmp_path, monkeypatch, capsys):
    path = write_video(tmp_path / "v.mkv", np.zeros((3, 16, 16), np.uint16))
    monkeypatch.setitem(sys.modules, "av", None)  # import av now raises ImportError
    with pytest.raises(InputError, match=r"pip install 'falsecolor-ir\[video\]'"):
        open_frames(path)
    assert main(["stack", str(path), "-o", str(tmp_path / "s.fits"), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "falsecolor-ir[video]" in err[0]


def test_cli_stacks_a_video(tmp_path, capsys):
    lucky = synthetic_frames(30, (96, 96), seed=6)
    data = np.clip(np.rint(lucky.frames[:, ::-1] * 20), 0, 65_535).astype(np.uint16)
    path = write_video(tmp_path / "capture.mkv", data)
    out = tmp_path / "s.fits"
    assert main(["stack", str(path), "-o", str(out), "--keep", "10"]) == 0
    assert "10 of 30 frames stacked" in capsys.readouterr().out
    assert falsecolor.read_band(out).data.shape == (96, 96)
