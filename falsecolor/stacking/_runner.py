"""Running the chunk tasks of ``stack`` in order: a thread pool here, or a dask.distributed cluster."""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .._messages import option
from ..exceptions import InputError

__all__ = ["Runner"]


class Runner:
    """Runs chunk tasks in order-preserving fashion, locally or on a cluster."""

    def __init__(self, workers: int | None, scheduler: Any):
        self.client = None
        self._owned = False
        self.workers = max(1, workers or min(2, os.cpu_count() or 1))
        if scheduler is not None:
            self.client, self._owned = _client(scheduler)

    def map(self, function, ctx, chunks: list) -> Iterator:
        if self.client is not None:
            shared = self.client.scatter(ctx, broadcast=True)
            futures = self.client.map(function, [shared] * len(chunks), chunks, pure=False)
            try:
                for future in futures:
                    yield future.result()
                    future.release()
            except Exception as err:
                with contextlib.suppress(Exception):  # a dead cluster must not hide the first error
                    self.client.cancel(futures)
                if type(err).__module__.startswith(("distributed", "dask")):
                    first = str(err).splitlines()[0] if str(err) else type(err).__name__
                    raise InputError(
                        f"the dask cluster failed the stack ({type(err).__name__}: {first[:160]}): "
                        "nothing was written; check the workers and run it again"
                    ) from err
                raise
            return
        if self.workers == 1:
            for chunk in chunks:
                yield function(ctx, chunk)
            return
        with ThreadPoolExecutor(self.workers) as pool:
            context = contextvars.copy_context()  # the workers name options as the caller does
            yield from pool.map(lambda chunk: context.copy().run(function, ctx, chunk), chunks)

    def close(self) -> None:
        if self.client is not None and self._owned:
            self.client.close()
            self.client = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _client(scheduler: Any):
    try:
        from dask.distributed import Client
    except ImportError as err:
        raise InputError(
            "running on a cluster needs dask: install the extra (pip install '.[dask]' in the checkout)"
        ) from err
    if isinstance(scheduler, Client):
        return scheduler, False
    if hasattr(scheduler, "scheduler_address"):  # a LocalCluster or other cluster object
        return Client(scheduler), True
    try:
        return Client(str(scheduler), timeout="10s"), True
    except ValueError as err:  # not an address dask can read
        raise InputError(
            f"{option('scheduler', scheduler)} is not a scheduler address ({err}): "
            "give e.g. tcp://10.0.0.5:8786"
        ) from err
    except (OSError, TimeoutError) as err:
        raise InputError(f"cannot reach the dask scheduler at {scheduler}: {err}") from err
