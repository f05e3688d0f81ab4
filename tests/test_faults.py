"""Faults: writes interrupted in process and out of process, two renders racing for one output, a
stack interrupted and run again, and a dask worker killed in the middle of a stack.

The promise under test (README): outputs go to a temporary file that is renamed into place, so
a file is either complete or absent, and the outputs of one run are written all or none.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

import falsecolor
from falsecolor.cli import main
from falsecolor.exceptions import FalsecolorError, OutputError

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="the fault injection reads /proc/self/fd and sends POSIX signals"
)

# A temporary (``.NAME.XXXXXXXX.part``) or a backup (``.NAME.<uuid>.old``) beside its target.
DEBRIS = re.compile(r"^\.(?P<target>.+)\.\d+\.[A-Za-z0-9_]+\.(part|old)$")


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "falsecolor", *args]


def _names(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def _old_png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (16, 16), shade).save(buffer, format="PNG")
    return buffer.getvalue()


def _old_fits(value: float) -> bytes:
    buffer = io.BytesIO()
    fits.PrimaryHDU(np.full((4, 4), value, np.float32)).writeto(buffer)
    return buffer.getvalue()


def _old_contents(paths: list[Path]) -> dict[Path, bytes]:
    """Valid, recognisable old versions of the outputs (so 'old' is an exact byte comparison)."""
    old = {}
    for k, path in enumerate(paths):
        if path.suffix == ".fits":
            old[path] = _old_fits(k + 1.0)
        elif path.suffix == ".png":
            old[path] = _old_png(10 * k + 5)
        else:
            old[path] = f"old {path.name}".encode()
        path.write_bytes(old[path])
    return old


def _pixels(path: Path) -> np.ndarray:
    """Decode the whole image (a truncated file raises here)."""
    with Image.open(path) as image:
        image.load()
        return np.asarray(image)


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert "Traceback" not in lines[0]
    return lines[0]


# ---- 1a: a write that fails half-way, in process -------------------------------------------------


class _Fault:
    """Raise ``error`` at the ``nth`` (0-based) ``step`` taken on a file inside ``directory``.

    Steps of :func:`falsecolor.export.write_atomically`, in the order they happen:
    ``write`` (the n-th temporary file gets 4096 bytes, then its next write raises),
    ``fsync`` (the n-th temporary is fully written, not yet synced), ``backup`` (the hard link
    keeping the n-th existing target's old content) and ``rename`` (the n-th temporary about to be
    renamed onto its target: a signal arriving between two renames looks exactly like this).
    """

    BUDGET = 4096

    def __init__(self, monkeypatch, directory: Path, step: str, nth: int, error: BaseException):
        self.directory, self.step, self.nth, self.error = os.path.realpath(directory), step, nth, error
        self.seen = 0
        self.fired = False
        real = {name: getattr(os, name) for name in ("fdopen", "fsync", "link", "replace")}
        self.real = real

        def fdopen(fd, mode="r", *args, **kwargs):
            if step == "write" and mode == "wb" and self._hit(self._fd_path(fd)):
                return io.BufferedWriter(_LimitedFile(fd, self.BUDGET, error))
            return real["fdopen"](fd, mode, *args, **kwargs)

        def fsync(fd):
            if step == "fsync" and self._hit(self._fd_path(fd)):
                raise error
            return real["fsync"](fd)

        def link(source, target, *args, **kwargs):
            if step == "backup" and self._hit(target):
                raise error
            return real["link"](source, target, *args, **kwargs)

        def replace(source, target, *args, **kwargs):
            if step == "rename" and not str(target).endswith(".journal") and self._hit(target):
                raise error
            return real["replace"](source, target, *args, **kwargs)

        for name, function in (("fdopen", fdopen), ("fsync", fsync), ("link", link), ("replace", replace)):
            monkeypatch.setattr(os, name, function)

    @staticmethod
    def _fd_path(fd: int) -> str:
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return ""

    def _hit(self, path) -> bool:
        if os.path.dirname(os.path.realpath(str(path))) != self.directory or self.fired:
            return False
        self.seen += 1
        if self.seen - 1 == self.nth:
            self.fired = True
            return True
        return False


class _LimitedFile(io.FileIO):
    """A file that takes ``budget`` bytes, then raises on the next write (a full disk, a Ctrl-C)."""

    def __init__(self, fd: int, budget: int, error: BaseException):
        super().__init__(fd, "wb", closefd=True)
        self.budget, self.error = budget, error

    def write(self, data) -> int:
        if self.budget <= 0:
            raise self.error
        written = super().write(bytes(data)[: self.budget])
        self.budget -= written
        return written


def _full_disk() -> OSError:
    return OSError(28, "No space left on device")


# (step, nth, error): every moment of an atomic write at which a write error or a Ctrl-C can arrive
FAULTS = [
    pytest.param("write", 0, _full_disk, id="write-first-ENOSPC"),
    pytest.param("write", 3, _full_disk, id="write-last-ENOSPC"),
    pytest.param("write", 0, KeyboardInterrupt, id="write-first-ctrl-c"),
    pytest.param("write", 2, KeyboardInterrupt, id="write-third-ctrl-c"),
    pytest.param("fsync", 3, KeyboardInterrupt, id="fsync-last-ctrl-c"),
    pytest.param("backup", 1, KeyboardInterrupt, id="backup-second-ctrl-c"),
    pytest.param("rename", 1, _full_disk, id="rename-second-ENOSPC"),
    pytest.param("rename", 1, KeyboardInterrupt, id="rename-second-ctrl-c"),
    pytest.param("rename", 3, KeyboardInterrupt, id="rename-last-ctrl-c"),
]


@pytest.fixture(scope="module")
def composite():
    jupiter = falsecolor.synthetic_jupiter((192, 192))
    return falsecolor.render(jupiter.temperature_band, jupiter.cloud_band, t_limits=(120, 135))


def _outputs(directory: Path, picture: str = "tif") -> list[Path]:
    """PNG, a second picture (16-bit TIFF, or JPEG) and the two FITS products, in writing order."""
    return [directory / "out.png", directory / f"out.{picture}", directory / "prod_temperature.fits",
            directory / "prod_opacity.fits"]  # fmt: skip


@pytest.mark.parametrize(
    ("step", "nth", "make_error", "existing"),
    [pytest.param(*fault.values, True, id=f"{fault.id}-over-old-files") for fault in FAULTS]
    + [pytest.param(*fault.values, False, id=f"{fault.id}-new-files") for fault in FAULTS
       if fault.id in ("write-third-ctrl-c", "rename-second-ENOSPC", "rename-second-ctrl-c")],
)  # fmt: skip
def test_interrupted_save_leaves_every_old_file_and_no_debris(
    composite, tmp_path, monkeypatch, step, nth, make_error, existing
):
    # PNG + JPEG + FITS products here (the 16-bit TIFF's fine palette table costs ~1 s per save;
    # the command-line test below writes PNG + TIFF + FITS)
    targets = _outputs(tmp_path, "jpg")
    old = _old_contents(targets) if existing else {}
    error = make_error()
    fault = _Fault(monkeypatch, tmp_path, step, nth, error)
    expected = KeyboardInterrupt if isinstance(error, KeyboardInterrupt) else OutputError
    with pytest.raises(expected) as raised:
        composite.save(targets[:2], fits_prefix=tmp_path / "prod", key=False)
    monkeypatch.undo()
    assert fault.fired
    if expected is OutputError:
        assert "no space left on device" in str(raised.value)
    state = {p.name: ("old" if p.exists() and p.read_bytes() == old.get(p) else
                      "absent" if not p.exists() else "NEW") for p in targets}  # fmt: skip
    want = "old" if existing else "absent"
    assert state == {p.name: want for p in targets}, f"not all-or-nothing after a fault at {step} {nth}"
    assert _names(tmp_path) == sorted(p.name for p in targets if existing), "debris left behind"
    # and the next save, undisturbed, writes them all
    composite.save(targets[:2], fits_prefix=tmp_path / "prod", key=False)
    assert _pixels(targets[0]).shape[:2] == (192, 192)
    assert _names(tmp_path) == sorted(p.name for p in targets)


@pytest.mark.parametrize(
    ("step", "nth", "make_error", "status", "message"),
    [
        pytest.param("write", 2, _full_disk, 2, "no space left on device", id="write-ENOSPC"),
        pytest.param(
            "write", 1, KeyboardInterrupt, 130, "falsecolor: interrupted: no output", id="write-ctrl-c"
        ),
        pytest.param(
            "rename", 2, KeyboardInterrupt, 130, "falsecolor: interrupted: no output", id="rename-ctrl-c"
        ),
    ],
)
def test_cli_render_interrupted_while_writing_keeps_all_old_outputs(
    tmp_path, monkeypatch, capsys, step, nth, make_error, status, message
):
    targets = _outputs(tmp_path)
    old = _old_contents(targets)
    argv = ["render", "--demo", "--demo-size", "96", "--no-key", "-o", str(targets[0]), "-o", str(targets[1]),
            "--fits-out", str(tmp_path / "prod"), "-q"]  # fmt: skip
    fault = _Fault(monkeypatch, tmp_path, step, nth, make_error())
    code = main(argv)
    monkeypatch.undo()
    assert fault.fired
    assert code == status
    assert message in _one_line(capsys.readouterr().err)
    changed = [p.name for p in targets if p.read_bytes() != old[p]]
    assert not changed, f"{changed} replaced although the run failed"
    assert _names(tmp_path) == sorted(p.name for p in targets), "debris left behind"


# ---- 1b: SIGKILL during a render, out of process -------------------------------------------------


def _kill_at(process: subprocess.Popen, directory: Path, moment: tuple) -> str:
    """SIGKILL ``process`` at ``moment``; returns what happened ('killed' or 'finished')."""
    if moment[0] == "after":  # seconds after the start
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=moment[1])
    else:  # ("part", n, seconds): once n temporary files exist (inside the write window), + seconds
        _, count, seconds = moment
        while process.poll() is None and sum(n.endswith(".part") for n in os.listdir(directory)) < count:
            time.sleep(0.0005)
        if seconds:
            time.sleep(seconds)
    if process.poll() is None:
        process.kill()
    process.wait()
    return "killed" if process.returncode == -signal.SIGKILL else f"finished ({process.returncode})"


# seconds after the start; or once the 1st (PNG), 2nd (temperature FITS), 3rd (opacity FITS)
# temporary file appeared, plus a delay
KILL_MOMENTS = [("after", 0.1), ("after", 0.5), ("part", 1, 0.0), ("part", 2, 0.0), ("part", 3, 0.0),
                ("part", 1, 0.05)]  # fmt: skip


def test_sigkill_during_a_render_leaves_old_or_complete_files(tmp_path):
    args = ["render", "--demo", "--demo-size", "512", "--compress-level", "0", "-q"]  # 2 + 6 MB
    reference = tmp_path / "reference"
    reference.mkdir()
    assert main([*args, "-o", str(reference / "out.png"), "--fits-out", str(reference / "prod")]) == 0
    new_pixels = _pixels(reference / "out.png")
    new_fits = {
        name: (reference / name).read_bytes() for name in ("prod_temperature.fits", "prod_opacity.fits")
    }
    observed = []
    for k, moment in enumerate(KILL_MOMENTS):
        directory = tmp_path / f"kill{k}"
        directory.mkdir()
        targets = [
            directory / "out.png",
            directory / "prod_temperature.fits",
            directory / "prod_opacity.fits",
        ]
        old = _old_contents(targets)
        process = subprocess.Popen(
            _cli(*args, "-o", str(targets[0]), "--fits-out", str(directory / "prod")),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        outcome = _kill_at(process, directory, moment)
        states = []
        for target in targets:
            data = target.read_bytes()
            if data == old[target]:
                states.append("old")
            elif target.suffix == ".png":
                try:
                    pixels = _pixels(target)
                except OSError as err:
                    pytest.fail(f"{moment}: {target.name} is neither the old file nor a whole image: {err}")
                assert np.array_equal(pixels, new_pixels), f"{moment}: {target.name} is a wrong image"
                states.append("new")
            else:
                assert data == new_fits[target.name], f"{moment}: {target.name} is neither old nor complete"
                states.append("new")
        debris = sorted(set(_names(directory)) - {t.name for t in targets})
        for name in debris:  # SIGKILL cannot be cleaned up after: only hidden temporaries may remain
            match = DEBRIS.match(name)
            assert match and match["target"] in {t.name for t in targets}, f"{moment}: stray file {name}"
        observed.append((moment, outcome, states, debris))
    print("\nSIGKILL during render:", *observed, sep="\n  ")
    assert any(outcome == "killed" for _, outcome, _, _ in observed)


# ---- 2: two renders writing one output at once ----------------------------------------------------


def test_two_renders_racing_for_one_output_leave_one_complete_result(tmp_path):
    common = ["render", "--demo", "--demo-size", "320", "--tau-limits", "0", "4.5", "-q"]
    limits = {"a": ["--t-limits", "120", "135"], "b": ["--t-limits", "110", "140"]}
    alone = {}
    for name, option in limits.items():
        assert main([*common, *option, "-o", str(tmp_path / f"alone-{name}.png")]) == 0
        alone[name] = _pixels(tmp_path / f"alone-{name}.png")
    assert not np.array_equal(alone["a"], alone["b"])
    directory = tmp_path / "race"
    directory.mkdir()
    target = directory / "out.png"
    target.write_bytes(_old_png(40))
    processes = [  # started together, same work: their write windows overlap
        subprocess.Popen(_cli(*common, *limits[name], "-o", str(target)), stderr=subprocess.PIPE)
        for name in limits
    ]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    pixels = _pixels(target)
    won = [name for name in alone if np.array_equal(pixels, alone[name])]
    assert won, "the output matches neither render"
    assert _names(directory) == ["out.png"], "debris left behind"
    print(f"\nrace: the output is render {won[0]}'s")


# ---- 3: an interrupted stack, run again -------------------------------------------------------------


@pytest.fixture(scope="module")
def lucky_ser(tmp_path_factory):
    """256 synthetic 96 x 96 frames in a SER video: four chunks of 64 to measure, two to stack."""
    from falsecolor.synthetic import synthetic_frames

    path = tmp_path_factory.mktemp("frames") / "jupiter.ser"
    synthetic_frames(256, (96, 96), seed=8, path=path)
    return path


# `falsecolor stack` has no resume or checkpoint option (falsecolor/cli/_stack_options.py; the
# pipeline keeps its partial sums in memory only): after an interruption the way back is a full
# re-run, which must give the uninterrupted result over whatever the interruption left.
STACK_OPTIONS = ["--keep", "50%"]


@pytest.fixture(scope="module")
def stack_reference(lucky_ser, tmp_path_factory):
    """The uninterrupted ``falsecolor stack`` result: band data, header and report."""
    directory = tmp_path_factory.mktemp("stack-reference")
    out, report = directory / "band.fits", directory / "report.json"
    assert main(["stack", str(lucky_ser), "-o", str(out), *STACK_OPTIONS, "--report", str(report), "-q"]) == 0
    return _stack_outputs(out, report)


def _stack_outputs(out: Path, report: Path) -> tuple[np.ndarray, dict, dict]:
    with fits.open(out, memmap=False) as hdul:
        data, header = hdul[0].data.copy(), dict(hdul[0].header)
    return data, header, json.loads(report.read_text())


def _assert_same_stack(got, want) -> None:
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] == want[1]
    assert got[2] == want[2]


class _InterruptAt:
    """A progress bar that raises KeyboardInterrupt (as Ctrl-C would) at the first ``stage`` report."""

    def __init__(self, stage: str):
        self.stage = stage
        self.calls: list[tuple[int, int, str]] = []

    def __call__(self, done: int, total: int, stage: str) -> None:
        self.calls.append((done, total, stage))
        if stage == self.stage and done < total:
            raise KeyboardInterrupt


@pytest.mark.parametrize("stage", ["measuring", "stacking"])
def test_stack_interrupted_in_process_keeps_old_outputs_and_reruns_identically(
    lucky_ser, stack_reference, tmp_path, monkeypatch, capsys, stage
):
    import falsecolor.cli._stack as stack_cli

    out, report, plot = tmp_path / "band.fits", tmp_path / "report.json", tmp_path / "report.png"
    old = _old_contents([out, report, plot])
    interrupt = _InterruptAt(stage)
    monkeypatch.setattr(stack_cli, "Progress", lambda quiet: interrupt)
    argv = ["stack", str(lucky_ser), "-o", str(out), *STACK_OPTIONS, "--report", str(report), "-q"]
    assert main(argv) == 130
    monkeypatch.undo()
    assert interrupt.calls[-1][2] == stage and interrupt.calls[-1][0] < interrupt.calls[-1][1]
    assert _one_line(capsys.readouterr().err).startswith("falsecolor: interrupted")
    assert all(p.read_bytes() == old[p] for p in old), "an interrupted stack replaced an output"
    assert _names(tmp_path) == sorted(p.name for p in old)
    assert main(argv) == 0
    _assert_same_stack(_stack_outputs(out, report), stack_reference)
    assert _names(tmp_path) == sorted(p.name for p in old)


@pytest.mark.parametrize(
    ("sig", "stage"),
    [(signal.SIGKILL, "stacking"), (signal.SIGINT, "measuring")],
    ids=["SIGKILL-stacking", "SIGINT-measuring"],
)
def test_stack_killed_out_of_process_keeps_old_outputs_and_reruns_identically(
    lucky_ser, stack_reference, tmp_path, sig, stage
):
    out, report, plot = tmp_path / "band.fits", tmp_path / "report.json", tmp_path / "report.png"
    old = _old_contents([out, report, plot])
    argv = ["stack", str(lucky_ser), "-o", str(out), *STACK_OPTIONS, "--report", str(report)]
    process = subprocess.Popen(_cli(*argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stderr:  # progress lines "[64/256] measuring" (stderr is not a terminal)
        lines.append(line.rstrip("\n"))
        if stage in line:
            process.send_signal(sig)
            break
    lines += process.stderr.read().splitlines()
    process.wait()
    process.stderr.close()
    interrupted = process.returncode in (-signal.SIGKILL, 130)
    if sig == signal.SIGINT and interrupted:
        assert process.returncode == 130
        messages = [line for line in lines if not line.startswith("[")]
        assert [m.split(":")[:2] for m in messages] == [["falsecolor", " interrupted"]]
    states = {}
    for path in (out, report, plot):
        if path.read_bytes() == old[path]:
            states[path.name] = "old"
        else:  # the run finished before the signal: then everything must be the complete new result
            states[path.name] = "new"
    assert len(set(states.values())) == 1, f"outputs of one run not all-or-nothing: {states}"
    if states[out.name] == "new":
        _assert_same_stack(_stack_outputs(out, report), stack_reference)
    debris = sorted(set(_names(tmp_path)) - {p.name for p in old})
    for name in debris:
        match = DEBRIS.match(name)
        assert match and match["target"] in {p.name for p in old}, f"stray file {name}"
    print(
        f"\n{sig.name} at first '{stage}' line: exit {process.returncode}, outputs {states}, debris {debris}"
    )
    # no resume option: run it again, over whatever debris a SIGKILL left
    assert main([*argv, "-q"]) == 0
    _assert_same_stack(_stack_outputs(out, report), stack_reference)
    assert sorted(set(_names(tmp_path)) - set(debris)) == sorted(p.name for p in old)


# ---- 4: a dask worker killed in the middle of a stack -------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


def _two_workers(cluster) -> None:
    """Wait until the nannies have (re)started both workers (after a kill, the nanny restarts one)."""
    deadline = time.monotonic() + 120
    while len(cluster.scheduler.workers) < 2 or any(
        nanny.process is None or nanny.process.process is None for nanny in cluster.workers.values()
    ):
        if time.monotonic() > deadline:
            pytest.fail("the LocalCluster did not get its two workers back")
        time.sleep(0.05)


def _default_client():
    """The open dask Client that new dask work would go to (the newest one not closed), or None."""
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        return None


def _close_new_client(before) -> bool:
    """Close a Client opened since ``before`` and left open; True if there was one."""
    client = _default_client()
    if client is None or client is before:
        return False
    client.close()
    return True


class _KillWorkerAt:
    """A progress callback that SIGKILLs one worker process at the first ``stage`` report."""

    def __init__(self, cluster, stage: str):
        self.cluster, self.stage = cluster, stage
        self.killed: int | None = None

    def __call__(self, done: int, total: int, stage: str) -> None:
        if self.killed is None and stage == self.stage and done < total:
            nanny = next(n for n in self.cluster.workers.values() if n.process and n.process.process)
            self.killed = nanny.process.process.pid
            os.kill(self.killed, signal.SIGKILL)


@pytest.mark.parametrize(
    ("stage", "allowed_failures"),
    [("measuring", None), ("stacking", 0)],
    ids=["measuring-retries", "stacking-no-retries"],
)
def test_worker_killed_mid_stack_fails_clearly_or_matches_the_serial_result(
    cluster, lucky_ser, monkeypatch, stage, allowed_failures
):
    _two_workers(cluster)
    if allowed_failures is not None:  # a task on a dead worker is not retried: KilledWorker
        monkeypatch.setattr(cluster.scheduler, "allowed_failures", allowed_failures)
    serial = falsecolor.stack(lucky_ser, keep="50%", chunk=8, workers=1)
    killer = _KillWorkerAt(cluster, stage)
    client_before = _default_client()
    try:
        remote = falsecolor.stack(lucky_ser, keep="50%", chunk=8, scheduler=cluster, progress=killer)
    except FalsecolorError as err:
        error, remote = err, None
    else:
        error = None
    leaked = _close_new_client(client_before)
    assert killer.killed is not None
    print(f"\nworker {killer.killed} killed at first '{stage}' result: {error or 'completed'}")
    if error is not None:
        assert "\n" not in str(error) and "dask cluster failed the stack" in str(error)
    else:  # completed on the surviving worker: the image must be the serial one
        np.testing.assert_allclose(remote.data, serial.data, rtol=1e-6, atol=0, equal_nan=True)
        assert [f["kept"] for f in remote.frames] == [f["kept"] for f in serial.frames]
    # the Client that stack() opened on the cluster is closed, whatever the outcome
    assert not leaked, f"stack() left its dask Client open ({'failed' if error else 'completed'})"


class _KillBusyWorker(threading.Thread):
    """Watches the scheduler and SIGKILLs the first worker seen running a ``task`` task."""

    def __init__(self, cluster, task: str):
        super().__init__(daemon=True)
        self.cluster, self.task = cluster, task
        self.killed: int | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for worker in list(self.cluster.scheduler.workers.values()):
                if any(str(ts.key).startswith(self.task) for ts in list(worker.processing)):
                    for nanny in list(self.cluster.workers.values()):
                        if nanny.worker_address == worker.address and nanny.process and nanny.process.process:
                            self.killed = nanny.process.process.pid
                            os.kill(self.killed, signal.SIGKILL)
                            return
            time.sleep(0.001)


@pytest.mark.parametrize("allowed_failures", [None, 0], ids=["retries", "no-retries"])
def test_cli_stack_with_a_worker_killed_exits_2_in_one_line_or_writes_the_right_band(
    cluster, lucky_ser, stack_reference, tmp_path, monkeypatch, capsys, allowed_failures
):
    _two_workers(cluster)
    if allowed_failures is not None:
        monkeypatch.setattr(cluster.scheduler, "allowed_failures", allowed_failures)
    killer = _KillBusyWorker(cluster, "measure_chunk")  # a worker busy measuring frames
    out, report = tmp_path / "band.fits", tmp_path / "report.json"
    client_before = _default_client()
    argv = ["stack", str(lucky_ser), "-o", str(out), *STACK_OPTIONS, "--report", str(report), "-q",
            "--scheduler", cluster.scheduler_address]  # fmt: skip
    killer.start()
    try:
        code = main(argv)
    finally:
        killer.stop.set()
        killer.join()
    leaked = _close_new_client(client_before)
    err = capsys.readouterr().err
    assert killer.killed is not None
    if code == 0:
        _assert_same_stack(_stack_outputs(out, report), stack_reference)
        assert _names(tmp_path) == ["band.fits", "report.json", "report.png"]
    else:
        assert code == 2, err
        assert _one_line(err).startswith("falsecolor: error: the dask cluster failed the stack")
        assert _names(tmp_path) == [], "a failed stack left files behind"
    print(f"\nCLI stack, worker killed while measuring: exit {code} {err.strip()}")
    assert not leaked, f"the stack command left its dask Client open (exit {code})"


# ---- 4: real signals at every moment of the commit, out of process --------------------------------


def _render_argv(directory: Path) -> list[str]:
    return _cli(
        "render", "--demo", "--demo-size", "96", "--no-key", "-o", str(directory / "out.png"),
        "-o", str(directory / "out.tif"), "--fits-out", str(directory / "prod"), "-q",
    )  # fmt: skip


def _targets(directory: Path) -> list[Path]:
    return [directory / n for n in ("out.png", "out.tif", "prod_temperature.fits", "prod_opacity.fits")]


def _state(targets: list[Path], old: dict[Path, bytes]) -> list[str]:
    return ["old" if t.read_bytes() == old[t] else "new" for t in targets]


# a moment (FALSECOLOR_FAULT step:index) and what the outputs must be after a signal there: the
# old set before the commit (temporaries still being written), the new set once the commit began
MOMENTS = [("stage:0", "old"), ("stage:3", "old"), ("backup:0", "new"), ("backup:3", "new"),
           ("rename:0", "new"), ("rename:2", "new"), ("committed:0", "new")]  # fmt: skip


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_at_any_moment_leaves_the_old_set_or_the_new_set_and_no_debris(tmp_path, name):
    number = getattr(signal, name)
    observed = []
    for k, (moment, expected) in enumerate(MOMENTS):
        directory = tmp_path / f"m{k}"
        directory.mkdir()
        targets = _targets(directory)
        old = _old_contents(targets)
        env = {**os.environ, "FALSECOLOR_FAULT": f"{moment}:{name}"}
        done = subprocess.run(_render_argv(directory), env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 128 + number, (moment, done.returncode, done.stderr)
        assert _one_line(done.stderr).startswith("falsecolor: interrupted")
        state = _state(targets, old)
        assert state == [expected] * len(targets), f"{name} at {moment}: {state}"
        assert _names(directory) == sorted(t.name for t in targets), f"{name} at {moment}: debris left"
        observed.append((moment, state[0]))
    print(f"\n{name}:", observed)


def test_a_run_killed_mid_commit_is_undone_by_the_next_write_into_its_folder(tmp_path):
    targets = _targets(tmp_path)
    old = _old_contents(targets)
    env = {**os.environ, "FALSECOLOR_FAULT": "rename:1:SIGKILL"}
    done = subprocess.run(_render_argv(tmp_path), env=env, capture_output=True, timeout=300)
    assert done.returncode == -signal.SIGKILL
    assert _state(targets, old) == ["new", "old", "old", "old"]  # killed between two renames: mixed
    assert any(n.endswith(".journal") for n in _names(tmp_path))
    other = tmp_path / "other.png"
    next_run = subprocess.run(
        _cli("render", "--demo", "--demo-size", "64", "-o", str(other), "-q"), capture_output=True, text=True
    )
    assert next_run.returncode == 0 and "the old files are back" in next_run.stderr
    assert _state(targets, old) == ["old"] * 4
    assert _names(tmp_path) == sorted([*(t.name for t in targets), "other.png"])


def test_ctrl_c_acted_on_while_the_handlers_are_restored_leaves_every_handler_restored(monkeypatch):
    """A Ctrl-C that comes as the commit's handlers are put back is acted on there (its handler is
    already back): the handlers after it are put back too, or a later SIGTERM would be swallowed."""
    from falsecolor import _commit

    before = {number: signal.getsignal(number) for number in _commit.HELD_SIGNALS}
    real, calls = signal.signal, []

    def restoring(number, handler):
        previous = real(number, handler)
        calls.append(number)
        if number == signal.SIGINT and calls.count(number) == 2:  # the restore, with Ctrl-C pending
            raise KeyboardInterrupt
        return previous

    monkeypatch.setattr(_commit.signal, "signal", restoring)
    with pytest.raises(KeyboardInterrupt), _commit.held_signals():
        pass
    monkeypatch.undo()
    assert {number: signal.getsignal(number) for number in _commit.HELD_SIGNALS} == before
