"""Disc geometry against SCIENCE.md 4.3 and 8.4."""

import numpy as np
import pytest

from falsecolor.exceptions import InputError
from falsecolor.geometry import (
    DiscGeometry,
    backplanes,
    centric_to_graphic,
    graphic_to_centric,
    on_disc_mask,
)

B = -3.3  # sub-observer planetocentric latitude of the SCIENCE.md checks
RADIUS = 200.0


@pytest.fixture(scope="module")
def planes():
    return backplanes((421, 421), DiscGeometry((210.0, 210.0), RADIUS, sub_observer_latitude=B))


def test_latitude_conversions():
    assert centric_to_graphic(22.0) == pytest.approx(24.798, abs=1e-3)
    assert centric_to_graphic(7.0) == pytest.approx(7.99, abs=0.01)
    assert graphic_to_centric(centric_to_graphic(43.1)) == pytest.approx(43.1)
    difference = centric_to_graphic(43.1) - 43.1
    assert difference == pytest.approx(3.84, abs=0.01)


def test_centre_of_disc(planes):
    assert planes.mu[210, 210] > 0.9999
    assert planes.centric_latitude[210, 210] == pytest.approx(B, abs=1e-6)
    assert planes.latitude[210, 210] == pytest.approx(-3.77, abs=0.01)
    assert planes.longitude[210, 210] == pytest.approx(0.0, abs=1e-6)


def test_emission_angle_on_the_equator(planes):
    # mu = 0.866 at 0.5 a and 0.437 at 0.9 a (SCIENCE.md 4.3)
    assert planes.mu[210, 310] == pytest.approx(0.866, abs=2e-3)
    assert planes.mu[210, 390] == pytest.approx(0.437, abs=3e-3)


def test_limb_semi_axes(planes):
    rows = np.flatnonzero(planes.on_disc.any(axis=1))
    cols = np.flatnonzero(planes.on_disc.any(axis=0))
    half_height = (rows[-1] - rows[0] + 1) / 2 / RADIUS
    half_width = (cols[-1] - cols[0] + 1) / 2 / RADIUS
    expected = np.sqrt(np.sin(np.radians(B)) ** 2 + (66854 / 71492) ** 2 * np.cos(np.radians(B)) ** 2)
    assert half_width == pytest.approx(1.0, abs=1.5 / RADIUS)
    assert half_height == pytest.approx(expected, abs=1.5 / RADIUS)


def test_north_is_up_and_west_longitude_decreases_to_the_right(planes):
    assert planes.latitude[390, 210] > 60 and planes.latitude[30, 210] < -60
    assert planes.longitude[210, 100] > 0 and planes.longitude[210, 100] < 180  # east of CM
    assert planes.longitude[210, 320] > 180  # west of CM wraps below 360


def test_pole_angle_rotates_the_planet():
    geometry = DiscGeometry((100.0, 100.0), 90.0, pole_angle=90.0)
    rotated = backplanes((201, 201), geometry)
    # pole angle 90 degrees: north towards the left (east)
    assert rotated.latitude[100, 25] > 60 and rotated.latitude[100, 175] < -60


def test_off_disc_is_nan(planes):
    assert np.isnan(planes.mu[0, 0]) and np.isnan(planes.latitude[0, 0])
    assert np.all(planes.mu[planes.on_disc] >= 0)


def test_invalid_radius():
    with pytest.raises(InputError):
        DiscGeometry((0, 0), 0.0)


def test_on_disc_mask():
    image = np.zeros((50, 50))
    image[10:40, 10:40] = 1.0
    image[0, 0] = np.nan
    mask = on_disc_mask(image)
    assert mask.sum() == 900 and not mask[0, 0]
    assert not on_disc_mask(np.full((4, 4), np.nan)).any()
    assert not on_disc_mask(np.zeros((4, 4))).any()


@pytest.mark.parametrize("noise", [0.01, 0.05, 0.10])
def test_disc_threshold_stays_five_sigma_above_a_noisy_sky(noise):
    import falsecolor
    from falsecolor.geometry import disc_threshold

    jupiter = falsecolor.synthetic_jupiter((300, 300), noise=noise, seed=1)
    image, on = jupiter.temperature_band.data, jupiter.backplanes.on_disc
    threshold = disc_threshold(image)
    assert threshold / np.std(image[~on]) == pytest.approx(5.0, rel=0.1)
    assert (image[~on] > threshold).sum() <= 2


def test_disc_threshold_for_a_small_disc_in_a_large_frame():
    import falsecolor
    from falsecolor.geometry import disc_threshold

    jupiter = falsecolor.synthetic_jupiter((1500, 1500), equatorial_radius=30, noise=0.02, seed=2)
    image, on = jupiter.temperature_band.data, jupiter.backplanes.on_disc
    threshold = disc_threshold(image)
    assert (image[~on] > threshold).sum() <= 3
    assert (image[on] <= threshold).sum() == 0
