"""Palettes: corner colours, look-up against matplotlib, OKLab, files."""

import numpy as np
import pytest

from falsecolor import get_palette, list_palettes
from falsecolor._colour import (
    linear_to_oklab,
    linear_to_srgb,
    map_into_gamut,
    oklab_to_linear,
    parse_colour,
    srgb_to_linear,
)
from falsecolor.exceptions import PaletteError
from falsecolor.palette import Palette, load_palette


def test_builtin_palettes_load():
    names = list_palettes()
    assert names[0] == "visir" and "visir-linear" in names
    assert {"visir-cvd", "visir-print", "visir-dark", "orangeblue", "peak", "teal-magenta"} <= set(names)
    assert len(names) >= 6
    for name in names:
        palette = get_palette(name)
        assert palette.lut.shape == (256, 256, 4)
        assert palette.description
    assert get_palette("default").name == "visir"
    assert get_palette(None).name == "visir"


def _hex(rgba):
    return "#" + "".join(f"{int(v):02x}" for v in rgba[:3])


@pytest.mark.parametrize("name", ["visir", "visir-linear"])
def test_corner_colours_are_the_reference_look(name):
    lut = get_palette(name).lut8
    cold_clear, warm_clear, cold_cloudy, warm_cloudy = lut[0, 0], lut[-1, 0], lut[0, -1], lut[-1, -1]
    assert _hex(cold_clear) == "#5095ff"  # blue
    assert _hex(warm_cloudy) == "#ffad38"  # orange
    assert _hex(warm_clear) == "#fffcf6"  # bright, nearly colourless
    assert _hex(cold_cloudy) == "#272735"  # dark
    r, g, b = cold_clear[:3].astype(int)
    assert b > g > r  # blue
    r, g, b = warm_cloudy[:3].astype(int)
    assert r > g > b  # orange
    assert np.ptp(warm_clear[:3].astype(int)) < 12 and warm_clear[:3].min() > 240
    assert cold_cloudy[:3].max() < 60


def test_lightness_rises_from_cold_to_warm():
    lut = get_palette("visir").lut
    lightness = linear_to_oklab(srgb_to_linear(lut[..., :3]))[..., 0]
    assert np.all(np.diff(lightness, axis=0) > -1e-9)


@pytest.mark.parametrize("name", list_palettes())
def test_every_palette_converts_to_matplotlib_and_agrees_with_our_lookup(name):
    """Our packed look-up and matplotlib's BivarColormapFromImage agree within 1/255 everywhere."""
    palette = get_palette(name)
    rng = np.random.default_rng(5)
    x = rng.uniform(-0.1, 1.1, 20000).astype(np.float32)
    y = rng.uniform(-0.1, 1.1, 20000).astype(np.float32)
    ours = palette.lookup(x, y).astype(int)
    theirs = np.round(palette.to_matplotlib()((np.clip(x, 0, 1), np.clip(y, 0, 1))) * 255).astype(int)
    assert np.abs(ours - theirs).max() <= 1
    assert palette.description and palette.x_label and palette.y_label


@pytest.mark.parametrize("name", list_palettes())
def test_every_palette_registers_with_matplotlib_on_request(name):
    import matplotlib as mpl

    key = f"falsecolor-test.{name}"
    try:
        assert get_palette(name).register(name=key) == key
        np.testing.assert_allclose(mpl.bivar_colormaps[key]((1.0, 1.0)), get_palette(name).lut[-1, -1])
    finally:
        mpl.bivar_colormaps.unregister(key)


def test_lookup_equals_matplotlib_bivariate_colormap():
    palette = get_palette("visir")
    rng = np.random.default_rng(2)
    x = rng.uniform(-0.2, 1.2, (300, 200)).astype(np.float32)
    y = rng.uniform(-0.2, 1.2, (300, 200)).astype(np.float32)
    x[0, :5] = [0.0, 1.0, np.nan, 0.5, 1 / 256]
    ours = palette.lookup(x, y)
    cmap = palette.to_matplotlib()
    theirs = cmap((np.clip(x, 0, 1), np.clip(y, 0, 1)))
    np.testing.assert_array_equal(ours, np.round(theirs * 255).astype(np.uint8))


def test_lookup_ranges_mask_and_nan():
    palette = get_palette("visir")
    t = np.array([[120.0, 135.0, 150.0, np.nan, 127.5]])
    tau = np.array([[0.0, 4.5, 9.0, 1.0, np.nan]])
    mask = np.array([[False, False, False, False, False]])
    rgba = palette.lookup(t, tau, x_range=(120, 135), y_range=(0, 4.5), mask=mask)
    np.testing.assert_array_equal(rgba[0, 0], palette.lut8[0, 0])
    np.testing.assert_array_equal(rgba[0, 1], palette.lut8[-1, -1])
    np.testing.assert_array_equal(rgba[0, 2], palette.lut8[-1, -1])  # clipped beyond the edge
    assert rgba[0, 3, 3] == 0 and rgba[0, 4, 3] == 0  # NaN -> bad (transparent)
    mask[0, 0] = True
    assert palette.lookup(t, tau, x_range=(120, 135), y_range=(0, 4.5), mask=mask)[0, 0, 3] == 0


def test_reversed_range_flips_the_axis():
    palette = get_palette("visir")
    rgba = palette.lookup(np.array([120.0]), np.array([0.0]), x_range=(135, 120), y_range=(0, 1))
    np.testing.assert_array_equal(rgba[0], palette.lut8[-1, 0])


def test_lookup_does_not_modify_inputs_and_fills_out():
    palette = get_palette("visir")
    x = np.linspace(0, 1, 100_000).reshape(200, 500)
    y = x[::-1].copy()
    xc, yc = x.copy(), y.copy()
    out = np.zeros((200, 500, 4), np.uint8)
    result = palette.lookup(x, y, out=out)
    assert result is out and out[..., 3].min() == 255
    np.testing.assert_array_equal(x, xc)
    np.testing.assert_array_equal(y, yc)


def test_register_with_matplotlib_only_on_request():
    import matplotlib as mpl

    palette = get_palette("visir-linear")
    key = "falsecolor.visir-linear"
    assert key not in mpl.bivar_colormaps
    try:
        assert palette.register() == key
        registered = mpl.bivar_colormaps[key]
        np.testing.assert_allclose(registered((0.0, 0.0)), palette.lut[0, 0])
        with pytest.raises(PaletteError, match="already registered"):
            palette.register()
    finally:
        mpl.bivar_colormaps.unregister(key)
    assert key not in mpl.bivar_colormaps


# -- colour maths -----------------------------------------------------------------------


def test_oklab_reference_values():
    """CSS Color 4 / Ottosson reference values for the sRGB primaries and white."""
    np.testing.assert_allclose(linear_to_oklab([1.0, 0.0, 0.0]), [0.627955, 0.224863, 0.125846], atol=2e-6)
    np.testing.assert_allclose(linear_to_oklab([0.0, 0.0, 1.0]), [0.452014, -0.032457, -0.311528], atol=2e-6)
    np.testing.assert_allclose(linear_to_oklab([1.0, 1.0, 1.0]), [1.0, 0.0, 0.0], atol=1e-6)
    rgb = np.random.default_rng(0).random((100, 3))
    np.testing.assert_allclose(oklab_to_linear(linear_to_oklab(rgb)), rgb, atol=1e-12)


def test_oklab_against_colour_science():
    colour = pytest.importorskip("colour")
    rgb = np.random.default_rng(1).random((200, 3))
    xyz = colour.RGB_to_XYZ(rgb, colour.RGB_COLOURSPACES["sRGB"], apply_cctf_decoding=False)
    np.testing.assert_allclose(linear_to_oklab(rgb), colour.XYZ_to_Oklab(xyz), atol=3e-4)
    encoded = np.linspace(0, 1, 101)
    np.testing.assert_allclose(linear_to_srgb(encoded), colour.cctf_encoding(encoded, "sRGB"), atol=1e-12)


def test_srgb_transfer_round_trip():
    c = np.linspace(0, 1, 1001)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(c)), c, atol=1e-12)


def test_gamut_mapping_keeps_lightness_and_hue():
    lab = np.array([[0.7, 0.4, 0.1], [0.5, 0.0, 0.0], [0.9, -0.3, 0.3]])
    mapped = map_into_gamut(lab)
    rgb = oklab_to_linear(mapped)
    assert np.all(rgb > -1e-6) and np.all(rgb < 1 + 1e-6)
    np.testing.assert_allclose(mapped[:, 0], lab[:, 0])
    np.testing.assert_array_equal(mapped[1], lab[1])  # in gamut: unchanged
    ratio = mapped[[0, 2], 1] / lab[[0, 2], 1]
    np.testing.assert_allclose(mapped[[0, 2], 2] / lab[[0, 2], 2], ratio, rtol=1e-9)  # same hue


def test_parse_colour():
    assert parse_colour("#ff0000") == (1.0, 0.0, 0.0, 1.0)
    assert parse_colour("none")[3] == 0.0
    assert parse_colour("#00000080")[3] == pytest.approx(128 / 255)
    with pytest.raises(ValueError):
        parse_colour("#12")


# -- palette files ----------------------------------------------------------------------

GOOD = """
name = "mine"
description = "test"
[colors]
cold_clear = "#0000ff"
warm_clear = "#ffffff"
cold_cloudy = "#000000"
warm_cloudy = "#ff8000"
"""


def test_user_palette_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(GOOD)
    palette = get_palette(str(path))
    assert palette.name == "mine" and palette.interpolation == "oklab"
    assert _hex(palette.lut8[0, 0]) == "#0000ff"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("extra = 1\n" + GOOD, r"bad.toml:1: extra: unknown key; allowed: name"),
        (
            GOOD.replace('"#ff8000"', '"orangish"'),
            r"bad.toml:8: colors.warm_cloudy: 'orangish' is not a colour",
        ),
        (
            GOOD.replace('warm_cloudy = "#ff8000"', ""),
            r"bad.toml:4: colors: needs the corner colour\(s\) warm_cloudy",
        ),
        (
            GOOD.replace('cold_clear = "#0000ff"', 'cold_clear = "#0000ff"\nmiddle = "#888888"'),
            r"bad.toml:6: colors.middle: unknown key",
        ),
        (
            GOOD.replace('name = "mine"', 'name = "mine"\ninterpolation = "hsv"'),
            r"bad.toml:3: interpolation: 'hsv'",
        ),
        ("name = [", "not valid TOML"),
        ('name = "x"\n', "needs a \\[colors\\] table"),
        (
            GOOD.replace('description = "test"', "description = 5"),
            r"bad.toml:3: description: must be a string",
        ),
        (GOOD.replace('"#ff8000"', "5"), r"bad.toml:8: colors.warm_cloudy: must be a colour string"),
        (GOOD + 'background = "#000"\n', r"bad.toml:9: colors.background: unknown key"),
        ("[colors]\n" + "x = [" * 2000 + "]" * 2000, "(nested too deeply|not valid TOML)"),
        ("# " + "x" * (1 << 20) + "\n" + GOOD, "larger than 1024 KiB"),
        (b"\xff\xfe name", "not UTF-8"),
    ],
)
def test_malformed_palette_files(tmp_path, text, message):
    """Every malformed file gives one PaletteError naming the file, line and key."""
    path = tmp_path / "bad.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(PaletteError, match=message):
        load_palette(path)


def test_unknown_palette_name_lists_choices():
    with pytest.raises(PaletteError, match="visir"):
        get_palette("nonexistent")
    with pytest.raises(PaletteError, match="does not exist"):
        get_palette("missing.toml")


def test_palette_validation():
    corners = {k: (0, 0, 0, 1) for k in ("cold_clear", "warm_clear", "cold_cloudy", "warm_cloudy")}
    with pytest.raises(PaletteError):
        Palette("x", corners, size=1)


def test_corners_are_the_linear_colours_of_the_science_recipe():
    """SCIENCE.md 7 gives the corners in linear light; encode them independently of the package."""

    def encode(c):
        c = np.asarray(c, dtype=float)
        return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)

    linear = {
        "cold_cloudy": (0.02, 0.02, 0.035),
        "cold_clear": (0.08, 0.30, 1.00),
        "warm_cloudy": (1.00, 0.42, 0.04),
        "warm_clear": (1.00, 0.97, 0.92),
    }
    lut = get_palette("visir").lut8.astype(int)
    cells = {
        "cold_clear": lut[0, 0],
        "warm_clear": lut[-1, 0],
        "cold_cloudy": lut[0, -1],
        "warm_cloudy": lut[-1, -1],
    }
    for name, value in linear.items():
        np.testing.assert_allclose(cells[name][:3], np.round(encode(value) * 255), atol=1)


def test_binning_with_physical_ranges_matches_float64_arithmetic():
    palette = get_palette("visir")
    rng = np.random.default_rng(5)
    for low, high in ((120.0, 135.0), (128.0, 130.0), (250.0, 251.0)):
        t = rng.uniform(low - 1, high + 1, 200_000).astype(np.float32)
        tau = rng.uniform(-0.2, 4.7, 200_000).astype(np.float32)
        ours = palette.lookup(t, tau, x_range=(low, high), y_range=(0, 4.5)).view(np.uint32).ravel()
        ix = np.clip(np.floor((t.astype(np.float64) - low) / (high - low) * 256), 0, 255).astype(int)
        iy = np.clip(np.floor(tau.astype(np.float64) / 4.5 * 256), 0, 255).astype(int)
        expected = np.ascontiguousarray(palette.lut8[ix, iy]).view(np.uint32).ravel()
        assert np.mean(ours != expected) < 1e-4


# -- control points, PNG tables, 16-bit ---------------------------------------------------


def _corners(**extra):
    colours = {
        "cold_clear": "#0000ff",
        "warm_clear": "#ffffff",
        "cold_cloudy": "#000000",
        "warm_cloudy": "#ff8000",
    }
    colours.update(extra)
    return {k: parse_colour(v) for k, v in colours.items()}


def test_four_corners_alone_give_the_bilinear_blend():
    """Without middle points the 3 x 3 control grid reproduces the plain bilinear OKLab blend."""
    palette = Palette("p", _corners(), size=33)
    lab = {k: linear_to_oklab(srgb_to_linear(np.asarray(v[:3]))) for k, v in _corners().items()}
    t = np.linspace(0, 1, 33)[:, None, None]
    c = np.linspace(0, 1, 33)[None, :, None]
    blend = (1 - t) * (1 - c) * lab["cold_clear"] + t * (1 - c) * lab["warm_clear"]
    blend = blend + (1 - t) * c * lab["cold_cloudy"] + t * c * lab["warm_cloudy"]
    expected = linear_to_srgb(oklab_to_linear(map_into_gamut(blend)))
    np.testing.assert_allclose(palette.lut[..., :3], expected, atol=1e-12)


def test_centre_and_edge_points_are_honoured():
    palette = Palette("p", _corners(centre="#00ff00", warm_middle="#ff0000"), size=65)
    np.testing.assert_allclose(palette.lut[32, 32, :3], (0.0, 1.0, 0.0), atol=1e-9)
    np.testing.assert_allclose(palette.lut[64, 32, :3], (1.0, 0.0, 0.0), atol=1e-9)
    np.testing.assert_allclose(palette.lut[0, 0, :3], (0.0, 0.0, 1.0), atol=1e-9)  # corners unchanged
    with pytest.raises(PaletteError, match="unknown control point"):
        Palette("p", _corners(middle="#000000"))


def test_png_palette_round_trip(tmp_path):
    """A palette written as its LUT image reads back to the same 8-bit table, the right way up."""
    from PIL import Image

    original = get_palette("visir")
    path = tmp_path / "mine.png"
    Image.fromarray(original.lut_image(), "RGBA").save(path)
    loaded = get_palette(str(path))
    assert loaded.name == "mine" and loaded.size == 256
    np.testing.assert_array_equal(loaded.lut8, original.lut8)
    x = np.random.default_rng(0).uniform(0, 1, 1000)
    y = np.random.default_rng(1).uniform(0, 1, 1000)
    np.testing.assert_array_equal(loaded.lookup(x, y), original.lookup(x, y))
    assert loaded.fine() is loaded  # a fixed table is not re-interpolated
    # top-left pixel of the image is cold and cloudy
    assert tuple(original.lut_image()[0, 0]) == tuple(original.lut8[0, -1])


def test_bad_png_palettes(tmp_path):
    from PIL import Image

    Image.new("RGB", (30, 20)).save(tmp_path / "wide.png")
    with pytest.raises(PaletteError, match="must be square"):
        get_palette(str(tmp_path / "wide.png"))
    (tmp_path / "junk.png").write_bytes(b"not a png at all")
    with pytest.raises(PaletteError, match="cannot be read"):
        get_palette(str(tmp_path / "junk.png"))


def test_sixteen_bit_lookup_agrees_with_eight_bit():
    palette = get_palette("visir")
    x = np.linspace(0, 1, 5000)
    y = x[::-1].copy()
    eight = palette.lookup(x, y).astype(int)
    sixteen = palette.lookup(x, y, depth=16)
    assert sixteen.dtype == np.uint16
    assert np.abs(np.round(sixteen / 257.0) - eight).max() <= 1
    fine = palette.fine(1024).lookup(x, y, depth=16)
    assert len(np.unique(fine[..., 0])) > len(np.unique(sixteen[..., 0]))  # finer steps
    with pytest.raises(ValueError, match="depth"):
        palette.lookup(x, y, depth=12)


def test_palette_page_background():
    assert get_palette("visir-dark").background == (0.0, 0.0, 0.0, 1.0)
    assert get_palette("visir").background is None


# -- quality report -------------------------------------------------------------------------


def test_quality_of_the_default_palette():
    from falsecolor.palette import assess

    report = assess(get_palette("visir"))
    assert report.lightness_monotonic == 1.0 and report.lightness_step_min > 0
    assert 0 < report.step_min < report.step_mean
    assert min(report.corner_distance.values()) > 20  # corners distinct for every reader
    assert report.greyscale_corner_distance > 10 and report.warnings == []


def test_quality_flags_a_palette_that_fails_colour_blind_readers():
    from falsecolor.palette import assess

    report = assess(get_palette("peak"))
    assert report.corner_distance["deuteranopia"] < 10 < report.corner_distance["normal"]
    assert any("deuteranopia" in w for w in report.warnings)
    assert any("greyscale" in w for w in report.warnings)
    cvd = assess(get_palette("visir-cvd"))
    assert min(cvd.corner_distance.values()) > 30 and cvd.greyscale_corner_distance > 20


def test_cvd_simulation_against_known_confusions():
    from falsecolor.palette import simulate

    grey = np.array([[0.5, 0.5, 0.5]])
    for deficiency in ("deuteranopia", "protanopia", "tritanopia", "greyscale"):
        np.testing.assert_allclose(simulate(grey, deficiency), grey, atol=2e-3)
    red, green = np.array([0.8, 0.3, 0.2]), np.array([0.45, 0.5, 0.2])
    normal = np.abs(red - green).sum()
    seen = np.abs(simulate(red, "deuteranopia") - simulate(green, "deuteranopia")).sum()
    assert seen < 0.3 * normal  # the classic red-green confusion
    with pytest.raises(ValueError, match="unknown deficiency"):
        simulate(grey, "achromatopsia")


def test_print_palette_has_moderate_chroma_and_no_extremes():
    lab = linear_to_oklab(srgb_to_linear(get_palette("visir-print").lut[..., :3]))
    assert np.hypot(lab[..., 1], lab[..., 2]).max() < 0.13
    assert lab[..., 0].min() > 0.3 and lab[..., 0].max() < 0.96


def test_the_quality_report_leaves_numpy_printing_alone():
    """colour-science switches numpy to 1.13-style printing on import; a user's session must not notice."""
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from falsecolor.palette._quality import simulate\n"
        "before = np.get_printoptions()\n"
        "simulate(np.zeros((2, 3)), 'deuteranopia')\n"
        "assert np.get_printoptions() == before, np.get_printoptions()\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
