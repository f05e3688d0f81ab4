"""A sky or bias level around the disc: found by the disc threshold, warned about, subtracted."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u

from falsecolor import geometry
from falsecolor.exceptions import FalsecolorWarning, InputError
from falsecolor.pipeline import Corrections, render

W_UM = u.Unit("W m-2 sr-1 um-1")


@pytest.fixture(scope="module")
def biased(request):
    """The synthetic bands in counts (1e5 per W m-2 sr-1 um-1) on a bias of 2000 counts, with noise."""
    import falsecolor

    jupiter = falsecolor.synthetic_jupiter((256, 256))
    rng = np.random.default_rng(5)
    bands = []
    for band in (jupiter.temperature_band, jupiter.cloud_band):
        counts = np.nan_to_num(band.data.astype(np.float64)) * 1e5
        noisy = counts + 2000.0 + 5.0 * rng.standard_normal(band.shape)
        bands.append(
            band.replace(data=noisy.astype(np.float32), unit=u.count, conversion_factor=1e-5 * W_UM / u.count)
        )
    return jupiter, bands


def test_disc_threshold_sees_through_a_bias(biased):
    jupiter, (temperature, _) = biased
    truth = np.isfinite(jupiter.temperature.value)
    found = geometry.on_disc_mask(temperature.data, raw=True)
    assert np.mean(found == truth) > 0.995  # before: every pixel counted as disc
    assert geometry.sky_level(temperature.data) == pytest.approx(2000.0, abs=1.0)
    assert geometry.sky_level(np.nan_to_num(jupiter.temperature_band.data)) == 0.0


def test_bias_is_warned_about_and_subtracted(biased):
    jupiter, (temperature, cloud) = biased
    with pytest.warns(FalsecolorWarning, match="sky around the disc is at 2000"):
        raw = render(temperature, cloud, corrections=Corrections(orientation="sky"))
    clean = render(jupiter.temperature_band, jupiter.cloud_band, corrections=Corrections(orientation="sky"))
    fixed = render(temperature, cloud, corrections=Corrections(orientation="sky", subtract_sky=True))
    both = np.isfinite(clean.opacity) & np.isfinite(fixed.opacity) & np.isfinite(raw.opacity)
    t_raw = np.nanmedian(np.abs(raw.temperature.value - clean.temperature.value)[both])
    t_fixed = np.nanmedian(np.abs(fixed.temperature.value - clean.temperature.value)[both])
    tau_raw = np.nanmedian(np.abs(raw.opacity - clean.opacity)[both])
    tau_fixed = np.nanmedian(np.abs(fixed.opacity - clean.opacity)[both])
    assert t_raw > 3 and t_fixed < 0.05  # kelvin
    assert tau_raw > 0.3 and tau_fixed < 0.02
    assert "sky level 2000" in fixed.notes["temperature_sky"] and "cloud_sky" in fixed.notes


def test_radiance_sky_and_raw_cloud_beside_kelvin_are_warned(biased):
    jupiter, (_, cloud) = biased
    t = jupiter.temperature_band
    sky = 0.3 * float(np.nanmedian(t.data))
    with_sky = t.replace(data=(np.nan_to_num(t.data) + sky).astype(np.float32))
    with pytest.warns(FalsecolorWarning, match=r"sky around the disc is at .* \(\d+% of the disc\)"):
        render(with_sky, jupiter.cloud_band, corrections=Corrections(orientation="sky"))
    fixed = render(
        with_sky, jupiter.cloud_band, corrections=Corrections(orientation="sky", subtract_sky=True)
    )
    clean = render(t, jupiter.cloud_band, corrections=Corrections(orientation="sky"))
    on = np.isfinite(clean.temperature.value) & np.isfinite(fixed.temperature.value)
    assert np.nanmedian(np.abs(fixed.temperature.value - clean.temperature.value)[on]) < 0.05
    kelvin = t.replace(data=jupiter.temperature.value.astype(np.float32), unit=u.K)
    with pytest.warns(FalsecolorWarning, match="M-BAND: the sky around the disc"):
        render(kelvin, cloud, corrections=Corrections(orientation="sky"))


def test_sky_is_subtracted_before_the_uncertainty(biased):
    _, (temperature, cloud) = biased
    composite = render(
        temperature, cloud, uncertainty="sky", corrections=Corrections(orientation="sky", subtract_sky=True)
    )
    assert float(composite.notes["temperature_uncertainty"].split()[2]) == pytest.approx(5.0, rel=0.05)


def test_no_sky_to_subtract_is_an_error(biased):
    jupiter, _ = biased
    t = jupiter.temperature_band
    full = t.replace(data=np.full(t.shape, 0.05, np.float32))
    with pytest.raises(InputError, match="no sky around the disc"):
        render(full, jupiter.cloud_band, corrections=Corrections(orientation="sky", subtract_sky=True))
