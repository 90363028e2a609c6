"""A real Dask scheduler and workers, each a separate process on 127.0.0.1 (free ports), stopped after the test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines import settings


class Cluster:
    """A ``dask scheduler`` process and the ``dask worker`` processes started on it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.file = folder / "scheduler.json"
        self.workers: list[subprocess.Popen] = []
        self.env = {**os.environ, "PYTHONPATH": str(settings.PROJECT_ROOT)}
        log = open(folder / "scheduler.log", "w")  # noqa: SIM115 - closed with the process
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0"]
            + ["--no-dashboard", "--scheduler-file", str(self.file)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        self.address = self._wait_address()

    def _wait_address(self, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.file.exists():
                try:
                    return json.loads(self.file.read_text())["address"]
                except (ValueError, KeyError):
                    pass
            if self.scheduler.poll() is not None:
                raise RuntimeError((self.folder / "scheduler.log").read_text())
            time.sleep(0.1)
        raise TimeoutError("the dask scheduler did not write its address")

    def start_worker(self, name: str) -> subprocess.Popen:
        """One worker process (one thread), working in the project root, on 127.0.0.1."""
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        worker = subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", "--scheduler-file", str(self.file), "--name", name]
            + ["--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1", "--no-nanny"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=settings.PROJECT_ROOT,
        )
        self.workers.append(worker)
        self._wait_workers(sum(w.poll() is None for w in self.workers))
        return worker

    def _wait_workers(self, count: int, timeout: float = 60.0) -> None:
        from dask.distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(count, timeout=timeout)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def dask_cluster(tmp_path: Path, mirror):
    cluster = Cluster(tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()
