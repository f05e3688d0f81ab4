"""Frame sources: SER read/write, FITS cubes and files, PNG/TIFF sequences, bad frames."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import tifffile
from astropy.io import fits
from PIL import Image

from falsecolor.bands import FrameSource, open_frames, read_ser_header, write_ser
from falsecolor.exceptions import FalsecolorWarning, FileFormatError, InputError


def _read_all(source: FrameSource) -> tuple[np.ndarray, list]:
    out = np.empty((len(source), *source.shape), np.float32)
    reasons = [source.read(i, out[i]) for i in range(len(source))]
    return out, reasons


def test_ser_round_trip_16_bit_with_timestamps(tmp_path):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 4000, (5, 12, 20)).astype(np.uint16)
    times = [f"2024-01-02T03:04:0{i}.250" for i in range(5)]
    path = write_ser(tmp_path / "v.ser", frames, timestamps=times, instrument="ZWO", telescope="C14")
    header = read_ser_header(path)
    assert (header.width, header.height, header.depth, header.frame_count) == (20, 12, 16, 5)
    assert header.frames_present == 5 and header.colour == "mono"
    assert header.instrument == "ZWO" and header.telescope == "C14"
    assert list(header.timestamps) == times
    source = open_frames(path)
    data, reasons = _read_all(source)
    assert reasons == [None] * 5
    # SER stores the top row first; frames come back with row 0 at the bottom
    np.testing.assert_array_equal(data, frames[:, ::-1, :].astype(np.float32))
    assert source.time(3) == times[3]
    assert source.header["INSTRUME"] == "ZWO"
    assert source.saturation(0) == 65535


def test_ser_8_bit_and_rgb_luminance(tmp_path):
    grey = np.arange(2 * 4 * 6, dtype=np.uint8).reshape(2, 4, 6)
    data, _ = _read_all(open_frames(write_ser(tmp_path / "g.ser", grey)))
    np.testing.assert_array_equal(data, grey[:, ::-1].astype(np.float32))
    rgb = np.zeros((1, 4, 6, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 100, 50, 10
    path = write_ser(tmp_path / "c.ser", rgb, colour="rgb")
    lum, _ = _read_all(open_frames(path))
    np.testing.assert_allclose(lum, 0.2126 * 100 + 0.7152 * 50 + 0.0722 * 10, rtol=1e-6)
    green, _ = _read_all(open_frames(path, channel="green"))
    assert np.all(green == 50)


def test_truncated_ser_keeps_the_complete_frames_and_warns(tmp_path):
    frames = np.full((6, 8, 8), 1000, np.uint16)
    path = write_ser(tmp_path / "t.ser", frames)
    raw = path.read_bytes()
    path.write_bytes(raw[: 178 + 4 * 128 + 50])  # four whole frames and a bit
    with pytest.warns(FalsecolorWarning, match=r"t.ser is truncated: frames 4..5 of 6"):
        source = open_frames(path)
    assert len(source) == 4


def test_not_a_ser_file(tmp_path):
    path = tmp_path / "x.ser"
    path.write_bytes(b"hello" * 100)
    with pytest.raises(FileFormatError, match="not a SER file"):
        open_frames(path)


def test_fits_cube_scaled_integers_memory_mapped(tmp_path):
    raw = np.arange(3 * 4 * 5, dtype=np.int16).reshape(3, 4, 5)
    hdu = fits.PrimaryHDU(raw)
    hdu.header["BSCALE"], hdu.header["BZERO"] = 2.0, 100.0
    hdu.header["DATE-OBS"], hdu.header["FRAMTIME"] = "2016-02-15T08:00:00", 0.5
    hdu.header["FILTER"] = "M-BAND"
    hdu.writeto(tmp_path / "cube.fits")
    source = open_frames(tmp_path / "cube.fits")
    assert len(source) == 3 and source.shape == (4, 5)
    assert source.segments[0].kind == "raw"
    data, _ = _read_all(source)
    np.testing.assert_array_equal(data, raw * 2.0 + 100.0)
    assert source.time(2) == "2016-02-15T08:00:01.000"
    assert source.header["FILTER"] == "M-BAND"
    clone = pickle.loads(pickle.dumps(source))  # what a dask worker receives
    again, _ = _read_all(clone)
    np.testing.assert_array_equal(again, data)


def test_truncated_fits_cube(tmp_path):
    fits.PrimaryHDU(np.ones((10, 64, 64), np.float32)).writeto(tmp_path / "c.fits")
    raw = (tmp_path / "c.fits").read_bytes()
    (tmp_path / "c.fits").write_bytes(raw[: 2880 + 3 * 64 * 64 * 4 + 100])
    with pytest.warns(FalsecolorWarning, match="truncated: frames 3..9 of 10"):
        source = open_frames(tmp_path / "c.fits")
    assert len(source) == 3


def test_gzipped_fits_cube(tmp_path):
    cube = np.random.default_rng(1).random((3, 8, 9)).astype(np.float32)
    fits.PrimaryHDU(cube).writeto(tmp_path / "c.fits.gz")
    data, _ = _read_all(open_frames(tmp_path / "c.fits.gz"))
    np.testing.assert_array_equal(data, cube)


def test_png_directory_natural_order_16_bit_and_flip(tmp_path):
    for i in (1, 2, 10):
        frame = np.full((6, 7), i * 1000, np.uint16)
        frame[0, 0] = 5  # top-left in the file
        Image.fromarray(frame).save(tmp_path / f"{i}.png")
    source = open_frames(tmp_path)
    assert [source.name(i) for i in range(3)] == ["1.png", "2.png", "10.png"]
    data, _ = _read_all(source)
    assert data[2, 1, 1] == 10_000 and data[0, -1, 0] == 5  # row 0 is the bottom
    assert source.saturation(0) == 65535


def test_tiff_and_glob(tmp_path):
    for i in range(3):
        tifffile.imwrite(tmp_path / f"f{i}.tif", np.full((5, 5), i, np.uint16))
    source = open_frames(str(tmp_path / "f*.tif"))
    data, _ = _read_all(source)
    assert data[:, 0, 0].tolist() == [0, 1, 2]


def test_wrong_shape_and_broken_images_are_named(tmp_path):
    Image.fromarray(np.zeros((6, 7), np.uint8)).save(tmp_path / "1.png")
    Image.fromarray(np.zeros((9, 7), np.uint8)).save(tmp_path / "2.png")
    (tmp_path / "3.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    with pytest.warns(FalsecolorWarning, match="3.png: unreadable image"):
        source = open_frames(tmp_path)
    _, reasons = _read_all(source)
    assert reasons[0] is None
    assert "shape (9, 7) differs" in reasons[1]
    assert "unreadable" in reasons[2]


def test_missing_inputs_are_clear_errors(tmp_path):
    with pytest.raises(FileFormatError, match="does not exist"):
        open_frames(tmp_path / "nope.ser")
    with pytest.raises(FileFormatError, match="no files match"):
        open_frames(str(tmp_path / "*.fits"))
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(FileFormatError, match="not a frame file"):
        open_frames(tmp_path / "notes.txt")
    with pytest.raises(FileFormatError, match="holds no frame files"):
        open_frames(tmp_path)
    with pytest.raises(InputError, match="unknown channel"):
        open_frames(tmp_path / "notes.txt", channel="purple")


def test_decompression_bomb_png_is_refused(tmp_path, monkeypatch):
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(tmp_path / "big.png")
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(tmp_path / "ok.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 64 x 64 is now "a bomb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FalsecolorWarning)
        with pytest.raises(FileFormatError, match="no readable frame"):
            open_frames(tmp_path)


def test_from_array_rejects_non_cubes():
    with pytest.raises(InputError, match=r"\(n, ny, nx\)"):
        FrameSource.from_array(np.zeros((4, 4)))


def test_a_stack_of_png_frames_decodes_each_file_once(tmp_path, monkeypatch):
    """Pass 1, the reference and pass 2 read the best frames again: they are not decoded again."""
    import falsecolor
    from falsecolor.bands import _frame_formats, _frames
    from falsecolor.synthetic import synthetic_frames

    made = synthetic_frames(30, (64, 64), seed=4)
    for k, frame in enumerate(made.frames):
        Image.fromarray(np.clip(frame[::-1] / 16, 0, 250).astype(np.uint8)).save(tmp_path / f"{k}.png")
    decoded = []

    def counting(path, page=0):
        decoded.append(path)
        return _frame_formats.read_image(path, page)

    monkeypatch.setattr(_frames, "read_image", counting)
    falsecolor.stack(str(tmp_path), keep="50%", workers=1)
    assert len(decoded) == 30 and len(set(decoded)) == 30
    decoded.clear()
    monkeypatch.setattr(_frames, "DECODED_BUDGET", 0)  # no room: every read decodes (memory stays flat)
    falsecolor.stack(str(tmp_path), keep="50%", workers=1)
    assert len(decoded) > 30
