"""The Palette: corner colours blended into a look-up table, and its block kernel."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .._blocks import Kernel
from .._colour import (
    linear_to_oklab,
    linear_to_srgb,
    map_into_gamut,
    oklab_to_linear,
    srgb_to_linear,
)
from ..exceptions import PaletteError

__all__ = ["CORNERS", "DEFAULT_PALETTE", "INTERPOLATIONS", "Palette"]

DEFAULT_PALETTE = "visir"
CORNERS = ("cold_clear", "warm_clear", "cold_cloudy", "warm_cloudy")
INTERPOLATIONS = ("oklab", "linear-rgb", "srgb")
_LUT_SIZE = 256


@dataclass(frozen=True, eq=False)
class Palette:
    """A two-axis palette.

    Parameters
    ----------
    name : str
        Palette name.
    corners : dict
        sRGB RGBA colours (floats in [0, 1]) of the four corners
        ``cold_clear``, ``warm_clear``, ``cold_cloudy``, ``warm_cloudy``.
    interpolation : {'oklab', 'linear-rgb', 'srgb'}
        Space in which the corners are blended bilinearly.
    bad : tuple
        sRGB RGBA colour of NaN and excluded pixels (default transparent).
    description, x_label, y_label, credit, license : str
        What the palette is and what its axes mean.
    size : int
        Cells per axis of the look-up table.

    Examples
    --------
    >>> import numpy as np
    >>> from falsecolor import get_palette
    >>> palette = get_palette("visir")
    >>> palette.lut8[0, 0]  # cold and clear: blue
    array([ 80, 149, 255, 255], dtype=uint8)
    >>> palette.lookup(np.array([130.0]), np.array([4.0]), x_range=(120, 135), y_range=(0, 4.5))
    array([[180, 137,  91, 255]], dtype=uint8)
    """

    name: str
    corners: dict[str, tuple[float, float, float, float]]
    interpolation: str = "oklab"
    bad: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    description: str = ""
    x_label: str = "temperature: cold → warm"
    y_label: str = "cloud: clear → cloudy"
    credit: str = ""
    license: str = ""
    size: int = _LUT_SIZE
    source: str | None = field(default=None, repr=False)

    def __post_init__(self):
        missing = [c for c in CORNERS if c not in self.corners]
        if missing:
            raise PaletteError(f"palette {self.name!r} lacks corner colour(s) {', '.join(missing)}")
        if self.interpolation not in INTERPOLATIONS:
            raise PaletteError(
                f"palette {self.name!r}: interpolation must be one of {', '.join(INTERPOLATIONS)}, "
                f"got {self.interpolation!r}"
            )
        if not 2 <= self.size <= 4096:
            raise PaletteError(f"palette {self.name!r}: size must be 2..4096, got {self.size}")

    # -- the look-up table --------------------------------------------------------------

    @cached_property
    def lut(self) -> np.ndarray:
        """Float sRGB RGBA table ``(size, size, 4)``: ``lut[temperature, cloud]``.

        Index 0 of the first axis is cold, of the second axis clear.
        """
        t = np.linspace(0.0, 1.0, self.size)[:, None, None]
        c = np.linspace(0.0, 1.0, self.size)[None, :, None]
        corners = {k: np.asarray(v, dtype=np.float64) for k, v in self.corners.items()}
        rgb = {k: v[:3] for k, v in corners.items()}
        if self.interpolation == "oklab":
            rgb = {k: linear_to_oklab(srgb_to_linear(v)) for k, v in rgb.items()}
        elif self.interpolation == "linear-rgb":
            rgb = {k: srgb_to_linear(v) for k, v in rgb.items()}
        blend = (
            (1 - t) * (1 - c) * rgb["cold_clear"]
            + t * (1 - c) * rgb["warm_clear"]
            + (1 - t) * c * rgb["cold_cloudy"]
            + t * c * rgb["warm_cloudy"]
        )
        if self.interpolation == "oklab":
            blend = linear_to_srgb(oklab_to_linear(map_into_gamut(blend)))
        elif self.interpolation == "linear-rgb":
            blend = linear_to_srgb(blend)
        alpha = (
            (1 - t) * (1 - c) * corners["cold_clear"][3]
            + t * (1 - c) * corners["warm_clear"][3]
            + (1 - t) * c * corners["cold_cloudy"][3]
            + t * c * corners["warm_cloudy"][3]
        )
        table = np.clip(np.concatenate([blend, alpha], axis=-1), 0.0, 1.0)
        table.setflags(write=False)
        return table

    @cached_property
    def lut8(self) -> np.ndarray:
        """The table as 8-bit sRGB RGBA ``(size, size, 4)``."""
        table = np.round(self.lut * 255.0).astype(np.uint8)
        table.setflags(write=False)
        return table

    @cached_property
    def _packed(self) -> np.ndarray:
        """uint32 RGBA words: the bad colour, then the table flattened ``[1 + t * size + c]``."""
        bad = np.round(np.asarray(self.bad) * 255.0).astype(np.uint8)
        flat = np.concatenate([bad[None, :], self.lut8.reshape(-1, 4)])
        return np.ascontiguousarray(flat).view(np.uint32).ravel()

    # -- mapping data -------------------------------------------------------------------

    def lookup(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        x_range: tuple[float, float] = (0.0, 1.0),
        y_range: tuple[float, float] = (0.0, 1.0),
        mask: np.ndarray | None = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Colour every pixel: 8-bit sRGB RGBA ``x.shape + (4,)``.

        Parameters
        ----------
        x, y : ndarray
            Temperature-axis and cloud-axis values of the same shape.
        x_range, y_range : (float, float)
            Values mapped to the cold/clear (first) and warm/cloudy (second)
            edges; values beyond are clipped to the edge colours.
        mask : ndarray of bool, optional
            True where a pixel is excluded (gets the bad colour), as NaN does.
        out : ndarray of uint8, optional
            Output buffer ``x.shape + (4,)``, C-contiguous.

        Notes
        -----
        Cell ``floor((v - lo) / (hi - lo) * size)``, clipped to the table, as
        :class:`matplotlib.colors.BivarColormapFromImage` bins its inputs.
        """
        x = np.asarray(x)
        y = np.asarray(y)
        if x.shape != y.shape:
            raise ValueError(f"x and y differ in shape: {x.shape} and {y.shape}")
        if out is None:
            out = np.empty((*x.shape, 4), dtype=np.uint8)
        words = out.view(np.uint32).reshape(x.shape)
        kernel = self.kernel(x_range=x_range, y_range=y_range, masked=mask is not None)
        kernel.run([x, y] if mask is None else [x, y, mask], [words])
        return out

    def kernel(
        self,
        *,
        x_range: tuple[float, float] = (0.0, 1.0),
        y_range: tuple[float, float] = (0.0, 1.0),
        masked: bool = False,
    ) -> Kernel:
        """A block kernel ``(x, y[, mask]) -> packed RGBA words (uint32)`` for chained passes."""
        for name, (lo, hi) in (("x_range", x_range), ("y_range", y_range)):
            if not (np.isfinite(lo) and np.isfinite(hi) and hi != lo):
                raise ValueError(f"{name} needs two different finite limits, got ({lo}, {hi})")
        n = self.size
        # Flat cell index + 1 = floor(fx) * n + floor(fy) + 1; entry 0 of the packed table is
        # the bad colour, so NaN (which casts to a huge negative integer) lands on it via
        # take(mode="clip") without a separate NaN test. The lower limit is subtracted before
        # scaling, so narrow ranges (128-130 K) lose nothing to cancellation in float32.
        x_lo, y_lo = np.float32(x_range[0]), np.float32(y_range[0])
        x_gain = np.float32(n / (x_range[1] - x_range[0]))
        y_gain = np.float32(n / (y_range[1] - y_range[0]))
        packed = self._packed
        top = np.float32(n - 1)

        def kernel(xs, ys, *rest):
            *excluded, word, fx, fy, index = rest
            np.subtract(xs, x_lo, out=fx, casting="unsafe")
            fx *= x_gain
            np.clip(fx, 0, top, out=fx)  # NaN stays NaN
            np.floor(fx, out=fx)
            fx *= n
            np.subtract(ys, y_lo, out=fy, casting="unsafe")
            fy *= y_gain
            np.clip(fy, 0, top, out=fy)
            np.floor(fy, out=fy)
            fx += fy
            fx += 1.0
            np.copyto(index, fx, casting="unsafe")
            if excluded:
                np.copyto(index, 0, where=excluded[0])
            np.take(packed, index, out=word, mode="clip")

        return Kernel(kernel, (np.float32, np.float32, np.int32))

    # -- conversions ----------------------------------------------------------------------

    def key_image(self) -> np.ndarray:
        """The table as an image for display: rows = cloud (clear at row 0), columns = temperature."""
        return np.ascontiguousarray(self.lut.transpose(1, 0, 2))

    def to_matplotlib(self):
        """This palette as a :class:`matplotlib.colors.BivarColormapFromImage`.

        The first variate is the temperature axis, the second the cloud axis.
        """
        from matplotlib.colors import BivarColormapFromImage

        cmap = BivarColormapFromImage(np.array(self.lut), shape="square", name=self.name)
        return cmap.with_extremes(bad=self.bad)

    def register(self, *, name: str | None = None, force: bool = False) -> str:
        """Register with ``matplotlib.bivar_colormaps`` (only when called); returns the name.

        matplotlib 3.10-3.11 ``register()`` accepts only univariate colormaps,
        so a bivariate one is stored in the registry's mapping directly.
        """
        import matplotlib as mpl

        registry = mpl.bivar_colormaps
        cmap = self.to_matplotlib()
        key = name or f"falsecolor.{self.name}"
        if key in registry and not force:
            raise PaletteError(
                f"a bivariate colormap named {key!r} is already registered: pass force=True to replace it"
            )
        try:
            registry.register(cmap, name=key, force=force)
        except TypeError:
            store = getattr(registry, "_cmaps", None)
            if not isinstance(store, dict):
                raise PaletteError("this matplotlib cannot register bivariate colormaps") from None
            store[key] = cmap.copy()
        return key
