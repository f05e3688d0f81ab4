"""The Palette: corner colours blended into a look-up table, and its block kernel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

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

__all__ = ["CORNERS", "DEFAULT_PALETTE", "INTERPOLATIONS", "MIDPOINTS", "Palette"]

DEFAULT_PALETTE = "visir"
CORNERS = ("cold_clear", "warm_clear", "cold_cloudy", "warm_cloudy")
#: Optional control points: the middles of the four edges and the centre of the square.
MIDPOINTS = ("clear_middle", "cloudy_middle", "cold_middle", "warm_middle", "centre")
INTERPOLATIONS = ("oklab", "linear-rgb", "srgb")
#: A stretch of [0, 1] onto [0, 1]: ``stretch(values, clip=False, out=values)`` (astropy.visualization).
Stretch = Callable[..., Any]
_LUT_SIZE = 256
#: Cells per axis of the table behind 16-bit output: finer steps than 8-bit output can show.
FINE_LUT_SIZE = 1024

# Where each control point sits on the 3 x 3 grid [temperature node, cloud node].
_GRID = {
    "cold_clear": (0, 0),
    "warm_clear": (2, 0),
    "cold_cloudy": (0, 2),
    "warm_cloudy": (2, 2),
    "clear_middle": (1, 0),
    "cloudy_middle": (1, 2),
    "cold_middle": (0, 1),
    "warm_middle": (2, 1),
    "centre": (1, 1),
}


@dataclass(frozen=True, eq=False)
class Palette:
    """A two-axis palette.

    Parameters
    ----------
    name : str
        Palette name.
    corners : dict
        sRGB RGBA colours (floats in [0, 1]) of the four corners
        ``cold_clear``, ``warm_clear``, ``cold_cloudy``, ``warm_cloudy``, and
        optionally of the edge middles and centre (:data:`MIDPOINTS`). A
        missing edge middle is the mean of its two corners, a missing centre
        the mean of the four edge middles, so four corners alone give a
        bilinear blend.
    interpolation : {'oklab', 'linear-rgb', 'srgb'}
        Space in which the control points are blended (piecewise bilinear).
        OKLab colours outside sRGB are brought inside by reducing chroma at
        constant lightness and hue, never by clipping channels.
    bad : tuple
        sRGB RGBA colour of NaN and excluded pixels (default transparent).
    background : tuple, optional
        Page colour the palette is designed for (e.g. black for a
        dark-background palette); used when the user chooses none.
    description, x_label, y_label, credit, license : str
        What the palette is and what its axes mean.
    size : int
        Cells per axis of the look-up table.
    table : ndarray, optional
        A ready float sRGB RGBA table ``(size, size, 4)`` indexed
        ``[temperature, cloud]`` (a palette read from a PNG image); the
        control points are then its corners.

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
    background: tuple[float, float, float, float] | None = None
    table: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.table is not None:
            table = np.array(self.table, dtype=np.float64)
            if table.ndim != 3 or table.shape[0] != table.shape[1] or table.shape[2] != 4:
                raise PaletteError(f"palette {self.name!r}: the table must be (n, n, 4), got {table.shape}")
            table.setflags(write=False)
            object.__setattr__(self, "table", table)
            object.__setattr__(self, "size", table.shape[0])
            if not self.corners:
                ends = {
                    "cold_clear": (0, 0),
                    "warm_clear": (-1, 0),
                    "cold_cloudy": (0, -1),
                    "warm_cloudy": (-1, -1),
                }
                object.__setattr__(self, "corners", {k: tuple(table[i, j]) for k, (i, j) in ends.items()})
        missing = [c for c in CORNERS if c not in self.corners]
        if missing:
            raise PaletteError(f"palette {self.name!r} lacks corner colour(s) {', '.join(missing)}")
        unknown = set(self.corners) - set(_GRID)
        if unknown:
            raise PaletteError(
                f"palette {self.name!r}: unknown control point(s) {', '.join(sorted(unknown))}"
            )
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
        if self.table is not None:
            return self.table
        grid = self._control_grid()
        # Piecewise-linear "hat" weights on the nodes 0, 0.5, 1 of each axis: the 3 x 3 grid
        # blended bilinearly within each quarter of the square.
        s = np.linspace(0.0, 1.0, self.size)
        hats = np.maximum(0.0, 1.0 - np.abs(2.0 * s[:, None] - np.arange(3)[None, :]))
        blend = np.einsum("ti,cj,ijk->tck", hats, hats, grid, optimize=True)
        colour, alpha = blend[..., :3], blend[..., 3:]
        if self.interpolation == "oklab":
            colour = linear_to_srgb(oklab_to_linear(map_into_gamut(colour)))
        elif self.interpolation == "linear-rgb":
            colour = linear_to_srgb(colour)
        table = np.clip(np.concatenate([colour, alpha], axis=-1), 0.0, 1.0)
        table.setflags(write=False)
        return table

    def _control_grid(self) -> np.ndarray:
        """The 3 x 3 control points ``[temperature node, cloud node]`` in the blending space."""
        grid = np.full((3, 3, 4), np.nan)
        for name, rgba in self.corners.items():
            value = np.asarray(rgba, dtype=np.float64)
            colour = value[:3]
            if self.interpolation == "oklab":
                colour = linear_to_oklab(srgb_to_linear(colour))
            elif self.interpolation == "linear-rgb":
                colour = srgb_to_linear(colour)
            grid[_GRID[name]] = np.append(colour, value[3])
        for (i, j), ends in {
            (1, 0): ((0, 0), (2, 0)),
            (1, 2): ((0, 2), (2, 2)),
            (0, 1): ((0, 0), (0, 2)),
            (2, 1): ((2, 0), (2, 2)),
        }.items():
            if np.isnan(grid[i, j, 0]):
                grid[i, j] = 0.5 * (grid[ends[0]] + grid[ends[1]])
        if np.isnan(grid[1, 1, 0]):
            grid[1, 1] = 0.25 * (grid[1, 0] + grid[1, 2] + grid[0, 1] + grid[2, 1])
        return grid

    @cached_property
    def lut8(self) -> np.ndarray:
        """The table as 8-bit sRGB RGBA ``(size, size, 4)``."""
        table = np.round(self.lut * 255.0).astype(np.uint8)
        table.setflags(write=False)
        return table

    @cached_property
    def lut16(self) -> np.ndarray:
        """The table as 16-bit sRGB RGBA ``(size, size, 4)``."""
        table = np.round(self.lut * 65535.0).astype(np.uint16)
        table.setflags(write=False)
        return table

    def fine(self, size: int = FINE_LUT_SIZE) -> Palette:
        """This palette with a ``size``-cell table (for 16-bit output); a fixed table is kept."""
        if self.table is not None or size == self.size:
            return self
        made = self.__dict__.setdefault("_fine", {})  # built once: a 1024-cell table takes ~0.3 s
        if size not in made:
            made[size] = replace(self, size=size)
        return made[size]

    @cached_property
    def _packed(self) -> np.ndarray:
        """uint32 RGBA words: the bad colour, then the table flattened ``[1 + t * size + c]``."""
        return self._pack(8)

    @cached_property
    def _packed16(self) -> np.ndarray:
        """uint64 words of 16-bit RGBA, laid out as :attr:`_packed`."""
        return self._pack(16)

    def _pack(self, depth: int) -> np.ndarray:
        table, word, full = (self.lut8, np.uint32, 255.0) if depth == 8 else (self.lut16, np.uint64, 65535.0)
        bad = np.round(np.asarray(self.bad) * full).astype(table.dtype)
        flat = np.concatenate([bad[None, :], table.reshape(-1, 4)])
        return np.ascontiguousarray(flat).view(word).ravel()

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
        depth: int = 8,
        x_stretch: Stretch | None = None,
        y_stretch: Stretch | None = None,
    ) -> np.ndarray:
        """Colour every pixel: sRGB RGBA ``x.shape + (4,)``, 8-bit (or 16-bit with ``depth=16``).

        Parameters
        ----------
        x, y : ndarray
            Temperature-axis and cloud-axis values of the same shape.
        x_range, y_range : (float, float)
            Values mapped to the cold/clear (first) and warm/cloudy (second)
            edges; values beyond are clipped to the edge colours.
        mask : ndarray of bool, optional
            True where a pixel is excluded (gets the bad colour), as NaN does.
        out : ndarray of uint8 (uint16), optional
            Output buffer ``x.shape + (4,)``, C-contiguous.
        depth : {8, 16}
            Bits per channel of the result.
        x_stretch, y_stretch : callable, optional
            A stretch of [0, 1] onto [0, 1] (an astropy.visualization stretch)
            applied between the limits before the look-up; default linear.

        Notes
        -----
        Cell ``floor((v - lo) / (hi - lo) * size)``, clipped to the table, as
        :class:`matplotlib.colors.BivarColormapFromImage` bins its inputs.
        """
        x = np.asarray(x)
        y = np.asarray(y)
        if x.shape != y.shape:
            raise ValueError(f"x and y differ in shape: {x.shape} and {y.shape}")
        if depth not in (8, 16):
            raise ValueError(f"depth must be 8 or 16, got {depth}")
        if out is None:
            out = np.empty((*x.shape, 4), dtype=np.uint8 if depth == 8 else np.uint16)
        words = out.view(np.uint32 if depth == 8 else np.uint64).reshape(x.shape)
        kernel = self.kernel(
            x_range=x_range,
            y_range=y_range,
            masked=mask is not None,
            depth=depth,
            x_stretch=x_stretch,
            y_stretch=y_stretch,
        )
        kernel.run([x, y] if mask is None else [x, y, mask], [words])
        return out

    def kernel(
        self,
        *,
        x_range: tuple[float, float] = (0.0, 1.0),
        y_range: tuple[float, float] = (0.0, 1.0),
        masked: bool = False,
        depth: int = 8,
        x_stretch: Stretch | None = None,
        y_stretch: Stretch | None = None,
    ) -> Kernel:
        """A block kernel ``(x, y[, mask]) -> packed RGBA words`` for chained passes.

        The words are uint32 (four 8-bit channels) or, with ``depth=16``,
        uint64 (four 16-bit channels). A stretch maps the position between
        the limits, [0, 1], onto [0, 1] before the table is looked up.
        """
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
        packed = self._packed if depth == 8 else self._packed16
        top = np.float32(n - 1)

        def cell(values, position, lo, gain, stretch):
            """The table row or column of each value (a float, NaN stays NaN)."""
            np.subtract(values, lo, out=position, casting="unsafe")
            if stretch is None:
                position *= gain
            else:  # onto [0, 1], stretched, then onto the table
                position *= gain / np.float32(n)
                np.clip(position, 0, 1, out=position)
                stretch(position, clip=False, out=position)
                position *= np.float32(n)
            np.clip(position, 0, top, out=position)  # NaN stays NaN
            np.floor(position, out=position)

        def kernel(xs, ys, *rest):
            *excluded, word, fx, fy, index = rest
            cell(xs, fx, x_lo, x_gain, x_stretch)
            fx *= n
            cell(ys, fy, y_lo, y_gain, y_stretch)
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

    def lut_image(self) -> np.ndarray:
        """The table as a palette PNG holds it: 8-bit RGBA, columns cold -> warm, rows cloudy -> clear."""
        return np.ascontiguousarray(self.lut8.transpose(1, 0, 2)[::-1])

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
