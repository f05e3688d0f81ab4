"""Lucky-imaging benchmark: frames per second, peak memory and registration accuracy.

2,000 synthetic 512 x 512 frames (a 16-bit SER video with known tip-tilt and
blur, written once to --workdir) go through quality of every frame,
registration of the kept 10 % and accumulation, side by side with a plain
numpy/scipy pipeline written below. Each run is a separate process, so its
peak memory (VmHWM, or ru_maxrss off Linux) is its own. Memory is also measured at 500 and 1,000
frames to show it does not grow with the frame count.

    python benchmarks/stack.py [--frames 2000] [--size 512] [--workdir /tmp/falsecolor-bench]

benchmarks/run.py imports measure() from here and puts the rows in its table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# Peak resident memory of this process image. /proc's VmHWM starts afresh at exec; ru_maxrss would
# inherit the parent's peak on Linux (a big parent such as run.py would set every child's floor).
PEAK_MB = r"""
import resource
def peak_mb():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

RUN_FALSECOLOR = (
    PEAK_MB
    + r"""
import json, sys, time, dataclasses
import falsecolor, falsecolor.pipeline  # imported before the clock starts, as the baseline's scipy is
from falsecolor.bands import open_frames
path, n, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
source = open_frames(path)
source = dataclasses.replace(source, segments=[dataclasses.replace(source.segments[0], count=n)])
imported = peak_mb()
start = time.perf_counter()
result = falsecolor.stack(source, keep="10%", workers=workers)
seconds = time.perf_counter() - start
shifts = [[f["index"], f["dy"], f["dx"]] for f in result.frames if f["kept"]]
peak = peak_mb()
print(json.dumps({"seconds": seconds, "peak_mb": peak, "import_mb": imported, "shifts": shifts}))
"""
)

RUN_BASELINE = (
    PEAK_MB
    + r"""
import json, sys, time
import numpy as np, scipy.fft
from scipy import ndimage
from falsecolor.bands import read_ser_header
path, n = sys.argv[1], int(sys.argv[2])
head = read_ser_header(path)
ny, nx = head.height, head.width
frames = np.memmap(path, dtype="<u2", mode="r", offset=178, shape=(head.frame_count, ny, nx))
imported = peak_mb()
start = time.perf_counter()
# pass 1: normalised Laplacian energy of every frame
quality = np.empty(n)
for i in range(n):
    f = frames[i, ::-1].astype(np.float32)  # SER stores the top row first
    quality[i] = np.var(ndimage.laplace(ndimage.gaussian_filter(f, 1))) / np.mean(f) ** 2
kept = np.sort(np.argsort(-quality)[: max(1, n // 10)])
# pass 2: FFT cross-correlation against the best frame, integer peak + parabola, bilinear shift, mean
ref = ndimage.median_filter(frames[kept[np.argmax(quality[kept])], ::-1].astype(np.float32), 3)
ref_fft = np.conj(scipy.fft.fft2(ref - ref.mean()))
total = np.zeros((ny, nx))
shifts = []
for i in kept:
    f = frames[i, ::-1].astype(np.float32)  # SER stores the top row first
    g = ndimage.median_filter(f, 3)  # hot pixels would pin the correlation peak at zero shift
    cross = ref_fft * scipy.fft.fft2(g - g.mean())
    corr = scipy.fft.ifft2(cross).real  # plain cross-correlation (whitening locks onto fixed-pattern noise)
    py, px = np.unravel_index(np.argmax(corr), corr.shape)
    def vertex(a, b, c):
        d = a - 2 * b + c
        return 0.5 * (a - c) / d if d < 0 else 0.0
    dy = py + vertex(corr[py - 1, px], corr[py, px], corr[(py + 1) % ny, px])
    dx = px + vertex(corr[py, px - 1], corr[py, px], corr[py, (px + 1) % nx])
    dy, dx = (dy + ny / 2) % ny - ny / 2, (dx + nx / 2) % nx - nx / 2
    total += ndimage.shift(f, (-dy, -dx), order=1, mode="nearest")
    shifts.append([int(i), float(dy), float(dx)])
seconds = time.perf_counter() - start
peak = peak_mb()
print(json.dumps({"seconds": seconds, "peak_mb": peak, "import_mb": imported, "shifts": shifts}))
"""
)


def make_frames(workdir: Path, frames: int, size: int, log=print) -> tuple[Path, np.ndarray]:
    """The synthetic SER video and its truth shifts, written once to ``workdir`` and reused."""
    from falsecolor.synthetic import synthetic_frames

    path = workdir / f"jupiter-{frames}x{size}.ser"
    truth = path.with_suffix(".npy")
    if not (path.exists() and truth.exists()):
        workdir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        made = synthetic_frames(frames, (size, size), path=path, seed=1, fwhm=3.0)
        np.save(truth, made.shifts)
        log(f"wrote {path} ({path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - start:.0f} s")
    return path, np.load(truth)


#: Environment limiting BLAS to one thread (a diagnostic run: falsecolor's registration refines
#: each shift with small matrix products, which a threaded BLAS can slow badly on a busy machine).
ONE_THREAD_BLAS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run(script: str, *args, env: dict | None = None) -> dict:
    """Run one contender in a fresh process; its JSON line (time, peak and import RSS, shifts)."""
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **env} if env else None,
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def accuracy(result: dict, truth: np.ndarray) -> float:
    """RMS registration error (pixels) after removing the reference's own offset."""
    rows = np.array(result["shifts"], float)
    error = rows[:, 1:] - truth[rows[:, 0].astype(int)]
    error -= error.mean(axis=0)
    return float(np.sqrt(np.mean(error**2)))


def warm_page_cache(path: Path) -> None:
    """Read the video once so neither contender pays for the disk."""
    with open(path, "rb", buffering=0) as stream:
        buffer = bytearray(1 << 24)
        while stream.readinto(buffer):
            pass


def measure(
    path: Path, truth: np.ndarray, counts, workers: int, repeat: int = 2, one_thread_blas: bool = False
) -> list[dict]:
    """falsecolor.stack and the baseline on the first ``n`` frames of the video, for each ``n``.

    Every run is its own process (so ``peak_mb`` is its own peak RSS). For each
    count falsecolor runs ``repeat`` times and the baseline once, alternately
    (ours, baseline, ours, ...); falsecolor's fastest run is kept. With
    ``one_thread_blas``, falsecolor also runs ``repeat`` times at the largest count
    with BLAS limited to one thread (``"ours_blas1"`` in the last result).
    """
    warm_page_cache(path)
    results = []
    for n in counts:
        ours = [run(RUN_FALSECOLOR, path, n, workers)]
        base = run(RUN_BASELINE, path, n)
        ours += [run(RUN_FALSECOLOR, path, n, workers) for _ in range(repeat - 1)]
        best = min(ours, key=lambda r: r["seconds"])
        for r in (best, base):
            r["rms_px"] = accuracy(r, truth)
            r["fps"] = n / r["seconds"]
        results.append({"frames": n, "ours": best, "base": base, "ours_runs": len(ours)})
    if one_thread_blas and results:
        n = results[-1]["frames"]
        runs = [run(RUN_FALSECOLOR, path, n, workers, env=ONE_THREAD_BLAS) for _ in range(repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        best["rms_px"], best["fps"] = accuracy(best, truth), n / best["seconds"]
        results[-1]["ours_blas1"] = best
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/falsecolor-bench"))
    args = parser.parse_args()
    path, truth = make_frames(args.workdir, args.frames, args.size)
    n = args.frames
    results = measure(path, truth, sorted({max(1, n // 4), max(1, n // 2), n}), args.workers)
    ours, base = results[-1]["ours"], results[-1]["base"]
    print(f"\n{n} frames of {args.size}x{args.size}, keep 10 %, {args.workers} workers")
    print(f"{'':28s}{'time':>9s}{'frames/s':>10s}{'peak MB':>9s}{'reg. RMS px':>13s}")
    for label, r in (("falsecolor.stack (best of 2)", ours), ("numpy/scipy baseline", base)):
        print(f"{label:28s}{r['seconds']:8.2f}s{r['fps']:10.0f}{r['peak_mb']:9.0f}{r['rms_px']:13.3f}")
    print(f"speed ratio: falsecolor {ours['fps'] / base['fps']:.2f}x the baseline")
    print("\npeak memory against frame count (falsecolor.stack | baseline):")
    for result in results:
        r, b = result["ours"], result["base"]
        print(
            f"  {result['frames']:5d} frames: {r['peak_mb']:5.0f} MB, {r['fps']:6.0f} frames/s | "
            f"{b['peak_mb']:5.0f} MB, {b['fps']:6.0f} frames/s"
        )


if __name__ == "__main__":
    main()
