"""Gunicorn settings of the dashboard (``make serve``: ``gunicorn -c gunicorn.conf.py dashboard.app:server``).

Threaded workers (``gthread``): a client that sends its request slowly holds one thread, not a
whole worker, so two half-sent requests no longer freeze the site (with the former two sync
workers they did, for 30 s). Each of the 2 workers runs 16 threads: 32 requests at once, and as
many slow clients before the site stalls (measured by ``bench/bench_load.py`` and
``tests/dashboard/test_security_server.py``); more than that needs a buffering proxy (nginx) in
front. Settings can be overridden on the command line (``--bind``, ``--workers``…).
"""

from __future__ import annotations

import os

from gunicorn.http import wsgi

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
worker_class = "gthread"
workers = int(os.environ.get("CARTOPOLIS_WORKERS", "2"))
threads = int(os.environ.get("CARTOPOLIS_THREADS", "16"))
# A worker that stops answering its master for this long is replaced (a stuck request).
timeout = 60
graceful_timeout = 20
# Idle keep-alive connections are closed after 5 s (they hold no thread while idle).
keepalive = 5
# HTTP request line and headers: gunicorn's defaults, stated (larger ones get a 400).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# No access log by default: it would hold client URLs. Errors go to stderr.
accesslog = None
errorlog = "-"
loglevel = "info"


def _default_headers_without_server(self) -> list[str]:
    """Gunicorn's status line and default headers, less ``Server: gunicorn`` (no banner)."""
    return [line for line in _gunicorn_default_headers(self) if not line.lower().startswith("server:")]


_gunicorn_default_headers = wsgi.Response.default_headers
wsgi.Response.default_headers = _default_headers_without_server


def post_worker_init(worker) -> None:
    """Serve the page once inside each new worker: Dash sets itself up on its first request
    (about 0.6 s), which would otherwise fall on the worker's first visitor."""
    worker.wsgi.test_client().get("/")
