"""The palette catalogue, quality reports and preview swatches (`falsecolor palettes`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..export import encode_png, write_atomically
from ..layout import swatch
from ..palette import Palette, get_palette, list_palettes
from ..palette._quality import DEFICIENCIES, assess, simulate

__all__ = ["palette_catalogue", "palette_previews", "palette_report"]


def _chosen(names: list[str | Path] | None) -> list[Palette]:
    return [get_palette(n) for n in (names or list_palettes())]


def palette_catalogue(names: list[str | Path] | None = None) -> list[dict[str, Any]]:
    """Name, description, interpolation, page colour and source of each palette (default: built-in)."""
    return [
        {
            "name": p.name,
            "description": p.description,
            "interpolation": p.interpolation if p.table is None else "table",
            "background": None
            if p.background is None
            else "#{:02x}{:02x}{:02x}".format(*(round(255 * c) for c in p.background[:3])),
            "source": p.source,
        }
        for p in _chosen(names)
    ]


def palette_report(names: list[str | Path] | None = None) -> list[dict[str, Any]]:
    """The quality report of each palette (see :func:`falsecolor.palette.assess`), JSON-ready."""
    return [assess(p).to_dict() for p in _chosen(names)]


def palette_previews(directory: str | Path, names: list[str | Path] | None = None) -> list[Path]:
    """Write ``<name>.png`` swatches into ``directory``: the palette, its CVD and greyscale views.

    Each swatch also lists the quality warnings of the palette.
    """
    directory = Path(directory)
    files = []
    for palette in _chosen(names):
        table = palette.key_image()
        rgb = table[..., :3]
        variants = {name: simulate(rgb, name) for name in DEFICIENCIES}
        variants["greyscale"] = simulate(rgb, "greyscale")
        image = swatch(
            palette.name,
            palette.description,
            table,
            variants,
            x_label=palette.x_label,
            y_label=palette.y_label,
            notes=assess(palette).warnings,
            background=palette.background,
        )
        data = encode_png(np.ascontiguousarray(image), text={"Title": f"falsecolor palette {palette.name}"})
        files.append((directory / f"{palette.name}.png", lambda fh, d=data: fh.write(d)))
    return write_atomically(files)
