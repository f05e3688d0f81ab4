"""The synthetic Jupiter and the round trip through the render path (SCIENCE.md 6.6)."""

import numpy as np
import pytest
from astropy import units as u

import falsecolor
from falsecolor import brightness_temperature, get_filter, render
from falsecolor._colour import linear_to_oklab, srgb_to_linear


def test_bands_and_truth(jupiter):
    t_band, c_band = jupiter.temperature_band, jupiter.cloud_band
    assert t_band.shape == c_band.shape == (256, 256)
    assert t_band.data.dtype == np.float32
    assert (t_band.filter_name, c_band.filter_name) == ("NEII_2", "M-BAND")
    on = jupiter.backplanes.on_disc
    assert np.all(t_band.data[~on] == 0) and np.all(t_band.data[on] > 0)
    truth = jupiter.temperature.to_value(u.K)
    assert np.nanmin(truth) > 119 and np.nanmax(truth) < 136
    assert np.nanmin(jupiter.opacity) >= 0 and np.nanmax(jupiter.opacity) == pytest.approx(4.5)


def test_zonal_structure(jupiter):
    """Belts warm and clearer, zones cool and cloudier, hot spots nearly clear (SCIENCE.md 6.3-6.4)."""
    lat, mu = jupiter.backplanes.latitude, jupiter.backplanes.mu
    t, tau = jupiter.temperature.to_value(u.K), jupiter.opacity

    def median(values, low, high):
        return np.nanmedian(values[(lat > low) & (lat < high) & (mu > 0.3)])

    assert median(t, 11, 16) == pytest.approx(133.4, abs=0.5)  # NEB
    assert median(t, -2, 2) == pytest.approx(127.5, abs=0.5)  # EZ
    assert median(tau, 10, 16) == pytest.approx(2.3, abs=0.1)
    assert median(tau, -16, -10) == pytest.approx(2.0, abs=0.1)
    assert median(tau, -3, 3) == pytest.approx(3.2, abs=0.1)
    assert np.nanmin(tau[np.abs(lat - 7.5) < 1]) < 0.5  # hot spots


def test_limb_darkening_law(jupiter):
    mu = jupiter.backplanes.mu
    band = jupiter.temperature_band
    corrected = band.data / np.where(mu > 0, mu, np.nan) ** 0.2
    t = brightness_temperature(corrected * band.unit, get_filter("NEII_2")).value
    on = mu > 0.05
    np.testing.assert_allclose(t[on], jupiter.temperature.value[on], atol=0.01)


def test_round_trip_noise_free(flat_jupiter):
    """T recovered within 0.05 K and tau within 0.01 through the public render API."""
    composite = render(flat_jupiter.temperature_band, flat_jupiter.cloud_band, clear_sky=250 * u.K)
    on = flat_jupiter.backplanes.on_disc
    np.testing.assert_allclose(composite.temperature.value[on], flat_jupiter.temperature.value[on], atol=0.05)
    np.testing.assert_allclose(composite.opacity[on], flat_jupiter.opacity[on], atol=0.01)
    assert np.all(composite.mask[~on])


def test_noise_is_seeded():
    a = falsecolor.synthetic_jupiter((64, 64), noise=0.01, seed=4)
    b = falsecolor.synthetic_jupiter((64, 64), noise=0.01, seed=4)
    c = falsecolor.synthetic_jupiter((64, 64), noise=0.01, seed=5)
    np.testing.assert_array_equal(a.temperature_band.data, b.temperature_band.data)
    assert not np.array_equal(a.temperature_band.data, c.temperature_band.data)


def _corner_distances(composite, selection):
    colour = composite.rgba[selection][:, :3].astype(float).mean(axis=0) / 255.0
    lab = linear_to_oklab(srgb_to_linear(colour))
    lut = composite.palette.lut
    corners = {
        "cold_clear": lut[0, 0],
        "warm_clear": lut[-1, 0],
        "cold_cloudy": lut[0, -1],
        "warm_cloudy": lut[-1, -1],
    }
    return {k: np.linalg.norm(linear_to_oklab(srgb_to_linear(v[:3])) - lab) for k, v in corners.items()}


def test_palette_quadrants(jupiter):
    """SCIENCE.md 6.6: NEB in the warm-clear quadrant, GRS in the cold-cloudy corner."""
    lat, lon, mu = (jupiter.backplanes.latitude, jupiter.backplanes.longitude, jupiter.backplanes.mu)
    composite = render(jupiter.temperature_band, jupiter.cloud_band)
    t_lo, t_hi = composite.t_limits
    c_lo, c_hi = composite.tau_limits
    neb = (lat > 10) & (lat < 16) & (mu > 0.5)
    x = (np.median(composite.temperature.value[neb]) - t_lo) / (t_hi - t_lo)
    y = (np.median(composite.opacity[neb]) - c_lo) / (c_hi - c_lo)
    assert x > 0.5 and y < 0.5
    distances = _corner_distances(composite, neb)
    assert min(distances, key=distances.get) == "warm_clear"

    grs_longitude = jupiter.geometry.central_meridian + 25.0
    d_lon = (lon - grs_longitude + 180) % 360 - 180
    grs = (np.hypot(d_lon / 6.85, (lat + 22) / 4.45) < 0.8) & (
        np.hypot(d_lon / 6.85, (lat + 22) / 4.45) > 0.4
    )
    reference = render(jupiter.temperature_band, jupiter.cloud_band, t_limits=(120, 135))
    distances = _corner_distances(reference, grs)
    assert min(distances, key=distances.get) == "cold_cloudy"
