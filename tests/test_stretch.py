"""Axis stretches (astropy.visualization): one checklist for each, and the stretch through the palette,
the render, the key and a recipe."""

from __future__ import annotations

import numpy as np
import pytest

import falsecolor
from falsecolor.layout import KeySpec, render_key
from falsecolor.normalise import STRETCHES, axis_limits, stretch_of

NONLINEAR = [name for name in STRETCHES if name != "linear"]


@pytest.mark.parametrize("name", NONLINEAR)
def test_each_stretch_keeps_the_ends_rises_and_inverts(name):
    stretch = stretch_of(name)
    x = np.linspace(0.0, 1.0, 101, dtype=np.float32).reshape(101, 1)
    before = x.copy()
    y = stretch(x, clip=False)
    np.testing.assert_array_equal(x, before)  # input not mutated
    assert y.shape == x.shape  # n-d in, n-d out
    assert y[0, 0] == pytest.approx(0.0, abs=1e-6) and y[-1, 0] == pytest.approx(1.0, abs=1e-6)
    assert np.all(np.diff(y[:, 0]) > 0)  # rises: the palette's order is kept
    np.testing.assert_allclose(stretch.inverse(y, clip=False), x, atol=2e-6)  # round trip
    assert stretch(np.array([1.5, -0.5]), clip=True).tolist() == pytest.approx([1.0, 0.0], abs=1e-6)  # clip


def test_unknown_stretch_names_the_choices():
    with pytest.raises(falsecolor.FalsecolorError, match="choose linear, sqrt, asinh, log"):
        stretch_of("gamma")
    assert axis_limits(np.arange(10.0), stretch="sqrt").stretch_function is STRETCHES["sqrt"]


def test_the_palette_looks_up_the_stretched_position():
    palette = falsecolor.get_palette("visir")
    values = np.array([[0.25, 0.0625, np.nan]])
    plain = palette.lookup(values, np.zeros_like(values))
    sqrt = palette.lookup(values, np.zeros_like(values), x_stretch=stretch_of("sqrt"))
    halfway = palette.lookup(np.array([[0.5]]), np.zeros((1, 1)))
    quarter = palette.lookup(np.array([[0.25]]), np.zeros((1, 1)))
    np.testing.assert_array_equal(sqrt[0, 0], halfway[0, 0])  # sqrt(0.25) = 0.5
    np.testing.assert_array_equal(sqrt[0, 1], quarter[0, 0])  # sqrt(0.0625) = 0.25
    np.testing.assert_array_equal(sqrt[0, 2], plain[0, 2])  # NaN keeps the bad colour
    linear = palette.lookup(values, np.zeros_like(values), x_stretch=stretch_of("linear"))
    np.testing.assert_array_equal(linear, plain)


def test_a_stretched_render_colours_by_the_stretched_position(jupiter):
    plain = falsecolor.render(jupiter.temperature_band, jupiter.cloud_band, t_limits=(120, 135))
    stretched = falsecolor.render(
        jupiter.temperature_band, jupiter.cloud_band, t_limits=(120, 135), t_stretch="asinh"
    )
    assert stretched.t_limits.stretch == "asinh" and stretched.recipe.t_stretch == "asinh"
    np.testing.assert_array_equal(stretched.temperature, plain.temperature)  # the data are unchanged
    expected = stretched.palette.lookup(
        plain.temperature.value, plain.opacity, x_range=(120, 135), y_range=tuple(plain.tau_limits),
        mask=plain.mask, x_stretch=stretch_of("asinh"),
    )  # fmt: skip
    np.testing.assert_array_equal(stretched.rgba, expected)
    assert not np.array_equal(stretched.rgba, plain.rgba)
    sixteen = stretched.rgba16()  # the 16-bit master follows the same stretch
    assert np.abs(sixteen[..., :3] / 257.0 - stretched.rgba[..., :3]).mean() < 2.0


@pytest.mark.parametrize("name", NONLINEAR)
def test_the_key_of_a_stretched_axis_draws_readable_ticks(name):
    image = falsecolor.get_palette("visir").key_image()
    tile = render_key(
        KeySpec(image, (118.0, 133.0), (0.3, 2.7), x_stretch=stretch_of(name), y_stretch=stretch_of(name)),
        size=200,
    )
    assert tile.ndim == 3 and tile.shape[2] == 4 and tile.shape[0] > 200


def test_stretches_are_options_of_every_front_end(tmp_path):
    from falsecolor.cli import main

    out, recipe = tmp_path / "a.png", tmp_path / "a.toml"
    argv = ["render", "--demo", "--demo-size", "64", "--t-stretch", "sqrt", "--tau-stretch", "log", "-q"]
    assert main([*argv, "-o", str(out), "--recipe-out", str(recipe)]) == 0
    written = falsecolor.load_recipe(recipe)
    assert (written.t_stretch, written.tau_stretch) == ("sqrt", "log")
    assert main(["render", "--demo", "--t-stretch", "gamma", "-o", str(tmp_path / "b.png")]) == 2


def test_the_option_model_and_normalise_know_the_same_stretches():
    from falsecolor.recipe._picture import STRETCHES as declared

    assert tuple(STRETCHES) == declared
