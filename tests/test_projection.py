"""Cylindrical maps: MapGrid and its FITS cards, disc -> map -> disc projections, merging (SCIENCE.md 4.3)."""

import numpy as np
import pytest
from astropy.io import fits

from falsecolor import read_band
from falsecolor.exceptions import InputError
from falsecolor.geometry import (
    AXIS_RATIO,
    DiscGeometry,
    MapGrid,
    backplanes,
    merge_maps,
    pixel_coordinates,
    project_to_disc,
    project_to_map,
)

SHAPE = (201, 221)
#: SCIENCE.md 6.1 viewing geometry on a 90-pixel disc.
GEOMETRY = DiscGeometry(
    (100.3, 110.6), 90.0, sub_observer_latitude=-1.93, pole_angle=25.37, central_meridian=340.67
)
GEOMETRIES = [
    GEOMETRY,
    DiscGeometry((120.0, 90.0), 70.0, sub_observer_latitude=25.0, pole_angle=-120.0, central_meridian=5.0),
    DiscGeometry((100.0, 110.0), 95.0, sub_observer_latitude=-3.3),
]


def field(latitude, longitude):
    """A smooth field on the sphere (low-order harmonics of planetographic latitude and west longitude)."""
    phi, lam = np.radians(latitude), np.radians(longitude)
    return (
        130.0
        + 5.0 * np.sin(phi)
        + 3.0 * np.cos(phi) * np.cos(lam - 0.7)
        + 2.0 * np.cos(phi) ** 2 * np.sin(2 * lam)
    )


def drawn_disc(shape=SHAPE, geometry=GEOMETRY):
    """``field`` drawn on a disc image with backplanes (NaN off the disc)."""
    planes = backplanes(shape, geometry)
    return field(planes.latitude, planes.longitude)


def truth_on(grid):
    return field(grid.graphic_latitudes()[:, None], grid.longitudes[None, :])


# ---------------------------------------------------------------- geometry


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("kind", ["graphic", "centric"])
def test_pixel_coordinates_invert_backplanes(geometry, kind):
    planes = backplanes(SHAPE, geometry)
    rng = np.random.default_rng(7)
    on = np.argwhere(planes.on_disc)
    picked = on[rng.choice(len(on), 500, replace=False)]
    latitude = (planes.latitude if kind == "graphic" else planes.centric_latitude)[tuple(picked.T)]
    longitude = planes.longitude[tuple(picked.T)]
    row, column, mu = pixel_coordinates(latitude, longitude, geometry, latitude_kind=kind)
    assert np.abs(row - picked[:, 0]).max() < 1e-6
    assert np.abs(column - picked[:, 1]).max() < 1e-6
    np.testing.assert_allclose(mu, planes.mu[tuple(picked.T)], atol=1e-9)


def test_project_to_map_at_known_points():
    rows, columns = np.mgrid[0:101, 0:121].astype(float)
    ramp = 2.0 * rows + 3.0 * columns  # bilinear sampling is exact on a plane
    # Upright, equator-on: 30° east of the CM is left of centre by R sin 30°.
    upright = DiscGeometry((50.0, 60.0), 40.0, central_meridian=100.0)
    grid = MapGrid(np.array([0.0, 30.0]), np.array([100.0, 130.0]))
    values, mu = project_to_map(ramp, upright, grid)
    assert values[0, 0] == pytest.approx(2 * 50 + 3 * 60)
    assert values[0, 1] == pytest.approx(2 * 50 + 3 * (60 - 40 * np.sin(np.radians(30))))
    assert mu[0, 0] == pytest.approx(1.0) and mu[0, 1] == pytest.approx(np.cos(np.radians(30)))
    # North pole tilted 20° towards us and rotated to the left (pole angle 90°).
    tilted = DiscGeometry((50.0, 60.0), 40.0, sub_observer_latitude=20.0, pole_angle=90.0, central_meridian=0)
    grid = MapGrid(np.array([0.0, 90.0]), np.array([0.0, 10.0]))
    values, mu = project_to_map(ramp, tilted, grid)
    b = np.radians(20.0)
    assert values[1, 0] == pytest.approx(2 * 50 + 3 * (60 - 40 * AXIS_RATIO * np.cos(b)))  # the pole
    assert mu[1, 0] == pytest.approx(np.sin(b))
    assert values[0, 0] == pytest.approx(2 * 50 + 3 * (60 + 40 * np.sin(b)))  # equator on the CM
    assert mu[0, 0] == pytest.approx(np.cos(b))


def test_hidden_cells_and_mu_min_are_empty():
    grid = MapGrid.regular(2.0)
    values, mu = project_to_map(drawn_disc(), GEOMETRY, grid, mu_min=0.3)
    assert np.array_equal(np.isfinite(values), np.isfinite(mu))
    assert np.nanmin(mu) > 0.3
    far_side = np.abs(((grid.longitudes - GEOMETRY.central_meridian + 180) % 360) - 180) > 100
    assert np.isnan(values[:, far_side]).all()
    with pytest.raises(InputError, match="mu_min"):
        project_to_map(drawn_disc(), GEOMETRY, grid, mu_min=1.0)


def test_nan_pixels_blank_only_the_samples_touching_them():
    rows, columns = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1]].astype(float)
    ramp = 2.0 * rows + 3.0 * columns
    bad = (97, 120)
    ramp[bad] = np.nan
    grid = MapGrid.regular(0.25, lat_range=(-30, 30), lon_range=(60, -80))
    values, _ = project_to_map(ramp, GEOMETRY, grid)
    row, column, mu = pixel_coordinates(grid.latitudes[:, None], grid.longitudes[None, :], GEOMETRY)
    touching = (np.abs(row - bad[0]) < 1) & (np.abs(column - bad[1]) < 1) & (mu > 0)
    assert touching.sum() > 4
    assert np.isnan(values[touching]).all()
    rest = ~touching & (mu > 0)
    np.testing.assert_allclose(values[rest], (2.0 * row + 3.0 * column)[rest], rtol=1e-12)


# ---------------------------------------------------------------- accuracy


def test_drawn_field_projects_back_to_itself():
    grid = MapGrid.regular(1.0)
    values, mu = project_to_map(drawn_disc(), GEOMETRY, grid)
    good = mu > 0.2
    assert good.sum() > 0.3 * grid.shape[0] * grid.shape[1]
    assert np.isfinite(values[good]).all()
    assert np.abs(values - truth_on(grid))[good].max() < 0.02  # K, on a 13 K range (measured 0.0085)


@pytest.mark.parametrize(
    "grid",
    [MapGrid.regular(0.5), MapGrid.regular(1.0, lon_range=(0, 360), latitude_kind="centric")],
    ids=["sky-order", "increasing-centric"],
)
def test_map_to_disc_to_map_round_trip(grid):
    truth = truth_on(grid)
    disc = project_to_disc(truth, grid, SHAPE, GEOMETRY)
    assert np.array_equal(np.isfinite(disc), backplanes(SHAPE, GEOMETRY).on_disc)
    values, mu = project_to_map(disc, GEOMETRY, grid)
    good = mu > 0.3
    assert np.isfinite(values[good]).all()
    assert np.abs(values - truth)[good].max() < 0.01  # measured 0.003


@pytest.mark.parametrize("columns", [361, 360], ids=["inclusive-0-360", "cells-360-0"])
def test_project_to_disc_wraps_the_seam(columns):
    grid = MapGrid.from_header(
        {}, (181, columns), lat_range=(-90, 90), lon_range=(0, 360) if columns == 361 else (360, 0)
    )
    facing_seam = DiscGeometry((100.0, 110.0), 90.0, sub_observer_latitude=3.0, central_meridian=0.2)
    planes = backplanes(SHAPE, facing_seam)
    disc = project_to_disc(truth_on(grid), grid, SHAPE, facing_seam)
    assert np.array_equal(np.isfinite(disc), planes.on_disc)
    error = np.abs(disc - field(planes.latitude, planes.longitude))
    assert np.nanmax(error) < 0.01


def test_project_to_disc_of_a_regional_map_is_empty_outside_it():
    grid = MapGrid.regular(0.5, lat_range=(-30, 0), lon_range=(20, -60))  # across 0°
    disc = project_to_disc(truth_on(grid), grid, SHAPE, GEOMETRY)
    planes = backplanes(SHAPE, GEOMETRY)
    latitude, longitude = planes.latitude, planes.longitude

    def within(margin):
        inside = (latitude > -30 + margin) & (latitude < 0 - margin)
        return inside & ((longitude < 20 - margin) | (longitude > 300 + margin))

    assert np.isfinite(disc[within(0.01)]).all()
    assert np.isnan(disc[planes.on_disc & ~within(-0.01)]).all()
    error = np.abs(disc - field(latitude, longitude))
    assert error[within(0.25)].max() < 0.01  # between the outer cell centres
    assert np.nanmax(error) < 0.05  # the half cells beyond them repeat the edge values


# ---------------------------------------------------------------- merging


def test_merging_hemisphere_images_covers_the_union():
    full = drawn_disc()
    cy = GEOMETRY.centre[0]
    split = int(cy)
    south = full[: split + 6]
    north = full[split - 5 :]
    north_geometry = DiscGeometry(
        (cy - (split - 5), GEOMETRY.centre[1]), 90.0, -1.93, pole_angle=25.37, central_meridian=340.67
    )
    grid = MapGrid.regular(1.0)
    parts = [project_to_map(south, GEOMETRY, grid), project_to_map(north, north_geometry, grid)]
    merged = merge_maps([values for values, _ in parts], [mu for _, mu in parts])
    whole, mu = project_to_map(full, GEOMETRY, grid)
    covered = [np.isfinite(values) for values, _ in parts]
    assert np.array_equal(np.isfinite(merged), covered[0] | covered[1])
    assert np.array_equal(np.isfinite(merged), np.isfinite(whole))
    assert (covered[0] & ~covered[1]).sum() > 1000 and (covered[1] & ~covered[0]).sum() > 1000
    np.testing.assert_allclose(merged, whole, rtol=1e-12)  # the same pixels, wherever they come from
    assert np.abs(merged - truth_on(grid))[mu > 0.2].max() < 0.02


def test_merging_two_rotations_covers_more_longitude():
    grid = MapGrid.regular(1.0)
    parts = []
    for cml in (340.67, 40.67):
        geometry = DiscGeometry((100.3, 110.6), 90.0, -1.93, pole_angle=25.37, central_meridian=cml)
        values, mu = project_to_map(drawn_disc(geometry=geometry), geometry, grid, mu_min=0.2)
        parts.append((values, mu))
    merged = merge_maps(*zip(*parts, strict=True))
    covered = [np.isfinite(values) for values, _ in parts]
    assert np.array_equal(np.isfinite(merged), covered[0] | covered[1])
    assert np.isfinite(merged).sum() > 1.25 * covered[0].sum()
    assert np.nanmax(np.abs(merged - truth_on(grid))) < 0.02


def test_merge_maps_weights_and_gaps():
    a = np.array([[1.0, np.nan, 3.0, 5.0, np.nan]])
    b = np.array([[3.0, 2.0, 7.0, 9.0, np.nan]])
    wa = np.array([[1.0, 1.0, 1.0, np.nan, 1.0]])
    wb = np.array([[3.0, 1.0, 0.0, 1.0, 1.0]])
    merged = merge_maps([a, b], [wa, wb])
    np.testing.assert_array_equal(merged, [[2.5, 2.0, 3.0, 9.0, np.nan]])
    np.testing.assert_array_equal(merge_maps([a, b]), [[2.0, 2.0, 5.0, 7.0, np.nan]])
    with pytest.raises(InputError, match="shape"):
        merge_maps([a, b[:, :3]], [wa, wb[:, :3]])
    with pytest.raises(InputError, match="one weight map per map"):
        merge_maps([a, b], [wa])


# ---------------------------------------------------------------- MapGrid and FITS cards


@pytest.mark.parametrize(
    "grid",
    [
        MapGrid.regular(0.25),
        MapGrid.regular(0.5, lat_range=(-30, 0), lon_range=(90, 30), latitude_kind="centric"),
        MapGrid.regular(1 / 3, lat_range=(-60, 60), lon_range=(-20, 40)),
    ],
    ids=["global", "regional-centric", "third-degree"],
)
def test_map_grid_header_round_trip(grid):
    cards = grid.to_header()
    again = MapGrid.from_header({key: value for key, value, _ in cards}, grid.shape)
    np.testing.assert_array_equal(again.latitudes, grid.latitudes)
    np.testing.assert_array_equal(again.longitudes, grid.longitudes)
    assert again.latitude_kind == grid.latitude_kind
    header = fits.Header()
    header.extend(cards)
    text = fits.Header.fromstring(header.tostring())  # through the 80-character card images
    again = MapGrid.from_header(text, grid.shape)
    np.testing.assert_allclose(again.latitudes, grid.latitudes, rtol=0, atol=1e-12)
    np.testing.assert_allclose(again.longitudes, grid.longitudes, rtol=0, atol=1e-12)
    assert again.latitude_kind == grid.latitude_kind


def test_uneven_grid_has_no_header():
    grid = MapGrid(np.array([-10.0, 0.0, 5.0]), np.array([10.0, 20.0, 30.0]))
    with pytest.raises(InputError, match="not evenly spaced"):
        grid.to_header()


@pytest.mark.parametrize(
    ("shape", "first", "step"),
    [
        ((181, 361), (-90.0, 360.0), (1.0, -1.0)),  # inclusive centres
        ((360, 720), (-89.75, 359.75), (0.5, -0.5)),  # cell edges
        ((90, 180), (-89.0, 359.0), (2.0, -2.0)),
        ((45, 91), (-88.0, 360.0), (4.0, -4.0)),  # a round step wins over the count's parity
        ((5, 4), (-90.0, 315.0), (45.0, -90.0)),  # both round: odd count centres, even count edges
    ],
)
def test_ranges_are_centres_or_edges(shape, first, step):
    grid = MapGrid.from_header(None, shape, lat_range=(-90, 90), lon_range=(360, 0))
    np.testing.assert_allclose(grid.latitudes[[0, 1]], [first[0], first[0] + step[0]], atol=1e-9)
    np.testing.assert_allclose(grid.longitudes[[0, 1]], [first[1], first[1] + step[1]], atol=1e-9)


def test_visir_style_cards_as_centres_or_edges_and_across_zero():
    cards = {"LATS": -30.0, "LATN": 0.0, "LATSTEP": 0.5, "LONW": 20.0, "LONE": 340.0, "LONSTEP": 0.5}
    grid = MapGrid.from_header(cards, (61, 81))
    assert grid.latitude_kind == "centric"
    np.testing.assert_allclose(grid.latitudes[[0, -1]], [-30.0, 0.0])
    np.testing.assert_allclose(grid.longitudes[[0, 40, -1]], [20.0, 0.0, -20.0])
    grid = MapGrid.from_header(cards, (60, 80))  # n * step fits the span: the cards are cell edges
    np.testing.assert_allclose(grid.latitudes[[0, -1]], [-29.75, -0.25])
    np.testing.assert_allclose(grid.longitudes[[0, -1]], [19.75, -19.75])
    header = fits.Header(
        [("LATS", -30.0, "Planetographic Lat"), ("LATN", 0.0), ("LONW", 90.0), ("LONE", 30.0)]
    )
    assert MapGrid.from_header(header, (61, 121)).latitude_kind == "graphic"


def test_ranges_override_header_cards_axis_by_axis():
    cards = {"XMIN": 0.0, "XMAX": 360.0, "YMIN": -90.0, "YMAX": 90.0}
    grid = MapGrid.from_header(cards, (181, 361), lat_range=(90, -90))
    np.testing.assert_allclose(grid.latitudes[[0, -1]], [90, -90])
    np.testing.assert_allclose(grid.longitudes[[0, -1]], [0, 360])
    damaged = {**cards, "XMIN": "n/a"}
    with pytest.raises(InputError, match="lon_range"):
        MapGrid.from_header(damaged, (181, 361))
    grid = MapGrid.from_header(damaged, (181, 361), lon_range=(360, 0))  # the option fixes it
    np.testing.assert_allclose(grid.longitudes[[0, -1]], [360, 0])


@pytest.mark.parametrize(
    ("cards", "ranges", "option"),
    [
        ({"YMIN": 10.0, "YMAX": 10.0, "XMIN": 0.0, "XMAX": 360.0}, {}, "lat_range"),
        ({"YMIN": -90.0, "YMAX": 90.0, "XMIN": float("nan"), "XMAX": 360.0}, {}, "lon_range"),
        ({"YMIN": -90.0, "YMAX": 90.0, "XMIN": "east", "XMAX": 360.0}, {}, "lon_range"),
        ({"LATS": -30.0, "LATN": 0.0, "LATSTEP": 0.7, "LONW": 90.0, "LONE": 30.0}, {}, "lat_range"),
        ({"FC_LAT0": 0.0, "FC_DLAT": 0.0, "FC_LON0": 0.0, "FC_DLON": 1.0}, {}, "lat_range"),
        ({"YMIN": -90.0, "YMAX": 90.0}, {}, "lon_range"),
        ({}, {"lat_range": (-90, 90)}, "lon_range"),
        ({}, {"lat_range": (-90, 90), "lon_range": (0, 0)}, "lon_range"),
        ({}, {"lat_range": (-100, 100), "lon_range": (0, 360)}, "lat_range"),
    ],
)
def test_inconsistent_cards_name_the_option_that_fixes_them(cards, ranges, option):
    with pytest.raises(InputError, match=option) as info:
        MapGrid.from_header(cards, (61, 121), **ranges)
    assert "\n" not in str(info.value)


def test_bad_grids_are_rejected():
    with pytest.raises(InputError, match="does not divide"):
        MapGrid.regular(0.7)
    with pytest.raises(InputError, match="strictly"):
        MapGrid(np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0]))
    with pytest.raises(InputError, match="latitude_kind"):
        MapGrid(np.array([0.0, 1.0]), np.array([0.0, 1.0]), "detic")
    grid = MapGrid.regular(10.0)
    with pytest.raises(ValueError, match="read-only"):
        grid.latitudes[0] = 3.0


# ---------------------------------------------------------------- real headers


@pytest.fixture(scope="module")
def shared_data(data_dir):
    return data_dir


def header_and_shape(path):
    band = read_band(path)
    return band.header, band.data.shape


@pytest.mark.realdata
def test_texes_map_headers(shared_data):
    paths = sorted(shared_data.glob("texes_irtf/*/*/*_TBmap.fits"))
    assert paths
    for path in paths[::4]:
        grid = MapGrid.from_header(*header_and_shape(path))
        assert grid.shape == (181, 361) and grid.latitude_kind == "graphic"
        np.testing.assert_allclose(grid.latitudes, np.arange(-90.0, 90.5), atol=1e-12)
        np.testing.assert_allclose(grid.longitudes, np.arange(0.0, 360.5), atol=1e-12)


@pytest.mark.realdata
def test_visir_temperature_map_header(shared_data):
    header, shape = header_and_shape(shared_data / "visir_reference" / "2017-Jul-13_T_500.fits.gz")
    grid = MapGrid.from_header(header, shape)
    assert grid.latitude_kind == "centric"
    np.testing.assert_allclose(grid.latitudes, np.linspace(-30.0, 0.0, 61), atol=1e-12)
    np.testing.assert_allclose(grid.longitudes, np.linspace(90.0, 30.0, 121), atol=1e-12)


@pytest.mark.realdata
def test_headerless_irtf_maps_need_ranges(shared_data):
    path = next(shared_data.glob("irtf_1987/cmaps/*.cmap.fits"))
    header, shape = header_and_shape(path)
    assert MapGrid.from_header(header, shape) is None
    grid = MapGrid.from_header(header, shape, lat_range=(-90, 90), lon_range=(360, 0))
    np.testing.assert_allclose(grid.latitudes[[0, -1]], [-89.0, 89.0])
    np.testing.assert_allclose(grid.longitudes[[0, -1]], [359.0, 1.0])
