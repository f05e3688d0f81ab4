"""Fit Jupiter's limb: the disc centre, equatorial radius and pole angle from an image.

The outline of the oblate spheroid is an ellipse with semi-major axis a (the equatorial radius)
and semi-minor axis q a along the projected pole, q = sqrt(sin^2 B + (b/a)^2 cos^2 B) (SCIENCE.md
4.2, item 6). Only limb seen inside the frame and away from NaN or masked pixels is used, so a
disc cut by the frame (a hemisphere image) is fitted from the arc that is seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._blocks import subsample
from .._lazy import lazy
from ..exceptions import InputError
from ._disc import disc_threshold
from ._limbprofile import half_level_crossings, limb_shift
from ._spheroid import AXIS_RATIO, DiscGeometry

__all__ = ["MIN_LIMB_POINTS", "LimbFit", "fit_limb"]
ndimage, optimize = lazy("scipy.ndimage"), lazy("scipy.optimize")  # loaded when a limb is fitted

#: Fewer limb points than this cannot constrain the fit.
MIN_LIMB_POINTS = 20

_EDGE_MARGIN = 2  # px: edge pixels this close to the frame or to bad pixels are not limb
_RAY_HALF_LENGTH = 8.0  # px each side of the outline
_RAY_STEP = 0.25  # px between samples along a ray
_LEVEL_GAP = 3.0  # px: the inner and outer levels are medians beyond this distance from the outline
_SOFT_SCALE = 0.5  # px: residuals beyond this are down-weighted (soft L1 loss)
_REFINEMENTS = 3  # rounds of ray sampling around the latest fit
_MAX_RADIUS_FACTOR = 100.0  # a radius beyond this many frame sizes means the fit diverged
_WHOLE_COVERAGE = 0.95  # fraction of the outline that must be seen for a whole disc


@dataclass(frozen=True)
class LimbFit:
    """Where the disc is, from its limb.

    Attributes
    ----------
    centre : (float, float)
        Disc centre ``(y, x)`` in pixels (array order).
    equatorial_radius : float
        Equatorial radius in pixels.
    position_angle : float
        Pole angle in degrees, from image up (increasing row) towards the left
        (decreasing column), as :attr:`DiscGeometry.pole_angle`. The outline
        cannot tell north from south: the angle is in (-90, 90] unless a seed
        chose the branch.
    rms : float
        RMS distance of the limb points from the fitted outline (pixels).
    n_points : int
        Limb points used in the final fit.
    whole_disc : bool
        True when the outline lies inside the frame and at least 95 % of it
        is seen (not cut by the frame, NaN or masked pixels).
    """

    centre: tuple[float, float]
    equatorial_radius: float
    position_angle: float
    rms: float
    n_points: int
    whole_disc: bool

    def geometry(self, *, sub_observer_latitude: float = 0.0, central_meridian: float = 0.0) -> DiscGeometry:
        """The fitted disc as a :class:`DiscGeometry` (pass the latitude the fit used)."""
        return DiscGeometry(
            self.centre, self.equatorial_radius, sub_observer_latitude, self.position_angle, central_meridian
        )


def fit_limb(
    image: np.ndarray,
    *,
    sub_observer_latitude: float = 0.0,
    seed: DiscGeometry | None = None,
    mask: np.ndarray | None = None,
    fit_angle: bool = True,
) -> LimbFit:
    """Fit the disc centre, equatorial radius and pole angle to Jupiter's limb.

    Parameters
    ----------
    image : ndarray
        Image ``(ny, nx)`` with the disc brighter than the sky; NaN = no data.
    sub_observer_latitude : float
        Planetocentric sub-observer latitude B (degrees); sets the outline's
        axis ratio. A seed's latitude is not used.
    seed : DiscGeometry, optional
        A first guess (e.g. from the ephemeris), tried besides a circle fit to
        the disc's edge. Its pole angle chooses between the two angles 180
        degrees apart that give the same outline.
    mask : ndarray of bool, optional
        True where a pixel is excluded (treated as NaN).
    fit_angle : bool
        Fit the pole angle; when False it stays at the seed's (or 0).

    Returns
    -------
    LimbFit

    Raises
    ------
    InputError
        When there is no disc, fewer than ``MIN_LIMB_POINTS`` limb points are
        seen, or the fit diverges.

    Notes
    -----
    A point's residual is its distance from the ellipse to first order,
    (s - a) / |grad s| with s = sqrt(x'^2 + (y'/q)^2), where (x', y') are its
    offsets from the centre along the equator and the pole. Along each ray
    (samples 0.25 px apart, bilinear interpolation) the limb is where the
    profile falls through half-way between its medians more than 3 px inside
    and outside the outline. The fit uses a soft L1 loss (scale 0.5 px); points
    more than max(1 px, 4 robust sigma) off are left out of the last round.
    Limb darkening and blur put the half level inside the true limb (by up to
    ~1 px for I ~ mu^0.5 and a 1.5 px Gaussian), so the radius is finally
    corrected by fitting the mean normalised limb profile with
    I0 mu^k convolved with a Gaussian (free shift, width, I0, k and sky).

    Examples
    --------
    >>> from falsecolor.geometry._spheroid import DiscGeometry, backplanes
    >>> truth = DiscGeometry((100.0, 120.0), 80.0, pole_angle=20.0)
    >>> image = np.nan_to_num(backplanes((200, 240), truth).mu) ** 0.2
    >>> fit = fit_limb(image)
    >>> [round(value, 1) for value in (*fit.centre, fit.equatorial_radius, fit.position_angle)]
    [100.0, 120.0, 80.0, 20.0]
    """
    work, valid = _prepare(image, mask)
    latitude = np.radians(sub_observer_latitude)
    q = float(np.hypot(np.sin(latitude), AXIS_RATIO * np.cos(latitude)))  # minor / major axis
    params = _edge_fit(work, valid, q, seed, fit_angle)
    for round_ in range(_REFINEMENTS):  # the first round searches the whole ray (a blurred limb)
        ys, xs = _limb_crossings(_sample_rays(work, params, q), wide=round_ == 0)
        params = _fit_outline(ys, xs, params, q, fit_angle=fit_angle, scale=_SOFT_SCALE)[0]
        _check(params, work.shape)
    residuals = _radial_residuals(params, ys, xs, q)
    keep = np.abs(residuals) <= _inlier_limit(residuals)
    _require_points(int(keep.sum()), "limb crossings agree with the outline")
    params = _fit_outline(ys[keep], xs[keep], params, q, fit_angle=fit_angle, scale=_SOFT_SCALE)[0]
    _check(params, work.shape)
    residuals = _radial_residuals(params, ys[keep], xs[keep], q)
    rays = _sample_rays(work, params, q)
    params[2] += limb_shift(rays.profiles, rays.offsets, rays.gap, params[2], _inlier_limit(residuals))
    reference = seed.pole_angle if seed is not None else 0.0
    return LimbFit(
        centre=(float(params[0]), float(params[1])),
        equatorial_radius=float(params[2]),
        position_angle=_nearest_branch(float(np.degrees(params[3])), reference),
        rms=float(np.sqrt(np.mean(residuals**2))),
        n_points=int(keep.sum()),
        whole_disc=rays.framed and rays.coverage >= _WHOLE_COVERAGE,
    )


def _prepare(image: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """A float64 copy of the image with NaN at excluded pixels, and where it is valid."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise InputError(f"fit_limb needs a 2-D image, got {image.ndim} dimensions")
    if not np.issubdtype(image.dtype, np.number) or np.iscomplexobj(image):
        raise InputError(f"fit_limb needs a real-valued image, got dtype {image.dtype}")
    valid = np.isfinite(image)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != image.shape:
            raise InputError(f"the mask has shape {mask.shape} but the image has shape {image.shape}")
        valid &= ~mask
    return np.where(valid, image, np.nan).astype(np.float64, copy=False), valid


def _edge_fit(work, valid, q: float, seed: DiscGeometry | None, fit_angle: bool) -> np.ndarray:
    """A first ellipse ``[cy, cx, a, angle (rad)]`` fitted to the edge pixels of the disc, from a
    circle fit at three angles (and from the seed), keeping the best."""
    rows, cols = _limb_pixels(work, valid)
    angle = np.radians(seed.pole_angle) if seed is not None else 0.0
    angles = angle + np.radians([0.0, 60.0, 120.0]) if fit_angle else [angle]
    starts = [np.append(_circle_fit(rows, cols), start_angle) for start_angle in angles]
    if seed is not None:
        starts.append(np.array([*seed.centre, seed.equatorial_radius, angle], dtype=np.float64))
    fits = [_fit_outline(rows, cols, start, q, fit_angle=fit_angle, scale=1.0) for start in starts]
    params = min(fits, key=lambda fit: fit[1])[0]
    _check(params, work.shape)
    return params


def _limb_pixels(work: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edge pixels of the thresholded disc, away from the frame edge and from bad pixels."""
    threshold = disc_threshold(work)
    with np.errstate(invalid="ignore"):
        bright = work > threshold
        if np.count_nonzero(valid & ~bright) < 0.01 * np.count_nonzero(valid):  # no sky: a background?
            level = _sky_level(work)
            threshold = level + disc_threshold(work - level)
            bright = work > threshold
    if not np.isfinite(threshold):
        raise InputError("no disc found: no pixel is brighter than the sky (empty, zero or NaN image?)")
    disc = _fill_holes(_main_components(bright))
    if not disc.any():
        raise InputError("no disc found: no pixel is above the disc threshold")
    edge = disc & ~ndimage.binary_erosion(disc)
    near_bad = ndimage.binary_dilation(~valid, structure=np.ones((3, 3), bool), iterations=_EDGE_MARGIN)
    usable = np.pad(~near_bad[_EDGE_MARGIN:-_EDGE_MARGIN, _EDGE_MARGIN:-_EDGE_MARGIN], _EDGE_MARGIN)
    rows, cols = np.nonzero(edge & usable)
    _require_points(rows.size, "edge pixels of the disc are seen inside the frame, away from bad pixels")
    return rows.astype(np.float64), cols.astype(np.float64)


def _sky_level(work: np.ndarray) -> float:
    """Median of the pixels below half-way between the 1st and 99.5th percentiles: the sky, which
    :func:`disc_threshold` expects near zero, of a raw frame with a background."""
    sample = subsample(work)
    if sample.size == 0:
        return 0.0
    low, high = np.percentile(sample, [1.0, 99.5])
    return float(np.median(sample[sample <= 0.5 * (low + high)]))


def _main_components(bright: np.ndarray, *, fraction: float = 0.05) -> np.ndarray:
    """The largest bright region and any at least ``fraction`` of its size (a disc cut in two by a
    bad column); drops moons and noise spikes."""
    labels, count = ndimage.label(bright)
    if count == 0:
        return bright
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0  # the background
    return (sizes >= fraction * sizes.max())[labels]


def _fill_holes(disc: np.ndarray) -> np.ndarray:
    """The disc with enclosed dark regions filled (background not connected to the frame edge)."""
    background, _ = ndimage.label(~disc)
    border = np.concatenate([background[0], background[-1], background[:, 0], background[:, -1]])
    outside = np.zeros(background.max() + 1, dtype=bool)
    outside[border[border > 0]] = True
    return ~outside[background]


def _circle_fit(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Algebraic (Kasa) circle through the points: ``[cy, cx, radius]``."""
    y0, x0 = rows.mean(), cols.mean()
    y, x = rows - y0, cols - x0
    design = np.column_stack([2.0 * y, 2.0 * x, np.ones_like(y)])
    (cy, cx, c), *_ = np.linalg.lstsq(design, y**2 + x**2, rcond=None)
    return np.array([cy + y0, cx + x0, np.sqrt(max(c + cy**2 + cx**2, 1.0))])


def _radial_residuals(params: np.ndarray, ys: np.ndarray, xs: np.ndarray, q: float) -> np.ndarray:
    """First-order distance of each point from the outline (pixels, positive outside)."""
    cy, cx, radius, angle = params
    dy, dx = ys - cy, xs - cx
    along = dx * np.cos(angle) + dy * np.sin(angle)  # x', along the equator
    pole = dy * np.cos(angle) - dx * np.sin(angle)  # y', along the projected pole
    scaled = np.hypot(along, pole / q)
    gradient = np.hypot(along, pole / q**2) / np.maximum(scaled, 1e-12)
    return (scaled - radius) / np.maximum(gradient, 1e-12)


def _fit_outline(ys, xs, start: np.ndarray, q: float, *, fit_angle: bool, scale: float):
    """Robust least-squares ellipse ``[cy, cx, a, angle (rad)]`` through the points, and its cost."""
    start = np.asarray(start, dtype=np.float64)
    if fit_angle:
        free, residuals = start, lambda p: _radial_residuals(p, ys, xs, q)
    else:
        free, residuals = start[:3], lambda p: _radial_residuals(np.append(p, start[3]), ys, xs, q)
    try:
        result = optimize.least_squares(residuals, free, loss="soft_l1", f_scale=scale, x_scale="jac")
    except ValueError as err:  # non-finite residuals at the start
        raise InputError(f"the limb fit failed: {err}") from err
    return (result.x if fit_angle else np.append(result.x, start[3])), float(result.cost)


def _check(params: np.ndarray, shape: tuple[int, int]) -> None:
    """Raise when the fit ran away (non-finite, or a radius or centre far beyond the frame)."""
    limit = _MAX_RADIUS_FACTOR * max(shape)
    if not (np.all(np.isfinite(params)) and 0 < params[2] < limit and np.all(np.abs(params[:2]) < limit)):
        raise InputError(f"the limb fit diverged (radius {params[2]:.3g} px); try a seed or a bad-pixel mask")


def _outline(params: np.ndarray, q: float, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points evenly spaced in parametric angle on the outline and the outward unit
    normals there, each ``(2, count)`` in ``(y, x)`` order."""
    cy, cx, radius, angle = params
    t = np.linspace(0.0, 2.0 * np.pi, count, endpoint=False)
    equator = np.array([np.sin(angle), np.cos(angle)])[:, None]  # (dy, dx) of +x'
    pole = np.array([np.cos(angle), -np.sin(angle)])[:, None]  # (dy, dx) of +y'
    points = np.array([[cy], [cx]]) + radius * (np.cos(t) * equator + q * np.sin(t) * pole)
    normals = q * np.cos(t) * equator + np.sin(t) * pole
    return points, normals / np.hypot(*normals)


@dataclass(frozen=True, eq=False)
class _Rays:
    """Image profiles along rays normal to the outline, inside to outside."""

    points: np.ndarray  # (2, n) ray origins on the outline, (y, x)
    normals: np.ndarray  # (2, n) outward unit normals
    profiles: np.ndarray  # (n, m)
    offsets: np.ndarray  # (m,) px along the rays, outward positive
    gap: float  # px: the levels are measured beyond this distance from the outline
    coverage: float  # fraction of the whole outline whose ray is clean
    framed: bool  # the whole outline is at least the edge margin inside the frame


def _sample_rays(work: np.ndarray, params: np.ndarray, q: float) -> _Rays:
    """One ray per pixel of perimeter; rays that leave the frame or touch bad pixels are dropped."""
    scale = min(1.0, params[2] / (2.0 * _RAY_HALF_LENGTH))  # a small disc gets shorter rays
    offsets = np.arange(-_RAY_HALF_LENGTH, _RAY_HALF_LENGTH + _RAY_STEP / 2, _RAY_STEP) * scale
    points, normals = _outline(params, q, max(64, int(np.ceil(2.0 * np.pi * params[2]))))
    total, framed = points.shape[1], bool(_inside_frame(points, work.shape, _EDGE_MARGIN).all())
    inside = _inside_frame(points - normals * offsets[-1], work.shape, 0.5)
    inside &= _inside_frame(points + normals * offsets[-1], work.shape, 0.5)
    points, normals = points[:, inside], normals[:, inside]
    coords = points[:, :, None] + normals[:, :, None] * offsets
    profiles = ndimage.map_coordinates(work, coords.reshape(2, -1), order=1, mode="constant", cval=np.nan)
    profiles = profiles.reshape(coords.shape[1:])
    clean = np.all(np.isfinite(profiles), axis=1)
    gap, coverage = _LEVEL_GAP * scale, clean.sum() / total
    return _Rays(points[:, clean], normals[:, clean], profiles[clean], offsets, gap, coverage, framed)


def _inside_frame(points: np.ndarray, shape: tuple[int, int], margin: float) -> np.ndarray:
    """True where a ``(2, n)`` point lies at least ``margin`` pixels inside the frame."""
    return np.all((points >= margin) & (points <= np.array(shape)[:, None] - 1 - margin), axis=0)


def _limb_crossings(rays: _Rays, *, wide: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel half-level limb positions ``(ys, xs)``, one per ray that finds the limb."""
    window = rays.offsets[-1] - 1.0 if wide else rays.gap
    offset = half_level_crossings(rays.profiles, rays.offsets, rays.gap, window)[0]
    found = np.isfinite(offset)
    _require_points(int(found.sum()), "limb crossings are found along rays normal to the outline")
    limb = rays.points[:, found] + rays.normals[:, found] * offset[found]
    return limb[0], limb[1]


def _inlier_limit(residuals: np.ndarray) -> float:
    """max(1 px, 4 robust standard deviations) of the residuals."""
    return max(1.0, 4.0 * 1.4826 * float(np.median(np.abs(residuals - np.median(residuals)))))


def _require_points(count: int, what: str) -> None:
    if count < MIN_LIMB_POINTS:
        raise InputError(f"too few limb points: {count} {what} (at least {MIN_LIMB_POINTS} are needed)")


def _nearest_branch(angle: float, reference: float) -> float:
    """``angle`` plus a multiple of 180 degrees, in (reference - 90, reference + 90]."""
    return reference + 90.0 - (reference + 90.0 - angle) % 180.0
