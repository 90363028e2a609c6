"""The dashboard under gunicorn as ``make serve`` runs it: headers, no banner, slow clients, caps.

One gunicorn (``-c gunicorn.conf.py``) serves the mini town on a free port of 127.0.0.1 for the
whole module; requests are raw HTTP so that what goes over the wire is what is checked.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    import minitown

    store, _ = minitown.build(tmp_path_factory.mktemp("served"))
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, "CARTOPOLIS_DATA": str(store.root)}
    command = [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "dashboard.app:server"]
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with open(log, "w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/api/territories")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def _get(port: int, path: str, method: str = "GET", timeout: float = 5) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request(method, path)
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer


def _raw(port: int, head: bytes) -> bytes:
    """Send ``head`` (request line and headers, no body) and read the status line that comes back."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head)
        return sock.recv(4096)


def test_head_shows_the_security_headers_and_no_server_banner(port):
    answer = _get(port, "/", method="HEAD")  # what `curl -I` sends
    assert answer.status == 200
    headers = {k.lower(): v for k, v in answer.getheaders()}
    assert "server" not in headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "'unsafe-eval'" not in headers["content-security-policy"]
    assert _get(port, "/_reload-hash").status == 404


def test_two_half_sent_requests_do_not_freeze_the_site(port):
    slow = []
    try:
        for _ in range(2):  # one stuck in its headers, one in its body
            slow.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        slow[0].sendall(b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
        slow[1].sendall(
            b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"output"'
        )
        time.sleep(0.3)  # both connections are now held by the server
        for _ in range(4):  # several requests, so that both workers are asked
            start = time.perf_counter()
            assert _get(port, "/?t=testville").status == 200
            assert time.perf_counter() - start < 1.0
    finally:
        for sock in slow:
            sock.close()


def test_an_oversized_body_is_refused_before_it_is_sent(port):
    declared = _raw(
        port,
        b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2097152\r\n\r\n",
    )
    assert declared.startswith(b"HTTP/1.1 413 ")
    chunked = _raw(
        port,
        b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    assert chunked.startswith(b"HTTP/1.1 411 ")
