"""The studio's server without a browser: who may talk to it, what it serves, what it reads and writes.

A real server (uvicorn on 127.0.0.1, in a thread or as ``falsecolor studio``)
is spoken to with the standard library, so the Host, Origin and token checks
are those a browser meets: every request and WebSocket handshake without the
token, from another site or under another host name gets 403.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("starlette", reason="the studio's extra is not installed")

import falsecolor
from falsecolor import Recipe, pipeline
from falsecolor.cli import main
from falsecolor.cli._options import cli_spelling
from falsecolor.palette import get_palette
from falsecolor.studio import _guard
from falsecolor.studio._app import STATIC_FILES
from falsecolor.studio._controls import controls

URL = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{40,})$")


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    server = pipeline.studio_for(Recipe(demo=64, base=folder), speller=cli_spelling).start()
    assert server.session.wait_ready(60)
    yield server
    server.stop()


def _request(studio, method, path, *, token=True, headers=None, body=None):
    sent = {"X-Falsecolor-Token": studio.token} if token else {}
    sent.update(headers or {})
    if body is not None:
        body = json.dumps(body)
        sent["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", studio.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _handshake(port, path, *, host=None, origin=None) -> str:
    """The status line a WebSocket handshake gets."""
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host or f'127.0.0.1:{port}'}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if origin:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return sock.recv(4096).decode("latin-1").split("\r\n")[0]


def test_it_listens_on_the_loopback_interface_only(studio):
    assert studio._socket.getsockname()[0] == "127.0.0.1"
    assert studio.url == f"http://127.0.0.1:{studio.port}/?token={studio.token}"
    assert len(studio.token) >= 40


def test_every_request_needs_the_token(studio):
    assert _request(studio, "GET", "/api/state", token=False)[0] == 403
    assert _request(studio, "GET", "/", token=False)[0] == 403
    assert (
        _request(studio, "GET", "/api/state", token=False, headers={"X-Falsecolor-Token": "x" * 43})[0] == 403
    )
    assert _request(studio, "GET", f"/?token={studio.token[:-1]}", token=False)[0] == 403
    assert _request(studio, "GET", f"/?token={studio.token}", token=False)[0] == 200
    assert _request(studio, "GET", "/api/state")[0] == 200
    assert _request(studio, "POST", "/api/change", token=False, body={"changes": {"key": False}})[0] == 403
    status, _, body = _request(studio, "GET", "/api/planes", token=False)
    assert status == 403 and b"token" in body


def test_the_token_is_compared_in_constant_time(studio, monkeypatch):
    compared = []
    original = _guard.hmac.compare_digest
    monkeypatch.setattr(_guard.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or original(a, b))
    assert (
        _request(studio, "GET", "/api/state", token=False, headers={"X-Falsecolor-Token": "wrong"})[0] == 403
    )
    assert compared == [(b"wrong", studio.token.encode())]


def test_the_host_header_must_name_the_loopback_address(studio):
    port = studio.port
    for host in (f"evil.example:{port}", f"127.0.0.1:{port + 1}", "127.0.0.1", f"[::1]:{port}"):
        assert _request(studio, "GET", "/api/state", headers={"Host": host})[0] == 403, host
    assert _request(studio, "GET", "/api/state", headers={"Host": f"localhost:{port}"})[0] == 200


def test_another_sites_requests_are_refused(studio):
    port = studio.port
    for origin in (
        "http://evil.example",
        "null",
        f"http://127.0.0.1:{port + 1}",
        f"https://127.0.0.1:{port}",
    ):
        status = _request(studio, "POST", "/api/change", headers={"Origin": origin}, body={"changes": {}})[0]
        assert status == 403, origin
    ours = {"Origin": f"http://127.0.0.1:{port}"}
    assert _request(studio, "POST", "/api/change", headers=ours, body={"changes": {}})[0] == 200


def test_websockets_need_the_token_and_our_origin(studio):
    port, token = studio.port, studio.token
    ours = f"http://127.0.0.1:{port}"
    assert _handshake(port, "/ws", origin=ours).startswith("HTTP/1.1 403")
    assert _handshake(port, f"/ws?token={token}", origin="http://evil.example").startswith("HTTP/1.1 403")
    assert _handshake(port, f"/ws?token={token}", origin=ours, host=f"evil.example:{port}").startswith(
        "HTTP/1.1 403"
    )
    assert _handshake(port, f"/ws?token={token}", origin=ours).startswith("HTTP/1.1 101")


def test_only_the_pages_own_files_are_served(studio):
    token = studio.token
    for name in STATIC_FILES:
        if name != "index.html":
            status, headers, _ = _request(studio, "GET", f"/s/{token}/{name}", token=False)
            assert status == 200 and headers["content-type"].startswith(STATIC_FILES[name].split(";")[0])
    for path in (
        "../_app.py",
        "..%2f_app.py",
        "%2e%2e%2f%2e%2e%2fpyproject.toml",
        "_app.py",
        "index.html",
        "static",
        "..%2F..%2F..%2Fetc%2Fpasswd",
    ):
        status, _, body = _request(studio, "GET", f"/s/{token}/{path}", token=False)
        assert status == 404 and b"import" not in body, path
    assert _request(studio, "GET", f"/s/wrong/{'app.js'}", token=False)[0] == 403


def test_responses_carry_a_strict_content_policy(studio):
    _, headers, page = _request(studio, "GET", f"/?token={studio.token}", token=False)
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer" and headers["x-content-type-options"] == "nosniff"
    assert studio.token.encode() in page and b"<script>" not in page  # no inline script


def test_the_controls_are_the_option_model(studio):
    _, _, body = _request(studio, "GET", "/api/controls")
    described = {o["name"]: o for o in json.loads(body)["options"]}
    assert described == {o["name"]: o for o in json.loads(json.dumps(controls()))}
    option = described["clear_percentile"]
    assert (option["low"], option["high"], option["default"], option["flag"]) == (
        50.0,
        100.0,
        99.5,
        "--clear-percentile",
    )
    assert option["help"].startswith("percentile of the on-disc 5 µm radiance")
    assert described["t_stretch"]["choices"] == ["linear", "sqrt", "asinh", "log"]
    assert described["t_limits"]["above"] == 0.0 and described["tau_limits"]["low"] == 0.0
    assert "files" not in described and described["limb_correction"]["prepare"]


def test_a_refused_value_gets_the_command_lines_message(studio, capsys):
    status, _, body = _request(studio, "POST", "/api/change", body={"changes": {"dpi": 0}})
    assert status == 422
    assert main(["render", "--demo", "--dpi", "0", "-o", "never.png"]) == 2
    assert capsys.readouterr().err.strip() == f"falsecolor: error: {json.loads(body)['error']}"
    status, _, body = _request(studio, "POST", "/api/change", body={"changes": {"t_limits": [135, 120]}})
    assert (
        json.loads(body)["error"] == "--t-limits 135 120: needs the first value below the second, got 135 120"
    )
    status, _, body = _request(
        studio, "POST", "/api/change", body={"changes": {"background": "not-a-colour"}}
    )
    assert status == 422 and json.loads(body)["error"].startswith("--background not-a-colour:")


def test_every_change_is_a_newer_state_and_a_refused_one_is_not(studio):
    """The page drops a state older than the one it shows (the socket's "connected" fetches one that
    can arrive after a change's answer): each change's state must be newer."""
    before = json.loads(_request(studio, "GET", "/api/state")[2])["serial"]
    changed = json.loads(_request(studio, "POST", "/api/change", body={"changes": {"t_stretch": "sqrt"}})[2])
    assert changed["serial"] > before and changed["values"]["t_stretch"] == "sqrt"
    assert _request(studio, "POST", "/api/change", body={"changes": {"dpi": 0}})[0] == 422
    now = json.loads(_request(studio, "GET", "/api/state")[2])
    assert now["serial"] == changed["serial"]
    _request(studio, "POST", "/api/change", body={"changes": {"t_stretch": "linear"}})


def test_the_page_reads_only_files_named_on_the_command_line(studio, tmp_path):
    secret = tmp_path / "elsewhere.csv"
    secret.write_text("latitude,T\n0,130\n", encoding="utf-8")
    for changes in ({"profile": str(secret)}, {"uncertainty": str(tmp_path / "sigma.fits")}):
        status, _, body = _request(studio, "POST", "/api/change", body={"changes": changes})
        assert status == 422 and "reads only the files named on its command line" in json.loads(body)["error"]
    assert studio.session.recipe.profile is None
    # a palette file chosen in the page is read (as render reads one); a broken one gets render's message
    palette = tmp_path / "mine.toml"
    palette.write_text("nothing = 1\n", encoding="utf-8")
    status, _, body = _request(studio, "POST", "/api/change", body={"changes": {"palette": str(palette)}})
    assert status == 422 and "mine.toml" in json.loads(body)["error"]
    assert studio.session.recipe.palette == "visir"
    table = tmp_path / "table.png"
    Image.fromarray(get_palette("peak").lut_image()).save(table)
    status, _, body = _request(studio, "POST", "/api/change", body={"changes": {"palette": str(table)}})
    assert status == 200 and json.loads(body)["palette"]["name"] == "table"
    _, _, packed = _request(studio, "GET", "/api/palette")
    assert packed[4:] == get_palette("peak").lut8.tobytes()  # the bad colour, then the table
    assert _request(studio, "POST", "/api/change", body={"changes": {"palette": "visir"}})[0] == 200


def test_save_writes_through_renders_checks(studio, tmp_path):
    picture, recipe = tmp_path / "out.png", tmp_path / "out.toml"
    status, _, body = _request(
        studio,
        "POST",
        "/api/save",
        body={"files": [str(picture)], "recipe": str(recipe), "fits": str(tmp_path / "j")},
    )
    written = json.loads(body)
    assert status == 200, written
    assert {Path(p).name for p in written["written"]} == {
        "out.png",
        "out.toml",
        "j_temperature.fits",
        "j_opacity.fits",
    }
    saved = hashlib.sha256(picture.read_bytes()).hexdigest()
    # existing files are listed, not replaced, unless the page says so
    status, _, body = _request(studio, "POST", "/api/save", body={"files": [str(picture)]})
    assert json.loads(body) == {"written": [], "replace": [str(picture)]}
    # an unknown picture type, a missing folder and an output that is the same file twice: render's errors
    for files in (
        [str(tmp_path / "a.gif")],
        [str(tmp_path / "no" / "a.png")],
        [str(picture), str(tmp_path / "." / "out.png")],
    ):
        status, _, body = _request(studio, "POST", "/api/save", body={"files": files, "replace": True})
        assert status == 422, files
    assert hashlib.sha256(picture.read_bytes()).hexdigest() == saved
    assert main(["render", str(recipe), "-o", str(tmp_path / "again.png"), "--quiet"]) == 0
    assert (tmp_path / "again.png").read_bytes() == picture.read_bytes()


def test_a_save_never_writes_over_an_input(tmp_path, band_files):
    temperature = band_files["temperature"].rename(tmp_path / "j_temperature.fits")
    recipe = Recipe(temperature=str(temperature), cloud=str(band_files["cloud"]), base=tmp_path)
    server = pipeline.studio_for(recipe).start()
    try:
        assert server.session.wait_ready(60)
        before = temperature.read_bytes()
        for request in (
            {"files": [str(tmp_path / "x.png")], "fits": str(tmp_path / "j")},  # j_temperature.fits
            {"files": [str(tmp_path / "x.png")], "recipe": str(band_files["cloud"])},
        ):
            status, _, body = _request(server, "POST", "/api/save", body={**request, "replace": True})
            assert status == 422 and "input" in json.loads(body)["error"], body
        assert temperature.read_bytes() == before and not (tmp_path / "x.png").exists()
        # the saved recipe names the inputs as they were given (absolute here) and makes the same picture
        out = tmp_path / "out"
        out.mkdir()
        status, _, body = _request(
            server, "POST", "/api/save", body={"files": [str(out / "a.png")], "recipe": str(out / "a.toml")}
        )
        assert status == 200, body
        assert f'temperature = "{temperature}"' in (out / "a.toml").read_text(encoding="utf-8")
        assert main(["render", str(out / "a.toml"), "-o", str(out / "b.png"), "--quiet"]) == 0
        assert (out / "b.png").read_bytes() == (out / "a.png").read_bytes()
    finally:
        server.stop()


def test_pixel_values_and_where_they_are(studio):
    status, _, body = _request(studio, "GET", "/api/pixel?x=32&y=32")
    info = json.loads(body)
    assert status == 200 and info["on_disc"] and 100 < info["t"] < 160 and info["tau"] >= 0
    assert -90 <= info["latitude"] <= 90 and 0 <= info["longitude"] < 360
    assert json.loads(_request(studio, "GET", "/api/pixel?x=0&y=0")[2])["t"] is None
    assert _request(studio, "GET", "/api/pixel?x=64&y=0")[0] == 422


def test_the_preview_is_the_page_save_draws(studio):
    status, headers, body = _request(studio, "GET", "/api/preview.png")
    assert status == 200 and headers["content-type"] == "image/png" and body.startswith(b"\x89PNG")


def test_a_notebook_shows_the_page_in_a_frame():
    composite = pipeline.render_demo(64)
    shown = composite.studio()
    try:
        assert shown.session.wait_ready(60)
        html = shown._repr_html_()
        assert "<iframe" in html and shown.url.replace("&", "&amp;") in html
        status, headers, _ = _request(shown, "GET", f"/?token={shown.token}", token=False)
        assert status == 200 and "x-frame-options" not in headers
        assert "frame-ancestors" not in headers["content-security-policy"]
        assert shown.session.recipe.demo == 64
    finally:
        shown.stop()


def test_a_composite_of_band_objects_says_what_to_give(jupiter):
    composite = falsecolor.render(jupiter.temperature_band, jupiter.cloud_band)
    with pytest.raises(falsecolor.FalsecolorError, match="bands="):
        composite.studio()


def test_without_the_extra_the_command_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setattr("falsecolor.studio.find_spec", lambda name: None if name == "uvicorn" else object())
    assert main(["studio", "--demo", "--no-browser"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "uvicorn" in err and "falsecolor-ir[studio]" in err


def _start(*arguments, cwd=None):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "falsecolor", "studio", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )


@pytest.mark.parametrize(
    ("number", "preparing"), [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)]
)
def test_ctrl_c_stops_the_server_in_a_second_or_two(tmp_path, number, preparing):
    process = _start("--demo", "--demo-size", "1024" if preparing else "64", "--no-browser", cwd=tmp_path)
    try:
        first = process.stdout.readline().strip()
        match = URL.match(first)
        assert match, first
        port, token = int(match.group(1)), match.group(2)
        deadline = time.monotonic() + 60
        while True:  # ready: the demo is prepared
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", f"/api/state?token={token}")
            state = json.loads(connection.getresponse().read())
            connection.close()
            if state["status"]["state"] == "ready" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert state["status"]["state"] == "ready"
        if preparing:  # a limb fit of a 1024² image takes about a second: the stop does not wait for it
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            body = json.dumps({"changes": {"limb_correction": "fit"}})
            connection.request("POST", f"/api/change?token={token}", body=body)
            assert json.loads(connection.getresponse().read())["status"]["state"] == "preparing"
            connection.close()
        # a page's WebSocket stays open: the stop must not wait for it
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                (
                    f"GET /ws?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    f"Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n\r\n"
                ).encode()
            )
            assert sock.recv(4096).startswith(b"HTTP/1.1 101")
            started = time.monotonic()
            process.send_signal(number)
            status = process.wait(timeout=10)
            took = time.monotonic() - started
        assert status == 0 and took < 2.0, took
        assert "stopped" in process.stderr.read()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        process.kill()
        process.communicate()


def test_a_port_in_use_is_one_line(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["studio", "--demo", "--no-browser", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"falsecolor: error: cannot listen on port {port} (it is in use): give another --port, "
        "or 0 for a free one"
    )


def test_studio_takes_renders_options_and_refuses_what_it_cannot_show(capsys):
    assert main(["studio", "--demo", "--strip", "s.png", "--no-browser"]) == 2
    assert "--strip" in capsys.readouterr().err
    assert main(["studio", "--demo", "--clear-percentile", "20", "--no-browser"]) == 2
    assert (
        capsys.readouterr().err.strip()
        == "falsecolor: error: --clear-percentile 20: must be within 50..100, got 20"
    )
    with pytest.raises(SystemExit):
        main(["studio", "--help"])
    shown = capsys.readouterr().out
    assert "--t-limits" in shown and "--port" in shown and "--no-browser" in shown


def test_the_pages_files_ship_inside_the_package():
    from importlib import resources

    folder = resources.files("falsecolor.studio").joinpath("static")
    shipped = {entry.name for entry in folder.iterdir() if entry.is_file()}
    assert shipped == set(STATIC_FILES)  # every file served is shipped, and nothing else is there
    for name in STATIC_FILES:
        text = folder.joinpath(name).read_text(encoding="utf-8")
        for imported in re.findall(r'from "\./([^"]+)"', text):
            assert imported in STATIC_FILES, (name, imported)


def test_a_missing_input_is_one_line_before_the_server_starts(tmp_path, capsys, band_files):
    missing = tmp_path / "missing.fits"
    assert main(["studio", "-t", str(missing), "-c", str(band_files["cloud"]), "--no-browser"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no address: nothing is served
    assert captured.err.strip() == f"falsecolor: error: file {missing} does not exist: check the path"


def test_studio_of_a_recipe_proposes_its_files_and_may_save_over_it(tmp_path):
    recipe = tmp_path / "press.toml"
    recipe.write_text(
        'version = 1\n\n[inputs]\ndemo = 64\n\n[output]\nfiles = ["press.png"]\n', encoding="utf-8"
    )
    process = _start(str(recipe), "--no-browser", cwd=tmp_path)
    try:
        match = URL.match(process.stdout.readline().strip())
        assert match
        port, token = int(match.group(1)), match.group(2)

        def call(method, path, body=None):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            headers = {"X-Falsecolor-Token": token, "Content-Type": "application/json"}
            connection.request(method, path, body=json.dumps(body) if body else None, headers=headers)
            answer = connection.getresponse()
            try:
                return answer.status, json.loads(answer.read())
            finally:
                connection.close()

        status, state = call("GET", "/api/state")
        assert state["save"] == {"files": [str(tmp_path / "press.png")], "fits": None, "recipe": str(recipe)}
        assert call("POST", "/api/change", {"changes": {"t_limits": [120, 135], "title": "tuned"}})[0] == 200
        request = {"files": ["press.png"], "recipe": "press.toml"}  # relative to where the studio started
        assert call("POST", "/api/save", request)[1]["replace"] == [str(recipe)]
        status, written = call("POST", "/api/save", {**request, "replace": True})
        assert status == 200 and written["command"] == f"falsecolor render {recipe}"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    text = recipe.read_text(encoding="utf-8")
    assert "t_limits = [\n    120.0,\n    135.0,\n]" in text and 'title = "tuned"' in text
    saved = (tmp_path / "press.png").read_bytes()
    (tmp_path / "press.png").unlink()
    assert main(["render", str(recipe), "--quiet"]) == 0
    assert (tmp_path / "press.png").read_bytes() == saved
