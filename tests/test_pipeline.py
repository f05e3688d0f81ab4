"""The Python API: render / compose / Composite / describe."""

import io

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits
from PIL import Image

import falsecolor
from falsecolor import Band, compose, render
from falsecolor.exceptions import FilterError, InputError, UnitError

W_UM = u.Unit("W m-2 sr-1 um-1")


def test_public_api_names():
    for name in (
        "read_band",
        "Band",
        "Filter",
        "get_filter",
        "planck_radiance",
        "brightness_temperature",
        "cloud_opacity",
        "Palette",
        "get_palette",
        "list_palettes",
        "compose",
        "render",
        "synthetic_jupiter",
        "Composite",
        "Corrections",
    ):
        assert hasattr(falsecolor, name), name


def test_corrections_from_the_top_level_are_the_pipelines_and_correct_the_limb(jupiter):
    assert falsecolor.Corrections is falsecolor.pipeline.Corrections
    fixes = falsecolor.Corrections(limb_correction="auto", mu_min=0.3)
    corrected = falsecolor.render(jupiter.temperature_band, jupiter.cloud_band, corrections=fixes)
    plain = falsecolor.render(jupiter.temperature_band, jupiter.cloud_band)
    assert "temperature_limb" in corrected.notes and "temperature_limb" not in plain.notes
    assert corrected.recipe.limb_correction == "auto" and corrected.recipe.mu_min == 0.3
    # the corrected disc is masked where mu <= 0.3 (NaN); the plain one is not
    assert np.isnan(corrected.temperature.value).sum() > np.isnan(plain.temperature.value).sum()


def test_render_from_files_equals_render_from_bands(band_files, jupiter):
    from_files = render(band_files["temperature"], band_files["cloud"])
    from_bands = render(jupiter.temperature_band, jupiter.cloud_band)
    np.testing.assert_array_equal(from_files.rgba, from_bands.rgba)
    assert from_files.inputs == [str(band_files["temperature"]), str(band_files["cloud"])]


def test_composite_contents(jupiter):
    composite = render(jupiter.temperature_band, jupiter.cloud_band, t_limits=(120, 135), tau_limits=(0, 4.5))
    assert composite.rgba.shape == (256, 256, 4) and composite.rgba.dtype == np.uint8
    assert composite.temperature.unit == u.K
    assert composite.t_limits.source == "given"
    assert (composite.rgba[composite.mask, 3] == 0).all()  # off disc: transparent
    assert (composite.rgba[~composite.mask, 3] == 255).all()
    assert "clear_sky" in composite.notes and "percentile" in composite.notes["clear_sky"]
    assert "Composite" in repr(composite)


def test_save_and_fits_products(tmp_path, jupiter):
    composite = render(jupiter.temperature_band, jupiter.cloud_band)
    written = composite.save(tmp_path / "j.png", fits_prefix=tmp_path / "j")
    assert [p.name for p in written] == ["j.png", "j_temperature.fits", "j_opacity.fits"]
    with fits.open(tmp_path / "j_temperature.fits") as hdul:
        assert hdul[0].header["BUNIT"] == "K" and hdul[0].header["FILTER"] == "NEII_2"
        np.testing.assert_allclose(hdul[0].data, composite.temperature.value, equal_nan=True)
    with fits.open(tmp_path / "j_opacity.fits") as hdul:
        np.testing.assert_allclose(hdul[0].data, composite.opacity, equal_nan=True, rtol=1e-6)
        assert any("clear_sky" in str(h) for h in hdul[0].header["HISTORY"])
    assert [p.name for p in composite.to_fits(tmp_path / "k.fits")] == [
        "k_temperature.fits",
        "k_opacity.fits",
    ]


def test_saved_png_is_the_composite_flipped(tmp_path, jupiter):
    composite = render(jupiter.temperature_band, jupiter.cloud_band)
    composite.save(tmp_path / "plain.png", key=False)
    with Image.open(tmp_path / "plain.png") as image:
        decoded = np.asarray(image)
        text = dict(image.text)
    np.testing.assert_array_equal(decoded, composite.rgba[::-1])
    assert text["Software"].startswith("falsecolor")
    assert "NEII_2" in text["Description"]


def test_repr_png_decodes(jupiter):
    composite = render(jupiter.temperature_band, jupiter.cloud_band)
    with Image.open(io.BytesIO(composite._repr_png_())) as image:
        assert image.size[0] > 256  # composite plus key


def test_background_fills_transparent_pixels(jupiter):
    composite = render(jupiter.temperature_band, jupiter.cloud_band)
    picture = composite.image(key=False, background="black")
    assert (picture[..., 3] == 255).all()
    np.testing.assert_array_equal(picture[0, 0], [0, 0, 0, 255])


@pytest.mark.filterwarnings("ignore:.*sky around the disc")  # a flat frame with a bright strip, no planet
def test_orientation_row_zero_is_the_bottom(tmp_path):
    """A feature in FITS row 0 ends at the bottom of the PNG; north (high rows) at the top."""
    data = np.full((40, 50), 0.05, np.float32)  # 126.6 K at 13 um
    data[:5] = 0.2  # hotter than 140 K: rows at the bottom of the FITS image
    band = Band(data, W_UM, 13 * u.um)
    cloud = Band(np.full((40, 50), 0.02, np.float32), W_UM, 4.8 * u.um)
    composite = render(band, cloud, t_limits=(120, 140), tau_limits=(0, 1))
    composite.save(tmp_path / "o.png", key=False)
    with Image.open(tmp_path / "o.png") as image:
        decoded = np.asarray(image).astype(int)
    warm = composite.palette.lut8[-1, 0, :3]
    assert np.abs(decoded[-1, 0, :3] - warm).max() <= 2  # bottom row is warm
    assert np.abs(decoded[0, 0, :3] - warm).max() > 20


def test_north_up_for_the_synthetic_planet(tmp_path):
    jupiter = falsecolor.synthetic_jupiter((200, 200))
    composite = render(jupiter.temperature_band, jupiter.cloud_band)
    picture = composite.image(key=False)
    latitude = jupiter.backplanes.latitude[::-1]  # display order
    top, bottom = np.nanargmax(latitude[:, 100]), np.nanargmin(latitude[:, 100])
    assert top < bottom
    assert picture.shape[:2] == (200, 200)


def test_temperature_band_in_kelvin_and_opacity_map(jupiter):
    kelvin = Band(jupiter.temperature.value.astype(np.float32), u.K)
    tau = Band(np.nan_to_num(jupiter.opacity).astype(np.float32), u.dimensionless_unscaled)
    composite = render(kelvin, opacity=tau, t_limits=(120, 135), tau_limits=(0, 4.5))
    on = jupiter.backplanes.on_disc
    np.testing.assert_allclose(composite.temperature.value[on], jupiter.temperature.value[on], atol=1e-4)
    np.testing.assert_allclose(composite.opacity[on], jupiter.opacity[on], atol=1e-6)


def test_counts_with_a_conversion_factor(jupiter):
    band = jupiter.temperature_band
    counts = band.replace(
        data=(band.data / 2e-6).astype(np.float32), unit=u.count, conversion_factor=2e-6 * W_UM
    )
    a = render(counts, jupiter.cloud_band)
    b = render(band, jupiter.cloud_band)
    on = ~b.mask
    np.testing.assert_allclose(a.temperature.value[on], b.temperature.value[on], atol=1e-3)


def test_cloud_band_in_counts_and_in_other_units(jupiter):
    reference = render(jupiter.temperature_band, jupiter.cloud_band)
    cloud = jupiter.cloud_band
    as_counts = cloud.replace(data=cloud.data * 1e4, unit=u.count)
    np.testing.assert_allclose(
        render(jupiter.temperature_band, as_counts).opacity, reference.opacity, atol=1e-5, equal_nan=True
    )
    in_mjy = cloud.replace(
        data=(cloud.data * cloud.unit)
        .to_value(u.MJy / u.sr, u.spectral_density(4.82 * u.um))
        .astype(np.float32),
        unit=u.MJy / u.sr,
    )
    assert np.isfinite(render(jupiter.temperature_band, in_mjy).opacity[~reference.mask]).all()


def test_cloud_band_as_brightness_temperature(flat_jupiter):
    from falsecolor.planck import radiance_to_temperature

    cloud = flat_jupiter.cloud_band
    kelvin = radiance_to_temperature(cloud.data, falsecolor.get_filter("M-BAND"), cloud.unit)
    as_kelvin = cloud.replace(data=np.nan_to_num(kelvin).astype(np.float32), unit=u.K)
    composite = render(flat_jupiter.temperature_band, as_kelvin, clear_sky=250 * u.K)
    on = flat_jupiter.backplanes.on_disc
    np.testing.assert_allclose(composite.opacity[on], flat_jupiter.opacity[on], atol=0.01)


def test_monochromatic_wavelength_when_no_filter(jupiter):
    band = jupiter.temperature_band.replace(filter_name=None)
    composite = render(band, jupiter.cloud_band)
    assert "13.04 µm" in composite.notes["temperature_band"]


def test_unknown_filter_with_wavelength_warns_and_uses_it(jupiter):
    band = jupiter.temperature_band.replace(filter_name="MYSTERY")
    with pytest.warns(falsecolor.FalsecolorWarning, match="MYSTERY"):
        render(band, jupiter.cloud_band)


def test_errors_name_the_option(jupiter):
    band = jupiter.temperature_band.replace(filter_name=None, wavelength=None)
    with pytest.raises(FilterError, match=r"temperature_options\['wavelength'\]"):
        render(band, jupiter.cloud_band)
    from falsecolor.cli._options import cli_spelling
    from falsecolor.recipe import spelled_by

    with spelled_by(cli_spelling), pytest.raises(FilterError, match="give --wavelength"):
        render(band, jupiter.cloud_band)
    counts = jupiter.temperature_band.replace(unit=u.count)
    with pytest.raises(InputError, match=r"temperature_options\['scale'\]"):
        render(counts, jupiter.cloud_band)
    with pytest.raises(InputError, match="differ in shape"):
        render(jupiter.temperature_band, jupiter.cloud_band.replace(data=jupiter.cloud_band.data[:10]))
    with pytest.raises(InputError, match="give the cloud axis"):
        render(jupiter.temperature_band)
    weird = jupiter.temperature_band.replace(unit=u.m)
    with pytest.raises(UnitError, match=r"temperature_options\['unit'\]"):
        render(weird, jupiter.cloud_band)
    with pytest.raises(InputError, match=r"uncalibrated counts: give cloud_options\['scale'\]"):
        render(jupiter.temperature_band, jupiter.cloud_band.replace(unit=u.count), clear_sky=250 * u.K)


def test_all_nan_or_negative_inputs(jupiter):
    nan = jupiter.temperature_band.replace(data=np.full((256, 256), np.nan, np.float32))
    with pytest.raises(InputError, match="no usable pixel"):
        render(nan, jupiter.cloud_band)
    negative = jupiter.cloud_band.replace(data=-np.abs(jupiter.cloud_band.data))
    with pytest.raises(InputError, match="no positive"):
        render(jupiter.temperature_band, negative)


def test_compose_from_arrays(jupiter):
    composite = compose(jupiter.temperature, jupiter.opacity, t_limits=(120, 135), tau_limits=(0, 4.5))
    assert composite.rgba.shape == (256, 256, 4)
    assert composite.mask.sum() == np.isnan(jupiter.opacity).sum()
    with pytest.raises(UnitError):
        compose(jupiter.temperature.value, jupiter.opacity)
    with pytest.raises(InputError):
        compose(jupiter.temperature, jupiter.opacity[:5])


def test_inputs_are_not_modified(jupiter):
    before = jupiter.temperature_band.data.copy()
    render(jupiter.temperature_band, jupiter.cloud_band)
    np.testing.assert_array_equal(jupiter.temperature_band.data, before)


@pytest.fixture(scope="module")
def noisy_jupiter():
    return falsecolor.synthetic_jupiter((256, 256), noise=0.02, seed=3)


def test_noisy_data_mask_transparency_and_products_agree(noisy_jupiter, tmp_path):
    composite = render(noisy_jupiter.temperature_band, noisy_jupiter.cloud_band)
    on = noisy_jupiter.backplanes.on_disc
    transparent = composite.rgba[..., 3] == 0
    np.testing.assert_array_equal(transparent, composite.mask)  # drawn exactly where not masked
    assert not (~composite.mask & ~on).any()  # no sky speckles
    assert composite.mask[on].mean() < 0.01  # the disc survives the noise
    assert np.isnan(composite.temperature.value[~on]).all() and np.isnan(composite.opacity[~on]).all()
    composite.to_fits(tmp_path / "noisy")
    with fits.open(tmp_path / "noisy_temperature.fits") as hdul:
        assert np.isnan(hdul[0].data[~on]).all()


def test_clear_sky_number_is_in_the_band_unit(flat_jupiter):
    from falsecolor.planck import radiance_to_temperature

    cloud = flat_jupiter.cloud_band
    kelvin = radiance_to_temperature(cloud.data, falsecolor.get_filter("M-BAND"), cloud.unit)
    as_kelvin = cloud.replace(data=np.nan_to_num(kelvin).astype(np.float32), unit=u.K)
    a = render(flat_jupiter.temperature_band, as_kelvin, clear_sky=250.0)  # 250 means 250 K here
    b = render(flat_jupiter.temperature_band, cloud, clear_sky=250 * u.K)
    on = flat_jupiter.backplanes.on_disc
    np.testing.assert_allclose(a.opacity[on], b.opacity[on], atol=1e-3)


def test_clear_sky_radiance_needs_calibrated_counts(jupiter):
    counts = jupiter.cloud_band.replace(unit=u.count)
    with pytest.raises(UnitError, match="uncalibrated counts"):
        render(jupiter.temperature_band, counts, clear_sky=0.05 * W_UM)


@pytest.mark.parametrize(
    "clear_sky",
    [250 * u.K, "250K", 250.0 * u.K],
)
def test_clear_sky_with_calibrated_counts(flat_jupiter, clear_sky):
    """Counts with a conversion factor: the reference must be scaled into counts."""
    cloud = flat_jupiter.cloud_band
    counts = cloud.replace(
        data=(cloud.data / 1e-3).astype(np.float32), unit=u.count, conversion_factor=1e-3 * W_UM
    )
    on = flat_jupiter.backplanes.on_disc
    reference = render(flat_jupiter.temperature_band, cloud, clear_sky=250 * u.K).opacity[on]
    np.testing.assert_allclose(
        render(flat_jupiter.temperature_band, counts, clear_sky=clear_sky).opacity[on], reference, atol=1e-4
    )
    band = falsecolor.get_filter("M-BAND")
    radiance = falsecolor.planck_radiance(250 * u.K, band)
    per_wavenumber = falsecolor.planck_radiance(250 * u.K, band, unit="erg s-1 cm-2 sr-1 (cm-1)-1")
    per_frequency = falsecolor.planck_radiance(250 * u.K, band, unit="MJy/sr")
    for value in (radiance, per_wavenumber, per_frequency):  # converted through T: exact
        tau = render(flat_jupiter.temperature_band, counts, clear_sky=value).opacity[on]
        np.testing.assert_allclose(tau, reference, atol=1e-4)
    counts_reference = float(radiance.value / 1e-3)
    tau = render(flat_jupiter.temperature_band, counts, clear_sky=f"{counts_reference} counts").opacity[on]
    np.testing.assert_allclose(tau, reference, atol=1e-4)


def test_all_nan_cloud_band(jupiter):
    nan = jupiter.cloud_band.replace(data=np.full((256, 256), np.nan, np.float32))
    with pytest.raises(InputError):
        render(jupiter.temperature_band, nan)


def test_opacity_map_negatives_clip_to_zero_and_implausible_maps_warn(jupiter):
    tau = np.nan_to_num(jupiter.opacity).astype(np.float32) - 0.5  # hot spots go below 0
    composite = render(jupiter.temperature_band, opacity=Band(tau, u.dimensionless_unscaled))
    assert np.nanmin(composite.opacity) == 0.0
    with pytest.warns(falsecolor.FalsecolorWarning, match="really a cloud-opacity map"):
        render(jupiter.temperature_band, opacity=Band(tau * 100, u.dimensionless_unscaled))


def test_filter_option_is_checked_even_where_not_needed(jupiter):
    kelvin = Band(
        jupiter.temperature.value.astype(np.float32),
        u.K,
        filter_name="NEII_3",
        provenance={"filter": "option"},
    )
    with pytest.raises(FilterError, match="NEII_3"):
        render(kelvin, jupiter.cloud_band)
    both = jupiter.temperature_band.replace(provenance={"filter": "option", "wavelength": "option"})
    with pytest.raises(InputError, match="not both"):
        render(both, jupiter.cloud_band)


@pytest.fixture(scope="module")
def big_jupiter():
    """Large enough (1024^2) that renders use the shared thread pool."""
    return falsecolor.synthetic_jupiter((1024, 1024))


def test_concurrent_renders_are_identical(big_jupiter):
    from concurrent.futures import ThreadPoolExecutor

    from falsecolor import _blocks

    def one(_):
        return render(big_jupiter.temperature_band, big_jupiter.cloud_band).rgba

    reference = one(0)
    assert _blocks._pool is not None  # the shared pool was used
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(one, range(3)))
    for rgba in results:
        np.testing.assert_array_equal(rgba, reference)


def _render_in_child(queue):
    jupiter = falsecolor.synthetic_jupiter((1024, 1024))
    queue.put(int(render(jupiter.temperature_band, jupiter.cloud_band).rgba[512, 512, 3]))


def test_rendering_after_a_fork_does_not_hang(big_jupiter):
    """A child forked after a render inherits the pool object but not its threads."""
    import multiprocessing

    from falsecolor import _blocks

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    render(big_jupiter.temperature_band, big_jupiter.cloud_band)
    assert _blocks._pool is not None  # the parent's pool exists when the child is forked
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_render_in_child, args=(queue,))
    child.start()
    child.join(60)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive, "the forked child hung"
    assert queue.get(timeout=5) == 255


def test_image_size_resamples_the_composite_only(jupiter):
    composite = render(jupiter.temperature_band, jupiter.cloud_band)
    assert composite.image(key=False, size=512).shape[:2] == (512, 512)
    assert composite.image(key=False, size=100).shape[:2] == (100, 100)
    with pytest.raises(InputError):
        composite.image(size=3)
