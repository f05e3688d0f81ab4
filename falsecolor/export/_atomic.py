"""Atomic, all-or-nothing writing of files, never over an input.

Every file is written to a temporary file in the destination directory and
renamed into place, so a reader (or a crash) sees either the old file or the
complete new one, never a partial one. Several files written together are
renamed only after all of them were written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from ..exceptions import OutputError

__all__ = ["check_output", "write_atomically"]

_umask_lock = threading.Lock()


def check_output(path: str | Path, *, inputs: Iterable[str | Path] = ()) -> Path:
    """Validate an output path before any work is done.

    Raises
    ------
    OutputError
        The directory does not exist or is not writable, the path is a
        directory, or it is one of the inputs.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"output {path} is a directory: choose a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"output directory {parent} does not exist: create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write to {parent}: permission denied")
    for source in inputs:
        if _same_file(path, Path(source)):
            raise OutputError(f"output {path} is one of the inputs: choose another name")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _file_mode() -> int:
    with _umask_lock:
        umask = os.umask(0)
        os.umask(umask)
    return 0o666 & ~umask


def write_atomically(
    files: Sequence[tuple[str | Path, Callable[[BinaryIO], object]]],
    *,
    inputs: Iterable[str | Path] = (),
) -> list[Path]:
    """Write several files all-or-nothing.

    Every file is written to a temporary file beside its target first. Then
    each target is renamed into place; should one rename fail, the targets
    already replaced get their old contents back (or are removed if they were
    new), so the directory ends as it was.

    Parameters
    ----------
    files
        ``(path, writer)`` pairs; each writer receives a binary file object.
    inputs
        Paths that must not be overwritten.

    Returns
    -------
    list of Path
        The written paths.
    """
    inputs = list(inputs)
    targets = [check_output(path, inputs=inputs) for path, _ in files]
    if len({t.resolve() for t in targets}) != len(targets):
        raise OutputError(f"two outputs share one name: {[str(t) for t in targets]}")
    temporaries: list[str] = []
    try:
        for target, (_, writer) in zip(targets, files, strict=True):
            temporaries.append(_write_temporary(target, writer))
        _replace_all(targets, temporaries)
        temporaries.clear()
    finally:
        for temporary in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return targets


def _write_temporary(target: Path, writer: Callable[[BinaryIO], object]) -> str:
    try:
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as err:
        raise OutputError(f"cannot write {target}: {_reason(err)}") from err
    try:
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temporary, _file_mode())
    except BaseException as err:  # whatever the writer raised, leave no temporary behind
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(err, OSError):
            raise OutputError(f"cannot write {target}: {_reason(err)}") from err
        raise
    return temporary


def _backup(target: Path) -> str | None:
    """A hidden copy of an existing target's content (hard link if possible), or None if new."""
    if not target.exists():
        return None
    backup = str(target.parent / f".{target.name}.{uuid.uuid4().hex}.old")
    try:
        try:
            os.link(target, backup)
        except OSError:  # no hard links on this file system: copy instead
            shutil.copy2(target, backup)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(backup)
        raise OutputError(f"cannot write {target}: {_reason(err)} (while keeping its old copy)") from err
    return backup


def _replace_all(targets: list[Path], temporaries: list[str]) -> None:
    """Rename the temporaries onto their targets, all or none.

    With several targets, every existing target is first backed up; if a
    rename fails, the targets already replaced get their old content back (or
    are removed if they were new).
    """
    if len(targets) == 1:
        try:
            os.replace(temporaries[0], targets[0])
        except OSError as err:
            raise OutputError(f"cannot write {targets[0]}: {_reason(err)}") from err
        return
    backups: list[str | None] = []
    try:
        for target in targets:
            backups.append(_backup(target))
    except BaseException:  # also Ctrl-C: nothing has been replaced yet
        _discard(backups)
        raise
    done: list[int] = []
    try:
        for index, (target, temporary) in enumerate(zip(targets, temporaries, strict=True)):
            try:
                os.replace(temporary, target)
            except OSError as err:
                raise OutputError(f"cannot write {target}: {_reason(err)}") from err
            done.append(index)
    except BaseException:  # also Ctrl-C between two renames: put the old files back
        for index in reversed(done):
            with contextlib.suppress(OSError):
                backup = backups[index]
                if backup:
                    os.replace(backup, targets[index])
                else:
                    os.unlink(targets[index])
        raise
    finally:
        _discard(backups)


def _discard(paths: list[str | None]) -> None:
    for path in paths:
        if path:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _reason(err: OSError) -> str:
    if isinstance(err, PermissionError):
        return "permission denied"
    return err.strerror or str(err)
