"""Block-wise, multi-threaded evaluation of element-wise kernels.

Large images are processed in blocks small enough to stay in the CPU cache,
with one scratch buffer per worker thread, and the blocks are shared between
threads (numpy releases the GIL inside ufuncs). Every stage that does
per-pixel arithmetic over a whole image uses :func:`map_blocks` rather than
whole-array temporaries.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BLOCK_SIZE",
    "Kernel",
    "float_dtype",
    "map_blocks",
    "sample_index",
    "sample_rows",
    "subsample",
    "worker_count",
]

#: Elements per block. Fewer, longer numpy calls let two threads overlap better (each call
#: hands the GIL over); a block's scratch buffers (a few MiB) still stay in the L3 cache.
BLOCK_SIZE = 131072

# Below this many elements threads cost more than they save.
_THREAD_THRESHOLD = 4 * BLOCK_SIZE

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def worker_count() -> int:
    """Threads used for block work (``FALSECOLOR_THREADS`` overrides the CPU count)."""
    env = os.environ.get("FALSECOLOR_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(os.cpu_count() or 1, 8))


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=worker_count(), thread_name_prefix="falsecolor")
        return _pool


def _forget_pool_after_fork() -> None:
    """A forked child inherits the pool object but not its threads: start afresh."""
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def float_dtype(values: np.ndarray) -> type:
    """float32 for float32 data (results stay float32), float64 otherwise."""
    return np.float32 if np.asarray(values).dtype == np.float32 else np.float64


def map_blocks(
    kernel: Callable[..., None],
    inputs: Sequence[np.ndarray],
    outputs: Sequence[np.ndarray],
    *,
    scratch: Sequence[np.dtype | type] = (),
    block_size: int = BLOCK_SIZE,
) -> None:
    """Run ``kernel(*input_blocks, *output_blocks, *scratch_blocks)`` over flat blocks.

    Parameters
    ----------
    kernel
        Writes its results into the output blocks in place. It receives 1-D
        views of equal length; scratch blocks are per-thread buffers of the
        requested dtypes, sliced to the block length. It runs with all numpy
        floating-point warnings off, so it must handle NaN and overflow itself.
    inputs, outputs
        Arrays of the same size (any shape; C-contiguous outputs required).
    scratch
        dtypes of the scratch buffers the kernel needs.
    block_size
        Elements per block.
    """
    size = outputs[0].size if outputs else inputs[0].size
    flat_in = [np.ravel(a) for a in inputs]
    flat_out = []
    for arr in outputs:
        if not arr.flags.c_contiguous:
            raise ValueError("map_blocks outputs must be C-contiguous")
        flat_out.append(arr.reshape(-1))
    starts = range(0, size, block_size)

    def run(chunk: range) -> None:
        buffers = [np.empty(block_size, dtype=dt) for dt in scratch]
        # Kernels handle NaN and out-of-range values explicitly; floating-point
        # flags would only produce noise (and errstate is per thread).
        with np.errstate(all="ignore"):
            _run_chunk(chunk, buffers)

    def _run_chunk(chunk: range, buffers: list[np.ndarray]) -> None:
        for start in chunk:
            stop = min(start + block_size, size)
            n = stop - start
            kernel(
                *(a[start:stop] for a in flat_in),
                *(a[start:stop] for a in flat_out),
                *(b[:n] for b in buffers),
            )

    workers = worker_count()
    if size < _THREAD_THRESHOLD or workers == 1:
        run(starts)
        return
    # Interleave blocks between workers so they finish together.
    # each task runs in a copy of the caller's context, so its messages name options as the caller does
    futures = [
        _executor().submit(contextvars.copy_context().run, run, starts[i::workers]) for i in range(workers)
    ]
    for future in futures:
        future.result()


@dataclass(frozen=True)
class Kernel:
    """An element-wise operation on 1-D blocks, as stages hand them to the pipeline.

    ``func(*input_blocks, *output_blocks, *scratch_blocks)`` writes its outputs
    in place; ``scratch`` lists the dtypes of the per-thread buffers it needs.
    Kernels from several stages can be chained inside one pass over an image.
    """

    func: Callable[..., None]
    scratch: tuple[type, ...] = ()

    def run(self, inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray]) -> None:
        """Apply the kernel to whole arrays, block by block on all cores."""
        map_blocks(self.func, inputs, outputs, scratch=self.scratch)


#: Percentiles and limits are estimated on at most about this many pixels.
MAX_SAMPLES = 1 << 18


def sample_index(shape: tuple[int, ...], *, max_samples: int = MAX_SAMPLES) -> slice:
    """The rows (first axis) of an even, deterministic sample of at most ~``max_samples`` values.

    Whole rows are contiguous in memory, so the sample costs a fraction of a
    pass over the image, and percentiles from a quarter of a million evenly
    spread pixels are as good as from all of them for display limits. (astropy's ``n_samples``
    draws randomly, which would make renders irreproducible.) An image with fewer
    rows than the stride is sampled whole.
    """
    size = int(np.prod(shape))
    stride = max(1, -(-size // max_samples))
    return slice(None, None, stride if stride <= shape[0] else 1)


def sample_rows(values: np.ndarray, *, max_samples: int = MAX_SAMPLES) -> np.ndarray:
    """Every k-th row of an image (see :func:`sample_index`); 1-D input is sampled by value."""
    values = np.asarray(values)
    return values[sample_index(values.shape, max_samples=max_samples)]


def subsample(
    values: np.ndarray, mask: np.ndarray | None = None, *, max_samples: int = MAX_SAMPLES
) -> np.ndarray:
    """Finite values of :func:`sample_rows` where ``mask`` (True = excluded) is False, flattened."""
    sample = np.ravel(sample_rows(values, max_samples=max_samples))
    keep = np.isfinite(sample)
    if mask is not None:
        keep &= ~np.ravel(sample_rows(mask, max_samples=max_samples))
    return sample[keep]
