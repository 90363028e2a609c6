"""Dashboard benchmark (not a test): callback latency over HTTP and bytes of the first view.

1. Builds ``demo`` and ``ales`` into a temporary store (offline, from the mirror) unless
   ``CARTOPOLIS_DATA`` already holds them, and serves the app with gunicorn (2 sync workers,
   as ``make serve``) on a free port of 127.0.0.1.
2. Records, in headless Chromium, the ``/_dash-update-component`` requests that two actions
   fire: switching measure (Programmes tab) and toggling a layer (Carte tab), on each territory.
3. Replays each recorded payload N times over HTTP and reports p50 / p95 / max per action
   (the latency of an action is the slowest of the callbacks it fires, each request timed alone).
4. Loads the first view of each territory in a fresh browser context and sums the bytes
   received: all of them, and the data alone (layout, callbacks, GeoJSON) without the scripts.

Targets (../shared/DESIGN.md): p95 ≤ 100 ms per callback on one territory; ≤ 1.5 MB of data for
the first view; first map drawn in headless Chromium ≤ 2 s. Usage: ``python bench/bench_dashboard.py [--repeat 60]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CARTOPOLIS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

#: (territory, programme, measure A, measure B, layer toggled)
SCENARIOS = (
    ("demo", "pop-petites-villes", "locaux-vacants-espaces-partages", "trajets-ecole-securises", "heat"),
    ("ales", "ales-commun-2026", "lutte-vitrines-vides", "vegetaliser-quartiers-ilots-chaleur", "population"),
)


def store_with(territories: list[str]) -> Path:
    """A store holding ``territories``: CARTOPOLIS_DATA when it does, else a fresh offline build."""
    from pipelines.store import Store

    current = Store()
    if all(t in current.territories() for t in territories):
        return current.root
    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    for territory in territories:
        command = [sys.executable, "-m", "pipelines", "build", "--territory", territory, "--offline"]
        subprocess.run([*command, "--data", str(folder)], cwd=ROOT, check=True, capture_output=True)
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(data: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "CARTOPOLIS_DATA": str(data)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "dashboard.app:server"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/api/territories", timeout=1).close()  # noqa: S310 - our own http://127.0.0.1
            return server, url
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the dashboard did not start")


def record(page, checkbox: str) -> list[bytes]:
    """POST bodies of the callbacks fired by checking ``checkbox`` (waits until the page is idle)."""
    bodies: list[bytes] = []
    listener = lambda req: bodies.append(req.post_data_buffer) if "_dash-update-component" in req.url else None  # noqa: E731
    page.on("request", listener)
    page.locator(checkbox).check()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    page.remove_listener("request", listener)
    return bodies


def post(url: str, body: bytes) -> float:
    """Seconds for one callback request (status must be 200 or 204)."""
    request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1
        f"{url}/_dash-update-component", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - our own http://127.0.0.1
        answer.read()
        if answer.status not in (200, 204):
            raise RuntimeError(f"callback answered {answer.status}")
    return time.perf_counter() - start


def replay(url: str, bodies: list[bytes], repeat: int) -> list[float]:
    """Latency (ms) of the action, ``repeat`` times: the slowest of its callbacks each time."""
    for body in bodies:  # warm the caches of both workers
        post(url, body)
        post(url, body)
    return [max(post(url, body) for body in bodies) * 1000 for _ in range(repeat)]


def first_view_bytes(browser, url: str, territory: str) -> tuple[int, int, float]:
    """(all bytes, data bytes, seconds to the first map drawn) for the first view, cold browser cache.

    Sizes are the encoded (compressed) transfer sizes reported by the browser; the map counts as
    drawn when Leaflet has put the commune outline (an SVG path) on the page.
    """
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    sizes: list[tuple[str, int]] = []

    def on_finished(request):
        timing = request.sizes()
        sizes.append((request.url, timing["responseBodySize"] + timing["responseHeadersSize"]))

    page.on("requestfinished", on_finished)
    start = time.perf_counter()
    page.goto(f"{url}/?t={territory}")
    page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
    drawn = time.perf_counter() - start
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    context.close()
    total = sum(size for _, size in sizes)
    code = (".js", ".css", ".ico", ".woff", ".woff2", ".map")
    data = sum(size for address, size in sizes if not address.split("?")[0].endswith(code))
    return total, data, drawn


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return f"p50 {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms  max {ordered[-1]:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    data = store_with([s[0] for s in SCENARIOS])
    server, url = serve(data)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            results = {}
            for territory, programme, first, second, layer in SCENARIOS:
                total, payload, drawn = first_view_bytes(browser, url, territory)
                results[f"{territory}: first view"] = (
                    f"{total / 1e6:.2f} MB in all, {payload / 1e6:.3f} MB of data, map drawn in {drawn:.2f} s"
                )
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                page.goto(f"{url}/?t={territory}&v=programmes&p={programme}&m={first}")
                page.wait_for_load_state("networkidle")
                measure = record(page, f"#measure input[value='{second}']")
                page.goto(f"{url}/?t={territory}")
                page.wait_for_load_state("networkidle")
                toggle = record(page, f"#layers input[value='{layer}']")
                page.close()
                for name, bodies in (("switch measure", measure), (f"toggle {layer}", toggle)):
                    outputs = [json.loads(b)["output"][:40] for b in bodies]
                    latencies = replay(url, bodies, args.repeat)
                    results[f"{territory}: {name} ({len(bodies)} callbacks)"] = summary(latencies)
                    results[f"{territory}: {name} callbacks"] = ", ".join(outputs)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    for key, value in results.items():
        print(f"{key:48s} {value}")


if __name__ == "__main__":
    main()
