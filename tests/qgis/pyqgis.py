"""Run the real QGIS (Debian's PyQGIS, headless) on a project from the tests, when it is installed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
OPEN_SCRIPT = Path(__file__).with_name("qgis_open.py")
REASON = "PyQGIS not installed (Debian: apt-get install python3-qgis qgis-providers)"


def available() -> bool:
    """Whether Debian's python3 can import ``qgis.core``."""
    if not Path(SYSTEM_PYTHON).exists():
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, check=False).returncode == 0


def open_project(project: Path, scratch: Path) -> dict:
    """What QGIS shows of ``project`` (see ``qgis_open.py``), as a dict."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(scratch)}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [SYSTEM_PYTHON, str(OPEN_SCRIPT), str(project)], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(done.stdout)
