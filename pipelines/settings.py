"""Every setting of Cartopolis, read from the environment at call time.

- ``GEODATA_MIRROR``: read-only mirror of official files (default ``../shared/geodata/raw``
  relative to the project root, when that folder exists).
- ``CARTOPOLIS_DATA``: where built layers live (default ``geodata/layers``).
- ``CARTOPOLIS_CACHE``: download cache (default ``geodata/cache``).
- ``CARTOPOLIS_SEEDS``: folder of the programmes' source texts (default ``../shared/seeds``).
- ``CARTOPOLIS_PROGRAMMES_REELS``: real programme texts for the importer (default ``../shared/programmes-reels``).
- ``CARTOPOLIS_TILES``: optional tile URL template for the dashboard (none by default).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GEODATA_DIR = PROJECT_ROOT / "geodata"
SOURCES_FILE = GEODATA_DIR / "sources.yaml"
TERRITORIES_FILE = GEODATA_DIR / "territories.yaml"
PROGRAMMES_DIR = GEODATA_DIR / "programmes"
SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"

#: Lambert-93, the CRS every layer is computed and stored in (metres).
CRS_L93 = "EPSG:2154"
#: WGS84, only for what is served to the browser.
CRS_WGS84 = "EPSG:4326"
#: Context kept around a commune when clipping layers (m).
CONTEXT_BUFFER_M = 500.0

#: Download behaviour.
HTTP_TIMEOUT_S = 30.0
HTTP_RETRIES = 3
HTTP_BACKOFF_S = 1.0
HTTP_MAX_BYTES = 6 * 1024**3  # the national TRI zip is about 4.6 GB


def mirror_dir() -> Path | None:
    """Return the mirror folder, or None when there is none."""
    value = os.environ.get("GEODATA_MIRROR")
    if value:
        return Path(value).resolve()
    default = PROJECT_ROOT.parent / "shared" / "geodata" / "raw"
    return default if default.is_dir() else None


def data_dir() -> Path:
    """Return the root of the layer store (one folder per territory)."""
    return Path(os.environ.get("CARTOPOLIS_DATA", GEODATA_DIR / "layers")).resolve()


def cache_dir() -> Path:
    """Return the download cache folder."""
    return Path(os.environ.get("CARTOPOLIS_CACHE", GEODATA_DIR / "cache")).resolve()


def seeds_dir() -> Path:
    """Return the folder of the seed documents (programmes' source texts).

    ``CARTOPOLIS_SEEDS`` when set; else ``../shared/seeds``; else, for a checkout that is not beside
    ``shared/``, the ``seeds`` folder of the shared tree that ``GEODATA_MIRROR`` points into.
    """
    if os.environ.get("CARTOPOLIS_SEEDS"):
        return Path(os.environ["CARTOPOLIS_SEEDS"]).resolve()
    mirror = os.environ.get("GEODATA_MIRROR")
    if not SEEDS_DIR.is_dir() and mirror and (Path(mirror).parent.parent / "seeds").is_dir():
        return (Path(mirror).parent.parent / "seeds").resolve()
    return SEEDS_DIR.resolve()


def programmes_reels_dir() -> Path:
    """Return the folder of real programme texts (the importer's test material).

    ``CARTOPOLIS_PROGRAMMES_REELS`` when set; else ``../shared/programmes-reels``; else, for a
    checkout that is not beside ``shared/``, the ``programmes-reels`` folder of the shared tree that
    ``GEODATA_MIRROR`` points into (resolved as :func:`seeds_dir`).
    """
    if os.environ.get("CARTOPOLIS_PROGRAMMES_REELS"):
        return Path(os.environ["CARTOPOLIS_PROGRAMMES_REELS"]).resolve()
    default = PROJECT_ROOT.parent / "shared" / "programmes-reels"
    mirror = os.environ.get("GEODATA_MIRROR")
    if not default.is_dir() and mirror and (Path(mirror).parent.parent / "programmes-reels").is_dir():
        return (Path(mirror).parent.parent / "programmes-reels").resolve()
    return default.resolve()


def tiles_url() -> str | None:
    """Return the optional tile URL template (``{z}/{x}/{y}``), None by default."""
    return os.environ.get("CARTOPOLIS_TILES") or None
