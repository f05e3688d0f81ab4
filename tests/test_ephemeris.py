"""Jupiter's ephemeris against the SCIENCE.md 4.2 vectors and an independent 1987 IRTF header."""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest
from astropy import units as u

from falsecolor.cli import main
from falsecolor.exceptions import FalsecolorError, InputError
from falsecolor.geometry import (
    EQUATORIAL_RADIUS_KM,
    Ephemeris,
    ephemeris,
    observatory,
    parse_time,
    using_ephemeris,
)
from falsecolor.pipeline import jupiter_ephemeris

# UTC, site, distance au, eq. diam ", pol. diam ", B centric, B graphic, CML III, pole PA (SCIENCE.md 4.2)
VECTORS = [
    ("2016-02-15T08:47:39.76", "paranal", 4.5126, 43.688, 40.857, -1.927, -2.203, 340.670, 25.371),
    ("2016-03-08T12:00:00", None, 4.4353, 44.449, 41.569, -1.868, -2.136, 171.848, 25.222),
    ("2018-05-09T00:00:00", None, 4.3999, 44.806, 41.910, -3.354, -3.834, 101.220, 16.789),
    ("2018-05-24T02:49:57.54", "paranal", 4.4273, 44.529, 41.650, -3.299, -3.772, 303.753, 17.410),
    ("2019-06-10T12:00:00", None, 4.2841, 46.019, 43.040, -2.756, -3.151, 148.696, 4.173),
]


@pytest.mark.parametrize("row", VECTORS, ids=[v[0] for v in VECTORS])
def test_reference_vectors(row):
    time, site, distance, diameter, polar, centric, graphic, cml, pa = row
    e = jupiter_ephemeris(time, site=site)
    # the table is rounded to its last digit; these tolerances are that rounding plus a little
    assert e.distance_au == pytest.approx(distance, abs=1e-4)
    assert e.angular_diameter_arcsec == pytest.approx(diameter, abs=0.002)
    assert e.polar_diameter_arcsec == pytest.approx(polar, abs=0.002)
    assert e.sub_observer_latitude_centric_deg == pytest.approx(centric, abs=0.002)
    assert e.sub_observer_latitude_graphic_deg == pytest.approx(graphic, abs=0.002)
    assert e.central_meridian_deg == pytest.approx(cml, abs=0.005)
    assert e.north_pole_angle_deg == pytest.approx(pa, abs=0.005)


def test_diameter_is_the_radius_over_the_distance():
    e = ephemeris("2022-09-26T20:00:00")  # perihelic opposition: the largest Jupiter of 2010-2030
    km = e.distance_au * 149597870.7
    assert e.angular_diameter_arcsec == pytest.approx(
        np.degrees(2 * EQUATORIAL_RADIUS_KM / km) * 3600, rel=1e-9
    )
    assert 49.8 < e.angular_diameter_arcsec < 49.95


def test_light_time_moves_the_central_meridian():
    """Jupiter turns 870.5°/day, so the 36-52 min light time is worth 22-31° of central meridian."""
    e = ephemeris("2018-05-09T00:00:00")
    light_days = e.distance_au * 149597870.7 / 299792.458 / 86400
    assert 21 < 870.536 * light_days < 23  # 4.4 au
    later = ephemeris(parse_time("2018-05-09T00:00:00") + 60 * u.s)
    assert (later.central_meridian_deg - e.central_meridian_deg) % 360 == pytest.approx(
        870.536 / 1440, abs=0.002
    )


def test_site_changes_little():
    geocentric = ephemeris("2018-05-24T02:49:57.54")
    paranal = ephemeris("2018-05-24T02:49:57.54", observatory("paranal"))
    assert abs(paranal.central_meridian_deg - geocentric.central_meridian_deg) < 0.01
    assert paranal.distance_au != geocentric.distance_au
    custom = ephemeris("2018-05-24T02:49:57.54", observatory(lon=-70.4045, lat=-24.6272, height=2635))
    assert custom.central_meridian_deg == pytest.approx(paranal.central_meridian_deg, abs=1e-9)


def test_independent_irtf_header(data_dir):
    """The 1987 IRTF file records the north angle and distance computed by its own software."""
    e = jupiter_ephemeris("1987-10-25T11:17:48", site="mauna kea")  # U.T. 11:17:49 in its HISTORY
    assert e.north_pole_angle_deg == pytest.approx(336.91, abs=0.05)
    assert e.distance_au == pytest.approx(3.9689, abs=5e-4)
    assert e.central_meridian_deg == pytest.approx(318.4, abs=0.5)  # LCM to 0.1°, time to the second


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time": "yesterday"}, "cannot read the time"),
        ({"time": "1700-01-01"}, "covers 1800-2050"),
        ({"time": "2018-01-01", "site": "moon"}, "unknown site"),
        ({"time": "2018-01-01", "lon": 10.0}, "needs both lon=... and lat="),
        ({"time": "2018-01-01", "lon": 10.0, "lat": 95.0}, "within ±90°"),
        ({"time": "2018-01-01", "height": 10.0}, "height=... goes with"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(InputError, match=message):
        jupiter_ephemeris(kwargs.pop("time"), **kwargs)


def test_cli_json_keys(capsys):
    assert main(["ephemeris", "2016-03-08T12:00:00", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report) == [
        "angular_diameter_arcsec",
        "distance_au",
        "sub_observer_latitude_centric_deg",
        "sub_observer_latitude_graphic_deg",
        "central_meridian_deg",
        "north_pole_angle_deg",
    ]
    assert report["central_meridian_deg"] == pytest.approx(171.848, abs=0.005)


def test_cli_text_and_errors(capsys):
    assert main(["ephemeris", "MJD58247.0", "--site", "Mauna Kea"]) == 0
    out = capsys.readouterr().out
    assert "central meridian" in out and "mauna kea" in out.lower()
    assert main(["ephemeris", "not-a-time"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


# -- a JPL ephemeris (SPICE SPK kernel) instead of the built-in one ------------------------------
#
# No kernel is downloaded in the tests: a small type-2 SPK is written here from astropy's built-in
# ephemeris (Chebyshev fits, 4-day records), so the geometry through it must equal the built-in
# geometry, and a kernel with Jupiter moved must move the result by the amount it was moved.

_FTPSTR = b"FTPSTR:\r:\n:\r\n:\r\x00:\x81:\x10\xce:ENDFTP"
_J2000 = 2451545.0
#: SPICE (target, centre) -> the astropy body whose barycentric position the segment holds.
_SEGMENTS = {(10, 0): "sun", (3, 0): "earth", (399, 3): None, (5, 0): "jupiter"}


def write_spk(path, first_jd, days, *, shift_km=(0.0, 0.0, 0.0), segments=_SEGMENTS, record_days=4.0):
    """A type-2 SPK covering ``days`` from TDB ``first_jd``; Jupiter moved by ``shift_km`` (ICRS)."""
    import struct

    from astropy.coordinates import get_body_barycentric, solar_system_ephemeris
    from astropy.time import Time
    from jplephem.daf import DAF

    degree, records = 13, int(np.ceil(days / record_days))
    nodes = np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1))  # Chebyshev nodes on [-1, 1]
    record = struct.pack(
        "<8sII60sIII8s603s28s297s",
        *(b"DAF/SPK ", 2, 6, b"falsecolor test kernel".ljust(60), 2, 2, 3 * 128 + 1, b"LTL-IEEE"),
        *(b"\0" * 603, _FTPSTR, b"\0" * 297),
    )
    path.write_bytes(record + struct.pack("<3d", 0.0, 0.0, 0.0).ljust(1024, b"\0") + b" " * 1024)
    with open(path, "r+b") as handle:
        daf = DAF(handle)
        for (target, centre), body in segments.items():
            rows = []
            for i in range(records):
                start = first_jd + i * record_days
                jd = start + (nodes + 1) * record_days / 2
                xyz = np.zeros((3, jd.size))  # (399, 3): the Earth at the "Earth-Moon barycentre" (3, 0)
                if body is not None:
                    with solar_system_ephemeris.set("builtin"):
                        xyz = get_body_barycentric(body, Time(jd, format="jd", scale="tdb")).xyz.to_value(
                            u.km
                        )
                if target == 5:
                    xyz = xyz + np.asarray(shift_km)[:, None]
                fits = [np.polynomial.chebyshev.chebfit(nodes, c, degree) for c in xyz]
                rows.append(
                    np.concatenate(
                        [[(start - _J2000) * 86400 + record_days * 43200, record_days * 43200], *fits]
                    )
                )
            init = (first_jd - _J2000) * 86400
            array = np.concatenate([*rows, [init, record_days * 86400, 2 + 3 * (degree + 1), records]])
            summary = (init, init + records * record_days * 86400, target, centre, 1, 2)
            daf.add_array(f"falsecolor test {target}".encode(), summary, array)
    return path


#: The synthetic Jupiter's DATE-OBS (the Paranal vector of SCIENCE.md 4.2), and a kernel's first day.
SYNTHETIC_TIME = "2016-02-15T08:47:39.76"
KERNEL_START = "2016-02-13T00:00:00"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    pytest.importorskip("jplephem")
    from astropy.time import Time

    return write_spk(tmp_path_factory.mktemp("jpl") / "test.bsp", Time(KERNEL_START, scale="tdb").jd, 8.0)


def test_a_jpl_kernel_gives_the_geometry_it_holds(kernel, tmp_path):
    builtin = ephemeris(SYNTHETIC_TIME, observatory("paranal"))
    jpl = ephemeris(SYNTHETIC_TIME, observatory("paranal"), kernel=kernel)
    assert builtin.source == "built-in (ERFA epv00 + plan94)" and jpl.source == "test.bsp"
    for key in Ephemeris.KEYS:  # the kernel holds the built-in positions, to well under a metre
        assert getattr(jpl, key) == pytest.approx(getattr(builtin, key), abs=1e-8), key
    # Jupiter moved 200,000 km away from the Earth in the kernel: 200,000 km further, the rest as before
    from astropy.coordinates import get_body_barycentric, solar_system_ephemeris
    from astropy.time import Time

    t = Time(SYNTHETIC_TIME, scale="utc")
    with solar_system_ephemeris.set("builtin"):
        line = (get_body_barycentric("jupiter", t) - get_body_barycentric("earth", t)).xyz.to_value(u.km)
    away = 2e5 * line / np.linalg.norm(line)
    moved = write_spk(tmp_path / "moved.bsp", Time(KERNEL_START, scale="tdb").jd, 8.0, shift_km=away)
    further = ephemeris(SYNTHETIC_TIME, observatory("paranal"), kernel=moved)
    assert (further.distance_au - builtin.distance_au) * 149597870.7 == pytest.approx(2e5, rel=1e-3)
    assert further.angular_diameter_arcsec < builtin.angular_diameter_arcsec
    # and everything computed within using_ephemeris takes it
    with using_ephemeris(moved):
        assert jupiter_ephemeris(SYNTHETIC_TIME, site="paranal").source == "moved.bsp"
    assert jupiter_ephemeris(SYNTHETIC_TIME, site="paranal").source.startswith("built-in")


def test_a_kernel_named_like_a_jpl_release_is_read_from_here_not_downloaded(kernel, tmp_path, monkeypatch):
    """astropy takes a bare "de440s.bsp" for a kernel to download: a local file is passed by its full path."""
    (tmp_path / "de440s.bsp").write_bytes(kernel.read_bytes())
    monkeypatch.chdir(tmp_path)
    e = jupiter_ephemeris(SYNTHETIC_TIME, ephemeris="de440s.bsp")
    assert e.source == "de440s.bsp"
    assert e.central_meridian_deg == pytest.approx(ephemeris(SYNTHETIC_TIME).central_meridian_deg, abs=1e-8)


def test_cli_ephemeris_with_a_kernel(kernel, capsys):
    assert main(["ephemeris", SYNTHETIC_TIME, "--site", "paranal", "--ephemeris", str(kernel), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ephemeris"] == "test.bsp"  # the file's name, never its path
    assert report["central_meridian_deg"] == pytest.approx(340.670, abs=0.005)
    assert main(["ephemeris", SYNTHETIC_TIME, "--ephemeris", str(kernel)]) == 0
    assert "test.bsp ephemeris" in capsys.readouterr().out
    assert main(["ephemeris", SYNTHETIC_TIME]) == 0
    assert "built-in (ERFA epv00 + plan94) ephemeris" in capsys.readouterr().out


def _without_disc_cards(band):
    header = band.header.copy()
    for key in [k for k in header if k.startswith("FC_")]:
        del header[key]
    return band.replace(header=header)


def test_render_info_and_map_record_the_kernel_by_name(kernel, tmp_path, capsys):
    """The disc is fitted with the ephemeris at DATE-OBS: the notes and FITS HISTORY name the kernel."""
    from astropy.io import fits

    import falsecolor
    from falsecolor.bands import band_to_hdu

    jupiter = falsecolor.synthetic_jupiter((128, 128))
    paths = {}
    for role, band in (("t", jupiter.temperature_band), ("c", jupiter.cloud_band)):
        paths[role] = tmp_path / f"{role}.fits"
        band_to_hdu(_without_disc_cards(band)).writeto(paths[role])
    named = f"ephemeris at {jupiter.temperature_band.date_obs} (test.bsp)"
    composite = falsecolor.render(paths["t"], paths["c"], limb_correction="auto", ephemeris=str(kernel))
    assert named in composite.notes["disc"] and composite.recipe.ephemeris is not None
    argv = [
        "render",
        "-t",
        str(paths["t"]),
        "-c",
        str(paths["c"]),
        "--limb-correct",
        "--ephemeris",
        str(kernel),
    ]
    assert main([*argv, "-o", str(tmp_path / "j.png"), "--fits-out", str(tmp_path / "j")]) == 0
    history = "\n".join(fits.getheader(tmp_path / "j_temperature.fits")["HISTORY"])
    assert "(test.bsp)" in history and str(kernel.parent) not in history
    capsys.readouterr()
    assert main(["info", str(paths["t"]), "--json", "--ephemeris", str(kernel)]) == 0
    assert named in json.loads(capsys.readouterr().out)["disc_source"]
    assert main(["map", str(paths["t"]), "-o", str(tmp_path / "m.fits"), "--ephemeris", str(kernel)]) == 0
    assert named in capsys.readouterr().out


def test_a_recipe_names_the_kernel_relative_to_itself(kernel, tmp_path):
    from falsecolor.recipe import Recipe, load_recipe

    (tmp_path / "kernels").mkdir()
    (tmp_path / "kernels" / "test.bsp").write_bytes(kernel.read_bytes())
    recipe_file = tmp_path / "r.toml"
    recipe_file.write_text('[inputs]\ndemo = 64\n\n[geometry]\nephemeris = "kernels/test.bsp"\n')
    recipe = load_recipe(recipe_file)
    assert recipe.ephemeris == "kernels/test.bsp"
    assert recipe.absolute().ephemeris == str(tmp_path / "kernels" / "test.bsp")
    assert str(tmp_path / "kernels" / "test.bsp") in [
        str(p) for p in recipe.files_read()
    ]  # never overwritten
    assert Recipe(ephemeris="x.bsp").to_dict()["geometry"]["ephemeris"] == "x.bsp"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        (b"BEGIN:VCALENDAR\n" * 100, "is not a JPL ephemeris: --ephemeris takes a SPICE SPK kernel (.bsp)"),
        (b"", "is not a JPL ephemeris"),
    ],
)
def test_a_file_that_is_no_kernel_is_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "kernel.bsp"
    if content is not None:
        path.write_bytes(content)
    assert main(["ephemeris", SYNTHETIC_TIME, "--ephemeris", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "VCALENDAR" not in err, err
    with pytest.raises(FalsecolorError, match=re.escape(message.replace("--ephemeris", "ephemeris=..."))):
        jupiter_ephemeris(SYNTHETIC_TIME, ephemeris=str(path))
    assert (
        main(
            ["render", "--demo", "--demo-size", "64", "--ephemeris", str(path), "-o", str(tmp_path / "x.png")]
        )
        == 2
    )
    assert message in capsys.readouterr().err and not (tmp_path / "x.png").exists()


def test_jplephem_missing_is_one_line_naming_the_extra(kernel, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "jplephem", None)  # import jplephem now raises ImportError
    assert main(["ephemeris", SYNTHETIC_TIME, "--ephemeris", str(kernel)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--ephemeris needs the jplephem package: pip install jplephem" in err and "'.[jpl]'" in err


def test_a_kernel_without_the_time_or_without_jupiter_says_so(kernel, tmp_path):
    from astropy.time import Time

    with pytest.raises(InputError, match=re.escape("the JPL ephemeris test.bsp does not cover 2018-05-09")):
        ephemeris("2018-05-09T00:00:00", kernel=kernel)
    no_jupiter = {k: v for k, v in _SEGMENTS.items() if k != (5, 0)}
    moons = write_spk(tmp_path / "moons.bsp", Time(KERNEL_START, scale="tdb").jd, 8.0, segments=no_jupiter)
    with pytest.raises(InputError, match=re.escape("moons.bsp lacks Jupiter, the Earth or the Sun")):
        ephemeris(SYNTHETIC_TIME, kernel=moons)
