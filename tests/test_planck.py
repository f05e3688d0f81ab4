"""Planck radiance and brightness temperature against SCIENCE.md sections 1.3, 1.6 and 8."""

import numpy as np
import pytest
from astropy import constants as const
from astropy import units as u
from astropy.modeling.physical_models import BlackBody

from falsecolor import brightness_temperature, get_filter, planck_radiance
from falsecolor.exceptions import UnitError
from falsecolor.filters import Filter
from falsecolor.planck import radiance_to_temperature, temperature_to_radiance

W_UM = u.Unit("W m-2 sr-1 um-1")
ERG_CM = u.erg / (u.s * u.cm**2 * u.sr) * u.cm  # erg s-1 cm-2 sr-1 (cm-1)-1

# SCIENCE.md 1.3: lambda [um], T [K], B_lambda, B_wavenumber, B_nu [Jy/sr]
REFERENCE = [
    (13.0, 130, 6.440857e-02, 1.088505e00, 3.630861e12),
    (4.8, 210, 2.956545e-02, 6.811879e-02, 2.272198e11),
    (5.0, 250, 3.821720e-01, 9.554301e-01, 3.186972e12),
    (7.9, 150, 2.064307e-02, 1.288334e-01, 4.297421e11),
    (8.6, 145, 2.469395e-02, 1.826364e-01, 6.092096e11),
    (10.0, 150, 8.133386e-02, 8.133386e-01, 2.713005e12),
    (10.5, 130, 2.467833e-02, 2.720786e-01, 9.075566e11),
    (17.6, 115, 5.774333e-02, 1.788657e00, 5.966319e12),
    (18.7, 120, 8.568088e-02, 2.996175e00, 9.994164e12),
    (19.5, 120, 9.044235e-02, 3.439070e00, 1.147150e13),
    (20.0, 120, 9.296238e-02, 3.718495e00, 1.240356e13),
]


@pytest.mark.parametrize(("lam", "temp", "b_lambda", "b_wavenumber", "b_nu"), REFERENCE)
def test_reference_values_in_three_conventions(lam, temp, b_lambda, b_wavenumber, b_nu):
    wavelength = lam * u.um
    t = temp * u.K
    assert planck_radiance(t, wavelength).to_value(W_UM) == pytest.approx(b_lambda, rel=1e-6)
    wavenumber = wavelength.to(1 / u.cm, equivalencies=u.spectral())
    assert planck_radiance(t, wavenumber).to_value(ERG_CM) == pytest.approx(b_wavenumber, rel=1e-6)
    frequency = wavelength.to(u.Hz, equivalencies=u.spectral())
    assert planck_radiance(t, frequency).to_value(u.Jy / u.sr) == pytest.approx(b_nu, rel=1e-6)


@pytest.mark.parametrize(("lam", "temp"), [(r[0], r[1]) for r in REFERENCE])
@pytest.mark.parametrize(
    "unit",
    [W_UM, ERG_CM, u.Jy / u.sr, u.MJy / u.sr, u.Unit("W m-2 Hz-1 sr-1"), u.nW / (u.cm**2 * u.sr) * u.cm],
)
def test_round_trip_is_exact(lam, temp, unit):
    wavelength = lam * u.um
    radiance = planck_radiance(temp * u.K, wavelength, unit=unit)
    assert radiance.unit == unit
    back = brightness_temperature(radiance, wavelength)
    assert back.unit == u.K
    assert back.value == pytest.approx(temp, rel=1e-9)
    # the same through a wavenumber and a frequency coordinate
    for spectral in (wavelength.to(1 / u.cm, u.spectral()), wavelength.to(u.GHz, u.spectral())):
        assert brightness_temperature(radiance, spectral).value == pytest.approx(temp, rel=1e-9)


def test_matches_astropy_blackbody():
    frequency = (13 * u.um).to(u.Hz, equivalencies=u.spectral())
    temperatures = np.array([60.0, 130.0, 250.0, 400.0]) * u.K
    for t in temperatures:
        ours = planck_radiance(t, frequency, unit="erg s-1 cm-2 Hz-1 sr-1")
        theirs = BlackBody(t)(frequency)
        assert ours.value == pytest.approx(theirs.to_value("erg s-1 cm-2 Hz-1 sr-1"), rel=1e-12)


def test_rayleigh_jeans_trap():
    """astropy's brightness_temperature equivalency is Rayleigh-Jeans: 0.22 K, not 130 K."""
    radiance = planck_radiance(130 * u.K, (13 * u.um).to(u.Hz, u.spectral()), unit=u.Jy / u.sr)
    frequency = (13 * u.um).to(u.GHz, u.spectral())
    rayleigh_jeans = (radiance * u.sr).to(u.K, equivalencies=u.brightness_temperature(frequency, 1 * u.sr))
    assert rayleigh_jeans.value == pytest.approx(0.2222, abs=1e-3)
    assert brightness_temperature(radiance, 13 * u.um).value == pytest.approx(130.0, rel=1e-12)


def test_other_reference_values():
    # 130 K at 13 um = 108.8505 nW cm-2 sr-1 (cm-1)-1
    radiance = planck_radiance(130 * u.K, 13 * u.um, unit="nW cm-2 sr-1 (cm-1)-1")
    assert radiance.value == pytest.approx(108.8505, rel=1e-6)


def test_non_positive_and_nan_radiance_give_nan():
    values = np.array([0.0644, 0.0, -0.01, -1e3, np.nan, np.inf]) * W_UM
    t = brightness_temperature(values, 13 * u.um)
    assert t[0].value == pytest.approx(130.0, abs=0.01)
    assert np.all(np.isnan(t[1:5]))
    assert np.isnan(t[5].value)


def test_float32_stays_float32_and_input_untouched():
    data = np.full((5, 7), 0.0644, dtype=np.float32)
    copy = data.copy()
    t = brightness_temperature(data * W_UM, 13 * u.um)
    assert t.dtype == np.float32 and t.shape == (5, 7)
    np.testing.assert_array_equal(data, copy)
    assert np.allclose(t.value, 130.0, atol=1e-3)


def test_large_image_uses_blocks_consistently():
    rng = np.random.default_rng(1)
    data = rng.uniform(0.02, 0.1, size=(300, 700))
    blockwise = radiance_to_temperature(data, 13 * u.um, W_UM)
    c1, c2 = 1.1910429723971884e8, 14387.768775039336
    direct = c2 / (13 * np.log1p(c1 / (13**5 * data)))
    np.testing.assert_allclose(blockwise, direct, rtol=1e-13)


def test_monotonic_inverse():
    radiance = np.geomspace(1e-8, 10, 2000)
    t = radiance_to_temperature(radiance, 13 * u.um, W_UM)
    assert np.all(np.diff(t) > 0)


def test_needs_units():
    with pytest.raises(UnitError):
        brightness_temperature(np.array([0.06]), 13 * u.um)
    with pytest.raises(UnitError):
        brightness_temperature(0.06 * W_UM, 13)
    with pytest.raises(UnitError, match="not a spectral radiance"):
        brightness_temperature(0.06 * u.W / u.m**2, 13 * u.um)
    with pytest.raises(UnitError):
        planck_radiance(130, 13 * u.um)


# -- band integration (SCIENCE.md 1.6 and 8.3) ---------------------------------------------

M_TOP_HAT = Filter.top_hat("M", 4.54 * u.um, 5.02 * u.um)


def _band_radiance_exact(filt, temperature, *, photon=False):
    lam = filt.curve_wavelength.to_value(u.um)
    weight = filt.transmission * (lam if photon else 1.0)
    planck = 1.1910429723971884e8 / lam**5 / np.expm1(14387.768775039336 / (lam * temperature))
    return np.trapezoid(weight * planck, lam) / np.trapezoid(weight, lam)


@pytest.mark.parametrize("filt", [M_TOP_HAT, get_filter("Q1"), get_filter("NEII_2")])
def test_band_lookup_table_error_below_1e3_kelvin(filt):
    from scipy.optimize import brentq

    temperatures = np.linspace(50, 400, 36)
    radiance = np.array([_band_radiance_exact(filt, t) for t in temperatures])
    recovered = radiance_to_temperature(radiance, filt, W_UM)
    exact = np.array(
        [brentq(lambda t, r=r: _band_radiance_exact(filt, t) - r, 20, 1000, xtol=1e-12) for r in radiance]
    )
    np.testing.assert_allclose(exact, temperatures, atol=1e-8)
    assert np.max(np.abs(recovered - temperatures)) < 1e-3


def test_band_forward_matches_direct_integration():
    for t in (120.0, 180.0, 260.0):
        ours = planck_radiance(t * u.K, M_TOP_HAT).to_value(W_UM)
        assert ours == pytest.approx(_band_radiance_exact(M_TOP_HAT, t), rel=1e-6)


def test_band_versus_monochromatic_m_band():
    """SCIENCE.md 1.6: centre-wavelength inversion is +0.24 K (260 K) to +0.48 K (180 K) off."""
    centre = 0.5 * (4.54 + 5.02) * u.um
    offsets = {}
    for t in (180.0, 260.0):
        radiance = planck_radiance(t * u.K, M_TOP_HAT)
        offsets[t] = brightness_temperature(radiance, centre).value - t
        assert brightness_temperature(radiance, M_TOP_HAT).value == pytest.approx(t, abs=1e-4)
    assert offsets[180.0] == pytest.approx(0.48, abs=0.02)
    assert offsets[260.0] == pytest.approx(0.24, abs=0.02)


def test_photon_weighting_offsets():
    """Photon-weighted: +0.36 to +0.59 K (SCIENCE.md 1.6)."""
    centre = 0.5 * (4.54 + 5.02) * u.um
    offsets = []
    for t in (260.0, 180.0):
        radiance = planck_radiance(t * u.K, M_TOP_HAT, weighting="photon")
        assert radiance.to_value(W_UM) == pytest.approx(
            _band_radiance_exact(M_TOP_HAT, t, photon=True), rel=1e-6
        )
        offsets.append(brightness_temperature(radiance, centre).value - t)
        back = brightness_temperature(radiance, M_TOP_HAT, weighting="photon").value
        assert back == pytest.approx(t, abs=1e-4)
    assert offsets[0] == pytest.approx(0.36, abs=0.03)
    assert offsets[1] == pytest.approx(0.59, abs=0.03)


@pytest.mark.parametrize("unit", [ERG_CM, u.MJy / u.sr])
def test_band_round_trip_in_other_conventions(unit):
    filt = get_filter("NEII_2")
    temperatures = np.array([110.0, 130.0, 150.0])
    radiance = planck_radiance(temperatures * u.K, filt, unit=unit)
    np.testing.assert_allclose(brightness_temperature(radiance, filt).value, temperatures, atol=1e-4)


def test_band_outside_table_is_nan():
    filt = get_filter("NEII_2")
    radiance = np.array([1e-300, 1e6, 0.0, -1.0]) * W_UM
    assert np.all(np.isnan(brightness_temperature(radiance, filt).value))
    assert np.isnan(temperature_to_radiance(np.array([5.0, 5000.0]), filt, W_UM)).all()


@pytest.mark.parametrize("name", ["M-BAND", "J7.9", "NEII_2", "Q3"])
def test_band_table_accuracy_over_the_whole_range(name):
    filt = get_filter(name)
    for low, high, tolerance in ((10, 50, 1e-6), (50, 400, 1e-5), (400, 1500, 2e-4)):
        temperatures = np.linspace(low, high, 97)
        radiance = np.array([_band_radiance_exact(filt, t) for t in temperatures])
        error = np.abs(radiance_to_temperature(radiance, filt, W_UM) - temperatures).max()
        assert error < tolerance, (name, low, high, error)


def test_band_tables_per_frequency_and_wavenumber_against_blackbody():
    """Band averages in the frequency and wavenumber measures, integrated independently."""
    filt = get_filter("PAH1")
    lam = filt.curve_wavelength
    frequency = lam.to(u.Hz, u.spectral())[::-1]
    weight = filt.transmission[::-1]
    for t in (120.0, 250.0):
        b_nu = BlackBody(t * u.K)(frequency).to_value("Jy sr-1")
        expected = np.trapezoid(weight * b_nu, frequency.value) / np.trapezoid(weight, frequency.value)
        ours = planck_radiance(t * u.K, filt, unit=u.Jy / u.sr).value
        assert ours == pytest.approx(expected, rel=1e-6)
        wavenumber = lam.to(1 / u.cm, u.spectral())[::-1]
        b_k = (BlackBody(t * u.K)(frequency) * const.c).to_value(ERG_CM * u.sr / u.sr)
        expected_k = np.trapezoid(weight * b_k, wavenumber.value) / np.trapezoid(weight, wavenumber.value)
        assert planck_radiance(t * u.K, filt, unit=ERG_CM).value == pytest.approx(expected_k, rel=1e-6)


def test_swapped_arguments_are_caught():
    with pytest.raises(UnitError, match="swapped"):
        planck_radiance(13 * u.um, 130 * u.K)


def test_array_of_wavelengths_inverts_a_spectrum():
    wavelengths = np.array([8.0, 10.0, 13.0, 20.0]) * u.um
    radiance = planck_radiance(130 * u.K, wavelengths)
    np.testing.assert_allclose(brightness_temperature(radiance, wavelengths).value, 130.0, rtol=1e-12)


def test_wide_and_optical_curves_tabulate():
    """A 3-30 um top-hat stays within 2e-4 K at 50-400 K; a 0.8 um curve does not underflow."""
    wide = Filter.top_hat("wide", 3 * u.um, 30 * u.um)
    temperatures = np.linspace(50, 400, 36)
    radiance = np.array([_band_radiance_exact(wide, t) for t in temperatures])
    assert np.abs(radiance_to_temperature(radiance, wide, W_UM) - temperatures).max() < 2e-4
    optical = Filter.top_hat("optical", 0.7 * u.um, 0.9 * u.um)
    hot = planck_radiance(1000 * u.K, optical)
    assert brightness_temperature(hot, optical).value == pytest.approx(1000, abs=1e-3)


@pytest.mark.parametrize("name", ["M-BAND", "NEII_2", "Q3"])
@pytest.mark.parametrize("convention", ["wavelength", "wavenumber", "frequency"])
def test_band_table_nodes_are_solved_to_machine_precision(name, convention):
    """Each node's temperature puts the band integral exactly on the node's g (Newton stops only
    once converged)."""
    from falsecolor.planck._band import _BandTable, _Curve

    table = _BandTable(_Curve(get_filter(name)), convention, "energy")
    ln_l, _ = table._ln_band(1.0 / table.inv_t)
    np.testing.assert_allclose(table._g(ln_l), table.g, rtol=1e-12, atol=0)
