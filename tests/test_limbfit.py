"""Limb fit (falsecolor.geometry._limbfit): centre, radius and pole angle recovered from known discs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from falsecolor.exceptions import InputError
from falsecolor.geometry import DiscGeometry, LimbFit, backplanes, fit_limb

#: Required accuracy (issue): centre in pixels, radius as a fraction, pole angle in degrees.
CENTRE_TOLERANCE = 0.2
RADIUS_TOLERANCE = 0.003
ANGLE_TOLERANCE = 0.5


def disc_image(shape, geometry, *, noise=0.02, blur=0.0, exponent=0.2, seed=1):
    """A limb-darkened disc, I = mu**exponent on a zero sky, optionally blurred, plus Gaussian noise."""
    mu = backplanes(shape, geometry).mu
    image = np.where(np.isfinite(mu), np.nan_to_num(mu) ** exponent, 0.0)
    if blur:
        image = ndimage.gaussian_filter(image, blur)
    return image + np.random.default_rng(seed).normal(0.0, noise, shape)


def assert_recovers(fit: LimbFit, truth: DiscGeometry):
    centre_error = np.hypot(fit.centre[0] - truth.centre[0], fit.centre[1] - truth.centre[1])
    assert centre_error < CENTRE_TOLERANCE, (fit, truth)
    assert abs(fit.equatorial_radius / truth.equatorial_radius - 1) < RADIUS_TOLERANCE, (fit, truth)
    assert abs(fit.position_angle - truth.pole_angle) < ANGLE_TOLERANCE, (fit, truth)
    assert 0 < fit.rms < 0.5
    assert fit.n_points >= 100


def test_whole_disc_with_noise():
    truth = DiscGeometry((127.3, 128.6), 110.0, -1.9, 0.0)
    fit = fit_limb(disc_image((256, 256), truth), sub_observer_latitude=-1.9)
    assert_recovers(fit, truth)
    assert fit.whole_disc


def test_hemisphere_cut_by_the_frame():
    # The centre is just below the bottom row: the frame shows the northern half (a > frame height).
    truth = DiscGeometry((-10.4, 259.2), 230.0, -3.3, 0.0)
    fit = fit_limb(disc_image((240, 520), truth, blur=1.0), sub_observer_latitude=-3.3)
    assert_recovers(fit, truth)
    assert not fit.whole_disc


@pytest.mark.parametrize("blur", [0.0, 1.5])
def test_position_angle_and_sub_observer_latitude(blur):
    truth = DiscGeometry((151.2, 148.7), 120.0, -3.3, 25.0)
    fit = fit_limb(disc_image((300, 300), truth, blur=blur), sub_observer_latitude=-3.3)
    assert_recovers(fit, truth)


def test_strong_limb_darkening_and_blur_do_not_shrink_the_radius():
    # mu**0.5 blurred by 1.5 px puts the half level ~1 px inside the limb; the profile model corrects it.
    truth = DiscGeometry((120.4, 130.8), 100.0, -3.3, 10.0)
    fit = fit_limb(disc_image((250, 260), truth, blur=1.5, exponent=0.5), sub_observer_latitude=-3.3)
    assert_recovers(fit, truth)


def test_seed_resolves_the_180_degree_ambiguity():
    truth = DiscGeometry((151.2, 148.7), 120.0, -3.3, 170.0)
    image = disc_image((300, 300), truth)
    unseeded = fit_limb(image, sub_observer_latitude=-3.3)
    assert abs(unseeded.position_angle - (-10.0)) < ANGLE_TOLERANCE
    rough = DiscGeometry((149.5, 149.5), 126.0, -3.3, 160.0)  # frame centre, 5 % too big, 10° off
    fit = fit_limb(image, sub_observer_latitude=-3.3, seed=rough)
    assert_recovers(fit, truth)


def test_fixed_angle_keeps_the_seed_angle():
    truth = DiscGeometry((151.2, 148.7), 120.0, -3.3, 25.0)
    seed = DiscGeometry((150.0, 150.0), 115.0, -3.3, 25.0)
    fit = fit_limb(disc_image((300, 300), truth), sub_observer_latitude=-3.3, seed=seed, fit_angle=False)
    assert fit.position_angle == 25.0
    assert_recovers(fit, truth)


def test_masked_and_nan_pixels_are_not_limb():
    truth = DiscGeometry((127.3, 128.6), 110.0, -1.9, 15.0)
    image = disc_image((256, 256), truth)
    image[:, 200:] = 5.0  # garbage that would pull the limb if it were used
    mask = np.zeros(image.shape, dtype=bool)
    mask[:, 200:] = True
    image[40:60, :] = np.nan
    fit = fit_limb(image, sub_observer_latitude=-1.9, mask=mask)
    assert_recovers(fit, truth)
    assert not fit.whole_disc


def test_geometry_reproduces_the_disc():
    truth = DiscGeometry((127.3, 128.6), 110.0, -3.3, 25.0, 40.0)
    fit = fit_limb(disc_image((256, 256), truth), sub_observer_latitude=-3.3)
    found = fit.geometry(sub_observer_latitude=-3.3, central_meridian=40.0)
    assert (found.sub_observer_latitude, found.pole_angle, found.central_meridian) == (
        -3.3,
        fit.position_angle,
        40.0,
    )
    differ = backplanes((256, 256), found).on_disc != backplanes((256, 256), truth).on_disc
    assert differ.sum() < 0.01 * np.pi * 110.0**2  # a few limb pixels at most


def test_synthetic_jupiter_bands():
    from falsecolor.synthetic import synthetic_jupiter

    jupiter = synthetic_jupiter((256, 256), noise=0.02, pole_angle=25.0)
    for band in (jupiter.temperature_band, jupiter.cloud_band):
        fit = fit_limb(band.data, sub_observer_latitude=jupiter.geometry.sub_observer_latitude)
        assert_recovers(fit, jupiter.geometry)


@pytest.mark.parametrize(
    "image",
    [np.zeros((64, 64)), np.full((64, 64), np.nan), np.zeros((0, 0))],
    ids=["all-zero", "all-NaN", "empty"],
)
def test_no_disc_is_a_clear_error(image):
    with pytest.raises(InputError, match="no disc found"):
        fit_limb(image)


def test_too_little_limb_is_a_clear_error():
    image = np.zeros((32, 32))
    image[14:18, 14:18] = 1.0  # a 4 x 4 blob: 12 edge pixels
    with pytest.raises(InputError, match="too few limb points"):
        fit_limb(image)


def test_bad_input_is_a_clear_error():
    with pytest.raises(InputError, match="2-D image"):
        fit_limb(np.zeros((2, 8, 8)))
    with pytest.raises(InputError, match="mask has shape"):
        fit_limb(np.zeros((8, 8)), mask=np.zeros((4, 4), dtype=bool))
