"""Calibration: limb correction, fitted exponents, zonal-profile scaling, standard stars."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u

from falsecolor import calibrate
from falsecolor.exceptions import FileFormatError, InputError, UnitError
from falsecolor.synthetic import synthetic_jupiter


@pytest.fixture(scope="module")
def jupiter():
    return synthetic_jupiter((384, 384))


def _limb_slope(values, latitude, mu, lat_range=(10.0, 12.0)):
    """Slope of ln(value) against ln(mu) within a narrow zonal band (what limb darkening leaves)."""
    inside = (latitude > lat_range[0]) & (latitude < lat_range[1]) & (mu > 0.25) & np.isfinite(values)
    return float(np.polyfit(np.log(mu[inside]), np.log(values[inside]), 1)[0])


def test_limb_correction_flattens_a_limb_darkened_zone():
    mu = np.linspace(0.05, 1.0, 400)
    truth = 0.0644
    darkened = truth * mu**0.2
    corrected = calibrate.limb_correct(darkened, mu, 0.2, mu_min=0.2)
    assert np.all(np.isnan(corrected[mu <= 0.2]))
    np.testing.assert_allclose(corrected[mu > 0.2], truth, rtol=1e-12)
    assert calibrate.limb_correct(darkened.astype(np.float32), mu, 0.2).dtype == np.float32


def test_limb_correction_on_the_synthetic_disc(jupiter):
    radiance = np.asarray(jupiter.temperature_band.data, dtype=np.float64)
    planes = jupiter.backplanes
    before = _limb_slope(radiance, planes.latitude, planes.mu)
    corrected = calibrate.limb_correct(radiance, planes.mu, 0.20)
    after = _limb_slope(corrected, planes.latitude, planes.mu)
    assert before == pytest.approx(0.2, abs=0.02) and abs(after) < 0.02


def test_fitted_exponent_recovers_the_synthetic_ones(jupiter):
    planes = jupiter.backplanes
    fit13 = calibrate.fit_limb_exponent(jupiter.temperature_band.data, planes.mu, planes.latitude)
    assert fit13.value == pytest.approx(0.20, abs=0.01) and fit13.bands >= 10
    fit5 = calibrate.fit_limb_exponent(jupiter.cloud_band.data, planes.mu, planes.latitude)
    assert fit5.value == pytest.approx(0.50, abs=0.03)
    assert fit5.uncertainty < 0.05


def test_fit_needs_a_range_of_emission_angle(jupiter):
    planes = jupiter.backplanes
    centre_only = np.where(planes.mu > 0.95, jupiter.temperature_band.data, np.nan)
    with pytest.raises(InputError, match="cannot fit the limb-darkening exponent"):
        calibrate.fit_limb_exponent(centre_only, planes.mu, planes.latitude)


@pytest.mark.parametrize(
    ("name", "wavelength", "expected"),
    [("NEII_2", None, 0.2), ("q2", None, 0.18), ("J7.9", None, 0.0), ("PAH1", None, 0.3),
     (None, 13.0, 0.2), (None, 8.6, 0.3), (None, 18.7, 0.18), (None, 4.8, None), ("M-BAND", 4.8, None)],
)  # fmt: skip
def test_default_exponents(name, wavelength, expected):
    assert calibrate.default_limb_exponent(name, wavelength) == expected


def test_limb_weight_fades():
    w = calibrate.limb_weight(np.array([np.nan, 0.1, 0.2, 0.25, 0.3, 0.9]), 0.2, fade=0.1)
    np.testing.assert_allclose(w, [0, 0, 0, 0.5, 1, 1], atol=1e-6)


def test_profile_scale_recovers_a_calibration_error(jupiter):
    """An image 7 % too bright, scaled to its own (true) zonal profile, comes back."""
    planes = jupiter.backplanes
    truth = np.asarray(jupiter.temperature_band.data, dtype=np.float64)
    reference = calibrate.central_meridian_profile(
        truth, planes.latitude, planes.longitude, jupiter.geometry.central_meridian, mu=planes.mu
    )
    profile = calibrate.central_meridian_profile(
        1.07 * truth, planes.latitude, planes.longitude, jupiter.geometry.central_meridian, mu=planes.mu
    )
    assert np.isfinite(profile.values).sum() > 100
    assert calibrate.profile_scale(profile, reference) == pytest.approx(1.07, rel=1e-9)
    shifted = calibrate.ZonalProfile(reference.latitude + 200, reference.values, "far away")
    with pytest.raises(InputError, match="share only 0 latitude bins"):
        calibrate.profile_scale(profile, shifted)


def test_profile_table(tmp_path):
    path = tmp_path / "cirs.csv"
    path.write_text("# CIRS, filtered\nlatitude, NEII_2, Q1\n10, 130.5, 110\n-10, 129.0, 109\n0, 128.0, \n")
    table = calibrate.read_profile_table(path)
    assert list(table) == ["NEII_2", "Q1"]
    np.testing.assert_array_equal(table["NEII_2"].latitude, [-10, 0, 10])
    np.testing.assert_array_equal(table["NEII_2"].values, [129.0, 128.0, 130.5])
    assert np.isnan(table["Q1"].values[1])
    spaced = tmp_path / "spaced.txt"
    spaced.write_text("lat T13\n-5 128\n5 129\n")
    assert calibrate.read_profile_table(spaced)["T13"].values.tolist() == [128, 129]


@pytest.mark.parametrize(
    ("text", "message"),
    [("lat,a\n1,2\n", "no profile"), ("lat,a\n1,x\n2,3\n", "must be numbers"),
     ("lat,a\n100,2\n2,3\n", "within -90..90"), ("lat,a,b\n1,2\n2,3\n", "columns")],
)  # fmt: skip
def test_bad_profile_tables(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=message):
        calibrate.read_profile_table(path)
    with pytest.raises(FileFormatError, match="does not exist"):
        calibrate.read_profile_table(tmp_path / "missing.csv")


def test_standard_star_conversion():
    rng = np.random.default_rng(1)
    rows, cols = np.mgrid[0:128, 0:128]
    star = 5000.0 * np.exp(-0.5 * ((rows - 60.3) ** 2 + (cols - 70.8) ** 2) / 2.0**2)
    image = star + 40.0 + rng.normal(0, 1.0, star.shape)
    counts = calibrate.star_counts(image)
    assert counts == pytest.approx(star.sum(), rel=0.01)
    factor = calibrate.conversion_from_star(counts, 10 * u.Jy, 0.0453 * u.arcsec)
    omega = (0.0453 * u.arcsec).to_value(u.rad) ** 2
    assert factor.to_value(u.Jy / u.sr) == pytest.approx(10 / (star.sum() * omega), rel=0.01)
    per_micron = (10 * u.Jy).to(u.W / u.m**2 / u.um, equivalencies=u.spectral_density(13 * u.um))
    again = calibrate.conversion_from_star(counts, per_micron, 0.0453 * u.arcsec, wavelength=13 * u.um)
    assert again.to_value(u.Jy / u.sr) == pytest.approx(factor.to_value(u.Jy / u.sr), rel=1e-9)
    with pytest.raises(UnitError, match="not in Jy"):
        calibrate.conversion_from_star(counts, per_micron, 0.0453 * u.arcsec)
    with pytest.raises(InputError, match="not brighter"):
        calibrate.star_counts(np.zeros((64, 64)))
