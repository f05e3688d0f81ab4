"""The planet's position in a frame: one frame at a time and a block of frames at once agree."""

import numpy as np
import pytest

from falsecolor import lucky


def disc(shape, centre, radius, sky=10.0, level=100.0, seed=0):
    y, x = np.mgrid[: shape[0], : shape[1]]
    noise = np.random.default_rng(seed).normal(0, 1.0, shape)
    inside = (y - centre[0]) ** 2 + (x - centre[1]) ** 2 < radius**2
    return (sky + level * inside + noise).astype(np.float32)


def mixed_block(shape=(256, 256)):
    frames = [disc(shape, (60 + 17 * k, 200 - 23 * k), 30, seed=k) for k in range(5)]
    holed = frames[1].copy()
    holed[10:80, 20:200] = np.nan  # part of the frame missing: measured on the rest
    infinite = frames[2].copy()
    infinite[::3] = np.inf
    frames += [
        holed,
        infinite,
        np.zeros(shape, np.float32),  # blank: no planet
        np.random.default_rng(9).normal(10, 1, shape).astype(np.float32),  # noise only
        np.full(shape, np.nan, np.float32),  # nothing finite
    ]
    return np.array(frames)


def test_a_block_gives_each_frame_its_own_position():
    block = mixed_block()
    together = lucky.planet_positions(block)
    alone = np.array([lucky.planet_position(frame) for frame in block])
    np.testing.assert_array_equal(together, alone)
    # and in another order, each frame still gets its own
    order = np.random.default_rng(1).permutation(len(block))
    np.testing.assert_array_equal(lucky.planet_positions(block[order]), alone[order])


@pytest.mark.parametrize("shape", [(256, 256), (360, 640), (100, 120)])
def test_positions_find_the_disc_centre_within_the_subsample_step(shape):
    centres = [(0.4 * shape[0], 0.3 * shape[1]), (0.6 * shape[0], 0.7 * shape[1])]
    radius = 0.15 * min(shape)
    block = np.array([disc(shape, c, radius, seed=i) for i, c in enumerate(centres)])
    found = lucky.planet_positions(block)
    step = lucky.position_step(shape)
    assert np.all(np.abs(found - np.array(centres)) <= step)


def test_no_planet_is_nan():
    block = mixed_block()
    found = lucky.planet_positions(block)
    assert np.isfinite(found[:7]).all()  # the discs, the holed one, the one with infinite rows
    assert np.isnan(found[7:]).all()  # blank, noise only, nothing finite


@pytest.mark.parametrize("dtype", ["u1", "<u2", "<i2", "<i4"])
@pytest.mark.parametrize(
    "saturation, zero, scale",
    [
        (255, 0, 1),
        (4095.5, 0, 1),
        (65535, 32768, 1),
        (1000.2, -5, 0.5),
        (-1e12, 0, 1),
        (1e12, 0, 1),
        (float("inf"), 0, 1),
        (float("-inf"), 0, 1),
        (float("nan"), 0, 1),
    ],
)
def test_saturated_samples_are_counted_as_the_stored_integers_compare(dtype, saturation, zero, scale):
    from falsecolor.bands._channels import clipped
    from falsecolor.bands._frame_formats import Segment

    info = np.iinfo(dtype)
    stored = np.random.default_rng(3).integers(info.min, info.max, (64, 64), endpoint=True).astype(dtype)
    stored[:3] = info.max
    segment = Segment("raw", "x", 1, stored.shape, dtype=dtype, saturation=saturation, zero=zero, scale=scale)
    with np.errstate(invalid="ignore"):
        expected = int(np.count_nonzero(stored.astype(np.float64) >= (saturation - zero) / scale))
    assert clipped(stored, segment, "luminance") == expected


def test_empty_frames_and_extreme_values_give_nan_quietly():
    assert lucky.planet_positions(np.zeros((0, 64, 64), np.float32)).shape == (0, 2)
    assert np.isnan(lucky.planet_positions(np.zeros((2, 0, 5), np.float32))).all()
    assert np.isnan(lucky.planet_position(np.zeros((5, 0)))).all()
    # values near the float32 limits and no planet: NaN, and no overflow warning (errors in tests)
    extreme = np.where(np.random.default_rng(0).random((64, 64)) < 0.5, -3e38, 3e38).astype(np.float32)
    assert np.isnan(lucky.planet_position(extreme)).all()
