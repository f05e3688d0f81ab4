"""The studio's background work and its news: one prepare at a time, the latest asked for wins.

A change of inputs or corrections needs the bands read and corrected again,
which takes from a tenth of a second to many seconds. It runs in one worker
thread (a daemon: a server being stopped does not wait for it), the page
hears its stages, and when several changes come while one runs only the
last is prepared next. News (progress, warnings, a new version, an error)
goes to every open page through :class:`Events`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Events", "Worker"]


class Events:
    """The pages listening (each an asyncio queue on its loop); news is sent to all, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = []

    def listen(self) -> asyncio.Queue:
        """A queue receiving every event from now on (call from the page's coroutine)."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=256)
        with self._lock:
            self._listeners.append((asyncio.get_running_loop(), queue))
        return queue

    def leave(self, queue: asyncio.Queue) -> None:
        with self._lock:
            self._listeners = [(loop, q) for loop, q in self._listeners if q is not queue]

    def send(self, event: dict[str, Any]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for loop, queue in listeners:
            with contextlib.suppress(RuntimeError):  # a closed loop: the server is stopping
                loop.call_soon_threadsafe(_offer, queue, event)


def _offer(queue: asyncio.Queue, event: dict[str, Any]) -> None:
    if not queue.full():  # a page that stopped reading misses news rather than growing a queue
        queue.put_nowait(event)


class Worker:
    """Runs ``job(task)`` for the latest task given, one at a time, in a daemon thread."""

    def __init__(self, job: Callable[[Any], None], name: str = "falsecolor-studio-prepare"):
        self._job = job
        self._name = name
        self._condition = threading.Condition()
        self._pending: Any = None
        self._busy = False
        self._stopped = False
        self._thread: threading.Thread | None = None

    def submit(self, task: Any) -> None:
        """Prepare ``task`` next (replacing any task still waiting)."""
        with self._condition:
            self._pending = task
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._condition.notify()

    @property
    def busy(self) -> bool:
        with self._condition:
            return self._busy or self._pending is not None

    def superseded(self) -> bool:
        """Whether a newer task waits (the running one's result will not be shown)."""
        with self._condition:
            return self._pending is not None

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._pending = None
            self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._pending is None and not self._stopped:
                    self._condition.wait()
                if self._stopped:
                    return
                task, self._pending, self._busy = self._pending, None, True
            try:
                self._job(task)
            finally:
                with self._condition:
                    self._busy = False
