"""Geometry in the render: limb correction, north up, maps, the disc in `info`, and the `map` command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from astropy.io import fits

import falsecolor
from falsecolor.cli import main
from falsecolor.exceptions import InputError
from falsecolor.pipeline import Corrections, make_map, render


@pytest.fixture(scope="module")
def tilted():
    """A limb-darkened synthetic Jupiter with the pole tilted 25° (as on the sky in 2016)."""
    return falsecolor.synthetic_jupiter((320, 320), pole_angle=25.0)


def test_limb_correction_recovers_the_nadir_temperature(tilted):
    plain = render(tilted.temperature_band, tilted.cloud_band, corrections=Corrections(orientation="sky"))
    fixed = render(
        tilted.temperature_band,
        tilted.cloud_band,
        corrections=Corrections(limb_correction="auto", orientation="sky"),
    )
    truth = tilted.temperature.value
    seen = np.isfinite(fixed.temperature.value)
    assert not np.any(seen & (tilted.backplanes.mu <= 0.2))  # the mu cut
    error_fixed = np.abs(fixed.temperature.value - truth)[seen]
    error_plain = np.abs(plain.temperature.value - truth)[seen]
    assert np.median(error_fixed) < 1e-3 and np.median(error_plain) > 0.5
    assert "published exponent" in fixed.notes["temperature_limb"]
    assert "fitted" in fixed.notes["cloud_limb"] and "mu^0.4" in fixed.notes["cloud_limb"]


def test_north_up_turns_the_disc(tilted):
    turned = render(tilted.temperature_band, tilted.cloud_band, t_limits=(120, 135), tau_limits=(0, 3))
    assert "turned 25.00°" in turned.notes["orientation"] and turned.geometry.pole_angle == 0.0
    upright = falsecolor.synthetic_jupiter((320, 320), pole_angle=0.0)
    reference = render(upright.temperature_band, upright.cloud_band, t_limits=(120, 135), tau_limits=(0, 3))
    # the central meridian of both, sampled at the same offsets from the centre
    profiles = []
    for image in (turned, reference):
        cy, cx = image.geometry.centre
        rows = np.round(cy + np.array([-100, -50, 0, 50, 100])).astype(int)
        profiles.append(image.temperature.value[rows, round(cx)])
    np.testing.assert_allclose(profiles[0], profiles[1], atol=0.3)
    sky = render(tilted.temperature_band, tilted.cloud_band, corrections=Corrections(orientation="sky"))
    assert sky.rgba.shape == (320, 320, 4) and turned.rgba.shape[0] > 320


def test_fits_products_carry_the_disc_and_backplanes(tmp_path, jupiter):
    composite = render(jupiter.temperature_band, jupiter.cloud_band)
    (temperature_path, _) = composite.to_fits(tmp_path / "j")
    with fits.open(temperature_path) as hdul:
        assert [h.name for h in hdul] == ["PRIMARY", "LAT_GRAPHIC", "LAT_CENTRIC", "LON_SYS3", "MU"]
        cy, cx = round(hdul[0].header["FC_CY"]), round(hdul[0].header["FC_CX"])
        assert hdul["MU"].data[cy, cx] == pytest.approx(1.0, abs=1e-3)
        # the pixel nearest the centre is within half a pixel (~0.3°) of the sub-observer point
        assert hdul["LAT_GRAPHIC"].data[cy, cx] == pytest.approx(-2.203, abs=0.4)
        assert hdul["LON_SYS3"].data[cy, cx] == pytest.approx(jupiter.geometry.central_meridian, abs=0.5)


def test_info_fits_the_disc_without_cards(tmp_path, capsys):
    jupiter = falsecolor.synthetic_jupiter((300, 300), pole_angle=10.0)
    header = fits.Header({"BUNIT": "W m-2 sr-1 um-1", "FILTER": "NEII_2"})
    path = tmp_path / "plain.fits"
    fits.PrimaryHDU(np.asarray(jupiter.temperature_band.data), header).writeto(path)
    assert main(["info", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    g = jupiter.geometry
    assert report["centre_x"] == pytest.approx(g.centre[1], abs=0.2)
    assert report["centre_y"] == pytest.approx(g.centre[0], abs=0.2)
    assert report["equatorial_radius_px"] == pytest.approx(g.equatorial_radius, rel=0.003)
    assert report["position_angle_deg"] == pytest.approx(10.0, abs=1.0)  # B is unknown here: 0 assumed


def test_map_command_and_round_trip(tmp_path, capsys):
    jupiter = falsecolor.synthetic_jupiter((300, 300), limb_darkening=False)
    image = tmp_path / "t13.fits"
    falsecolor.bands.band_to_hdu(jupiter.temperature_band).writeto(image)
    out = tmp_path / "map.fits"
    assert main(["map", str(image), "-o", str(out), "--resolution", "2", "-q"]) == 0
    with fits.open(out) as hdul:
        values, mu = hdul[0].data, hdul["MU"].data
        grid = falsecolor.geometry.MapGrid.from_header(hdul[0].header, values.shape)
    assert grid.shape == (90, 180) and np.nanmin(mu) > 0.2
    # the map, seen again from the same geometry, matches the image where mu > 0.3
    back = falsecolor.geometry.project_to_disc(values.astype(float), grid, (300, 300), jupiter.geometry)
    data = np.asarray(jupiter.temperature_band.data, dtype=float)
    inner = jupiter.backplanes.mu > 0.3
    inner &= np.isfinite(back)
    assert inner.sum() > 20000
    assert np.median(np.abs(back[inner] / data[inner] - 1)) < 0.01
    assert main(["map", str(image), "-o", str(image)]) == 2  # never onto an input
    assert "input" in capsys.readouterr().err


def test_map_merges_hemispheres():
    jupiter = falsecolor.synthetic_jupiter((300, 300), limb_darkening=False)
    data = np.asarray(jupiter.temperature_band.data, dtype=float)
    north, south = data.copy(), data.copy()
    cy = int(jupiter.geometry.centre[0])
    north[: cy - 5], south[cy + 5 :] = np.nan, np.nan
    header = jupiter.temperature_band.header
    bands = [jupiter.temperature_band.replace(data=part, header=header) for part in (north, south)]
    merged = make_map(bands, resolution=2.0)
    whole = make_map([jupiter.temperature_band], resolution=2.0)
    both = np.isfinite(merged.values) & np.isfinite(whole.values)
    assert both.sum() > 0.95 * np.isfinite(whole.values).sum()
    np.testing.assert_allclose(merged.values[both], whole.values[both], rtol=0.01)
    assert merged.count.max() == 2


def test_bad_geometry_requests(tmp_path, data_dir):
    texes = next(data_dir.glob("texes_irtf/2025feb/texesspx_744/*_TBmap.fits"))
    with pytest.raises(InputError, match=r"is a map .*disc images only"):
        render(
            texes,
            opacity=texes,
            corrections=Corrections(limb_correction="auto"),
            temperature_options={"wavelength": "744 cm-1"},
        )
    with pytest.raises(InputError, match=r"view_time=.*needs the time of the view"):
        Corrections(project="disc")
    with pytest.raises(InputError, match="limb_correction='sideways'"):
        Corrections(limb_correction="sideways")


def test_real_texes_maps_as_a_disc(tmp_path, data_dir):
    folder = data_dir / "texes_irtf" / "2025feb"
    t = next(folder.glob("texesspx_744/*_TBmap.fits"))
    c = next(folder.glob("texesspx_1165/*_TBmap.fits"))
    out = tmp_path / "disc.png"
    view = ["--project", "disc", "--view-time", "2025-03-01T06:00"]
    bands = ["-t", str(t), "--wavelength", "744 cm-1", "-c", str(c), "--cloud-wavelength", "1165 cm-1"]
    status = main(["render", *bands, *view, "-o", str(out), "-q"])
    assert status == 0
    from PIL import Image

    pixels = np.asarray(Image.open(out).convert("RGBA"))
    assert pixels.shape[0] >= 300
    assert (pixels[..., 3] > 0).mean() > 0.3  # a disc, not an empty page


def test_real_irtf_disc_is_found(data_dir, capsys):
    path = next(data_dir.glob("irtf_1987/cal_1987-10-25T01-17-48_F10.74_JUPITER.fits"))
    assert main(["info", str(path), "--byteswap", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # 49.6" across at ~1"/px: a radius of about 25 px; the header's axes are 49.62" x 46.42"
    assert 22 < report["equatorial_radius_px"] < 28
    assert 15 < report["centre_x"] < 45 and 15 < report["centre_y"] < 40


def test_coalign_puts_the_cloud_disc_on_the_temperature_disc(flat_jupiter):
    """Bands stacked separately are offset by a pixel or two: --coalign measures and removes it."""
    from scipy import ndimage

    from falsecolor import Band

    t, c = flat_jupiter.temperature_band, flat_jupiter.cloud_band
    blind = {"header": fits.Header()}  # no FC_* cards: both discs come from limb fits
    moved = ndimage.shift(np.nan_to_num(c.data), (1.6, -1.1), order=3, mode="nearest")
    t_plain = Band(t.data, t.unit, filter_name=t.filter_name, **blind)
    c_moved = Band(moved.astype(np.float32), c.unit, filter_name=c.filter_name, **blind)
    c_plain = Band(c.data, c.unit, filter_name=c.filter_name, **blind)
    truth = render(t_plain, c_plain, corrections=Corrections(orientation="sky")).opacity
    off = render(t_plain, c_moved, corrections=Corrections(orientation="sky"))
    fixed = render(t_plain, c_moved, corrections=Corrections(orientation="sky", coalign=True))
    words = fixed.notes["coalign"].replace(",", "").split()
    dx, dy = float(words[words.index("dx") + 1]), float(words[words.index("dy") + 1])
    assert abs(dx - 1.1) < 0.1 and abs(dy + 1.6) < 0.1  # limb fits of two bands: < 0.1 px apart
    inner = np.isfinite(fixed.opacity) & (flat_jupiter.backplanes.mu > 0.3)
    error_off = np.nanpercentile(np.abs(off.opacity - truth)[inner], 95)
    error_fixed = np.nanpercentile(np.abs(fixed.opacity - truth)[inner], 95)
    assert error_fixed < 0.15 * error_off  # 95th percentile of |tau error|: 0.44 -> 0.04 when written
