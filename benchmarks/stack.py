"""Lucky-imaging benchmark: `falsecolor stack` against a plain numpy/scipy stacker, whole process.

Each contender is a fresh process, timed from launch to exit (interpreter,
imports, reading, the work and, for falsecolor, writing its FITS), with its own
peak memory (``os.wait4``'s ``ru_maxrss``). They run alternately, several times,
and the best wall time of each is kept, so a busy machine slows both alike.

The plain stacker (``PLAIN`` below) is what a user would write with numpy and
scipy: rank every frame by the variance of its Laplacian, keep the best 10 %,
register each to the best by FFT phase correlation with a parabolic peak, move
it by a Fourier shift and take the mean. No median filter, no checks. It reads
a SER video through a memory map, or decodes each PNG of a folder once.

Inputs (made once in ``--workdir`` and reused): synthetic SER videos of 200 x
256², 2,000 x 256² and 2,000 x 512² (known shifts), a folder of 100 PNG frames
of 512² (8-bit, the first 100 of the 512² video), and the real 10-frame Jupiter
sequence in ``../shared/data/frames/jupiter`` when it is there.

    python benchmarks/stack.py [--repeat 3] [--workdir /tmp/falsecolor-bench]

benchmarks/run.py imports ``measure_all`` from here and puts the rows in its table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED_FRAMES = HERE.parent.parent / "shared" / "data" / "frames" / "jupiter"

PLAIN = r"""
import json, sys, time
from pathlib import Path
import numpy as np, scipy.fft
from scipy import ndimage
path, save = Path(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
if path.is_dir():  # a folder of PNG frames: each decoded once
    from PIL import Image
    def order(p):  # natural order: 2.png before 10.png, other names after
        return (not p.stem.isdigit(), int(p.stem) if p.stem.isdigit() else 0, p.stem)
    names = sorted(path.glob("*.png"), key=order)
    frames = [np.asarray(Image.open(p).convert("L"), np.float32) for p in names]
else:  # a SER video: header, then the frames (16-bit little-endian, or 8-bit)
    nx, ny, depth, count = (int(v) for v in np.fromfile(path, "<i4", 4, offset=26))
    frames = np.memmap(path, "<u2" if depth > 8 else "u1", "r", offset=178, shape=(count, ny, nx))
n = len(frames)
ny, nx = frames[0].shape
quality = np.array([ndimage.laplace(np.asarray(f, np.float32)).var() / np.mean(f, dtype=np.float64) ** 2
                    for f in frames])
kept = np.sort(np.argsort(-quality)[: max(1, n // 10)])
ref = np.asarray(frames[kept[np.argmax(quality[kept])]], np.float32)
conj = np.conj(scipy.fft.rfft2(ref - ref.mean()))
def vertex(a, b, c):
    d = a - 2 * b + c
    return 0.5 * (a - c) / d if d < 0 else 0.0
total = np.zeros((ny, nx))
shifts = []
for i in kept:
    f = np.asarray(frames[i], np.float32)
    spectrum = scipy.fft.rfft2(f)
    cross = conj * spectrum
    cross /= np.abs(cross) + 1e-20  # phase correlation
    corr = scipy.fft.irfft2(cross, s=(ny, nx))
    py, px = np.unravel_index(np.argmax(corr), corr.shape)
    dy = py + vertex(corr[py - 1, px], corr[py, px], corr[(py + 1) % ny, px])
    dx = px + vertex(corr[py, px - 1], corr[py, px], corr[py, (px + 1) % nx])
    dy, dx = (dy + ny / 2) % ny - ny / 2, (dx + nx / 2) % nx - nx / 2
    total += scipy.fft.irfft2(ndimage.fourier_shift(spectrum, (-dy, -dx), n=nx), s=(ny, nx))
    shifts.append([int(i), float(dy), float(dx)])
mean = total / len(kept)
seconds = time.perf_counter() - start
if save != "-":
    np.save(save, mean[::-1] if not path.is_dir() else mean)
print(json.dumps({"seconds": seconds, "shifts": shifts}))
"""

#: Peak memory of falsecolor.stack on the first n frames of a video (memory must not grow with n).
MEMORY = r"""
import dataclasses, sys
import falsecolor.stacking
from falsecolor.bands import open_frames
path, n = sys.argv[1], int(sys.argv[2])
source = open_frames(path)
source = dataclasses.replace(source, segments=[dataclasses.replace(source.segments[0], count=n)])
falsecolor.stacking.stack(source, keep="10%")
"""

CASES = (("200 × 256²", 200, 256), ("2,000 × 256²", 2000, 256), ("2,000 × 512²", 2000, 512))


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


def make_pngs(workdir: Path, video: Path, count: int = 100) -> Path:
    """``count`` 8-bit PNG frames from the start of a 16-bit video, as capture software writes them."""
    from PIL import Image

    from falsecolor.bands import open_frames

    folder = workdir / f"png{count}-{video.stem}"
    if folder.is_dir() and len(list(folder.glob("*.png"))) == count:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    source = open_frames(video)
    frame = np.empty(source.shape, np.float32)
    source.read(0, frame)
    scale = 240.0 / float(np.percentile(frame, 99.9))
    for k in range(count):
        source.read(k, frame)
        pixels = np.clip(frame[::-1] * scale, 0, 255).astype(np.uint8)  # rows top first, as PNGs are
        Image.fromarray(pixels).save(folder / f"{k + 1}.png")
    return folder


#: Runs a command as its grandchild and reports its wall time and its own peak RSS. On Linux a child's
#: ``ru_maxrss`` starts from the peak of the process it was forked from (carried across exec), so a
#: contender forked straight from a big benchmark process would report that process's size; forked
#: from this small launcher, it reports its own.
LAUNCH = r"""
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # KiB on Linux
sys.stderr.write("\n@@" + json.dumps({"wall": wall, "peak": peak, "code": os.waitstatus_to_exitcode(status)}))
"""


def make_cloudy(workdir: Path, video: Path, seed: int = 3) -> Path:
    """The video with passing thin cloud: each frame's signal times a transparency that wanders
    between 0.75 and 1 over the sequence (not so faint that the frame is rejected), plus the noise of
    a brighter, fluctuating sky, up to 3 times the frame's own, when it is low. A cloudy frame's
    noise is larger against its signal, and a flux-normalised sharpness takes that noise for detail:
    the case noise-aware weights are for."""
    out = workdir / f"cloudy-{video.name}"
    if out.exists():
        return out
    from falsecolor.bands import read_ser_header

    head = read_ser_header(video)
    count, ny, nx = head.frame_count, head.height, head.width
    frames = np.memmap(video, "<u2", "r", offset=178, shape=(count, ny, nx))
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0, 0.08, count))
    transparency = 0.75 + 0.25 * (np.cos(walk) + 1) / 2
    sky = float(np.median(frames[0]))
    noise = float(np.std(frames[0][:16, :16]))
    part = out.with_name(out.name + ".part")  # an interrupted run leaves no short video to reuse
    with open(video, "rb") as source, open(part, "wb") as target:
        target.write(source.read(178))
        for k in range(count):
            frame = frames[k].astype(np.float32)
            cloudy = sky + transparency[k] * (frame - sky)
            extra = 3 * noise * (1 - transparency[k]) / 0.25
            cloudy += rng.normal(0, extra, frame.shape).astype(np.float32)
            target.write(np.clip(np.rint(cloudy), 0, 65535).astype("<u2").tobytes())
        source.seek(178 + count * ny * nx * 2)
        target.write(source.read())  # the time stamps
    part.replace(out)
    return out


def run(command: list[str]) -> dict:
    """One contender, its own process: wall time (s), its peak RSS (MB) and its JSON line, if any."""
    done = subprocess.run([sys.executable, "-c", LAUNCH, *command], capture_output=True, text=True)
    err, _, launch = done.stderr.rpartition("\n@@")
    measured = json.loads(launch)
    if measured["code"]:
        raise SystemExit(f"{' '.join(command)} failed:\n{err}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    return {**result, "wall": measured["wall"], "peak_mb": measured["peak"] / 1e6}


def ours_command(frames: Path, out: Path, workers: int, *extra: str) -> list[str]:
    # --keep 10 % as the plain stacker (the default keeps at least 10 frames of a short sequence)
    return [sys.executable, "-m", "falsecolor", "stack", str(frames), "-o", str(out), "-q", "--keep", "10%",
            "--workers", str(workers), *extra]  # fmt: skip


def plain_command(frames: Path, save: str = "-") -> list[str]:
    return [sys.executable, "-c", PLAIN, str(frames), save]


def warm_page_cache(path: Path) -> None:
    """Read the input once so neither contender pays for the disk."""
    for file in [path] if path.is_file() else sorted(path.iterdir()):
        with open(file, "rb", buffering=0) as stream:
            while stream.read(1 << 24):
                pass


def rms_error(shifts: list, truth: np.ndarray, flip_y: bool) -> float:
    """RMS registration error (pixels) of ``[index, dy, dx]`` rows, after removing the common offset."""
    rows = np.array(shifts, float)
    measured = rows[:, 1:] * ([-1.0, 1.0] if flip_y else [1.0, 1.0])
    error = measured - truth[rows[:, 0].astype(int)]
    error -= error.mean(axis=0)
    return float(np.sqrt(np.mean(error**2)))


def image_quality(image: np.ndarray) -> dict:
    """SNR and belt-scale detail of a stacked planet, from the image alone.

    SNR: the disc's level above the sky over the sky's pixel-to-pixel noise
    (robust spread of neighbour differences / sqrt 2). Detail: the RMS of a
    band-pass (difference of Gaussians, sigma 1.5 and 6 px: features of about
    5-20 px) inside the disc, relative to the disc's level.
    """
    from scipy import ndimage

    finite = np.isfinite(image)
    filled = np.where(finite, image, np.nanmedian(image)).astype(np.float64)
    sky_level, top = np.percentile(filled[finite], [20, 99.5])
    disc = filled > sky_level + 0.5 * (top - sky_level)
    inner = ndimage.binary_erosion(disc, iterations=6) & finite
    sky = ~ndimage.binary_dilation(disc, iterations=12) & ndimage.binary_erosion(finite, iterations=2)
    differences = (filled[:, 1:] - filled[:, :-1])[sky[:, 1:] & sky[:, :-1]]
    noise = 1.4826 * float(np.median(np.abs(differences - np.median(differences)))) / np.sqrt(2)
    level = float(np.median(filled[inner]) - np.median(filled[sky]))
    band = ndimage.gaussian_filter(filled, 1.5) - ndimage.gaussian_filter(filled, 6.0)
    return {"snr": level / noise, "detail": float(np.std(band[inner])) / level}


def compare(label: str, frames: Path, workers: int, repeat: int, truth: np.ndarray | None = None,
            quality: bool = False) -> dict:  # fmt: skip
    """Both contenders on ``frames``, alternately ``repeat`` times each; the best of each."""
    warm_page_cache(frames)
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "stack.fits"
        ours, plain = [], []
        for _ in range(repeat):
            ours.append(run(ours_command(frames, out, workers)))
            plain.append(run(plain_command(frames)))
        best = {"ours": min(ours, key=lambda r: r["wall"]), "plain": min(plain, key=lambda r: r["wall"])}
        result = {"label": label, **best}
        if truth is not None or quality:  # untimed runs: the shifts and the images
            report = Path(directory) / "report.json"
            mean = Path(directory) / "plain.npy"
            plain_run = run(plain_command(frames, str(mean)))
            run(ours_command(frames, out, workers, "--report", str(report)))
            if truth is not None:
                records = json.loads(report.read_text())["frames"]
                shifts = [[f["index"], f["dy"], f["dx"]] for f in records if f["kept"]]
                result["rms_ours"] = rms_error(shifts, truth, flip_y=False)
                result["rms_plain"] = rms_error(plain_run["shifts"], truth, flip_y=True)
            if quality:
                from astropy.io import fits

                result["quality"] = {"falsecolor (quality weights)": image_quality(fits.getdata(out))}
                run(ours_command(frames, out, workers, "--weights", "snr"))
                result["quality"]["falsecolor --weights snr"] = image_quality(fits.getdata(out))
                result["quality"]["plain stacker"] = image_quality(np.load(mean))
    return result


def memory_against_count(video: Path, counts: list[int]) -> list[tuple[int, float]]:
    """falsecolor.stack's peak memory on the first n frames of the video, for each n."""
    return [(n, run([sys.executable, "-c", MEMORY, str(video), str(n)])["peak_mb"]) for n in counts]


def compile_bytecode() -> str:
    """Compile falsecolor's modules to bytecode, as ``pip install`` does when it installs them.

    In a source checkout (an editable install) with bytecode writing off
    (``PYTHONDONTWRITEBYTECODE``, as on this development machine), every command
    would compile each of its modules from source at start-up, about 0.1 s that
    an installed package never pays. Returns the line the benchmark prints.
    """
    import compileall

    import falsecolor

    package = Path(falsecolor.__file__).resolve().parent
    compileall.compile_dir(package, quiet=1)
    return f"falsecolor from {package}, its bytecode compiled first (as pip install does)"


def measure_all(workdir: Path, workers: int = 2, repeat: int = 3, log=print, quick: bool = False) -> dict:
    """Every comparison: the synthetic videos, the PNG folder, the real frames, memory, quality."""
    log(f"  {compile_bytecode()}")
    cases = (("200 × 128²", 200, 128), ("400 × 256²", 400, 256)) if quick else CASES
    results: dict = {"cases": [], "workers": workers, "repeat": repeat}
    videos = {}
    for label, n, size in cases:
        video, truth = make_frames(workdir, n, size, log=log)
        videos[(n, size)] = video
        last = (n, size) == cases[-1][1:]
        log(f"  stacking {label} ...")
        results["cases"].append(compare(label, video, workers, repeat, truth, quality=not quick and last))
    small = videos[cases[-2][1:]] if len(cases) > 1 else videos[cases[-1][1:]]
    cloudy = make_cloudy(workdir, small)
    log(f"  stacking {cloudy.name} ...")
    label = f"{cases[-2][0] if len(cases) > 1 else cases[-1][0]} with passing cloud"
    results["cases"].append(compare(label, cloudy, workers, repeat, quality=True))
    largest = videos[cases[-1][1:]]
    pngs = make_pngs(workdir, largest, 20 if quick else 100)
    log(f"  stacking {pngs.name} ...")
    results["cases"].append(compare(f"{20 if quick else 100} PNG frames, {cases[-1][2]}²", pngs, workers,
                                    repeat))  # fmt: skip
    if SHARED_FRAMES.is_dir():
        log("  stacking the real Jupiter frames ...")
        results["cases"].append(compare("10 real PNG frames (Jupiter, 640 × 360)", SHARED_FRAMES, workers,
                                        repeat))  # fmt: skip
    n = cases[-1][1]
    results["memory"] = memory_against_count(largest, [n // 4, n // 2, n])
    results["memory_of"] = cases[-1][0]
    return results


def lines_of(results: dict) -> list[str]:
    out = [f"  {'frames':40s} {'falsecolor':>11s} {'plain':>9s} {'speed-up':>9s} {'peak MB':>15s} "
           f"{'reg. RMS px':>15s}"]  # fmt: skip
    for case in results["cases"]:
        ours, plain = case["ours"], case["plain"]
        rms = f"{case['rms_ours']:.3f} / {case['rms_plain']:.3f}" if "rms_ours" in case else ""
        out.append(
            f"  {case['label']:40s} {ours['wall']:10.2f}s {plain['wall']:8.2f}s "
            f"{plain['wall'] / ours['wall']:8.2f}x {ours['peak_mb']:6.0f} / {plain['peak_mb']:5.0f} "
            f"{rms:>15s}"
        )
    for case in results["cases"]:
        for who, q in case.get("quality", {}).items():
            out.append(f"  {case['label']}: {who:32s} SNR {q['snr']:7.0f}, detail {100 * q['detail']:.2f} %")
    memory = ", ".join(f"{n:,} frames {mb:.0f} MB" for n, mb in results["memory"])
    out.append(f"  falsecolor.stack peak memory against frame count: {memory}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="small inputs: a smoke run")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/falsecolor-bench"))
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = measure_all(args.workdir, args.workers, args.repeat, quick=args.quick)
    print("\n".join(lines_of(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
