"""The commit step of an all-or-nothing write: a journal, the old files kept, renames, no interruptions.

1. A journal (``.falsecolor-PID-XXXX.journal`` in the first target's folder)
   lists each target, its temporary and where its old version is kept; it is
   synced before anything is touched.
2. Each existing target's old version is kept (a hard link, else a copy).
3. The temporaries are renamed onto the targets; then the journal says
   "committed", the old versions are dropped and the journal removed.

From 1 to 3, SIGINT, SIGTERM and SIGHUP are held back (when the commit runs in
the main thread) and delivered once it is over, so a signal finds either the
old set of files or the new one. A rename that fails rolls back what was done.
A process killed outright (SIGKILL) leaves the journal: :func:`recover_folder`,
run before the next write into that folder, puts every old file back (or, if
the journal says "committed", finishes the clean-up), and removes the
temporaries of dead processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .exceptions import OutputError, warn

__all__ = ["HELD_SIGNALS", "commit", "fault", "reason", "recover_folder"]

#: Signals held back while files are renamed into place.
HELD_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_JOURNAL = re.compile(r"^\.falsecolor-(?P<pid>\d+)-[0-9a-f]+\.journal(?P<torn>\.tmp)?$")
_DEBRIS = re.compile(r"^\..+\.(?P<pid>\d+)\.[^.]+\.(part|old)$")
#: Fault injection for the tests: ``FALSECOLOR_FAULT=step:n:SIGNAL`` sends the signal at that moment.
_FAULT_ENV = "FALSECOLOR_FAULT"


def reason(err: OSError) -> str:
    """An OS error in a few words (``permission denied``, ``no space left on device``)."""
    if isinstance(err, PermissionError):
        return "permission denied"
    return (err.strerror or str(err)).lower()


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Within the block, the stopping signals are recorded instead of acted on; then delivered."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {}
    for number in HELD_SIGNALS:
        previous[number] = signal.signal(number, lambda received, frame: caught.append(received))
    try:
        yield
    finally:
        acted: BaseException | None = None
        for number, handler in previous.items():
            try:
                signal.signal(number, handler)
            except BaseException as err:  # a signal that came as it was restored, acted on (Ctrl-C)
                acted = acted or err  # the handler is in place: restore the others before raising
        if acted is not None:
            raise acted
        for number in dict.fromkeys(caught):  # now the restored handlers act on them
            signal.raise_signal(number)


def hidden_prefix(target: Path) -> str:
    """``.NAME.PID.``: how the hidden files beside ``target`` begin (a long NAME is cut to fit)."""
    name = os.fsencode(target.name)[:160]  # the whole name may have at most 255 bytes
    return f".{os.fsdecode(name)}.{os.getpid()}."


def fault(step: str, index: int) -> None:
    """Send the signal named in ``$FALSECOLOR_FAULT`` (``step:index:SIGNAL``) at this moment (tests)."""
    spec = os.environ.get(_FAULT_ENV)
    if spec and spec.split(":")[:2] == [step, str(index)]:
        os.kill(os.getpid(), getattr(signal, spec.split(":")[2]))


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_journal(path: Path, entries: list[dict[str, Any]], committed: bool) -> None:
    """Write (or rewrite) the journal atomically and durably."""
    text = json.dumps({"pid": os.getpid(), "committed": committed, "entries": entries})
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(path.parent)


def _keep_old(target: Path) -> str | None:
    """A hidden copy of an existing target's content (hard link if possible), or None if new."""
    if not target.exists():
        return None
    backup = str(target.parent / f"{hidden_prefix(target)}{uuid.uuid4().hex}.old")
    try:
        try:
            os.link(target, backup)
        except OSError:  # no hard links on this file system: copy instead
            shutil.copy2(target, backup)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(backup)
        raise OutputError(f"cannot write {target}: {reason(err)} (while keeping its old copy)") from err
    return backup


def commit(targets: list[Path], temporaries: list[str]) -> None:
    """Rename the temporaries onto their targets, all or none (see the module's notes)."""
    if not targets:
        return
    journal = targets[0].parent / f".falsecolor-{os.getpid()}-{uuid.uuid4().hex[:12]}.journal"
    entries: list[dict[str, Any]] = [
        {"target": str(t), "temporary": str(p), "backup": None}
        for t, p in zip(targets, temporaries, strict=True)
    ]
    with held_signals():
        try:
            _write_journal(journal, entries, committed=False)
        except OSError as err:
            raise OutputError(
                f"cannot write {targets[0]}: {reason(err)} (while writing its journal)"
            ) from err
        try:
            for index, entry in enumerate(entries):
                fault("backup", index)
                entry["backup"] = _keep_old(Path(entry["target"]))
            _write_journal(journal, entries, committed=False)
            for index, entry in enumerate(entries):
                fault("rename", index)
                try:
                    os.replace(entry["temporary"], entry["target"])
                except OSError as err:
                    raise OutputError(f"cannot write {entry['target']}: {reason(err)}") from err
                entry["renamed"] = True
            fault("committed", 0)
            _write_journal(journal, entries, committed=True)
        except BaseException:
            _roll_back(entries)
            with contextlib.suppress(OSError):
                os.unlink(journal)
            raise
        _finish(entries)
        with contextlib.suppress(OSError):
            os.unlink(journal)


def _roll_back(entries: list[dict[str, Any]]) -> None:
    """Put every target back as it was before the commit; drop the temporaries and kept copies."""
    for entry in reversed(entries):
        target, backup = entry["target"], entry.get("backup")
        renamed = entry.get("renamed") or not os.path.exists(entry["temporary"])
        with contextlib.suppress(OSError):
            if renamed and backup:
                os.replace(backup, target)
                backup = None
            elif renamed:
                os.unlink(target)
        for leftover in (entry["temporary"], backup):
            if leftover:
                with contextlib.suppress(OSError):
                    os.unlink(leftover)


def _finish(entries: list[dict[str, Any]]) -> None:
    """After a commit: drop the kept old versions and any temporary left."""
    for entry in entries:
        for leftover in (entry.get("backup"), entry["temporary"]):
            if leftover:
                with contextlib.suppress(OSError):
                    os.unlink(leftover)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_folder(folder: Path) -> None:
    """Finish or undo the writes that dead processes left in ``folder`` (journals, temporaries)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in sorted(names):  # a journal before its torn rewrite
        match = _JOURNAL.match(name)
        if match and not _alive(int(match["pid"])):
            if match["torn"]:
                with contextlib.suppress(OSError):
                    os.unlink(folder / name)
            else:
                _recover(folder / name)
    for name in os.listdir(folder):
        debris = _DEBRIS.match(name)
        if debris and not _alive(int(debris["pid"])):
            with contextlib.suppress(OSError):
                os.unlink(folder / name)


def _recover(journal: Path) -> None:
    try:
        state = json.loads(journal.read_text(encoding="utf-8"))
        entries = state["entries"]
        committed = bool(state["committed"])
    except (OSError, ValueError, KeyError, TypeError):
        with contextlib.suppress(OSError):  # torn before anything was touched: nothing to undo
            os.unlink(journal)
        return
    if committed:
        _finish(entries)
    else:
        _roll_back(entries)
    with contextlib.suppress(OSError):
        os.unlink(journal)
    targets = ", ".join(Path(e["target"]).name for e in entries)
    what = "finished" if committed else "undone: the old files are back"
    warn(f"a write interrupted by a killed process was {what} ({targets})")
