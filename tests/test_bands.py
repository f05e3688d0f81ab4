"""Reading band images from FITS: header conventions, overrides, damaged and real files."""

import numpy as np
import pytest
from astropy import units as u
from astropy.io import fits

from falsecolor import Band, read_band
from falsecolor.bands import band_to_hdu
from falsecolor.exceptions import FalsecolorWarning, FileFormatError, InputError, OutputError, UnitError

W_UM = u.Unit("W m-2 sr-1 um-1")


def smooth_image(shape=(40, 50), dtype=np.float32):
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    return (1000 + 300 * np.exp(-((x - 25) ** 2 + (y - 20) ** 2) / 200.0)).astype(dtype)


def test_reads_header_conventions(tmp_path, write_fits):
    path = write_fits(
        tmp_path / "b.fits",
        smooth_image(),
        {
            "BUNIT": "W m-2 sr-1 um-1",
            "WAVELNTH": 13.04,
            "WAVEUNIT": "um",
            "FILTER": "NEII_2",
            "DATE-OBS": "2016-02-15T08:47:39.76",
        },
    )
    band = read_band(path)
    assert isinstance(band, Band)
    assert band.unit == W_UM and band.kind == "radiance"
    assert band.wavelength == 13.04 * u.um
    assert band.filter_name == "NEII_2"
    assert band.date_obs == "2016-02-15T08:47:39.760"
    assert band.data.dtype == np.float32 and band.shape == (40, 50)
    assert band.provenance["unit"] == "BUNIT" and band.provenance["path"] == str(path)


def test_eso_filter_keyword_and_power_of_ten_waveunit(tmp_path):
    hdu = fits.PrimaryHDU(smooth_image())
    hdu.header["HIERARCH ESO INS FILT1 NAME"] = "PAH1"
    hdu.header["WAVELNTH"] = 8.59
    hdu.header["WAVEUNIT"] = -6
    hdu.header["BUNIT"] = "erg s-1 cm-2 sr-1 (cm-1)-1"
    hdu.writeto(tmp_path / "eso.fits")
    band = read_band(tmp_path / "eso.fits")
    assert band.filter_name == "PAH1"
    assert band.provenance["filter"] == "HIERARCH ESO INS FILT1 NAME"
    assert band.wavelength.to_value(u.um) == pytest.approx(8.59)
    assert band.unit.is_equivalent(u.erg / (u.s * u.cm * u.sr))


def test_options_override_headers(tmp_path, write_fits):
    path = write_fits(tmp_path / "b.fits", smooth_image(), {"BUNIT": "K", "FILTER": "Q1", "WAVELNTH": 17.65})
    band = read_band(path, unit="MJy/sr", wavelength="769.2 cm-1", filter="NEII_2")
    assert band.unit == u.MJy / u.sr
    assert band.wavelength == 769.2 / u.cm
    assert band.filter_name == "NEII_2"
    assert band.provenance["unit"] == "option"


def test_first_image_hdu_is_found_and_hdu_by_name(tmp_path):
    hdul = fits.HDUList(
        [
            fits.PrimaryHDU(),
            fits.BinTableHDU.from_columns([fits.Column(name="a", format="E", array=np.arange(3.0))]),
            fits.ImageHDU(smooth_image(), name="SCI"),
        ]
    )
    hdul.writeto(tmp_path / "mef.fits")
    assert read_band(tmp_path / "mef.fits").provenance["hdu"] == "2"
    assert read_band(tmp_path / "mef.fits", hdu="SCI").shape == (40, 50)
    assert read_band(tmp_path / "mef.fits", hdu="2").shape == (40, 50)
    with pytest.raises(FileFormatError, match="holds no image"):
        read_band(tmp_path / "mef.fits", hdu=1)
    with pytest.raises(FileFormatError, match="out of range"):
        read_band(tmp_path / "mef.fits", hdu=7)
    with pytest.raises(FileFormatError, match="no HDU named"):
        read_band(tmp_path / "mef.fits", hdu="NOPE")


def test_compressed_image_hdu(tmp_path):
    data = smooth_image(dtype=np.float64)
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(data, compression_type="GZIP_1")]).writeto(
        tmp_path / "c.fits"
    )
    band = read_band(tmp_path / "c.fits")
    np.testing.assert_allclose(band.data, data, rtol=1e-5)  # tile compression quantises floats


def test_cube_needs_a_plane(tmp_path, write_fits):
    cube = np.stack([smooth_image(), 2 * smooth_image()])
    path = write_fits(tmp_path / "cube.fits", cube)
    with pytest.raises(InputError, match="cube of 2 planes"):
        read_band(path)
    np.testing.assert_array_equal(read_band(path, plane=1).data, 2 * smooth_image())
    with pytest.raises(InputError, match=r"planes 0\.\.1"):
        read_band(path, plane=2)
    single = write_fits(tmp_path / "single.fits", smooth_image()[None])
    assert read_band(single).shape == (40, 50)


def test_scaled_integers_and_blank(tmp_path):
    raw = np.arange(20, dtype=np.int16).reshape(4, 5) * 100
    raw[0, 0] = -32768
    hdu = fits.PrimaryHDU(raw)
    hdu.header["BSCALE"] = 0.5
    hdu.header["BZERO"] = 10.0
    hdu.header["BLANK"] = -32768
    hdu.writeto(tmp_path / "scaled.fits")
    band = read_band(tmp_path / "scaled.fits", byteswap=False)
    assert np.isnan(band.data[0, 0])
    np.testing.assert_allclose(band.data.ravel()[1:], raw.ravel()[1:] * 0.5 + 10.0)


def test_byte_swapped_integers_are_detected_and_can_be_read(tmp_path):
    good = smooth_image(dtype=np.int16)
    hdu = fits.PrimaryHDU(good.byteswap())  # little-endian bytes under a big-endian BITPIX
    hdu.writeto(tmp_path / "swapped.fits")
    with pytest.raises(FileFormatError, match="byteswap"):
        read_band(tmp_path / "swapped.fits")
    np.testing.assert_array_equal(read_band(tmp_path / "swapped.fits", byteswap=True).data, good)
    fits.PrimaryHDU(good).writeto(tmp_path / "fine.fits")
    np.testing.assert_array_equal(read_band(tmp_path / "fine.fits").data, good)


def test_unparsable_card_and_unquoted_units_are_repaired(tmp_path):
    hdu = fits.PrimaryHDU(smooth_image())
    hdu.header["OBJECT"] = "JUPITER"
    hdu.header["UNITS"] = "XXXXXX"
    hdu.writeto(tmp_path / "raw.fits")
    raw = bytearray((tmp_path / "raw.fits").read_bytes())
    start = raw.index(b"OBJECT  = 'JUPITER")
    raw[start + 20] = 0x08  # control byte inside the quoted value
    units = raw.index(b"UNITS   = 'XXXXXX")
    raw[units : units + 80] = b"UNITS    = Kelvin / Units".ljust(80)
    (tmp_path / "damaged.fits").write_bytes(bytes(raw))
    band = read_band(tmp_path / "damaged.fits")
    assert band.header["OBJECT"].startswith("JUPITER")
    assert band.unit == u.K and "non-standard" in band.provenance["unit"]


def test_conversion_factor_from_header_and_option(tmp_path, write_fits):
    path = write_fits(
        tmp_path / "counts.fits",
        smooth_image(),
        {"BUNIT": "count", "CONVFACT": 2e-5, "CONVUNIT": "W m-2 sr-1 um-1"},
    )
    band = read_band(path)
    assert band.kind == "counts"
    assert band.conversion_factor == 2e-5 * W_UM
    assert read_band(path, scale="3e-5 W m-2 sr-1 um-1").conversion_factor == 3e-5 * W_UM
    with pytest.raises(UnitError, match="radiance unit per count"):
        read_band(path, scale="3e-5")
    with pytest.raises(InputError, match="not a quantity"):
        read_band(path, scale="lots")


def test_no_bunit_means_counts(tmp_path, write_fits):
    band = read_band(write_fits(tmp_path / "plain.fits", smooth_image()))
    assert band.unit == u.count and band.provenance["unit"].startswith("default")


def test_dates(tmp_path, write_fits):
    a = read_band(
        write_fits(
            tmp_path / "a.fits", smooth_image(), {"DATE_OBS": "2016-10-18", "TIME_OBS": "18:53:13.137"}
        )
    )
    assert a.date_obs == "2016-10-18T18:53:13.137"
    b = read_band(write_fits(tmp_path / "b.fits", smooth_image(), {"DATE-OBS": "26/10/87 235016"}))
    assert b.date_obs is None and "not ISO" in b.provenance["date_obs"]
    c = read_band(write_fits(tmp_path / "c.fits", smooth_image(), {"MJD-OBS": 57433.0}))
    assert c.date_obs.startswith("2016-02-15")


@pytest.mark.parametrize("bad", ["furlongs", "W m-2 gloop-1"])
def test_unknown_bunit_names_the_option(tmp_path, write_fits, bad):
    """The message names the option as the caller sets it: keyword, render's band options, or a flag."""
    from falsecolor.cli._options import cli_spelling
    from falsecolor.recipe import for_band, spelled_by

    path = write_fits(tmp_path / "u.fits", smooth_image(), {"BUNIT": bad})
    with pytest.raises(UnitError, match=r"unit=\.\.\."):
        read_band(path)
    with for_band("cloud"), pytest.raises(UnitError, match=r"cloud_options\['unit'\]"):
        read_band(path)
    with spelled_by(cli_spelling), for_band("cloud"), pytest.raises(UnitError, match="--cloud-unit"):
        read_band(path)
    with spelled_by(cli_spelling), pytest.raises(UnitError, match="--unit"):
        read_band(path)


@pytest.mark.parametrize("value", ["13", "-4um", "red", "5 kg"])
def test_bad_wavelength_option(tmp_path, write_fits, value):
    path = write_fits(tmp_path / "w.fits", smooth_image())
    with pytest.raises(InputError):
        read_band(path, wavelength=value)


def test_damaged_files(tmp_path, write_fits):
    with pytest.raises(FileFormatError, match="does not exist"):
        read_band(tmp_path / "missing.fits")
    (tmp_path / "empty.fits").write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty"):
        read_band(tmp_path / "empty.fits")
    (tmp_path / "text.fits").write_text("this is not a FITS file\n" * 200)
    with pytest.raises(FileFormatError, match="not a FITS file"):
        read_band(tmp_path / "text.fits")
    full = write_fits(tmp_path / "full.fits", smooth_image((200, 200)))
    (tmp_path / "cut.fits").write_bytes(full.read_bytes()[: 2880 + 5000])
    with pytest.raises(FileFormatError, match="truncated"):
        read_band(tmp_path / "cut.fits")
    fits.PrimaryHDU().writeto(tmp_path / "header_only.fits")
    with pytest.raises(FileFormatError, match="no image HDU"):
        read_band(tmp_path / "header_only.fits")
    with pytest.raises(FileFormatError, match="directory"):
        read_band(tmp_path)


def test_band_to_hdu_round_trip(tmp_path, jupiter):
    band = jupiter.temperature_band
    band_to_hdu(band).writeto(tmp_path / "rt.fits")
    back = read_band(tmp_path / "rt.fits")
    np.testing.assert_array_equal(back.data, band.data)
    assert back.unit == band.unit and back.filter_name == band.filter_name
    assert back.wavelength.to_value(u.um) == pytest.approx(band.wavelength.to_value(u.um))
    assert back.date_obs == band.date_obs


def test_band_to_fits_round_trip(tmp_path, jupiter):
    for band in (jupiter.temperature_band, jupiter.cloud_band):
        path = band.to_fits(tmp_path / f"{band.filter_name}.fits")
        assert path == tmp_path / f"{band.filter_name}.fits"
        back = read_band(path)
        np.testing.assert_array_equal(back.data, band.data)
        assert back.data.dtype == band.data.dtype
        assert back.unit == band.unit and back.kind == band.kind
        assert back.filter_name == band.filter_name
        assert back.wavelength.to_value(u.um) == pytest.approx(band.wavelength.to_value(u.um))
        assert back.date_obs == band.date_obs
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporaries


def test_band_to_fits_keeps_the_calibration_and_drops_masked_pixels_and_paths(tmp_path, write_fits):
    path = write_fits(tmp_path / "counts.fits", smooth_image(), {"FILTER": "NEII_2"})
    band = read_band(path, scale="2e-5 W m-2 sr-1 um-1")  # the option, not a card of the file
    mask = np.zeros(band.shape, bool)
    mask[:3] = True
    curve = "/home/someone/curves/filter4.9.dat"
    back = read_band(band.replace(mask=mask, filter_name=curve).to_fits(tmp_path / "again.fits"))
    assert back.kind == "counts"
    assert back.conversion_factor == 2e-5 * u.Unit("W m-2 sr-1 um-1")
    assert np.isnan(back.data[:3]).all() and np.array_equal(back.data[3:], band.data[3:])
    assert back.filter_name == "filter4.9.dat"  # a header never holds a path
    assert "/home" not in repr(fits.getheader(tmp_path / "again.fits"))


def test_band_to_fits_is_written_as_every_output_is(tmp_path, write_fits, jupiter):
    source = write_fits(tmp_path / "t.fits", smooth_image(), {"BUNIT": "K"})
    band = read_band(source)
    before = source.read_bytes()
    with pytest.raises(OutputError, match="is one of the inputs"):
        band.to_fits(source)
    assert source.read_bytes() == before
    with pytest.raises(OutputError, match=r"name it \.fits"):
        band.to_fits(tmp_path / "t.png")
    with pytest.raises(OutputError, match="does not exist"):
        band.to_fits(tmp_path / "missing" / "t.fits")
    (tmp_path / "folder.fits").mkdir()
    with pytest.raises(OutputError, match="is a directory"):
        band.to_fits(tmp_path / "folder.fits")
    old = tmp_path / "old.fits"
    old.write_bytes(b"an earlier output")
    assert read_band(band.to_fits(old)).kind == "temperature"  # an output is replaced, as by render
    with pytest.warns(FalsecolorWarning, match="uncertainty is not written"):
        jupiter.temperature_band.replace(uncertainty=0.05).to_fits(tmp_path / "u.fits")


def test_reading_does_not_modify_the_file(tmp_path, write_fits):
    path = write_fits(tmp_path / "keep.fits", smooth_image(), {"BUNIT": "K"})
    before = path.read_bytes()
    read_band(path).data[...] = 0
    assert path.read_bytes() == before


# -- real archives ----------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_irtf_1987_malformed_images(data_dir):
    """Little-endian int16 under BITPIX=16, a broken END card and a control byte in OBJECT."""
    files = sorted((data_dir / "irtf_1987").glob("*.fits"))
    assert len(files) == 18
    for path in files:
        with pytest.raises(FileFormatError, match="byte-swapped"):
            read_band(path)
        band = read_band(path, byteswap=True)
        assert band.data.ndim == 2 and 50 <= band.shape[1] <= 60  # ~60 x 55 pixels
        assert band.header["OBJECT"] in ("JUPITER", "J4")  # the control byte is gone
        assert 0 < np.median(band.data) < 5000  # plausible counts once swapped


@pytest.mark.realdata
def test_real_texes_map_in_kelvin(data_dir):
    path = next((data_dir / "texes_irtf" / "2025feb").glob("texesspx_744/*.fits"))
    band = read_band(path)
    assert band.unit == u.K and band.shape == (181, 361)
    on = band.data > 0
    assert 110 < np.median(band.data[on]) < 135


@pytest.mark.realdata
def test_real_jiram_compressed_map(data_dir):
    band = read_band(data_dir / "juno_jiram" / "PJ12_north.fits")
    assert band.provenance["hdu"] == "1" and band.shape == (900, 3600)


@pytest.mark.realdata
def test_real_spex_dates_and_europa_cube(data_dir):
    spex = read_band(next((data_dir / "spex_5um_2016").glob("*.fits.gz")))
    assert spex.date_obs.startswith("2016-10-18T18:53")
    europa = read_band(data_dir / "sphere_europa" / "europa.fits", plane=1)
    assert europa.shape == (208, 220)


@pytest.mark.parametrize(
    ("bunit", "kind"),
    [
        ("W / (sr um m2)", "radiance"),
        ("Jy / sr", "radiance"),
        ("erg / (cm s sr)", "radiance"),
        ("ADU/s", "counts"),
        ("counts / s", "counts"),
        ("DN", "counts"),
        ("", "opacity"),
    ],
)
def test_bunit_spellings(tmp_path, write_fits, bunit, kind):
    """astropy's own spelling (with '/'), count rates, and an empty BUNIT (dimensionless)."""
    band = read_band(write_fits(tmp_path / "u.fits", smooth_image(), {"BUNIT": bunit}))
    assert band.kind == kind


def test_convfact_without_convunit_is_ignored_with_a_warning(tmp_path, write_fits):
    from falsecolor.exceptions import FalsecolorWarning

    path = write_fits(tmp_path / "c.fits", smooth_image(), {"BUNIT": "count", "CONVFACT": 2e-5})
    with pytest.warns(FalsecolorWarning, match="no CONVUNIT"):
        band = read_band(path)
    assert band.conversion_factor is None


def test_scale_option_with_a_per_wavenumber_unit(tmp_path, write_fits):
    path = write_fits(tmp_path / "c.fits", smooth_image(), {"BUNIT": "count"})
    band = read_band(path, scale="3e-4 erg s-1 cm-2 sr-1 (cm-1)-1")
    assert band.conversion_factor.unit.is_equivalent(u.erg / (u.s * u.cm * u.sr))


def test_non_numeric_bscale_is_a_clear_error(tmp_path):
    hdu = fits.PrimaryHDU(np.arange(20, dtype=np.int16).reshape(4, 5))
    hdu.header["OBJECT"] = "XXXXXXXX"
    hdu.writeto(tmp_path / "ok.fits")
    raw = (tmp_path / "ok.fits").read_bytes()
    start = raw.index(b"OBJECT  = 'XXXXXXXX'")
    card = b"BSCALE  = 'two     '".ljust(80)
    (tmp_path / "b.fits").write_bytes(raw[:start] + card + raw[start + 80 :])
    with pytest.raises(FileFormatError, match="BSCALE"):
        read_band(tmp_path / "b.fits", byteswap=False)
