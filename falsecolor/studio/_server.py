"""Serving the studio: a socket on the loopback interface, uvicorn, and a stop that takes a moment.

The socket is bound before anything else, so the address (with a free port for
``--port 0``) is known, and can be printed, before the server runs; a
browser connecting at once waits in the socket's queue. The command line runs
the server in the foreground, where Ctrl-C (or SIGTERM) stops it within about
a second: uvicorn closes the page's connections, gives running requests one
second to finish, and a prepare still running in its worker thread is
abandoned. A notebook runs it in a background thread and shows the page in an
IFrame.
"""

from __future__ import annotations

import contextlib
import errno
import html
import secrets
import socket
import threading
import time
import warnings
import webbrowser
from collections.abc import Iterator
from typing import Any

import uvicorn

from ..exceptions import FalsecolorWarning, InputError
from ._app import make_app
from ._guard import Place
from ._session import Session

__all__ = ["LOOPBACK", "Studio"]

#: The only address the studio listens on.
LOOPBACK = "127.0.0.1"
#: Seconds running requests are given to finish when the server stops.
GRACE = 1


def _bound(port: int) -> socket.socket:
    """A listening TCP socket on the loopback interface (port 0: a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, port))
        sock.listen(64)
    except OSError as err:
        sock.close()
        reason = "it is in use" if err.errno == errno.EADDRINUSE else (err.strerror or str(err)).lower()
        raise InputError(
            f"cannot listen on port {port} ({reason}): give another --port, or 0 for a free one"
        ) from None
    sock.setblocking(False)
    return sock


class Studio:
    """A studio server for one session: its address, and how to run, show and stop it.

    Parameters
    ----------
    session : Session
        The recipe being tuned.
    port : int
        The port on 127.0.0.1 (0: a free port).
    framed : bool
        May the page be shown inside another page (a notebook's IFrame)?
    """

    def __init__(self, session: Session, *, port: int = 0, framed: bool = False):
        self.session = session
        self.token = secrets.token_urlsafe(32)
        self._socket = _bound(port)
        self.place = Place(port=self._socket.getsockname()[1], framed=framed)
        config = uvicorn.Config(
            make_app(session, token=self.token, place=self.place),
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="wsproto",
            timeout_graceful_shutdown=GRACE,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.place.port

    @property
    def url(self) -> str:
        """The page's address, with its token."""
        return f"http://{LOOPBACK}:{self.port}/?token={self.token}"

    def run(self, *, browser: bool = False) -> None:
        """Serve in this thread until Ctrl-C or SIGTERM (the session is prepared meanwhile)."""
        self.session.start()
        if browser:
            threading.Thread(target=_open_browser, args=(self.url,), daemon=True).start()
        try:
            with _forwarded_warnings(self.session):
                self._server.run(sockets=[self._socket])
        finally:
            self.session.stop()
            self._socket.close()

    def start(self) -> Studio:
        """Serve in a background thread (for a notebook); returns at once."""
        if self._thread is None:
            self.session.start()
            self._thread = threading.Thread(
                target=self._server.run,
                kwargs={"sockets": [self._socket]},
                name="falsecolor-studio",
                daemon=True,
            )
            self._thread.start()
            deadline = time.monotonic() + 10
            while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop a server started with :meth:`start`."""
        self._server.should_exit = True
        self.session.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        with contextlib.suppress(OSError):
            self._socket.close()

    def __repr__(self) -> str:
        return f"<falsecolor studio at {self.url}>"

    def _repr_html_(self) -> str:
        address = html.escape(self.url, quote=True)
        return (
            f'<iframe src="{address}" width="100%" height="820" style="border:0" '
            'title="falsecolor studio"></iframe>'
            f'<p style="font-size:small">falsecolor studio: <a href="{address}" target="_blank" '
            'rel="noopener noreferrer">open in a tab</a></p>'
        )

    def __enter__(self) -> Studio:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


@contextlib.contextmanager
def _forwarded_warnings(session: Session) -> Iterator[None]:
    """falsecolor's warnings (a sky left in, a flat axis) are also shown on the page."""
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, FalsecolorWarning):
            session.events.send({"type": "warning", "message": str(message)})
        previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


def _open_browser(url: str) -> None:
    with contextlib.suppress(Exception):  # no browser here: the address is printed anyway
        webbrowser.open(url)
