"""Cloud opacity against SCIENCE.md 2.3 and 8.5."""

import numpy as np
import pytest
from astropy import units as u

from falsecolor import cloud_opacity, planck_radiance
from falsecolor.exceptions import InputError
from falsecolor.opacity import clear_sky_radiance, opacity_from_radiance

# SCIENCE.md 2.3 (T_clear = 250 K, 4.8 um): T_B -> tau
TABLE = [(240, 0.50), (230, 1.04), (220, 1.63), (210, 2.28), (200, 3.00), (190, 3.79), (180, 4.66)]


@pytest.mark.parametrize(("brightness", "tau"), TABLE)
def test_reference_opacities(brightness, tau):
    clear = planck_radiance(250 * u.K, 4.8 * u.um).value
    radiance = planck_radiance(brightness * u.K, 4.8 * u.um).value
    assert opacity_from_radiance(np.array([radiance]), clear)[0] == pytest.approx(tau, abs=0.006)


def test_section_8_values():
    clear = planck_radiance(250 * u.K, 4.8 * u.um).value
    radiance = planck_radiance([210, 200] * u.K, 4.8 * u.um).value
    np.testing.assert_allclose(opacity_from_radiance(radiance, clear), [2.28, 3.00], atol=0.005)


def test_clipped_at_zero_and_nan_where_undefined():
    tau = opacity_from_radiance(np.array([2.0, 1.0, 0.5, 0.0, -1.0, np.nan, np.inf]), 1.0)
    np.testing.assert_allclose(tau[:3], [0.0, 0.0, np.log(2.0)])
    assert np.all(np.isnan(tau[3:]))
    assert np.all(tau[:3] >= 0)


def test_gain_cancels():
    rng = np.random.default_rng(3)
    radiance = rng.uniform(0.001, 0.3, size=(64, 64))
    a = opacity_from_radiance(radiance, clear_sky_radiance(radiance))
    b = opacity_from_radiance(radiance * 1234.5, clear_sky_radiance(radiance * 1234.5))
    np.testing.assert_allclose(a, b, atol=1e-12)


def test_dtype_shape_and_input_preserved():
    radiance = np.linspace(0.01, 1.0, 600, dtype=np.float32).reshape(20, 30)
    copy = radiance.copy()
    tau = opacity_from_radiance(radiance, 1.0)
    assert tau.dtype == np.float32 and tau.shape == (20, 30)
    np.testing.assert_array_equal(radiance, copy)


def test_clear_sky_percentile_ignores_masked_and_non_positive():
    radiance = np.array([[1.0, 2.0, 3.0, 100.0], [-5.0, np.nan, 0.0, 4.0]])
    mask = np.array([[False, False, False, True], [False, False, False, False]])
    assert clear_sky_radiance(radiance, percentile=100, mask=mask) == 4.0
    assert clear_sky_radiance(radiance, percentile=50, mask=mask) == pytest.approx(2.5)


def test_clear_sky_errors():
    with pytest.raises(InputError, match="no positive"):
        clear_sky_radiance(np.array([0.0, -1.0, np.nan]))
    with pytest.raises(InputError, match="percentile"):
        clear_sky_radiance(np.ones(4), percentile=0)
    with pytest.raises(InputError):
        opacity_from_radiance(np.ones(4), 0.0)


def test_public_cloud_opacity_with_quantities():
    radiance = planck_radiance([250, 210, 200] * u.K, 4.8 * u.um)
    np.testing.assert_allclose(
        cloud_opacity(radiance, clear=250 * u.K, spectral=4.8 * u.um), [0.0, 2.28, 3.00], atol=0.005
    )
    clear = planck_radiance(250 * u.K, 4.8 * u.um)
    np.testing.assert_allclose(
        cloud_opacity(
            radiance.to(u.MJy / u.sr, u.spectral_density(4.8 * u.um)),
            clear=clear.to(u.MJy / u.sr, u.spectral_density(4.8 * u.um)),
        ),
        [0.0, 2.28, 3.00],
        atol=0.005,
    )
    np.testing.assert_allclose(cloud_opacity(radiance.value, percentile=100), [0.0, 2.28, 3.00], atol=0.005)


def test_public_cloud_opacity_errors():
    from falsecolor.exceptions import UnitError

    with pytest.raises(UnitError):
        cloud_opacity(np.ones(3), clear=250 * u.K, spectral=4.8 * u.um)
    with pytest.raises(InputError, match="spectral"):
        cloud_opacity(np.ones(3) * u.Unit("W m-2 sr-1 um-1"), clear=250 * u.K)
    with pytest.raises(UnitError):
        cloud_opacity(np.ones(3), clear=1 * u.Unit("W m-2 sr-1 um-1"))
    with pytest.raises(UnitError, match="not a temperature, a radiance or counts"):
        cloud_opacity(np.ones(3) * u.Unit("W m-2 sr-1 um-1"), clear=1 * u.Jy)
    with pytest.raises(InputError, match="spectral"):
        cloud_opacity(np.full(3, 200.0) * u.K)  # a temperature map needs its wavelength


def test_public_cloud_opacity_of_a_temperature_map_and_across_conventions():
    kelvin = [250.0, 210.0, 200.0] * u.K
    np.testing.assert_allclose(
        cloud_opacity(kelvin, clear=250 * u.K, spectral=4.8 * u.um), [0.0, 2.28, 3.00], atol=0.005
    )
    per_wavenumber = planck_radiance(kelvin, 4.8 * u.um, unit="erg s-1 cm-2 sr-1 (cm-1)-1")
    clear = planck_radiance(250 * u.K, 4.8 * u.um)  # per wavelength
    np.testing.assert_allclose(
        cloud_opacity(per_wavenumber, clear=clear, spectral=4.8 * u.um), [0.0, 2.28, 3.00], atol=0.005
    )


def test_public_cloud_opacity_of_a_band(flat_jupiter):
    tau = cloud_opacity(flat_jupiter.cloud_band, clear=250 * u.K)  # the band's own filter
    on = flat_jupiter.backplanes.on_disc
    np.testing.assert_allclose(tau[on], flat_jupiter.opacity[on], atol=0.01)
    with pytest.raises(InputError, match="positive"):
        cloud_opacity(flat_jupiter.cloud_band, clear=0)
