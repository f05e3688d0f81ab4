"""Stacking real sequences: the stacked band's sky seen by `render` whatever its border."""

from __future__ import annotations

import math

import numpy as np
import pytest

from falsecolor import geometry


def test_sky_on_the_finite_edge_of_a_border_but_never_on_a_limb():
    y, x = np.mgrid[0:200, 0:300]
    r = np.hypot(y - 90, x - 140)
    rng = np.random.default_rng(1)
    disc = np.where(r < 40, 100 * np.sqrt(np.clip(1 - (r / 40) ** 2, 0, 1)), 0.0)
    stacked = (16 + disc + rng.normal(0, 0.5, r.shape)).astype(np.float32)
    stacked[:30], stacked[:, 250:] = np.nan, np.nan  # a stack's uncovered border
    assert geometry.sky_level(stacked) == pytest.approx(16, abs=0.2)  # was NaN: "fills the frame"
    assert 16 < geometry.disc_threshold(stacked, raw=True) < 20  # was 2.3: every finite pixel "disc"
    masked = np.where(r < 40, stacked, np.nan)  # a product masked off the planet: its edge is a limb
    assert math.isnan(geometry.sky_level(masked))
    assert geometry.on_disc_mask(masked, raw=True).all(where=np.isfinite(masked))
    # a planet on 0.1 % of a raw frame (Saturn in a wide field) stands above its sky, not the sky above 0
    small = 16 + np.where(r < 5, 40.0, 0.0) + rng.normal(0, 0.5, r.shape)
    assert geometry.sky_level(small) == pytest.approx(16, abs=0.1)
    np.testing.assert_array_equal(geometry.on_disc_mask(small, raw=True), r < 5)
