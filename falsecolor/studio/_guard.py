"""Who may talk to the studio: the page the user opened, and nothing else on the machine or the web.

Every HTTP request and WebSocket handshake passes three checks before the
application sees it, and gets 403 otherwise:

1. **Host** is ``127.0.0.1:PORT`` or ``localhost:PORT``: a web site whose
   name an attacker points at 127.0.0.1 (DNS rebinding) sends its own name.
2. **Origin**, when the browser sends one (every WebSocket handshake and
   every POST), is the studio's own: another site's page cannot drive it.
3. **The token** (in the path of the page's own files, ``/s/TOKEN/...``, in
   ``?token=``, or in the ``X-Falsecolor-Token`` header) equals the session's,
   compared in constant time. It is printed on the studio's first line and
   known to nobody else.

Responses carry a content security policy that lets the page load only its
own files and talk only to its own server.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

__all__ = ["TOKEN_HEADER", "Guard", "Place"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_HEADER = "x-falsecolor-token"
_HOSTS = ("127.0.0.1", "localhost")


@dataclass
class Place:
    """Where the studio listens (the port is known once the socket is bound) and whether it may be framed."""

    port: int = 0
    framed: bool = False

    def hosts(self) -> set[str]:
        return {f"{host}:{self.port}" for host in _HOSTS}

    def origins(self) -> set[str]:
        return {f"http://{host}" for host in self.hosts()}


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name (a header given twice counts as wrong: joined)."""
    found: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        found[name] = f"{found[name]},{value}" if name in found else value
    return found


def _token_of(scope: Scope, headers: dict[str, str]) -> str | None:
    path = scope.get("path", "")
    if path.startswith("/s/"):
        return path.split("/")[2]
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if "token" in query:
        return query["token"][-1]
    return headers.get(TOKEN_HEADER)


class Guard:
    """ASGI middleware: Host, Origin and token checked on every request and WebSocket; 403 otherwise."""

    def __init__(self, app: ASGIApp, *, token: str, place: Place):
        self.app = app
        self._token = token.encode("ascii")
        self.place = place

    def problem(self, scope: Scope) -> str | None:
        """Why a request is refused, or None."""
        headers = _headers(scope)
        if headers.get("host") not in self.place.hosts():
            return "this server answers only to 127.0.0.1 and localhost"
        origin = headers.get("origin")
        if origin is not None and origin not in self.place.origins():
            return "requests from other sites are refused"
        given = _token_of(scope, headers)
        if given is None or not hmac.compare_digest(given.encode("utf-8", "replace"), self._token):
            return "the token is missing or wrong: open the address the studio printed"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        problem = self.problem(scope)
        if problem is not None:
            if scope["type"] == "websocket":  # closing before accepting: the server answers 403
                await send({"type": "websocket.close", "code": 1008})
                return
            body = f"falsecolor studio: forbidden: {problem}\n".encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                        *self._security_headers(),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *self._security_headers()]
            await send(message)

        await self.app(scope, receive, secured)

    def _security_headers(self) -> list[tuple[bytes, bytes]]:
        sockets = " ".join(f"ws://{host}" for host in sorted(self.place.hosts()))
        policy = (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            f"connect-src 'self' {sockets}; base-uri 'none'; form-action 'none'"
        )
        headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cache-control", b"no-store"),
            (b"cross-origin-resource-policy", b"same-origin"),
        ]
        if not self.place.framed:  # the command line's page is never framed; a notebook's is
            policy += "; frame-ancestors 'none'"
            headers.append((b"x-frame-options", b"DENY"))
        return [(b"content-security-policy", policy.encode()), *headers]
