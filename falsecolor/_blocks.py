"""Block-wise, multi-threaded evaluation of element-wise kernels.

Large images are processed in blocks small enough to stay in the CPU cache,
with one scratch buffer per worker thread, and the blocks are shared between
threads (numpy releases the GIL inside ufuncs). Every stage that does
per-pixel arithmetic over a whole image uses :func:`map_blocks` rather than
whole-array temporaries.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["BLOCK_SIZE", "map_blocks", "subsample", "worker_count"]

#: Elements per block: 32768 float64 values are 256 KiB, a few buffers fit in L2.
BLOCK_SIZE = 32768

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
    futures = [_executor().submit(run, starts[i::workers]) for i in range(workers)]
    for future in futures:
        future.result()


#: Percentiles and limits are estimated on at most this many pixels.
MAX_SAMPLES = 1 << 20


def subsample(
    values: np.ndarray, mask: np.ndarray | None = None, *, max_samples: int = MAX_SAMPLES
) -> np.ndarray:
    """Finite values (where ``mask`` is False) on an even, deterministic stride.

    Percentile estimates on a million evenly spaced pixels are as good as on
    all of them for display limits, and a fixed stride keeps results
    reproducible (astropy's ``n_samples`` draws randomly).
    """
    flat = np.ravel(values)
    stride = max(1, flat.size // max_samples)
    sample = flat[::stride]
    keep = np.isfinite(sample)
    if mask is not None:
        keep &= ~np.ravel(mask)[::stride]
    return sample[keep]
