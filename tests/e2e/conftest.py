"""Browser tests: build the store from the mirror, serve the app on 127.0.0.1, drive Chromium.

Debian's Chromium (``/usr/bin/chromium``) is launched by Playwright through ``executable_path``;
``playwright install`` is never needed. A failing test leaves a screenshot of its page in
``tests/e2e/artifacts/`` (git-ignored).

``CARTOPOLIS_E2E_DATA`` may point to an already built store to skip the build (development).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = Path(os.environ.get("CARTOPOLIS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _missing(message: str):
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def e2e_store(mirror, tmp_path_factory) -> Path:
    """Every territory built offline from the mirror into a temporary store."""
    prebuilt = os.environ.get("CARTOPOLIS_E2E_DATA")
    if prebuilt:
        return Path(prebuilt)
    data = tmp_path_factory.mktemp("e2e-layers")
    env = {**os.environ, "GEODATA_MIRROR": str(mirror)}
    command = [sys.executable, "-m", "pipelines", "build", "--territory", "all", "--offline", "--data", str(data)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if not (data / "ales" / "manifest.json").exists():
        pytest.fail(f"store build failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return data


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(store: Path, logs: Path):
    """Serve ``store`` with ``python -m dashboard`` on a free port; yield its URL, stop it after."""
    port = _free_port()
    env = {**os.environ, "CARTOPOLIS_DATA": str(store)}
    log = open(tmp_log := logs / f"dashboard-{port}.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/territories", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the dashboard did not start; log: {tmp_log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def serve_store():
    """Serve another store than the session's: ``with serve_store(store, logs) as url: …``."""
    return contextlib.contextmanager(serve)


@pytest.fixture(scope="session")
def base_url(e2e_store, tmp_path_factory) -> str:
    """The dashboard served by ``python -m dashboard`` on a free port, stopped at the end."""
    yield from serve(e2e_store, tmp_path_factory.mktemp("e2e-logs"))


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _missing(f"Chromium not found at {CHROMIUM}: install Debian's chromium (make chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def external_requests() -> list[str]:
    """URLs the page asked for outside 127.0.0.1 (must stay empty: the app is offline)."""
    return []


#: How long an assertion waits for the state a person would see (ms). Generous on purpose: a loaded
#: CI machine answers callbacks slowly, and `expect` returns as soon as the state is there.
EXPECT_TIMEOUT_MS = 30_000


def _page(browser, request, external_requests, viewport):
    context = browser.new_context(viewport=viewport, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(EXPECT_TIMEOUT_MS)

    def watch(req):
        if not req.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            external_requests.append(req.url)

    page.on("request", watch)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(browser, request, external_requests):
    """A fresh 1366 × 768 page; screenshot to tests/e2e/artifacts/ when the test fails."""
    yield from _page(browser, request, external_requests, {"width": 1366, "height": 768})


@pytest.fixture
def phone(browser, request, external_requests):
    """A fresh 390 × 844 page (a phone held upright)."""
    yield from _page(browser, request, external_requests, {"width": 390, "height": 844})
