"""Jupiter's ephemeris against the SCIENCE.md 4.2 vectors and an independent 1987 IRTF header."""

from __future__ import annotations

import json

import numpy as np
import pytest
from astropy import units as u

from falsecolor.cli import main
from falsecolor.exceptions import InputError
from falsecolor.geometry import EQUATORIAL_RADIUS_KM, ephemeris, observatory, parse_time
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
