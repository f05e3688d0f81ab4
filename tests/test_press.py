"""Press output: the page (key, caption, marks, sheet), file formats and metadata, determinism."""

import io

import numpy as np
import pytest
from PIL import Image

from falsecolor import render
from falsecolor.exceptions import InputError
from falsecolor.export import XMP_KEY, read_avm, srgb_icc_profile
from falsecolor.layout import KeySpec, Panel, annotate, nice_length, page, render_key
from falsecolor.pipeline import RECIPE_KEY
from falsecolor.recipe import parse_recipe


@pytest.fixture(scope="module")
def composite(jupiter):
    return render(jupiter.temperature_band, jupiter.cloud_band, t_limits=(120, 135), tau_limits=(0, 4.5))


def _read(path):
    with Image.open(path) as image:
        image.load()
        return np.asarray(image), dict(image.info)


# -- layout ---------------------------------------------------------------------------------


def test_nice_scale_bar_lengths():
    assert [nice_length(v) for v in (1.0, 3.7, 19999.0, 20000.0, 71492 * 0.4)] == [1, 2, 10000, 20000, 20000]
    with pytest.raises(ValueError):
        nice_length(0)


def test_scale_bar_and_north_arrow_are_drawn_where_expected():
    image = np.zeros((400, 400, 4), np.uint8)
    image[..., 3] = 255
    marked = annotate(image, km_per_pixel=250.0, north_angle=0.0)
    assert marked is not image and np.array_equal(image, np.zeros_like(image) + [0, 0, 0, 255])
    white = np.all(marked[..., :3] > 200, axis=-1)
    bar = white[300:, :200]  # lower left: the bar (20 000 km = 80 px) and its label
    assert bar.sum() > 80 * 3
    bar_rows = np.nonzero(white[300:, :200].sum(axis=1) >= 70)[0]  # the bar itself: one long white run
    assert bar_rows.size >= 3
    run = white[300 + bar_rows[0], :200]
    assert 75 <= run.sum() <= 85  # 20 000 km at 250 km/px, within anti-aliasing
    arrow = white[:100, 300:]  # upper right: the arrow and N
    assert arrow.sum() > 50 and not white[150:250, 150:250].any()  # the centre is untouched
    # an arrow pointing left (north 90 deg towards the left) is wider than tall
    side = annotate(image, north_angle=90.0)[:100, 300:]
    r, c = np.nonzero(np.all(side[..., :3] > 200, axis=-1))
    assert np.ptp(c) > np.ptp(r)


def test_key_reports_clipped_shares():
    spec = KeySpec(np.zeros((4, 4, 4)) + 0.5, (120, 135), (0, 4.5))
    plain = render_key(spec, size=200)
    clipped = render_key(
        KeySpec(spec.image, spec.x_limits, spec.y_limits, x_clipped=(0.02, 0.0), y_clipped=(0.1, 0.3)),
        size=200,
    )
    ink = lambda tile: int(np.all(tile[..., :3] > 200, axis=-1).sum())  # noqa: E731
    assert ink(clipped) > ink(plain) + 200  # four more labels


def test_page_with_several_panels_and_a_key_below():
    panels = [Panel(np.full((100, 120, 4), (v, v, v, 255), np.uint8), f"band {v}") for v in (60, 120, 250)]
    key = KeySpec(np.zeros((4, 4, 4)) + 0.5, (120, 135), (0, 4.5))
    sheet = page(panels, key=key, key_position="bottom", title="Sheet", background=(0, 0, 0, 1))
    assert sheet.shape[1] >= 3 * 120 and sheet.shape[0] > 100 + 150
    lefts = []
    for value in (60, 120, 250):  # each panel copied unchanged, side by side
        match = np.all(sheet == [value, value, value, 255], axis=-1)
        full_rows = np.nonzero(match.sum(axis=1) >= 120)[0]
        assert full_rows.size == 100 and np.ptp(full_rows) == 99
        lefts.append(np.nonzero(match[full_rows[0]])[0][0])
    assert lefts == sorted(lefts) and lefts[1] - lefts[0] >= 120


def test_sixteen_bit_page_keeps_the_panel_and_promotes_the_key():
    panel = np.full((200, 200, 4), 1234, np.uint16)
    panel[..., 3] = 65535
    key = KeySpec(np.zeros((4, 4, 4)) + 0.5, (120, 135), (0, 4.5))
    sheet = page([Panel(panel)], key=key, title="T", background=(0, 0, 0, 1))
    assert sheet.dtype == np.uint16
    assert np.all(sheet == [1234, 1234, 1234, 65535], axis=-1).sum() == 200 * 200
    assert sheet[..., :3].max() == 65535  # white key ink, promoted from 8 bits


# -- the published picture --------------------------------------------------------------------


def test_caption_scale_bar_north_arrow_and_sheet(composite):
    plain = composite.image(key=False, background="black")
    marked = composite.image(key=False, background="black", scale_bar=True, north_arrow=True)
    assert marked.shape == plain.shape
    changed = np.any(marked != plain, axis=-1)
    assert changed[-60:, :120].any() and changed[:60, -60:].any() and not changed[100:150, 100:150].any()
    captioned = composite.image(key=False, caption="auto")
    assert captioned.shape[0] > plain.shape[0]
    sheet = composite.image(sheet=True, background="black")
    assert sheet.shape[1] > 3 * 256
    # the grey panels are grey: some opaque pixels with R == G == B and a spread of levels
    grey = (sheet[..., 0] == sheet[..., 1]) & (sheet[..., 1] == sheet[..., 2]) & (sheet[..., 0] > 40)
    assert grey.sum() > 2 * 0.5 * np.pi * 100**2


def test_geometry_options_and_errors(jupiter):
    from falsecolor.bands import Band

    bare = Band(jupiter.temperature_band.data, jupiter.temperature_band.unit, filter_name="NEII_2")
    composite = render(bare, jupiter.cloud_band)
    with pytest.raises(InputError, match="km_per_pixel"):
        composite.image(scale_bar=True)
    with pytest.raises(InputError, match="north_angle"):
        composite.image(north_arrow=True)
    assert composite.image(scale_bar=True, km_per_pixel=500.0).shape[2] == 4
    with pytest.raises(InputError, match="colour_key: not an option of Look; options: title, credit"):
        composite.image(colour_key=True)
    with pytest.raises(InputError, match=r"key_position='top'.*choose right, left, bottom"):
        composite.image(key_position="top")


def test_auto_caption_names_date_and_bands(composite):
    from falsecolor.recipe import Look
    from falsecolor.rendering import caption_of

    text = caption_of(composite, Look(caption="auto"))
    assert "2016-02-15 08:47 UT" in text and "NEII_2" in text and "M-BAND" in text
    assert caption_of(composite, Look(caption="My words")) == "My words"
    assert caption_of(composite, Look()) is None


def test_sixteen_bit_composite_matches_the_eight_bit_one(composite):
    fine = composite.rgba16()
    assert fine.dtype == np.uint16 and fine.shape == composite.rgba.shape
    difference = np.abs(fine.astype(float) / 257.0 - composite.rgba.astype(float))
    assert np.percentile(difference[..., :3], 99) < 3.0  # a finer table: within a few 8-bit steps
    assert np.array_equal(fine[..., 3] == 0, composite.rgba[..., 3] == 0)


# -- files and metadata ---------------------------------------------------------------------------


def test_png_tiff_jpeg_with_metadata(tmp_path, composite):
    import tifffile

    paths = [tmp_path / "j.png", tmp_path / "j.tif", tmp_path / "j.jpg"]
    written = composite.save(
        paths, title="Jupiter τ", credit="ESO/L. N. Fletcher", dpi=300, background="black"
    )
    assert written == paths
    pixels, info = _read(paths[0])
    assert info["icc_profile"] == srgb_icc_profile()
    assert info["Title"] == "Jupiter τ" and info["Author"] == "ESO/L. N. Fletcher"
    assert info["Software"].startswith("falsecolor ") and "Palette: visir" in info["Description"]
    assert "Creation Time" not in info  # only when asked
    assert round(info["dpi"][0]) == 300
    avm = read_avm(paths[0])
    assert avm.Type == "Planetary" and list(avm.Subject.Name) == ["Jupiter"]
    assert avm.Credit == "ESO/L. N. Fletcher" and avm.Title == "Jupiter τ"
    assert list(avm.Spectral.ColorAssignment) == ["Pseudocolor", "Pseudocolor"]
    assert list(avm.Spectral.Bandpass) == ["NEII_2", "M-BAND"]
    np.testing.assert_allclose(list(avm.Spectral.CentralWavelength), [13040, 4780], rtol=0.01)
    assert list(avm.Spectral.Band) == ["Infrared", "Infrared"]
    recipe = parse_recipe(info[RECIPE_KEY])
    assert recipe.title == "Jupiter τ" and recipe.t_limits == (120.0, 135.0) and recipe.dpi == 300
    with tifffile.TiffFile(paths[1]) as tif:
        master = tif.pages[0].asarray()
        tags = {tag.name: tag.value for tag in tif.pages[0].tags.values()}
    assert master.dtype == np.uint16 and master.shape[:2] == pixels.shape[:2]
    assert tags["InterColorProfile"] == srgb_icc_profile() and tags["Artist"] == "ESO/L. N. Fletcher"
    assert b"Planetary" in tags["XMP"]
    # the master is the same picture as the PNG at 16 bits
    close = np.abs(master[..., :3] / 257.0 - pixels[..., :3]) <= 4
    assert close.mean() > 0.99
    web, web_info = _read(paths[2])
    assert web.shape == pixels.shape[:2] + (3,) and web_info["icc_profile"] == srgb_icc_profile()
    assert np.abs(web.astype(int) - pixels[..., :3].astype(int)).mean() < 3
    assert read_avm(paths[2]).Credit == "ESO/L. N. Fletcher"


def test_source_hashes_and_optional_timestamp(tmp_path, band_files, monkeypatch):
    import hashlib

    composite = render(band_files["temperature"], band_files["cloud"])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    composite.save(tmp_path / "a.png", timestamp=True)
    info = _read(tmp_path / "a.png")[1]
    digest = hashlib.sha256(band_files["temperature"].read_bytes()).hexdigest()
    assert f"temperature.fits sha256:{digest}" in info["Source"] and "cloud.fits sha256:" in info["Source"]
    assert info["Creation Time"] == "2023-11-14T22:13:20Z"


def test_repeated_saves_are_byte_identical(tmp_path, band_files):
    for name in ("a", "b"):
        composite = render(band_files["temperature"], band_files["cloud"])
        composite.save([tmp_path / f"{name}.png", tmp_path / f"{name}.tif", tmp_path / f"{name}.jpg"],
                       title="T", credit="C", caption="auto", sheet=True)  # fmt: skip
    for suffix in ("png", "tif", "jpg"):
        assert (tmp_path / f"a.{suffix}").read_bytes() == (tmp_path / f"b.{suffix}").read_bytes()


def test_embedded_recipe_paths_are_relative_to_the_image(tmp_path, band_files):
    out = tmp_path / "sub"
    out.mkdir()
    composite = render(
        band_files["temperature"], band_files["cloud"], temperature_options={"filter": "NEII_2"}
    )
    composite.save(out / "j.png")
    recipe = parse_recipe(_read(out / "j.png")[1][RECIPE_KEY], base=out)
    assert recipe.temperature.path == "../temperature.fits" and recipe.temperature.filter == "NEII_2"
    assert recipe.resolve(recipe.cloud.path).resolve() == band_files["cloud"].resolve()
    assert recipe.files == ()  # where the image went is not part of it


def test_unknown_output_format_writes_nothing(tmp_path, composite):
    with pytest.raises(InputError, match="suffix"):
        composite.save([tmp_path / "a.png", tmp_path / "b.gif"])
    assert list(tmp_path.iterdir()) == []


def test_xmp_chunk_is_uncompressed_itxt(tmp_path, composite):
    composite.save(tmp_path / "x.png")
    data = (tmp_path / "x.png").read_bytes()
    at = data.index(XMP_KEY.encode())
    assert data[at - 4 : at] == b"iTXt" and data[at + len(XMP_KEY) + 1] == 0  # compression flag 0
    assert Image.open(io.BytesIO(data)).info[XMP_KEY].startswith("<?xpacket")
