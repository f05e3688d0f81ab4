"""One studio session: the recipe being tuned, the bands prepared for it, and what the page is shown.

Every change the page asks for is checked by building a
:class:`~falsecolor.Recipe`, so it passes the checks a command line or a
recipe file passes and fails with the same message, spelled as the user who
started the studio spells options (flags on the command line, keywords in
Python). A change of inputs or corrections prepares the bands again in the
background; any other change (limits, stretch, palette, picture) is answered
at once, and the page redraws it itself.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .._messages import Speller, python_spelling, readable, spelled_by
from ..exceptions import FalsecolorError, InputError
from ..normalise import AxisLimits
from ..palette import Palette, get_palette, list_palettes
from ..recipe import Recipe, is_path
from ..rendering import Composite, Prepared, background_of, check_look, check_page_memory, prepare_recipe
from ._controls import PAGE_OPTIONS, PREPARE_OPTIONS, recipe_values
from ._jobs import Events, Worker
from ._planes import Planes, packed_palette, planes_of

__all__ = ["BandsFor", "Session"]

#: ``bands_for(recipe)``: Band objects by role for a recipe that names none (the demo), else None.
BandsFor = Callable[[Recipe], Mapping[str, Any] | None]
_STAGES = ("reading and correcting the bands", "colouring", "quantising for the page")


def _real(path: str | Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def _limits(axis: AxisLimits) -> dict[str, Any]:
    return {
        "low": axis.low,
        "high": axis.high,
        "source": axis.source,
        "stretch": axis.stretch,
        "below": axis.below,
        "above": axis.above,
    }


class Session:
    """The state of one studio: recipe, prepared bands, composite, the page's planes and palette.

    Parameters
    ----------
    recipe : Recipe
        Where to start: the command line's recipe (files relative to its base).
    bands_for : callable, optional
        Band objects for a recipe asking for the built-in demo (the pipeline gives them).
    speller : callable, optional
        How messages spell options (the command line's flags; default Python keywords).
    save : mapping, optional
        What the Save panel proposes: ``files``, ``fits`` and ``recipe`` paths.
    """

    def __init__(
        self,
        recipe: Recipe,
        *,
        bands_for: BandsFor | None = None,
        speller: Speller | None = None,
        save: Mapping[str, Any] | None = None,
    ):
        self.recipe = recipe
        self.speller: Speller = speller or python_spelling
        self.events = Events()
        self.save_defaults = dict(save or {})
        self._bands_for = bands_for
        self._bands: dict[int, Mapping[str, Any] | None] = {}
        self._lock = threading.RLock()
        self._worker = Worker(self._prepare)
        self._ready = threading.Event()
        self._allowed = {_real(p) for p in recipe.files_read()}
        self._palettes: dict[str, tuple[tuple[int, int], Palette]] = {}
        self.prepared: Prepared | None = None
        self.composite: Composite | None = None
        self.planes: Planes | None = None
        self.version = 0
        self.serial = 0  # counts the changes and new planes: the page drops a state older than its own
        self.status: dict[str, Any] = {"state": "preparing", "stage": _STAGES[0], "step": 0}

    # -- preparing ---------------------------------------------------------------------------

    def start(self) -> None:
        """Prepare the starting recipe in the background."""
        self._worker.submit(self.recipe)

    def stop(self) -> None:
        self._worker.stop()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the first prepare has ended (done or failed); False on timeout."""
        return self._ready.wait(timeout)

    def bands(self, recipe: Recipe) -> Mapping[str, Any] | None:
        """The Band objects a recipe needs given (the demo's, made once per size), else None."""
        if recipe.demo is None or self._bands_for is None:
            return None
        if recipe.demo not in self._bands:
            self._bands = {recipe.demo: self._bands_for(recipe)}  # keep one size: they are large
        return self._bands[recipe.demo]

    def _stage(self, step: int) -> None:
        with self._lock:
            self.status = {"state": "preparing", "stage": _STAGES[step], "step": step, "steps": len(_STAGES)}
        self.events.send({"type": "progress", **self.status})

    def _prepare(self, recipe: Recipe) -> None:
        """Read and correct the bands for ``recipe``, colour them once and quantise them (worker thread)."""
        try:
            with spelled_by(self.speller):
                self._stage(0)
                check_page_memory(recipe)
                prepared = prepare_recipe(recipe, bands=self.bands(recipe))
                self._stage(1)
                composite = prepared.finish(recipe.absolute(), palette=self.palette(recipe), recipe=recipe)
                self._stage(2)
                planes = planes_of(composite, faded=recipe.limb_fade)
        except FalsecolorError as err:
            self._failed(readable(str(err)))
            return
        except MemoryError:
            self._failed("not enough memory for this render: make it smaller or free memory")
            return
        except Exception as err:  # a bug: the page says so, the server goes on
            self._failed(f"internal error: {type(err).__name__}: {readable(str(err))} (please report it)")
            return
        if self._worker.superseded():
            return  # a newer change is being prepared: this result is never shown
        with self._lock:
            self.prepared, self.composite, self.planes = prepared, composite, planes
            self.recipe = self.recipe.replace(**self._data_options(recipe))
            self.version += 1
            self.serial += 1
            self.status = {"state": "ready"}
        self._ready.set()
        self.events.send({"type": "ready", "version": self.version})

    def _failed(self, message: str) -> None:
        if self._worker.superseded():
            return  # a newer change is being prepared: it decides what is shown
        with self._lock:
            if self.composite is not None and self.composite.recipe is not None:  # back to what is shown
                self.recipe = self.recipe.replace(**self._data_options(self.composite.recipe))
            self.status = {"state": "error", "message": message}
        self._ready.set()
        self.events.send({"type": "error", "message": message})

    @staticmethod
    def _data_options(recipe: Recipe) -> dict[str, Any]:
        return {name: getattr(recipe, name) for name in PREPARE_OPTIONS}

    # -- changes from the page ------------------------------------------------------------------

    def change(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Apply the page's changes (option name -> value, None for the default); the new state.

        Raises
        ------
        FalsecolorError
            A value the option model refuses, or a file the studio may not read: the message
            is the command line's (or Python's), naming the option.
        """
        with self._lock, spelled_by(self.speller):
            unknown = sorted(set(changes) - set(PAGE_OPTIONS))
            if unknown:
                raise InputError(f"{unknown[0]!r} is not an option the studio sets")
            given = dict(changes)
            if isinstance(given.get("palette"), str) and is_path(given["palette"]):
                given["palette"] = self._as_given(given["palette"])
            candidate = self.recipe.replace(**given)
            check_look(candidate)
            self._check_reads(candidate)
            if candidate.palette != self.recipe.palette:
                self.palette(candidate)  # a palette file that cannot be read fails here, named
            needs_prepare = self._data_options(candidate) != self._data_options(self.recipe)
            self.recipe = candidate
            self.serial += 1
        if needs_prepare:
            self._stage(0)  # before the worker can be done and say so
            self._worker.submit(candidate)
        return self.state()

    def _as_given(self, path: str) -> str:
        """A file named in the page (relative to the folder the studio started in) for the recipe."""
        return path if os.path.isabs(os.path.expanduser(path)) else self.recipe.relative(path)

    def _check_reads(self, candidate: Recipe) -> None:
        """The page may make the studio read only the files the command line named, or a palette file."""
        absolute = candidate.absolute()
        palette = _real(absolute.palette) if is_path(absolute.palette) else None
        for path in candidate.files_read():
            real = _real(path)
            if real in self._allowed:
                continue
            if real == palette:
                self._allowed.add(real)  # the user chose it in the page, as Save's outputs are
                continue
            raise InputError(
                f"the studio reads only the files named on its command line, and {readable(str(path))} "
                "was not: start the studio with it"
            )

    def palette(self, recipe: Recipe | None = None) -> Palette:
        """The recipe's palette (a file is read again when it changed on disk)."""
        name = (recipe or self.recipe).absolute().palette
        stamp = (0, 0)
        if is_path(name) and os.path.isfile(name):
            status = os.stat(name)
            stamp = (status.st_mtime_ns, status.st_size)
        cached = self._palettes.get(name)
        if cached is None or cached[0] != stamp:
            cached = (stamp, get_palette(name))
            self._palettes[name] = cached
        return cached[1]

    # -- what the page is shown ---------------------------------------------------------------------

    def snapshot(self) -> tuple[Recipe, Prepared | None, Composite | None]:
        """The recipe, the prepared bands and the composite, taken together."""
        with self._lock:
            return self.recipe, self.prepared, self.composite

    def limits(self, recipe: Recipe | None = None) -> tuple[AxisLimits, AxisLimits]:
        """The axes' limits for the recipe: as given, else the on-disc percentiles of the prepared sample."""
        with self._lock:
            if self.prepared is None:
                raise InputError("the composite is not ready yet")
            return self.prepared.limits((recipe or self.recipe).axes)

    def state(self) -> dict[str, Any]:
        """Everything the page shows but the planes and the palette table (fetched by version)."""
        with self._lock, spelled_by(self.speller):
            recipe, composite = self.recipe, self.composite
            state: dict[str, Any] = {
                "status": dict(self.status),
                "version": self.version,
                "serial": self.serial,
                "values": recipe_values(recipe),
                "palettes": self._palette_choices(),
                "save": self.save_defaults,
            }
            if composite is None or self.planes is None:
                return state
            palette = self.palette()
            t_axis, tau_axis = self.limits()
            background = background_of(composite, recipe.look)
            state.update(
                planes=self.planes.describe(),
                palette={"name": palette.name, "size": palette.size, "key": recipe.palette},
                limits={"t": _limits(t_axis), "tau": _limits(tau_axis)},
                labels={
                    "t": recipe.temperature_label or "brightness temperature (K)",
                    "tau": recipe.cloud_label or composite.cloud_axis,
                    "t_band": composite.temperature_quantity.band,
                    "tau_band": composite.cloud_quantity.band,
                },
                background=list(background) if background is not None else None,
                geometry=composite.geometry is not None,
                notes=composite.notes,
            )
            return state

    def _palette_choices(self) -> list[str]:
        names = list_palettes()
        if is_path(self.recipe.palette):
            names.append(self.recipe.palette)
        return names

    def palette_bytes(self) -> bytes:
        """The current palette's table as the page looks it up."""
        with self._lock:
            return packed_palette(self.palette())

    def planes_bytes(self) -> tuple[int, bytes]:
        """The current planes' version and bytes."""
        with self._lock:
            if self.planes is None:
                raise InputError("the composite is not ready yet")
            return self.version, self.planes.to_bytes()
