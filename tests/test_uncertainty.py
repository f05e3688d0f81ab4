"""Radiance uncertainty propagated to T and tau, and the two-band aerosol-index cloud axis."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits
from scipy import ndimage

import falsecolor
from falsecolor import Band, get_filter, planck_radiance
from falsecolor.cli import main
from falsecolor.exceptions import FalsecolorError, InputError
from falsecolor.pipeline import Corrections, load_recipe, render
from falsecolor.rendering._uncertainty import parse_uncertainty

W_UM = u.Unit("W m-2 sr-1 um-1")
C2_UM_K = 14387.768775039336  # second radiation constant, um K


@pytest.mark.parametrize(
    ("given", "kind", "fraction"),
    [
        ("5%", "fraction", 0.05),
        (0.05, "fraction", 0.05),
        (" 12.5 % ", "fraction", 0.125),
        ("sky", "sky", None),
    ],
)
def test_parse_uncertainty(given, kind, fraction):
    parsed = parse_uncertainty(given)
    assert parsed.kind == kind and parsed.fraction == pytest.approx(fraction) if fraction else True
    assert parse_uncertainty(None) is None and parse_uncertainty("none") is None
    assert parse_uncertainty("sigma.fits").kind == "map"


@pytest.mark.parametrize("bad", ["150%", -0.1, 1.0, "%", "0%", True])
def test_parse_uncertainty_rejects(bad):
    with pytest.raises(InputError):
        parse_uncertainty(bad)


def test_fraction_gives_the_planck_slope(jupiter):
    composite = render(jupiter.temperature_band, jupiter.cloud_band, uncertainty="5%")
    t = composite.temperature.value
    on = np.isfinite(t)
    assert np.array_equal(on, np.isfinite(composite.temperature_error))
    # monochromatic 13.04 um: sigma_T = f T^2 lambda / c2 (1 - exp(-c2 / lambda T)); the band average
    # (NEII_2) is within a fraction of a per cent of it
    lam = get_filter("NEII_2").wavelength.to_value(u.um)
    expected = 0.05 * t**2 * lam / C2_UM_K * -np.expm1(-C2_UM_K / (lam * t))
    np.testing.assert_allclose(composite.temperature_error[on], expected[on], rtol=5e-3)
    assert 0.6 < np.median(composite.temperature_error[on]) < 0.9  # SCIENCE.md 3.2: ~1.5 K per 10 %
    tau_error = composite.opacity_error
    assert np.allclose(tau_error[np.isfinite(composite.opacity)], 0.05)
    assert np.all(np.isnan(tau_error[~np.isfinite(composite.opacity)]))
    assert "5% of the radiance" in composite.notes["temperature_uncertainty"]


def test_band_slope_agrees_with_monte_carlo():
    """Noise of 3 % on band-averaged radiance: the scatter of the inverted T is the propagated sigma_T."""
    rng = np.random.default_rng(1)
    truth = np.full((400, 400), 125.0)
    radiance = planck_radiance(truth * u.K, get_filter("NEII_2")).to_value(W_UM)
    noisy = radiance * (1 + 0.03 * rng.standard_normal(truth.shape))
    band = Band(noisy.astype(np.float64), W_UM, filter_name="NEII_2")
    opacity = Band(np.ones(truth.shape), u.dimensionless_unscaled)
    composite = render(
        band, opacity=opacity, uncertainty=0.03, corrections=Corrections(orientation="sky"), tau_limits=(0, 2)
    )
    scatter = np.std(composite.temperature.value)
    predicted = float(np.median(composite.temperature_error))
    assert scatter == pytest.approx(predicted, rel=0.03)  # 160,000 samples: 0.2 % statistical error


@pytest.fixture
def noisy_frames(jupiter):
    """The synthetic bands in counts on a sky with Gaussian noise of known sigma (50 and 20 counts)."""
    rng = np.random.default_rng(7)
    bands = []
    for band, gain, sigma in ((jupiter.temperature_band, 1e6, 50.0), (jupiter.cloud_band, 1e6, 20.0)):
        counts = np.nan_to_num(band.data.astype(np.float64)) * gain + sigma * rng.standard_normal(band.shape)
        bands.append(band.replace(data=counts, unit=u.count, conversion_factor=(1 / gain) * W_UM / u.count))
    return bands


def test_sky_noise_is_measured_and_propagated(noisy_frames):
    temperature, cloud = noisy_frames
    composite = render(temperature, cloud, uncertainty="sky", corrections=Corrections(orientation="sky"))
    note_t, note_c = composite.notes["temperature_uncertainty"], composite.notes["cloud_uncertainty"]
    assert float(note_t.split()[2]) == pytest.approx(50.0, rel=0.03)
    assert float(note_c.split()[2]) == pytest.approx(20.0, rel=0.03)
    on = np.isfinite(composite.opacity)
    counts = cloud.data[on]
    sigma_tau = composite.opacity_error[on]
    np.testing.assert_allclose(sigma_tau, float(note_c.split()[2]) / counts, rtol=1e-3)  # note: 4 digits


def test_sigma_map_in_band_units(tmp_path, jupiter, write_fits):
    t = jupiter.temperature_band
    sigma = 0.02 * np.nan_to_num(t.data.astype(np.float64))
    path = write_fits(tmp_path / "sigma.fits", sigma, {"BUNIT": "W m-2 sr-1 um-1"})
    composite = render(t, jupiter.cloud_band, uncertainty=path)
    on = np.isfinite(composite.temperature.value)
    with_fraction = render(t, jupiter.cloud_band, uncertainty=0.02)
    np.testing.assert_allclose(
        composite.temperature_error[on], with_fraction.temperature_error[on], rtol=1e-4
    )
    assert composite.opacity_error is None  # a map is for the temperature band only
    in_mw = write_fits(tmp_path / "sigma_mw.fits", 1e3 * sigma, {"BUNIT": "mW m-2 sr-1 um-1"})
    converted = render(t, jupiter.cloud_band, uncertainty=in_mw)
    np.testing.assert_allclose(converted.temperature_error[on], composite.temperature_error[on], rtol=1e-5)


def test_bad_sigma_maps(tmp_path, jupiter, write_fits):
    t, c = jupiter.temperature_band, jupiter.cloud_band
    small = write_fits(tmp_path / "small.fits", np.ones((10, 10)))
    negative = write_fits(tmp_path / "negative.fits", -np.ones(t.shape))
    metres = write_fits(tmp_path / "metres.fits", np.ones(t.shape), {"BUNIT": "m"})
    for path, message in ((small, "must match"), (negative, "negative"), (metres, "give it in")):
        with pytest.raises(FalsecolorError, match=message):
            render(t, c, uncertainty=path)
    with pytest.raises(InputError, match="sky noise needs the raw image"):
        render(t.replace(data=np.full(t.shape, 120.0), unit=u.K, wavelength=13 * u.um), c, uncertainty="sky")
    with pytest.raises(InputError, match="sky pixels"):
        render(t.replace(data=np.full(t.shape, 0.06)), c, uncertainty="sky")
    with pytest.raises(InputError, match="opacity map"):
        render(t, opacity=Band(np.ones(t.shape), u.dimensionless_unscaled), cloud_uncertainty="5%")


def test_kelvin_maps_and_north_up_carry_the_uncertainty(jupiter):
    tilted = falsecolor.synthetic_jupiter((200, 200), pole_angle=30.0, noise=0.0)
    kelvin = tilted.temperature_band.replace(data=tilted.temperature.value.astype(np.float32), unit=u.K)
    composite = render(kelvin, tilted.cloud_band, uncertainty=0.05, cloud_uncertainty="sky")
    assert "turned 30.00°" in composite.notes["orientation"]
    shape = composite.temperature.shape
    assert composite.temperature_error.shape == shape and composite.opacity_error.shape == shape
    defined = np.isfinite(composite.opacity)
    # the sky plane was turned with the image: finite wherever tau is, away from the limb's rim (where
    # bilinear weights mix in sky pixels, whose sigma_I / I is undefined)
    inner = ndimage.binary_erosion(defined, iterations=2)
    assert np.all(np.isfinite(composite.opacity_error[inner])) and inner.sum() > 0.9 * defined.sum()
    t = composite.temperature.value[defined]
    expected = 0.05 * t**2 * 13.04 / C2_UM_K * -np.expm1(-C2_UM_K / (13.04 * t))
    np.testing.assert_allclose(composite.temperature_error[defined], expected, rtol=0.01)


def test_cli_writes_uncert_extensions_and_recipe(tmp_path, band_files, capsys):
    out = tmp_path / "out.png"
    argv = ["render", "-t", str(band_files["temperature"]), "-c", str(band_files["cloud"]), "-o", str(out)]
    argv += [
        "--uncertainty",
        "5%",
        "--fits-out",
        str(tmp_path / "p"),
        "--recipe-out",
        str(tmp_path / "r.toml"),
    ]
    assert main(argv) == 0
    with fits.open(tmp_path / "p_temperature.fits") as hdul:
        assert [h.name for h in hdul][:2] == ["PRIMARY", "UNCERT"] and hdul["UNCERT"].header["BUNIT"] == "K"
        assert 0.5 < np.nanmedian(hdul["UNCERT"].data) < 1.0
    with fits.open(tmp_path / "p_opacity.fits") as hdul:
        assert np.nanmax(np.abs(hdul["UNCERT"].data - 0.05)) < 1e-6
    assert load_recipe(tmp_path / "r.toml").uncertainty == "5%"
    capsys.readouterr()
    assert main(["render", "-t", str(band_files["temperature"]), "-c", str(band_files["cloud"]),
                 "-o", str(tmp_path / "x.png"), "--uncertainty", "200%"]) == 2  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--uncertainty 200%: a percentage must be within 0..100" in err[0]
    assert not (tmp_path / "x.png").exists()


# -- the aerosol index ------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_thermal_bands():
    """T(13 um) of the synthetic Jupiter and T(8.6 um) = T13 + 18 K - 4 K * aerosol (aerosol in 0..1)."""
    jupiter = falsecolor.synthetic_jupiter((200, 200), limb_darkening=False)
    t13 = jupiter.temperature.value
    aerosol = np.clip(jupiter.opacity / np.nanmax(jupiter.opacity), 0, 1)
    t86 = t13 + 18.0 - 4.0 * aerosol
    band13 = Band(t13.astype(np.float32), u.K, filter_name="NEII_2", header=jupiter.temperature_band.header)
    band86 = Band(t86.astype(np.float32), u.K, filter_name="PAH1")
    return band13, band86, aerosol


def test_aerosol_index_from_two_thermal_bands(two_thermal_bands):
    band13, band86, aerosol = two_thermal_bands
    given = render(band13, aerosol=band86, clear_sky="18K")
    on = np.isfinite(given.opacity)
    np.testing.assert_allclose(given.opacity[on], 4.0 * aerosol[on], atol=2e-3)
    assert given.cloud_axis == "aerosol index (K)" and "PAH1" in given.notes["opacity_band"]
    percentile = render(band13, aerosol=band86)  # dT_clear = 99.5th percentile of dT
    clear = float(percentile.notes["clear_sky"].split("=")[-1].split()[0])
    assert clear == pytest.approx(18.0 - 4.0 * np.percentile(aerosol[on], 0.5), abs=0.01)
    assert np.nanmin(percentile.opacity) == 0.0
    key = given.image(key=True)
    assert key.shape[1] > given.rgba.shape[1]  # a key is drawn (labelled "aerosol index (K)")


def test_aerosol_uncertainty_adds_in_quadrature(two_thermal_bands):
    band13, band86, _ = two_thermal_bands
    composite = render(band13, aerosol=band86, clear_sky=18.0, uncertainty="2%")
    on = np.isfinite(composite.opacity)
    expected = np.hypot(composite.temperature_error[on], _sigma_t(band86.data[on], 0.02, "PAH1"))
    np.testing.assert_allclose(composite.opacity_error[on], expected, rtol=2e-3)


def _sigma_t(kelvin, fraction, filter_name):
    t = np.asarray(kelvin, dtype=np.float64)
    lam = get_filter(filter_name).wavelength.to_value(u.um)
    return fraction * t**2 * lam / C2_UM_K * -np.expm1(-C2_UM_K / (lam * t))


def test_aerosol_products_recipe_and_cli(tmp_path, two_thermal_bands, capsys):
    band13, band86, _ = two_thermal_bands
    from falsecolor.bands import band_to_hdu

    paths = {}
    for name, band in (("t13", band13), ("t86", band86)):
        paths[name] = tmp_path / f"{name}.fits"
        band_to_hdu(band).writeto(paths[name])
    out = tmp_path / "aerosol.png"
    argv = ["render", "-t", str(paths["t13"]), "--aerosol", str(paths["t86"]), "-o", str(out)]
    argv += ["--fits-out", str(tmp_path / "a"), "--recipe-out", str(tmp_path / "a.toml")]
    assert main(argv) == 0
    assert "aerosol index (K)" in capsys.readouterr().out
    with fits.open(tmp_path / "a_opacity.fits") as hdul:
        assert hdul[0].header["BUNIT"] == "K" and "aerosol index" in hdul[0].header["CONTENT"]
    recipe = load_recipe(tmp_path / "a.toml")
    assert recipe.aerosol is not None and recipe.cloud is None
    again = tmp_path / "again.png"
    assert main(["render", str(tmp_path / "a.toml"), "-o", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()
    capsys.readouterr()
    both = ["render", "-t", str(paths["t13"]), "--aerosol", str(paths["t86"]), "-c", str(paths["t86"])]
    assert main([*both, "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "one cloud axis" in err[0]


def test_aerosol_band_is_limb_corrected_like_a_thermal_band(jupiter):
    t13 = jupiter.temperature_band
    composite = render(
        t13, aerosol=t13.replace(filter_name="PAH1"), corrections=Corrections(limb_correction="auto")
    )
    assert "published exponent" in composite.notes["cloud_limb"]


def test_real_texes_aerosol_index(data_dir):
    """TEXES 2025 maps: the zones (EZ, STrZ) carry more aerosol than the belts (NEB, SEB), as in 3.5."""
    folder = data_dir / "texes_irtf" / "2025feb"
    t13 = next((folder / "texesspx_762").glob("*.fits"))
    t86 = next((folder / "texesspx_1165").glob("*.fits"))
    composite = render(
        t13, aerosol=t86, temperature_options={"wavelength": "762 cm-1"},
        cloud_options={"wavelength": "1165 cm-1"}, uncertainty="3%",
    )  # fmt: skip
    index = composite.opacity  # rows are latitudes -90..90 at 1 degree

    def zone(lat):
        return float(np.nanmedian(index[lat + 90]))

    assert zone(0) > zone(12) + 1.0  # EZ against NEB
    assert zone(-24) > zone(-16) + 1.0  # STrZ against SEB
    assert 0.2 < np.nanmedian(composite.opacity_error) < 1.0  # two 3 % errors at ~125-150 K


def test_tabulated_planck_slope_is_exact():
    from falsecolor.rendering._uncertainty import log_slope

    t = np.linspace(40.0, 400.0, 997)
    for spectral in (get_filter("NEII_2"), get_filter("M-BAND"), 13.0 * u.um):
        h = 1e-4 * t
        direct = (
            np.log(falsecolor.planck.temperature_to_radiance(t + h, spectral, W_UM))
            - np.log(falsecolor.planck.temperature_to_radiance(t - h, spectral, W_UM))
        ) / (2 * h)
        np.testing.assert_allclose(log_slope(t, spectral), direct, rtol=2e-4)
    assert np.isnan(log_slope(np.array([np.nan, 5.0, 3000.0]), 13.0 * u.um)).all()


def test_aerosol_band_keeps_its_own_exponent_when_b_is_given(jupiter):
    t13 = jupiter.temperature_band
    composite = render(
        t13, aerosol=t13.replace(filter_name="PAH1"), corrections=Corrections(limb_correction=0.2)
    )
    assert "mu^0.200 (given" in composite.notes["temperature_limb"]
    assert "mu^0.300 (published" in composite.notes["cloud_limb"]
