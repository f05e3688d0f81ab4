"""``main()``: run one command, and turn what can go wrong into one line and an exit status.

=============  =========================================================================
exit status    when
=============  =========================================================================
0              done
1              an unexpected failure (a bug: the traceback with ``--debug``)
2              bad input, options or outputs; not enough memory for the run
129, 130, 143  stopped by SIGHUP, SIGINT (Ctrl-C) or SIGTERM (128 + the signal's number)
=============  =========================================================================

Whatever stops a run, no output is left half-written: files are committed all
together or not at all (:mod:`falsecolor.export`), and a signal that arrives
while they are renamed into place waits until they all are. Messages are made
safe for the terminal: control characters in file names are shown escaped, and
names that are not UTF-8 do not break the output.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .._environment import check_environment
from .._messages import readable
from ..recipe import spelled_by
from ._catalogues import run_filters, run_info, run_palettes
from ._geometry import run_ephemeris, run_map
from ._options import cli_spelling
from ._parser import PROG, build_parser
from ._render import run_render
from ._stack import run_stack
from ._studio import run_studio

__all__ = ["Stopped", "console_main", "main", "terminal_safe"]

_COMMANDS: dict[str, Callable] = {
    "render": run_render,
    "stack": run_stack,
    "info": run_info,
    "palettes": run_palettes,
    "filters": run_filters,
    "ephemeris": run_ephemeris,
    "map": run_map,
    "studio": run_studio,
}
#: Signals that stop a run the way Ctrl-C does: cleanly, with status 128 + the signal's number.
_STOPPING = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # a progress bar's \r stays


class Stopped(KeyboardInterrupt):
    """A stopping signal (SIGTERM, SIGHUP) turned into the exception Ctrl-C raises."""

    def __init__(self, number: int):
        super().__init__(signal.Signals(number).name)
        self.number = number


def _stop(number: int, frame: object) -> None:
    raise Stopped(number)


@contextlib.contextmanager
def _stopping_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP stop the run as Ctrl-C does (temporaries removed), in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _stop) for number in _STOPPING}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def terminal_safe(text: str) -> str:
    """Text with control characters escaped (a file name cannot move the cursor or clear the screen)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], readable(text))


def _say(text: str, stream=None) -> None:
    print(terminal_safe(text), file=stream or sys.stderr)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    _say(f"{PROG}: warning: {message}")


def _robust_streams() -> None:
    """Output that cannot be encoded (a file name that is not UTF-8) is escaped, not a traceback."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


class _SafeStream:
    """A text stream that escapes control characters, so that no name printed can drive the terminal."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(_LINE_CONTROL.sub(lambda m: repr(m.group())[1:-1], readable(text)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _safe_streams() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _SafeStream(sys.stdout), _SafeStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    _robust_streams()
    with _safe_streams():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, subcommands = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command is None:
        parser.error("choose a command: render, stack, info, ephemeris, map, studio, palettes or filters")
    if extra:
        before_command = argv.index(args.command) > argv.index(extra[0]) if extra[0] in argv else False
        (parser if before_command else subcommands[args.command]).error(
            f"unrecognized arguments: {' '.join(extra)}"
        )
    from ..exceptions import FalsecolorError, FalsecolorWarning

    try:
        check_environment()
    except FalsecolorError as err:
        _say(f"{PROG}: error: {err}")
        return 2

    with warnings.catch_warnings():
        if not args.debug:
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", FalsecolorWarning)
        previous = warnings.showwarning
        warnings.showwarning = _show_warning
        try:
            with _stopping_signals(), spelled_by(cli_spelling):  # messages name options as flags
                return _COMMANDS[args.command](args)
        except FalsecolorError as err:
            if args.debug:
                traceback.print_exc()
            _say(f"{PROG}: error: {err}")
            return 2
        except MemoryError:
            if args.debug:
                traceback.print_exc()
            _say(
                f"{PROG}: error: not enough memory for this run: make it smaller (e.g. --size) or free memory"
            )
            return 2
        except BrokenPipeError:
            # the reader of our output went away (`falsecolor filters | head -1`): not an error
            _silence_stdout()
            return 0
        except KeyboardInterrupt as err:
            number = err.number if isinstance(err, Stopped) else signal.SIGINT
            name = "" if number == signal.SIGINT else f" by {signal.Signals(number).name}"
            _say(f"{PROG}: interrupted{name}: no output was left half-written")
            return 128 + int(number)
        except Exception as err:
            if args.debug:
                traceback.print_exc()
            _say(
                f"{PROG}: internal error: {type(err).__name__}: {err} "
                "(rerun with --debug for the traceback, and please report it)"
            )
            return 1
        finally:
            warnings.showwarning = previous


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file: nothing to silence
        pass


def console_main() -> None:
    """Entry point of the ``falsecolor`` console script."""
    sys.exit(main())
