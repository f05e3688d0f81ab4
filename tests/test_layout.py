"""Colour key and page layout: pixel checks on what is drawn."""

import numpy as np

from falsecolor import get_palette
from falsecolor.layout import KeySpec, assemble, render_key, render_text


def _spec():
    return KeySpec(
        get_palette("visir").key_image(),
        (120.0, 135.0),
        (0.0, 4.5),
        x_band="NEII_2 13.04 µm",
        y_band="M-BAND",
    )


def _contains_colour(tile, colour, tolerance=6):
    return np.any(np.all(np.abs(tile[..., :3].astype(int) - np.asarray(colour)) <= tolerance, axis=-1))


def test_key_shows_the_palette_corners_the_right_way_up():
    tile = render_key(_spec(), size=200)
    assert tile.shape[2] == 4 and tile[..., 3].min() == 255  # opaque panel
    lut = get_palette("visir").lut8
    for corner in (lut[0, 0], lut[-1, 0], lut[0, -1], lut[-1, -1]):
        assert _contains_colour(tile, corner[:3])
    # locate the palette square: bottom-left is cold+clear (blue), top-right warm+cloudy (orange)
    blue = np.all(np.abs(tile[..., :3].astype(int) - lut[0, 0, :3]) <= 6, axis=-1)
    orange = np.all(np.abs(tile[..., :3].astype(int) - lut[-1, -1, :3]) <= 6, axis=-1)
    blue_rows, blue_cols = np.nonzero(blue)
    orange_rows, orange_cols = np.nonzero(orange)
    assert blue_rows.mean() > orange_rows.mean()  # blue lower (row 0 is the top)
    assert blue_cols.mean() < orange_cols.mean()  # blue left


def test_key_has_text():
    tile = render_key(_spec(), size=200)
    light = np.all(tile[..., :3] > 200, axis=-1)
    assert light.sum() > 500  # labels and ticks are drawn in white on the dark panel


def test_key_scales_with_size():
    assert render_key(_spec(), size=400).shape[0] > render_key(_spec(), size=150).shape[0] * 2


def test_key_on_a_light_background_uses_dark_ink():
    tile = render_key(_spec(), size=150, background=(1.0, 1.0, 1.0, 1.0))
    dark = np.all(tile[..., :3] < 60, axis=-1)
    assert dark.sum() > 200


def test_assemble_copies_the_composite_exactly():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (300, 400, 4), dtype=np.uint8)
    page = assemble(image, key=_spec(), title="Jupiter", credit="ESO")
    found = [
        (r, c)
        for r in range(page.shape[0] - 299)
        for c in range(page.shape[1] - 399)
        if np.array_equal(page[r, c : c + 400], image[0])
    ]
    assert len(found) == 1
    top, left = found[0]
    np.testing.assert_array_equal(page[top : top + 300, left : left + 400], image)
    assert top > 0 and left > 0  # a margin all round
    assert page.shape[1] > 400 and page.shape[0] > 300
    assert assemble(image) is image


def test_text_tile_is_transparent_outside_the_glyphs():
    tile = render_text("Jupiter", width=300, height=40)
    assert tile[0, 0, 3] == 0 and tile[..., 3].max() == 255


def test_long_titles_shrink_then_widen_the_page():
    from falsecolor.layout import text_width

    image = np.zeros((60, 55, 4), np.uint8)
    image[..., 3] = 255
    title = "IRTF 1987 October 25, 10.74 um x 7.8 um, raw counts with an assumed scale"
    page = assemble(image, title=title, credit="NASA IRTF / a long credit line for a tiny image")
    assert page.shape[1] >= text_width(title, 8.0, weight="bold")  # the whole title fits
    drawn = np.flatnonzero(page[:40, :, 3].any(axis=0))
    assert drawn[0] > 0 and drawn[-1] < page.shape[1] - 1  # not clipped at either side
