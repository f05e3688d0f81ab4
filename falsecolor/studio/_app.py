"""The studio's web application (Starlette): the page, its own files, a small JSON API and a WebSocket.

=========================  ==================================================================
route                      what
=========================  ==================================================================
``GET /``                  the page (``?token=``)
``GET /s/TOKEN/NAME``      one of the page's own files (a fixed list read from the package)
``GET /api/controls``      the options as controls (generated from the option model)
``GET /api/state``         values, limits, labels, status
``POST /api/change``       ``{"changes": {name: value}}``: checked as a recipe; 422 with the message
``GET /api/planes``        T and cloud codes (uint16) for the page's own look-up
``GET /api/palette``       the palette's 8-bit table
``GET /api/pixel?x=&y=``   a pixel's T, cloud value, latitude and longitude
``GET /api/preview.png``   the page as it will be saved (key, texts), its composite at most 1024 px
``POST /api/save``         ``{"files": [...], "fits": ..., "recipe": ..., "replace": bool}``
``WS /ws``                 news: progress of a prepare, warnings, a new version, errors
=========================  ==================================================================

The blocking work (a preview, a save) runs in Starlette's thread pool; a
prepare runs in the session's own worker thread.
"""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .._messages import readable
from ..exceptions import FalsecolorError
from ._controls import band_controls, controls
from ._guard import Guard, Place
from ._results import pixel_info, preview_png, save
from ._session import Session

__all__ = ["STATIC_FILES", "make_app", "static_files"]

#: The page's own files, by name, and their types: nothing else is ever served.
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "studio.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "api.js": "text/javascript; charset=utf-8",
    "colour.js": "text/javascript; charset=utf-8",
    "controls.js": "text/javascript; charset=utf-8",
    "key.js": "text/javascript; charset=utf-8",
    "view.js": "text/javascript; charset=utf-8",
    "save.js": "text/javascript; charset=utf-8",
}


def static_files() -> dict[str, bytes]:
    """The page's files, read once from the package."""
    folder = resources.files("falsecolor.studio").joinpath("static")
    return {name: folder.joinpath(name).read_bytes() for name in STATIC_FILES}


def _refused(err: FalsecolorError) -> JSONResponse:
    return JSONResponse({"error": readable(str(err))}, status_code=422)


def _number(request: Request, name: str) -> int:
    try:
        return int(request.query_params[name])
    except (KeyError, ValueError):
        raise FalsecolorError(f"give {name} as a whole number") from None


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise FalsecolorError("the request is not JSON") from None
    if not isinstance(body, dict):
        raise FalsecolorError("the request is not a JSON object")
    return body


async def _closed(websocket: WebSocket) -> None:
    """Returns when the page closes the socket (or the server shuts it down)."""
    try:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    except (WebSocketDisconnect, RuntimeError):
        pass


def make_app(session: Session, *, token: str, place: Place) -> Guard:
    """The studio's application for one session, behind its :class:`~._guard.Guard`."""
    files = static_files()
    page = files["index.html"].replace(b"{{TOKEN}}", token.encode("ascii"))
    described = {"options": controls(), "band_options": band_controls()}

    async def index(request: Request) -> Response:
        return Response(page, media_type=STATIC_FILES["index.html"])

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES or name == "index.html":
            return Response("not found\n", status_code=404, media_type="text/plain")
        return Response(files[name], media_type=STATIC_FILES[name])

    async def options(request: Request) -> Response:
        return JSONResponse(described)

    def state(request: Request) -> Response:
        return JSONResponse(session.state())

    async def change(request: Request) -> Response:
        try:
            body = await _json(request)
            changes = body.get("changes")
            if not isinstance(changes, dict):
                raise FalsecolorError('give {"changes": {option: value}}')
            return JSONResponse(await asyncio.to_thread(session.change, changes))
        except FalsecolorError as err:
            return _refused(err)

    def planes(request: Request) -> Response:
        try:
            version, data = session.planes_bytes()
        except FalsecolorError as err:
            return _refused(err)
        return Response(data, media_type="application/octet-stream", headers={"x-version": str(version)})

    def palette(request: Request) -> Response:
        return Response(session.palette_bytes(), media_type="application/octet-stream")

    def pixel(request: Request) -> Response:
        try:
            return JSONResponse(pixel_info(session, _number(request, "x"), _number(request, "y")))
        except FalsecolorError as err:
            return _refused(err)

    def preview(request: Request) -> Response:
        try:
            return Response(preview_png(session), media_type="image/png")
        except FalsecolorError as err:
            return _refused(err)

    async def save_files(request: Request) -> Response:
        try:
            body = await _json(request)
            files_given = body.get("files") or []
            if not isinstance(files_given, list) or not all(isinstance(f, str) for f in files_given):
                raise FalsecolorError("files must be a list of paths")
            written = await asyncio.to_thread(
                save,
                session,
                files_given,
                fits=body.get("fits") or None,
                recipe_path=body.get("recipe") or None,
                replace=bool(body.get("replace")),
            )
        except FalsecolorError as err:
            return _refused(err)
        return JSONResponse(written)

    async def news(websocket: WebSocket) -> None:
        await websocket.accept()
        queue = session.events.listen()
        closed = asyncio.ensure_future(_closed(websocket))
        try:
            while True:
                event = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({event, closed}, return_when=asyncio.FIRST_COMPLETED)
                if closed in done:
                    event.cancel()
                    return
                await websocket.send_json(event.result())
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            closed.cancel()
            session.events.leave(queue)

    routes = [
        Route("/", index),
        Route("/s/{token}/{name}", static),
        Route("/api/controls", options),
        Route("/api/state", state),
        Route("/api/change", change, methods=["POST"]),
        Route("/api/planes", planes),
        Route("/api/palette", palette),
        Route("/api/pixel", pixel),
        Route("/api/preview.png", preview),
        Route("/api/save", save_files, methods=["POST"]),
        WebSocketRoute("/ws", news),
    ]
    return Guard(Starlette(routes=routes), token=token, place=place)
