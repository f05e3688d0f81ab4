"""Atomic, all-or-nothing writing of files, never over an input nor anything but a regular file.

Every file is first written to a hidden temporary beside its target
(:class:`Staging`); only when all are written are they committed together
(:mod:`._commit`): a journal is written, old versions kept as hard links, the
temporaries renamed into place, and the journal dropped. Signals that would
stop the process (Ctrl-C, SIGTERM, SIGHUP) wait until the commit is done, and
a run killed outright (SIGKILL, a power cut) leaves a journal that the next
write into the same folder uses to put the old files back.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from ._commit import commit, fault, hidden_prefix, reason, recover_folder
from .exceptions import OutputError

__all__ = ["Staging", "check_output", "output_target", "write_atomically"]

Writer = Callable[[BinaryIO], object]
_umask_lock = threading.Lock()


def output_target(path: str | Path) -> Path:
    """Where an output is really written: a symbolic link to a regular file writes through to it."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_output(path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Validate an output path before any work is done; the path the file will be written to.

    Raises
    ------
    OutputError
        The folder does not exist or is not writable, the path is a folder or
        something else than a regular file (a device, a FIFO, a socket, or a
        link to one), or it is one of the inputs.
    """
    given = Path(path)
    limit = _name_limit(given.parent)
    if len(os.fsencode(given.name)) > limit:
        raise OutputError(
            f"output name {given.name[:40]}... is too long ({len(os.fsencode(given.name))} bytes; "
            f"the file system allows {limit}): choose a shorter name"
        )
    target = output_target(given)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise OutputError(f"cannot write {given}: {reason(err)}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(f"output {given} is a directory: choose a file name")
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(
            f"output {given} is not a regular file (a device, FIFO or socket): choose a file name"
        )
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"output directory {parent} does not exist: create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write to {parent}: permission denied")
    for source in inputs:
        if _same_file(target, Path(source)):
            raise OutputError(f"output {given} is one of the inputs: choose another name")
    return target


def _name_limit(folder: Path) -> int:
    """The longest file name, in bytes, that the folder's file system takes (255 on most)."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def _new_file_mode() -> int:
    with _umask_lock:
        umask = os.umask(0)
        os.umask(umask)
    return 0o666 & ~umask


class Staging:
    """Outputs written to temporaries one by one, then committed together (or all discarded).

    Use as a context manager: leaving it without :meth:`commit` (an error, a
    signal) removes every temporary, and no target has changed. Memory does
    not grow with the number of files: each is on disk once written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with Staging() as staging:
    ...     first = staging.add(folder / "a.txt", lambda fh: fh.write(b"a"))
    ...     second = staging.add(folder / "b.txt", lambda fh: fh.write(b"b"))
    ...     written = staging.commit()
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt', 'b.txt']
    """

    def __init__(self, *, inputs: Iterable[str | Path] = ()):
        self.inputs = list(inputs)
        self.targets: list[Path] = []
        self.temporaries: list[str] = []
        self._recovered: set[Path] = set()

    def check(self, path: str | Path, *, planned: Iterable[Path] = ()) -> Path:
        """Check one more output (writable, not an input, not named twice) before any work."""
        target = check_output(path, inputs=self.inputs)
        if any(_same_file(target, t) for t in (*self.targets, *planned)):
            raise OutputError(f"{path} is named twice: a run writes each output once; choose another name")
        return target

    def add(self, path: str | Path, writer: Writer) -> Path:
        """Write one output to its temporary (``writer`` gets the open binary file)."""
        target = self.check(path)
        if target.parent not in self._recovered:  # a run killed here before: its old files back first
            recover_folder(target.parent)
            self._recovered.add(target.parent)
        self.temporaries.append(_write_temporary(target, writer))
        self.targets.append(target)
        fault("stage", len(self.targets) - 1)
        return target

    def commit(self) -> list[Path]:
        """Rename every temporary onto its target, all or none; the targets."""
        commit(self.targets, self.temporaries)
        self.temporaries = []
        return list(self.targets)

    def discard(self) -> None:
        """Remove the temporaries written so far."""
        for temporary in self.temporaries:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        self.temporaries = []

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()


def write_atomically(
    files: Sequence[tuple[str | Path, Writer]],
    *,
    inputs: Iterable[str | Path] = (),
) -> list[Path]:
    """Write several files all-or-nothing.

    Every file is written to a temporary file beside its target first; then
    all are committed together (see the module's notes), so the folder ends
    either with every new file or with every old one.

    Parameters
    ----------
    files
        ``(path, writer)`` pairs; each writer receives a binary file object.
    inputs
        Paths that must not be overwritten.

    Returns
    -------
    list of Path
        The written paths (a link to a regular file is written through).
    """
    with Staging(inputs=inputs) as staging:
        planned: list[Path] = []
        for path, _ in files:  # every output checked before any is written
            planned.append(staging.check(path, planned=planned))
        for path, writer in files:
            staging.add(path, writer)
        return staging.commit()


def _write_temporary(target: Path, writer: Writer) -> str:
    """The temporary ``.NAME.PID.XXXX.part`` beside ``target``, written, synced, with the final mode."""
    try:
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=hidden_prefix(target), suffix=".part")
    except OSError as err:
        raise OutputError(f"cannot write {target}: {reason(err)}") from err
    try:
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:  # a replaced file keeps its permissions (0600 stays 0600)
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            mode = _new_file_mode()
        os.chmod(temporary, mode)
    except BaseException as err:  # whatever the writer raised, leave no temporary behind
        failure = _os_error(err)
        why = None if failure is None else _why(failure, target.parent)
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if why is not None:
            raise OutputError(f"cannot write {target}: {why}") from err
        raise
    return temporary


def _why(failure: OSError, folder: Path) -> str:
    """Why a write failed; a short write that names no cause (numpy's) on a full disk is a full disk."""
    if failure.errno is None:
        try:
            if os.statvfs(folder).f_bavail == 0:
                return "no space left on device"
        except OSError:
            pass
    return reason(failure)


def _os_error(err: BaseException) -> OSError | None:
    """The OS error behind a writer's failure (a full disk), also when a library wrapped it."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
            return seen
        if isinstance(seen, OSError) and not isinstance(seen, FileNotFoundError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
