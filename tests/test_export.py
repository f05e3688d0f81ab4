"""Atomic writes, PNG encoding and output-path safety."""

import io
import os

import numpy as np
import pytest
from PIL import Image

from falsecolor.exceptions import OutputError
from falsecolor.export import check_output, encode_png, write_atomically


def write_png(path, rgba):
    data = encode_png(rgba)
    return write_atomically([(path, lambda fh: fh.write(data))])[0]


def _image(alpha=255):
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[..., 0] = np.arange(30, dtype=np.uint8)[None, :] * 8
    rgba[..., 1] = np.arange(20, dtype=np.uint8)[:, None] * 12
    rgba[..., 3] = alpha
    return rgba


def test_png_round_trip_srgb_and_text():
    data = encode_png(_image(), text={"Software": "falsecolor", "Title": "Jupiter τ"})
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGB"  # opaque images are written without alpha
    np.testing.assert_array_equal(np.asarray(image), _image()[..., :3])
    assert image.info["Software"] == "falsecolor" and image.info["Title"] == "Jupiter τ"
    assert b"sRGB" in data and b"gAMA" in data and b"cHRM" in data


def test_png_keeps_alpha_and_is_deterministic():
    rgba = _image()
    rgba[:5, :5, 3] = 0
    first, second = encode_png(rgba), encode_png(rgba)
    assert first == second
    decoded = np.asarray(Image.open(io.BytesIO(first)))
    assert decoded.shape == (20, 30, 4)
    np.testing.assert_array_equal(decoded, rgba)


def test_png_compress_levels():
    rgba = _image()
    assert len(encode_png(rgba, compress_level=0)) > len(encode_png(rgba, compress_level=9))
    with pytest.raises(ValueError):
        encode_png(rgba, compress_level=12)
    with pytest.raises(ValueError):
        encode_png(rgba.astype(np.float32))


def test_write_png_replaces_atomically(tmp_path):
    target = tmp_path / "out.png"
    write_png(target, _image())
    with Image.open(target) as image:
        assert image.size == (30, 20)
    mode = os.stat(target).st_mode & 0o777
    assert mode & 0o444 == 0o444  # readable like any file the user makes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_failed_write_leaves_old_file_and_no_debris(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")

    def broken(fh):
        fh.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="No space left"):
        write_atomically([(target, broken)])
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_several_files_are_all_or_nothing(tmp_path):
    def good(fh):
        fh.write(b"ok")

    def bad(fh):
        raise OSError(5, "I/O error")

    with pytest.raises(OutputError):
        write_atomically([(tmp_path / "a.fits", good), (tmp_path / "b.fits", bad)])
    assert list(tmp_path.iterdir()) == []
    written = write_atomically([(tmp_path / "a.fits", good), (tmp_path / "b.fits", good)])
    assert [p.name for p in written] == ["a.fits", "b.fits"]


def test_output_checks(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        check_output(tmp_path / "missing" / "out.png")
    with pytest.raises(OutputError, match="is a directory"):
        check_output(tmp_path)
    source = tmp_path / "input.fits"
    source.write_bytes(b"x")
    with pytest.raises(OutputError, match="one of the inputs"):
        check_output(source, inputs=[source])
    link = tmp_path / "link.fits"
    link.symlink_to(source)
    with pytest.raises(OutputError, match="one of the inputs"):
        check_output(link, inputs=[str(source)])
    with pytest.raises(OutputError, match="share one name"):
        write_atomically([(tmp_path / "x", lambda fh: None), (tmp_path / "x", lambda fh: None)])


def test_unwritable_location():
    # /proc refuses new files even for root
    with pytest.raises(OutputError):
        write_png("/proc/falsecolor-test.png", _image())


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="permission denied"):
            write_png(locked / "out.png", _image())
    finally:
        locked.chmod(0o700)


def test_a_failed_rename_restores_the_files_already_replaced(tmp_path, monkeypatch):
    first, second = tmp_path / "a.png", tmp_path / "b.fits"
    first.write_bytes(b"old a")
    real_replace = os.replace

    def failing_replace(source, target):
        if str(target) == str(second):
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError, match=r"b\.fits: No space left"):
        write_atomically([(first, lambda fh: fh.write(b"new a")), (second, lambda fh: fh.write(b"b"))])
    monkeypatch.undo()
    assert first.read_bytes() == b"old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_a_new_file_is_removed_when_a_later_rename_fails(tmp_path, monkeypatch):
    first, second = tmp_path / "new.png", tmp_path / "b.fits"
    real_replace = os.replace

    def failing_replace(source, target):
        if str(target) == str(second):
            raise PermissionError(13, "Permission denied")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError, match="permission denied"):
        write_atomically([(first, lambda fh: fh.write(b"a")), (second, lambda fh: fh.write(b"b"))])
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_backup_changes_nothing(tmp_path, monkeypatch):
    import shutil

    first, second = tmp_path / "a.png", tmp_path / "b.fits"
    first.write_bytes(b"old a")
    second.write_bytes(b"old b")

    def no_links(*args):
        raise OSError(18, "Invalid cross-device link")

    def full_disk(source, target, **kwargs):
        with open(target, "wb") as fh:
            fh.write(b"parti")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(shutil, "copy2", full_disk)
    with pytest.raises(OutputError, match="No space left"):
        write_atomically([(first, lambda fh: fh.write(b"new a")), (second, lambda fh: fh.write(b"new b"))])
    monkeypatch.undo()
    assert (first.read_bytes(), second.read_bytes()) == (b"old a", b"old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.fits"]


def test_a_writer_failing_with_any_error_leaves_no_temporary(tmp_path):
    def broken(fh):
        raise ValueError("bad data")

    with pytest.raises(ValueError, match="bad data"):
        write_atomically([(tmp_path / "a.png", lambda fh: fh.write(b"a")), (tmp_path / "b.fits", broken)])
    assert list(tmp_path.iterdir()) == []
