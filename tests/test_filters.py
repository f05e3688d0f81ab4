"""Filter registry and curve files (synthetic files always; the real VISIR curves when present)."""

import re
import warnings

import numpy as np
import pytest
from astropy import units as u

from falsecolor import (
    brightness_temperature,
    get_filter,
    list_filters,
    load_filter,
    planck_radiance,
    render,
)
from falsecolor.exceptions import FalsecolorWarning, FileFormatError, FilterError
from falsecolor.filters import Filter, load_filters

VISIR = [
    "M-BAND",
    "J7.9",
    "PAH1",
    "ARIII",
    "SIV_1",
    "SIV",
    "SIV_2",
    "PAH2",
    "PAH2_2",
    "NEII_1",
    "NEII",
    "NEII_2",
    "Q1",
    "Q2",
    "Q3",
]


def test_registry_has_the_visir_set_bluest_first():
    assert list_filters() == VISIR
    for name in VISIR:
        f = get_filter(name)
        low, high = f.half_maximum_range
        assert low < f.wavelength < high
        assert f.transmission.max() == 1.0


def test_effective_wavelengths_follow_the_leicester_wavenumbers():
    assert get_filter("NEII_2").wavelength.to_value(u.um) == pytest.approx(1e4 / 766.75227)
    assert get_filter("J7.9").wavelength.to_value(u.um) == pytest.approx(7.980, abs=1e-3)
    # without an effective wavenumber: the centre of the top-hat (the measured curve's mean)
    assert get_filter("NEII").wavelength.to_value(u.um) == pytest.approx(12.794)
    assert get_filter("M-BAND").wavelength.to_value(u.um) == pytest.approx(4.78)


@pytest.mark.parametrize("alias", ["neii_2", " NEII_2 ", "NeII_2"])
def test_names_are_case_insensitive(alias):
    assert get_filter(alias) is get_filter("NEII_2")


def test_aliases():
    assert get_filter("M").name == "M-BAND"
    assert get_filter("mband").name == "M-BAND"


def test_unknown_filter_lists_choices():
    with pytest.raises(FilterError, match="NEII_2") as info:
        get_filter("NOPE")
    assert "wavelength" in str(info.value)


def test_top_hat_validation():
    with pytest.raises(FilterError):
        Filter.top_hat("bad", 5 * u.um, 4 * u.um)


def test_csv_with_named_wavenumber_column(tmp_path):
    wavenumber = np.linspace(740, 800, 61)
    transmission = np.exp(-0.5 * ((wavenumber - 767) / 8) ** 2)
    path = tmp_path / "curve.csv"
    lines = ["wavenumber_cm-1,transmission"] + [
        f"{a},{b}" for a, b in zip(wavenumber, transmission, strict=True)
    ]
    path.write_text("\n".join(lines))
    f = load_filter(path)
    assert f.curve_wavelength[0] < f.curve_wavelength[-1]
    assert f.wavelength.to_value(u.um) == pytest.approx(1e4 / 767, rel=2e-3)


def test_two_column_table_guesses_wavelength_or_wavenumber(tmp_path):
    lam = np.linspace(12.8, 13.3, 40)
    (tmp_path / "um.txt").write_text("\n".join(f"{a} {1.0}" for a in lam))
    (tmp_path / "wn.txt").write_text("\n".join(f"{1e4 / a} {1.0}" for a in lam))
    a, b = load_filter(tmp_path / "um.txt"), load_filter(tmp_path / "wn.txt")
    assert a.wavelength.value == pytest.approx(b.wavelength.value, rel=1e-3)


def test_percent_curves_and_negative_noise(tmp_path):
    lam = np.linspace(4.4, 5.2, 50)
    percent = np.where((lam > 4.6) & (lam < 5.0), 80.0, -0.5)
    (tmp_path / "p.dat").write_text(
        "wavelength transmission\n" + "\n".join(f"{a} {b}" for a, b in zip(lam, percent, strict=True))
    )
    f = load_filter(tmp_path / "p.dat")
    assert f.transmission.max() == pytest.approx(0.8)
    assert f.transmission.min() == 0.0
    assert "percent" in f.description


def test_nemesis_file_with_two_filters(tmp_path):
    text = ["2"]
    for centre in (766.75, 563.97):
        wn = np.linspace(centre - 10, centre + 10, 5)
        text += [str(centre), "5"] + [f"{a} 0.5" for a in wn]
    path = tmp_path / "two.fil"
    path.write_text("\n".join(text))
    filters = load_filters(path)
    np.testing.assert_allclose([f.wavelength.value for f in filters], [13.04, 17.73], atol=0.02)
    with pytest.raises(FilterError, match="2 filters"):
        load_filter(path)


def _two_filter_file(path):
    text = ["2"]
    for centre in (766.75, 563.97):
        wn = np.linspace(centre - 10, centre + 10, 21)
        text += [str(centre), "21"] + [f"{a} {0.6 if abs(a - centre) < 6 else 0.0}" for a in wn]
    path.write_text("\n".join(text))
    return path


def test_a_filter_of_a_file_is_picked_by_name_or_a_wavelength_within_its_band(tmp_path):
    path = _two_filter_file(tmp_path / "two.fil")
    assert get_filter(f"{path}:two_13.04um").name == "two_13.04um"
    assert get_filter(f"{path}:13.04").name == "two_13.04um"
    assert get_filter(f"{path}:13.0um").name == "two_13.04um"
    assert get_filter(f"{path}:17.7").name == "two_17.73um"
    for selector in ("13.5", "15", "12.5"):  # within 5 % of 13.04 µm, but outside its band
        with pytest.raises(FilterError, match=re.escape(f"no filter passing {selector} µm")) as info:
            get_filter(f"{path}:{selector}")
        assert "its filters are two_13.04um, two_17.73um" in str(info.value)
    with pytest.raises(
        FilterError, match=re.escape("no filter 'NEII': its filters are two_13.04um, two_17.73um")
    ):
        get_filter(f"{path}:NEII")


def _curve(path, wavelength, transmission):
    rows = "\n".join(f"{a} {b}" for a, b in zip(wavelength, transmission, strict=True))
    path.write_text("wavelength transmission\n" + rows)
    return path


def test_a_curve_far_from_its_nominal_wavelength_is_warned_about(tmp_path):
    lam = np.linspace(3.0, 20.0, 1701)
    band = np.where(np.abs(lam - 4.9) < 0.25, 80.0, 0.0)
    leak = np.where((lam > 7) & (lam < 18), 12.0, 0.0)  # a blocker left out: 12 % from 7 to 18 µm
    good = load_filter(_curve(tmp_path / "filter4.9.dat", lam, band))  # no warning (they are errors here)
    assert good.wavelength.to_value(u.um) == pytest.approx(4.9, abs=0.01)
    assert good.nominal() == (pytest.approx(4.9), "file name")
    for name, source in (("leaky4.9um.dat", "file name"), ("leaky.dat", "centre of its half-maximum range")):
        with pytest.warns(FalsecolorWarning, match=re.escape("far from its nominal 4.90 µm")) as caught:
            f = load_filter(_curve(tmp_path / name, lam, band + leak))
        message = str(caught[0].message)
        assert source in message and "blocker" in message and "wavelength='4.9um'" in message
        assert f.wavelength.to_value(u.um) > 9  # the leak outweighs the band
        assert f.off_nominal() is not None
    with pytest.warns(FalsecolorWarning, match=re.escape("far from its nominal")):  # get_filter checks too
        get_filter(str(tmp_path / "leaky.dat"))
    # 5 % off the name's wavelength, though inside the band: the name and the curve disagree
    with pytest.warns(FalsecolorWarning, match=re.escape("4.90 µm, far from its nominal 5.20 µm")):
        load_filter(_curve(tmp_path / "filter5.2.dat", lam, band))


def test_a_nemesis_file_is_checked_against_its_centres(tmp_path):
    text = ["1", "766.75", "21"]  # the centre says 13.04 µm, the curve passes 12.2 µm
    text += [f"{a} {0.6 if abs(a - 820) < 6 else 0.0}" for a in np.linspace(810, 830, 21)]
    (tmp_path / "off.fil").write_text("\n".join(text))
    with pytest.warns(
        FalsecolorWarning, match=re.escape("far from its nominal 13.04 µm (centre in the file")
    ):
        (f,) = load_filters(tmp_path / "off.fil")
    assert f.name == "off_13.04um"
    with pytest.warns(FalsecolorWarning):
        get_filter(f"{tmp_path / 'off.fil'}:off_13.04um")
    with pytest.raises(FilterError, match=re.escape("no filter passing 13.04 µm")):  # its band is at 12.2 µm
        get_filter(f"{tmp_path / 'off.fil'}:13.04")


@pytest.mark.parametrize("content", ["", "1\n766\n10\n1 2\n", "a b\nc d\n", "1 2\n3 4\n"])
def test_broken_curve_files_are_clear_errors(tmp_path, content):
    path = tmp_path / "broken.fil" if content.startswith("1\n") else tmp_path / "broken.csv"
    path.write_text(content)
    with pytest.raises(FileFormatError):
        load_filters(path)


def test_missing_curve_file(tmp_path):
    with pytest.raises(FileFormatError, match="does not exist"):
        load_filter(tmp_path / "none.csv")
    for name in (str(tmp_path / "none.fil"), f"{tmp_path / 'none.fil'}:13.04", str(tmp_path / "x" / "y")):
        with pytest.raises(FileFormatError, match="does not exist"):
            get_filter(name)


def test_curve_file_path_works_as_filter_name(tmp_path):
    lam = np.linspace(12.9, 13.2, 30)
    path = tmp_path / "mine.csv"
    path.write_text("wavelength,transmission\n" + "\n".join(f"{a},1" for a in lam))
    assert get_filter(str(path)).name == "mine"


# -- real curves ----------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_visir_nemesis_curves(data_dir):
    filters = load_filters(data_dir / "filters" / "nemesis_fil_original" / "visir.fil")
    assert len(filters) == 15
    centres = sorted(round(f.wavelength.to_value(u.um), 2) for f in filters)
    assert centres[0] == pytest.approx(7.97, abs=0.02) and centres[-1] == pytest.approx(19.53, abs=0.02)


@pytest.mark.realdata
def test_registry_top_hats_reproduce_the_measured_curves(data_dir):
    """Band-averaged T through the registry top-hat equals that through the real curve (< 5 mK)."""
    measured = load_filters(data_dir / "filters" / "nemesis_fil_original" / "visir.fil")
    for name in VISIR[1:]:
        registry = get_filter(name)
        curve = min(measured, key=lambda f: abs(f.wavelength - registry.wavelength))
        for temperature in (110.0, 150.0):
            radiance = planck_radiance(temperature * u.K, curve)
            assert brightness_temperature(radiance, registry).value == pytest.approx(temperature, abs=5e-3), (
                name
            )


@pytest.mark.realdata
def test_real_csv_and_fil_agree(data_dir):
    csv = load_filter(data_dir / "filters" / "csv_converted_from_fil" / "visir_13.04um.csv")
    assert csv.wavelength.to_value(u.um) == pytest.approx(13.042, abs=2e-3)
    radiance = planck_radiance(130 * u.K, csv)
    assert brightness_temperature(radiance, get_filter("NEII_2")).value == pytest.approx(130, abs=5e-3)


@pytest.mark.realdata
def test_every_real_curve_file_loads(data_dir):
    files = sorted((data_dir / "filters").rglob("*"))
    count = 0
    for path in files:
        if path.suffix in (".csv", ".fil", ".dat"):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                filters = load_filters(path)
            for f in filters:
                # transmission is a fraction (percent files converted); noise may exceed 1 a little
                assert np.all(f.transmission >= 0) and f.transmission.max() <= 1.2
                assert "/" not in f.name and f.name.startswith(path.stem)
                count += 1
            # the instrument curves (NEMESIS and their CSV copies) sit on their nominal wavelengths;
            # of MIRSI's own filter curves, measured without their blockers, most do not
            leaky = [w for w in caught if issubclass(w.category, FalsecolorWarning)]
            if path.suffix in (".fil", ".csv"):
                assert not leaky, path.name
            elif path.name in ("filter4.9.dat", "filter7.7.dat", "filter9.8.dat", "filterQ0.dat"):
                assert len(leaky) == 1 and path.name in str(leaky[0].message), path.name
    assert count > 100


@pytest.mark.realdata
def test_mirsi_percent_curve(data_dir):
    with pytest.warns(FalsecolorWarning, match=re.escape("8.65 µm, far from its nominal 4.90 µm (file name")):
        f = load_filter(data_dir / "filters" / "mirsi_jhora99" / "filter4.9.dat")
    low, high = f.half_maximum_range
    assert 4.3 < low.value < 4.7 and 5.2 < high.value < 5.6
    # the leaky blocker: its transmission-weighted wavelength is nowhere near 4.9 µm
    assert f.wavelength.to_value(u.um) == pytest.approx(8.652, abs=0.005)
    assert f.nominal() == (pytest.approx(4.9), "file name")
    assert f.name == "filter4.9"


@pytest.mark.realdata
def test_a_wavelength_outside_every_filter_of_a_real_file_is_an_error_listing_them(data_dir):
    visir = data_dir / "filters" / "nemesis_fil_original" / "visir.fil"
    with pytest.raises(FilterError, match=re.escape("no filter passing 13.5 µm")) as info:
        get_filter(f"{visir}:13.5")  # it used to pick 13.04 µm, 3.5 % away, silently
    message = str(info.value)
    assert "the nearest, visir_13.04um, passes 12.94-13.15 µm" in message
    names = [f.name for f in load_filters(visir)]
    assert len(names) == 15 and all(name in message for name in names)
    assert message.count("\n") == 0
    assert get_filter(f"{visir}:13").name == "visir_13.04um"
    assert get_filter(f"{visir}:8.6um").name == "visir_8.60um"
    assert get_filter(f"{visir}:visir_17.73um").name == "visir_17.73um"
    # two filters hold 11.74 µm (PAH2_2 and a broad one): the nearest nominal wavelength decides
    assert get_filter(f"{visir}:11.74").name == "visir_11.74um"
    assert get_filter(f"{visir}:11.76").name == "visir_11.76um"


@pytest.mark.realdata
def test_a_leaky_curve_warns_once_in_a_render_and_its_label_has_no_path(data_dir, band_files):
    leaky = data_dir / "filters" / "mirsi_jhora99" / "filter4.9.dat"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        composite = render(
            band_files["temperature"], band_files["cloud"], cloud_options={"filter": str(leaky)}
        )
    messages = [str(w.message) for w in caught if issubclass(w.category, FalsecolorWarning)]
    assert len([m for m in messages if "filter4.9.dat" in m]) == 1, messages
    assert "cloud_options['wavelength']='4.9um'" in messages[0]
    assert composite.cloud_quantity.band == "filter4.9 8.65 µm"
