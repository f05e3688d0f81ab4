"""Atomic writes, PNG encoding and output-path safety."""

import io
import os

import numpy as np
import pytest
from PIL import Image

from falsecolor.exceptions import OutputError
from falsecolor.export import (
    XMP_KEY,
    AvmBand,
    avm_xmp,
    check_output,
    encode_jpeg,
    encode_png,
    encode_tiff,
    format_of,
    srgb_icc_profile,
    write_atomically,
)


def png_chunks(data: bytes) -> list[bytes]:
    """Chunk types of a PNG file, in order."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        chunks.append(data[at + 4 : at + 8])
        at += 12 + length
    return chunks


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
    chunks = png_chunks(data)
    # an embedded sRGB profile, and (per the PNG spec) then no sRGB chunk; gAMA/cHRM as fallback
    assert b"iCCP" in chunks and b"sRGB" not in chunks
    assert b"gAMA" in chunks and b"cHRM" in chunks
    assert chunks.index(b"iCCP") < chunks.index(b"IDAT")


def test_icc_profile_is_srgb_and_fixed():
    from PIL import ImageCms

    profile = srgb_icc_profile()
    assert profile == srgb_icc_profile()
    assert profile[36:40] == b"acsp" and profile[16:20] == b"RGB " and profile[12:16] == b"mntr"
    opened = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    assert "sRGB" in ImageCms.getProfileDescription(opened)
    # a colour-managed conversion through the embedded profile leaves sRGB pixels as they are
    image = Image.open(io.BytesIO(encode_png(_image())))
    embedded = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    converted = ImageCms.profileToProfile(image, embedded, ImageCms.createProfile("sRGB"))
    assert np.abs(np.asarray(converted).astype(int) - _image()[..., :3]).max() <= 1


def test_png_compressed_text_xmp_and_dpi():
    xmp = avm_xmp(title="Jupiter", credit="ESO", bands=[AvmBand("NEII_2", 13040.0)])
    data = encode_png(_image(), compressed_text={"falsecolor:recipe": "a = 1\n" * 100}, xmp=xmp, dpi=300)
    image = Image.open(io.BytesIO(data))
    assert image.info["falsecolor:recipe"] == "a = 1\n" * 100
    assert image.info[XMP_KEY].encode() == xmp
    assert tuple(round(v) for v in image.info["dpi"]) == (300, 300)
    assert b"zTXt" in png_chunks(data) or b"iTXt" in png_chunks(data)


def test_tiff_master_keeps_16_bits_and_metadata():
    import tifffile

    rgba = np.zeros((20, 30, 4), np.uint16)
    rgba[..., 0] = np.arange(30, dtype=np.uint16)[None, :] * 2000 + 7
    rgba[..., 3] = 65535
    rgba[0, 0, 3] = 0
    xmp = avm_xmp(title="Jupiter")
    data = encode_tiff(rgba, description="Jupiter τ", software="falsecolor", artist="ESO", xmp=xmp, dpi=300)
    assert data == encode_tiff(
        rgba, description="Jupiter τ", software="falsecolor", artist="ESO", xmp=xmp, dpi=300
    )
    with tifffile.TiffFile(io.BytesIO(data)) as tif:
        page = tif.pages[0]
        np.testing.assert_array_equal(page.asarray(), rgba)
        tags = {tag.name: tag.value for tag in page.tags.values()}
    assert tags["InterColorProfile"] == srgb_icc_profile()
    assert tags["ImageDescription"] == "Jupiter tau" and tags["Artist"] == "ESO"
    assert tags["XMP"] == xmp and tags["XResolution"] == (300, 1)
    assert "DateTime" not in tags


def test_jpeg_is_opaque_srgb_with_xmp():
    xmp = avm_xmp(title="Jupiter")
    data = encode_jpeg(_image(), xmp=xmp, dpi=150)
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGB" and image.info["icc_profile"] == srgb_icc_profile()
    assert np.abs(np.asarray(image).astype(int) - _image()[..., :3]).mean() < 3
    assert xmp in data
    with pytest.raises(ValueError, match="transparency"):
        encode_jpeg(_image(alpha=0))


def test_format_of():
    assert [format_of(p) for p in ("a.png", "b.TIF", "c.tiff", "d.jpg", "e.jpeg")] == [
        "png", "tiff", "tiff", "jpeg", "jpeg",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="format"):
        format_of("a.gif")


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

    with pytest.raises(OutputError, match="no space left"):
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
    with pytest.raises(OutputError, match="is named twice"):
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
    with pytest.raises(OutputError, match=r"b\.fits: no space left"):
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
    with pytest.raises(OutputError, match="no space left"):
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
