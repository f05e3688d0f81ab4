"""What is known about an observation: maps are not discs, fits are checked, the target is Jupiter's.

Real files (skipped when ../shared/data is absent) show each case as found:
the SpeX 5 µm map and the JIRAM polar maps used to be limb-fitted as discs,
the SPHERE Europa cube and the SpeX Venus images got Jupiter's geometry, and
the IRTF 1987 images could not be oriented or mapped. Synthetic images pin the
rules down.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

import falsecolor
from falsecolor.cli import main
from falsecolor.geometry import implausible_fit, recognise_map, target_of
from falsecolor.rendering._observation import NoDisc

IRTF_1987 = "irtf_1987/cal_1987-10-25T01-17-48_F10.74_JUPITER.fits"
#: What the 1987 file's HISTORY says: U.T. 11:17:49, LCM 318.4, north angle 336.91, diameter 49.62".
IRTF_UT, IRTF_LCM = "1987-10-25T11:17:49", 318.4


def _info(capsys, *argv) -> dict:
    assert main(["info", "--json", *map(str, argv)]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _cli(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as stop:
        return int(stop.code or 0)


# --- maps are not discs ----------------------------------------------------------------------------------


def test_the_spex_5um_map_is_a_map_not_a_disc(data_dir, capsys):
    path = next((data_dir / "spex_5um_2016").glob("*.fits.gz"))
    report = _info(capsys, path)
    assert "equatorial_radius_px" not in report  # it used to get a 156-px disc
    assert report["map"]["assumed"] and "Re-mapped" in report["map"]["reason"]
    assert report["map"]["latitude_range"] == [-89.75, 89.75]
    assert report["target"] == "Jupiter"


@pytest.mark.parametrize("name", ["PJ12_north.fits", "PJ4_south.fits"])
def test_the_jiram_polar_maps_are_maps_with_an_unknown_grid(name, data_dir, capsys):
    report = _info(capsys, data_dir / "juno_jiram" / name)
    assert "equatorial_radius_px" not in report  # 58,611 px before
    assert report["map"]["reason"].startswith("EXT_0") and "latitude_range" not in report["map"]
    assert any("--lat-range" in note for note in report["notes"])


def test_the_irtf_cylindrical_maps_are_maps(data_dir, capsys):
    for path in sorted((data_dir / "irtf_1987" / "cmaps").glob("*.cmap.fits"))[:3]:
        report = _info(capsys, path)
        assert report["map"]["latitude_range"] == [-89.0, 89.0] and report["map"]["assumed"]


@pytest.mark.parametrize("map_file", ["spex_5um_2016/*.fits.gz", "irtf_1987/cmaps/*.cmap.fits"])
def test_map_refuses_a_map(map_file, data_dir, tmp_path, capsys):
    path = next(data_dir.glob(map_file))
    code = _cli(["map", path, "-o", tmp_path / "m.fits"])
    err = capsys.readouterr().err
    assert code == 2 and "is a map" in err and err.count("\n") == 1
    assert not (tmp_path / "m.fits").exists()


def test_map_evidence_and_the_users_word():
    assert recognise_map({"HISTORY": "Cylindrically re-mapped"}, (300, 400)).grid is None
    assert recognise_map({"EXT_0": "M projection"}, (900, 3600)).reason.startswith("EXT_0")
    assumed = recognise_map({}, (360, 720))
    assert assumed.assumed and assumed.grid.shape == (360, 720)
    assert recognise_map({}, (360, 720), image_kind="disc") is None
    assert recognise_map({}, (256, 256)) is None
    assert recognise_map({}, (256, 256), image_kind="map").grid is None
    given = recognise_map({}, (100, 200), lat_range=(-60, 60), lon_range=(90, 30))
    assert given.grid is not None and not given.assumed and given.reason.startswith("the latitude")


# --- every disc fit is checked ---------------------------------------------------------------------------


def test_implausible_fits_are_named():
    shape = (200, 300)
    assert implausible_fit((100, 150), 80, 0.5, shape) is None
    assert "off the" in implausible_fit((-60, 150), 80, 0.5, shape)
    assert "larger than the" in implausible_fit((100, 150), 400, 0.5, shape)
    assert "too small" in implausible_fit((100, 150), 2, 0.1, shape)
    assert "RMS" in implausible_fit((100, 150), 80, 6.0, shape)
    assert "the ephemeris" in implausible_fit((100, 150), 80, 0.5, shape, expected_radius=60)
    assert implausible_fit((100, 150), 80, 0.5, shape, expected_radius=75) is None


def test_a_fit_against_a_wrong_pixel_scale_is_not_used(data_dir, capsys):
    path = data_dir / IRTF_1987
    good = _info(capsys, path, "--byteswap", "--date", IRTF_UT, "--pixel-scale", "1.0")
    assert good["equatorial_radius_px"] == pytest.approx(49.675 / 2, rel=0.05)  # the ephemeris's 24.8 px
    wrong = _info(capsys, path, "--byteswap", "--date", IRTF_UT, "--pixel-scale", "2.0")
    assert "equatorial_radius_px" not in wrong
    assert any("not plausible" in n and "12.4 px" in n for n in wrong["notes"])
    band = falsecolor.read_band(path, byteswap=True)
    with pytest.raises(NoDisc, match="not plausible"):
        falsecolor.rendering.find_disc(band, settings=falsecolor.Recipe(date=IRTF_UT, pixel_scale=2.0))


# --- the target ------------------------------------------------------------------------------------------


def test_targets_from_the_card_or_the_user():
    assert target_of({"OBJECT": '"Jupiter"'}).name == "Jupiter"
    assert target_of({"OBJECT": "Jupiter (599)"}).name == "Jupiter"
    assert target_of({"OBJECT": "J4\x08"}).name is None and target_of({"OBJECT": "J4"}).modelled
    assert not target_of({"OBJECT": "Venus"}).modelled
    assert target_of({"OBJECT": "Venus"}, "jupiter").name == "Jupiter"
    assert target_of({}, "Io").name == "Io" and "Jupiter's geometry only" in target_of({}, "Io").note


@pytest.mark.parametrize(
    ("path", "target", "options"),
    [
        ("sphere_europa/europa.fits", "Europa", ["--plane", "0"]),
        ("spex_venus_5um/20220220_1.fits", "Venus", []),
    ],
)
def test_another_body_gets_no_jupiter_geometry(path, target, options, data_dir, capsys):
    report = _info(capsys, data_dir / path, *options)
    assert report["target"] == target and report["target_source"] == "OBJECT card"
    assert "equatorial_radius_px" not in report and "central_meridian_deg" not in report
    assert any("models Jupiter's geometry only" in note for note in report["notes"])
    forced = _info(capsys, data_dir / path, *options, "--target", "Jupiter")  # the user's word wins
    assert forced["target"] == "Jupiter"


def test_europa_renders_without_geometry_and_with_a_reflected_light_warning(data_dir, tmp_path, capsys):
    europa = data_dir / "sphere_europa" / "europa.fits"
    bands = ["-t", europa, "--plane", "0", "--t-wavelength", "2.11um", "--t-unit", "W m-2 sr-1 um-1"]
    bands += ["--opacity", europa, "--cloud-plane", "1", "--cloud-unit", "dimensionless"]
    out = tmp_path / "e.png"
    assert _cli(["render", *bands, "-o", out, "-q"]) == 0
    err = capsys.readouterr().err
    assert "reflected sunlight" in err and "not the temperature of thermal emission" in err
    assert "Europa" in err and "without geometry" in err
    with Image.open(out) as made:
        assert made.size[0] > 100
    code = _cli(["render", *bands, "--limb-correct", "-o", tmp_path / "l.png"])
    err = capsys.readouterr().err
    assert code == 2 and "Europa" in err and "--limb-correct" in err
    assert not (tmp_path / "l.png").exists()


# --- what the header lacks, given by the user --------------------------------------------------------------


def test_irtf_1987_with_a_date_gets_the_ephemeris_the_header_records(data_dir, capsys):
    report = _info(capsys, data_dir / IRTF_1987, "--byteswap", "--date", IRTF_UT, "--site", "mauna kea")
    assert report["date_obs"] == IRTF_UT
    assert report["central_meridian_deg"] == pytest.approx(IRTF_LCM, abs=0.5)
    assert report["target"] is None  # OBJECT 'J4': Jupiter assumed, and said
    assert any("Jupiter assumed" in note for note in report["notes"])


def test_irtf_1987_north_angle_turns_it_north_up_and_maps_it(data_dir, tmp_path, capsys):
    path = data_dir / IRTF_1987
    report = _info(capsys, path, "--byteswap", "--north-angle", "16.5")
    assert report["position_angle_deg"] == pytest.approx(16.5)
    out = tmp_path / "m.fits"
    argv = ["map", path, "--byteswap", "--date", IRTF_UT, "--north-angle", "16.5", "-o", out]
    assert _cli([*argv, "--map-resolution", "2", "-q"]) == 0
    assert "relative" not in capsys.readouterr().err  # the central meridian is known, not taken as 0
    seen = np.isfinite(fits.getdata(out))
    columns = np.flatnonzero(seen.any(axis=0))
    longitudes = 359.0 - 2.0 * columns  # 2° cells, 360 at the left edge
    centre = np.degrees(np.angle(np.exp(1j * np.radians(longitudes)).mean())) % 360
    assert centre == pytest.approx(IRTF_LCM, abs=6)  # the hemisphere seen is around the CML
    assert _cli(["map", path, "--byteswap", "-o", tmp_path / "n.fits", "-q"]) == 0
    assert "give --date" in capsys.readouterr().err  # no time: said, not silent


def test_bad_dates_are_refused_as_options(tmp_path, capsys):
    code = _cli(["render", "--demo", "--demo-size", "64", "--date", "yesterday", "-o", tmp_path / "x.png"])
    err = capsys.readouterr().err
    assert code == 2 and "--date" in err and "ISO 8601" in err


# --- what a release image says ---------------------------------------------------------------------------


def _texts(png: Path) -> str:
    with Image.open(png) as image:
        return " ".join(str(v) for v in image.info.values())


def test_no_path_in_any_output_text(band_files, tmp_path, capsys):
    folder = tmp_path / "deep" / "private"
    folder.mkdir(parents=True)
    curve = folder / "my_m_band.csv"
    curve.write_text("wavelength,transmission\n4.5,0\n4.6,1\n5.0,1\n5.1,0\n")
    out = tmp_path / "x.png"
    argv = ["render", "-t", band_files["temperature"], "-c", band_files["cloud"], "--cloud-filter", curve]
    assert _cli([*argv, "-o", out, "--fits-out", tmp_path / "p", "-q"]) == 0
    texts = _texts(out)
    assert str(folder) not in texts and "my_m_band" in texts
    for product in ("p_temperature.fits", "p_opacity.fits"):
        header = fits.getheader(tmp_path / product)
        text = header.tostring()
        assert str(folder) not in text and str(tmp_path) not in text
        assert all(" " <= ch <= "~" for ch in text)


def test_the_aerosol_label_names_bands_never_files(data_dir, tmp_path, capsys):
    epoch = data_dir / "texes_irtf" / "2025feb"
    out = tmp_path / "a.png"
    t, a = next(epoch.glob("texesspx_744/*.fits")), next(epoch.glob("texesspx_1165/*.fits"))
    assert _cli(["render", "-t", t, "--aerosol", a, "-o", out, "-q"]) == 0
    description = _texts(out)
    assert "8.58 µm − 13.44 µm" in description  # from the TEXES WAVE cards (wavenumbers)
    assert "TBmap.fits −" not in description


@pytest.mark.parametrize("width", [64, 200, 320, 700, 4000])
def test_the_scale_bar_label_fits_its_tile(width):
    from falsecolor.layout._marks import scale_bar

    tile = scale_bar(71492.0 * 2 / (0.9 * width), width)  # a disc filling 90 % of the width
    alpha = tile[..., 3]
    assert alpha[:, 0].max() == 0 and alpha[:, -1].max() == 0  # nothing cut at either side
    assert alpha[0].max() == 0  # nor at the top


def test_a_disc_projected_to_a_map_is_centred_on_its_central_meridian(tmp_path, capsys):
    out = tmp_path / "p"
    argv = ["render", "--demo", "--demo-size", "128", "--project", "map", "--map-resolution", "2"]
    assert _cli([*argv, "-o", tmp_path / "m.png", "--fits-out", out, "-q"]) == 0
    header = fits.getheader(f"{out}_temperature.fits")
    grid = falsecolor.geometry.MapGrid.from_header(header, fits.getdata(f"{out}_temperature.fits").shape)
    middle = grid.longitudes[len(grid.longitudes) // 2]
    demo_cml = falsecolor.synthetic_jupiter((64, 64)).geometry.central_meridian
    assert abs((middle - demo_cml + 180) % 360 - 180) <= 2.0
