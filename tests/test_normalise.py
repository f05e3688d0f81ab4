"""Axis limits, normalisation and background flattening."""

import numpy as np
import pytest

from falsecolor.exceptions import InputError
from falsecolor.normalise import axis_limits, flatten_onto


def test_given_limits_and_clipped_fractions():
    values = np.linspace(100, 140, 1001)
    limits = axis_limits(values, limits=(110, 130))
    assert (limits.low, limits.high, limits.source) == (110, 130, "given")
    assert limits.below == pytest.approx(0.25, abs=1e-3)
    assert limits.above == pytest.approx(0.25, abs=1e-3)


def test_percentiles_of_unmasked_finite_values():
    values = np.concatenate([np.linspace(0, 100, 10001), [np.nan, 1e9]])
    mask = np.zeros(values.size, bool)
    mask[-1] = True
    limits = axis_limits(values, mask=mask)
    assert limits.low == pytest.approx(2.0, abs=1e-6)
    assert limits.high == pytest.approx(98.0, abs=1e-6)
    assert "percentiles 2-98" in limits.source


def test_percentiles_are_deterministic_on_large_images():
    values = np.random.default_rng(0).normal(size=(2048, 1024))
    assert axis_limits(values) == axis_limits(values)


def test_constant_image_gets_a_minimum_span_and_a_warning():
    from falsecolor.exceptions import FalsecolorWarning

    with pytest.warns(
        FalsecolorWarning, match=r"the same everywhere on the disc \(130\): its axis spans 129.5"
    ):
        limits = axis_limits(np.full(100, 130.0), minimum_span=1.0, name="temperature")
    assert limits.high - limits.low == pytest.approx(1.0)
    with pytest.warns(FalsecolorWarning, match="spans 0..0.1"):
        floor = axis_limits(np.zeros(100), minimum_span=0.1, floor=0.0, name="cloud opacity")
    assert (floor.low, floor.high) == (0.0, pytest.approx(0.1))  # an opacity axis never goes negative


@pytest.mark.parametrize("limits", [(1, 1), (np.nan, 2), (0, np.inf), (135, 120)])
def test_bad_limits(limits):
    with pytest.raises(InputError, match="limits"):
        axis_limits(np.arange(10.0), limits=limits, name="temperature")


def test_no_usable_values():
    with pytest.raises(InputError, match="no finite temperature"):
        axis_limits(np.full(10, np.nan), name="temperature")
    with pytest.raises(InputError, match="percentiles"):
        axis_limits(np.arange(10.0), percentiles=(50, 10))


def test_flatten_onto_background():
    rgba = np.array([[[255, 0, 0, 255], [0, 0, 255, 0], [0, 255, 0, 128]]], dtype=np.uint8)
    assert flatten_onto(rgba, None) is rgba
    out = flatten_onto(rgba, (1.0, 1.0, 1.0, 1.0))
    np.testing.assert_array_equal(out[0, 0], [255, 0, 0, 255])
    np.testing.assert_array_equal(out[0, 1], [255, 255, 255, 255])
    np.testing.assert_array_equal(out[0, 2], [127, 255, 127, 255])


def test_flatten_sixteen_bit_matches_the_float_formula():
    rng = np.random.default_rng(4)
    rgba = rng.integers(0, 65536, (50, 40, 4), dtype=np.uint16)
    rgba[:10, :, 3] = 0
    rgba[10:20, :, 3] = 65535
    background = (0.2, 0.4, 0.6, 1.0)
    out = flatten_onto(rgba, background)
    a = rgba[..., 3:4] / 65535.0
    expected = rgba[..., :3] * a + np.round(np.array(background[:3]) * 65535) * (1 - a)
    assert np.abs(out[..., :3].astype(float) - expected).max() <= 1.0
    assert np.all(out[..., 3] == 65535) and out.dtype == np.uint16


def test_grey_image_spans_the_disc_percentiles():
    from falsecolor.normalise import grey_image

    values = np.linspace(0.0, 100.0, 10000).reshape(100, 100)
    mask = np.zeros((100, 100), bool)
    mask[:10] = True
    grey = grey_image(values, mask)
    assert grey.dtype == np.uint8 and np.all(grey[:10, :, 3] == 0) and np.all(grey[10:, :, 3] == 255)
    assert np.all(grey[..., 0] == grey[..., 1]) and grey[-1, -1, 0] == 255 and grey[10, 0, 0] == 0
    sixteen = grey_image(values, mask, dtype=np.uint16)
    assert sixteen.dtype == np.uint16 and sixteen[-1, -1, 0] == 65535
