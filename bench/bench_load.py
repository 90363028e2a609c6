"""Load benchmark (not a test): 50 concurrent clients for 30 s, with two slowloris clients.

1. Serves the store (``CARTOPOLIS_DATA`` or ``geodata/layers`` when ``make data`` built it, else
   a fresh offline build in a temporary folder) with gunicorn as ``make serve`` does
   (``-c gunicorn.conf.py``) on a free port of 127.0.0.1.
2. Records, in headless Chromium, the callback requests fired by toggling a layer of the demo
   town (the same action as ``bench_dashboard.py``) and finds the heaviest GeoJSON of the API
   (every built layer of every territory, by uncompressed size).
3. Opens two slowloris clients: each sends the first bytes of a POST and then one header byte
   every few seconds, holding its connection for the whole run.
4. Runs 50 client threads for 30 s, each on its own keep-alive connection, cycling through the
   page (``/?t=demo``), the recorded callbacks and the heaviest GeoJSON (with Chromium's
   ``Accept-Encoding``), and times every request. Each client pauses ``--think`` × [0.5, 1.5)
   seconds between requests (1 s by default: 50 people clicking about once a second);
   ``--think 0`` sends back-to-back requests and measures the saturated server instead.
5. Then, with the load stopped and the slowloris clients still holding on, times the page alone.

Prints the error count (any status other than 200/204, or a failed connection), p50 / p95 / max
per kind of request, and the page's latency while slowloris runs. Targets (issue 13): 0 errors,
callback p95 ≤ 100 ms, heaviest GeoJSON p95 ≤ 400 ms, page ≤ 1 s under slowloris.
Usage: ``python bench/bench_load.py [--clients 50] [--seconds 30] [--worker-class gthread]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_dashboard import ARGS, CHROMIUM, free_port, record, store_with, summary  # noqa: E402

PAGE = "/?t=demo"
#: The territories served (the heaviest GeoJSON is looked for among all of them).
TERRITORIES = ["demo", "ales", "valence", "grenoble", "redon", "perigueux"]
#: What Chromium sends (the server picks zstd, then br, then gzip).
ACCEPT_ENCODING = "gzip, deflate, br, zstd"


def serve(data: Path, worker_class: str | None) -> tuple[subprocess.Popen, int]:
    """gunicorn with the repository's ``gunicorn.conf.py`` on a free port; (process, port)."""
    port = free_port()
    env = {**os.environ, "CARTOPOLIS_DATA": str(data)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    if worker_class:
        command += ["--worker-class", worker_class]
    server = subprocess.Popen(
        [*command, "dashboard.app:server"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/territories", timeout=1).close()  # noqa: S310 - own server
            return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the dashboard did not start")


def heaviest_geojson(port: int) -> tuple[str, int]:
    """(path, bytes) of the largest ``/api/territories/<id>/layers/<layer>.geojson``."""
    base = f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(f"{base}/api/territories", timeout=30) as answer:  # noqa: S310 - own server
        territories = json.load(answer)["territories"]
    sizes = {}
    for info in territories:
        for layer, status in info["layers"].items():
            if status != "ok" or layer == "indicators":
                continue
            path = f"/api/territories/{info['id']}/layers/{layer}.geojson"
            with urllib.request.urlopen(base + path, timeout=60) as answer:  # noqa: S310 - own server
                sizes[path] = len(answer.read())
    path = max(sizes, key=sizes.get)
    return path, sizes[path]


def callback_bodies(port: int) -> list[bytes]:
    """POST bodies of the callbacks fired by toggling the heat layer of the demo town."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"http://127.0.0.1:{port}{PAGE}")
        page.wait_for_load_state("networkidle")
        bodies = record(page, "#layers input[value='heat']")
        browser.close()
    if not bodies:
        raise SystemExit("toggling a layer fired no callback: is the demo town built?")
    return bodies


class Slowloris(threading.Thread):
    """A client that starts a POST and sends one more header byte every ``pause`` seconds."""

    def __init__(self, port: int, pause: float = 5.0):
        super().__init__(daemon=True)
        self.port, self.pause = port, pause
        self.stop = threading.Event()
        self.dropped = 0  # times the server closed the connection (then it reconnects)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
                    sock.sendall(b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                    while not self.stop.wait(self.pause):
                        sock.sendall(b"a")
            except OSError:
                self.dropped += 1
                self.stop.wait(0.5)


def client(
    port: int, plan: list[tuple[str, str, bytes | None]], offset: int, until: float, out: dict, think: float = 0.0
) -> None:
    """One keep-alive client cycling through ``plan`` until ``until``; appends to ``out``.

    Between two requests the client waits a random time of ``think`` × [0.5, 1.5) s (a person
    reading; 0 for back-to-back requests).
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    step = offset
    pause = random.Random(offset)
    while time.perf_counter() < until:
        if think:
            time.sleep(think * pause.uniform(0.5, 1.5))
        kind, path, body = plan[step % len(plan)]
        step += 1
        headers = {"Accept-Encoding": ACCEPT_ENCODING}
        if body is not None:
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        try:
            connection.request("POST" if body is not None else "GET", path, body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            ok = answer.status in (200, 204)
        except (OSError, http.client.HTTPException):
            ok = False
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out[kind].append((time.perf_counter() - start) * 1000)
        if not ok:
            out["errors"].append(1)
    connection.close()


def page_alone(port: int, times: int = 20) -> list[float]:
    """Latency (ms) of the page fetched ``times`` times on fresh connections, nothing else running."""
    latencies = []
    for _ in range(times):
        start = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", PAGE)
        connection.getresponse().read()
        connection.close()
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a client's requests (s)")
    parser.add_argument("--worker-class", default=None, help="override gunicorn.conf.py's worker class")
    args = parser.parse_args()
    server, port = serve(store_with(TERRITORIES), args.worker_class)
    slow = [Slowloris(port), Slowloris(port)]
    try:
        geojson, size = heaviest_geojson(port)
        bodies = callback_bodies(port)
        plan = [("page", PAGE, None), *(("callback", "/_dash-update-component", b) for b in bodies)]
        plan.append(("geojson", geojson, None))
        # Warm every worker's caches before timing.
        warm: dict = defaultdict(list)
        client(port, plan * 4, 0, time.perf_counter() + 5, warm)
        for thread in slow:
            thread.start()
        time.sleep(1)
        results: dict = defaultdict(list)
        until = time.perf_counter() + args.seconds
        threads = [
            threading.Thread(target=client, args=(port, plan, i, until, results, args.think))
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        alone = page_alone(port)
    finally:
        for thread in slow:
            thread.stop.set()
        server.terminate()
        server.wait(timeout=20)
    total = sum(len(results[k]) for k in ("page", "callback", "geojson"))
    print(
        f"{args.clients} clients for {args.seconds:.0f} s (pause {args.think:g} s × [0.5, 1.5) between requests), "
        f"2 slowloris clients, worker class {args.worker_class or 'of gunicorn.conf.py'}"
    )
    verdicts = {
        "0 errors": not results["errors"],
        "callback p95 ≤ 100 ms": p95(results["callback"]) <= 100,
        "heaviest GeoJSON p95 ≤ 400 ms": p95(results["geojson"]) <= 400,
        "page ≤ 1 s under slowloris": max(results["page"] + alone) <= 1000,
    }
    print(f"requests {total} ({total / args.seconds:.0f}/s), errors {len(results['errors'])}")
    print(f"callbacks ({len(bodies)} recorded, toggle heat on demo)  {summary(results['callback'])}")
    print(f"heaviest GeoJSON {geojson} ({size / 1e3:.0f} kB uncompressed)  {summary(results['geojson'])}")
    print(f"page {PAGE} under load and slowloris  {summary(results['page'])}")
    print(f"page {PAGE} alone while slowloris holds 2 connections  {summary(alone)}")
    print(f"slowloris connections dropped by the server: {sum(t.dropped for t in slow)}")
    print("targets: " + ", ".join(f"{name} {'OK' if ok else 'MISSED'}" for name, ok in verdicts.items()))


def p95(values: list[float]) -> float:
    """The 95th percentile of ``values`` (nearest rank, as :func:`bench_dashboard.summary`)."""
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


if __name__ == "__main__":
    main()
