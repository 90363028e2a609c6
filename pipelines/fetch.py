"""Resolve a source to a local path: mirror → cache → HTTPS download.

- **mirror**: ``GEODATA_MIRROR`` (read-only, never written), path given by the source entry;
- **cache**: ``geodata/cache/<source id>/<file name>``, filled by downloads;
- **download**: the source's official URL, with a timeout, retries with backoff, a size cap,
  a sha256 check when one is declared, written to a temporary file then renamed.

``offline=True`` never downloads: a miss raises :class:`~pipelines.errors.OfflineMiss` naming the
source id, the mirror path it looked for and the URL to download. A checksum mismatch raises
:class:`~pipelines.errors.ChecksumMismatch` and leaves nothing in the cache.

``Source.sha256`` is the checksum of the mirrored file (or folder, see :func:`sha256_path`) when the
source has a mirror path, else of the downloaded file; ``options.download_sha256`` overrides it for
downloads when the official file differs from the mirrored one (a zip against its extracted layer).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import requests

from . import settings
from .catalog import Source, check_mirror_path
from .errors import ChecksumMismatch, FetchError, OfflineMiss

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Resolution:
    """Where a source resolves without downloading: ``origin`` is mirror, cache or missing."""

    source_id: str
    origin: str
    path: Path | None
    mirror_path: Path | None
    cache_path: Path
    url: str


def sha256_path(path: Path) -> str:
    """Return the sha256 of a file, of a folder (hash of its sorted ``relpath sha256`` lines), or of
    a shapefile: a ``.shp`` is hashed with every file sharing its stem (``.shx``, ``.dbf``,
    ``.prj``, ``.cpg``…), the same way as a folder, so that a changed ``.prj`` is a changed source."""
    path = Path(path)
    if path.is_dir():
        members = [(p.relative_to(path).as_posix(), p) for p in sorted(path.rglob("*")) if p.is_file()]
    elif path.suffix.lower() == ".shp":
        members = [(p.name, p) for p in sorted(path.parent.iterdir()) if p.is_file() and p.stem == path.stem]
    else:
        return _sha256_file(path)
    lines = [f"{name} {_sha256_file(p)}\n" for name, p in members]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cache_path(source: Source, cache: Path | None = None) -> Path:
    """Where a download of ``source`` is kept in the cache."""
    name = unquote(Path(urlparse(source.url).path).name) or "download"
    return (cache or settings.cache_dir()) / source.id / name


def locate(source: Source, *, mirror: Path | None = None, cache: Path | None = None) -> Resolution:
    """Find ``source`` in the mirror or the cache, without any network access."""
    mirror = mirror if mirror is not None else settings.mirror_dir()
    if source.mirror:
        check_mirror_path(source.mirror, f"source `{source.id}`")
    mirror_path = (Path(mirror) / source.mirror) if (mirror and source.mirror) else None
    cached = cache_path(source, cache)
    if mirror_path is not None and mirror_path.exists():
        return Resolution(source.id, "mirror", mirror_path, mirror_path, cached, source.url)
    if cached.exists():
        return Resolution(source.id, "cache", cached, mirror_path, cached, source.url)
    return Resolution(source.id, "missing", None, mirror_path, cached, source.url)


def _check_sha(path: Path, expected: str | None, what: str) -> None:
    if expected is None:
        return
    actual = sha256_path(path)
    if actual != expected:
        raise ChecksumMismatch(
            f"{what} `{path}` has sha256 {actual}, expected {expected} (sources.yaml): "
            "the file changed or is corrupt; replace it or update the checksum after checking the file"
        )


def fetch(
    source: Source,
    *,
    offline: bool = False,
    mirror: Path | None = None,
    cache: Path | None = None,
    timeout: float | None = None,
    retries: int | None = None,
    backoff: float | None = None,
    max_bytes: int | None = None,
) -> Path:
    """Return a local path for ``source``, downloading it when allowed.

    Parameters
    ----------
    source : Source
        Catalog entry.
    offline : bool
        Never download; raise :class:`OfflineMiss` when the mirror and the cache miss.
    mirror, cache : Path, optional
        Override ``GEODATA_MIRROR`` and the cache folder.
    timeout, retries, backoff, max_bytes
        Override the download settings (s, count, s, bytes).

    Returns
    -------
    Path
        A file or a folder (for a mirrored shapefile folder).
    """
    found = locate(source, mirror=mirror, cache=cache)
    if found.origin == "mirror":
        _check_sha(found.path, source.sha256, f"mirror file of source `{source.id}`")
        return found.path
    download_sha = source.options.get("download_sha256") or (None if source.mirror else source.sha256)
    if found.origin == "cache":
        _check_sha(found.path, download_sha, f"cached file of source `{source.id}`")
        return found.path
    if offline:
        looked = f"mirror path `{found.mirror_path}`" if found.mirror_path else "no mirror path (not mirrored)"
        raise OfflineMiss(
            f"source `{source.id}` not in the mirror ({looked}) nor in the cache `{found.cache_path}`, "
            f"and offline mode is set: download {source.url} or drop `--offline`"
        )
    download(
        source.url,
        found.cache_path,
        sha256=download_sha,
        expect_zip=source.format.endswith("zip") or source.url.lower().endswith(".zip"),
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        max_bytes=max_bytes,
        what=f"source `{source.id}`",
    )
    return found.cache_path


def download(
    url: str,
    dest: Path,
    *,
    sha256: str | None = None,
    expect_zip: bool = False,
    timeout: float | None = None,
    retries: int | None = None,
    backoff: float | None = None,
    max_bytes: int | None = None,
    what: str = "download",
) -> Path:
    """Download ``url`` to ``dest`` atomically (temporary file, checks, then rename).

    Retries on connection errors, timeouts and HTTP 5xx, with exponential backoff; a 4xx, a size
    over ``max_bytes``, an HTML page where a zip is expected or a checksum mismatch fail at once
    and leave nothing at ``dest``.
    """
    timeout = settings.HTTP_TIMEOUT_S if timeout is None else timeout
    retries = settings.HTTP_RETRIES if retries is None else retries
    backoff = settings.HTTP_BACKOFF_S if backoff is None else backoff
    max_bytes = settings.HTTP_MAX_BYTES if max_bytes is None else max_bytes
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    last_error: str = ""
    try:
        for attempt in range(retries):
            if attempt:
                time.sleep(backoff * 2 ** (attempt - 1))
            try:
                _download_once(url, tmp, timeout=timeout, max_bytes=max_bytes, expect_zip=expect_zip, what=what)
                break
            except _Retryable as exc:
                last_error = str(exc)
        else:
            raise FetchError(f"{what}: download of {url} failed after {retries} attempt(s): {last_error}")
        if sha256 is not None and sha256_path(tmp) != sha256:
            raise ChecksumMismatch(
                f"{what}: {url} downloaded with sha256 {sha256_path(tmp)}, expected {sha256}; "
                "nothing was kept in the cache. The publisher may have updated the file: "
                "check it and update sources.yaml"
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


class _Retryable(Exception):
    pass


def _download_once(url: str, tmp: Path, *, timeout: float, max_bytes: int, expect_zip: bool, what: str) -> None:
    try:
        response = requests.get(url, stream=True, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Retryable(f"{type(exc).__name__}: {exc}") from None
    with response:
        if response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise FetchError(f"{what}: {url} answered HTTP {response.status_code}; check the URL in sources.yaml")
        declared = int(response.headers.get("Content-Length") or 0)
        if declared > max_bytes:
            raise FetchError(f"{what}: {url} is {declared} bytes, over the {max_bytes}-byte cap")
        size = 0
        first = b""
        try:
            with open(tmp, "wb") as handle:
                for chunk in response.iter_content(_CHUNK):
                    if not first:
                        first = chunk[:512]
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"{what}: {url} exceeds the {max_bytes}-byte cap; download stopped")
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Retryable(f"{type(exc).__name__} while reading: {exc}") from None
    content_type = response.headers.get("Content-Type", "")
    looks_html = "text/html" in content_type or first.lstrip().lower().startswith((b"<!doctype html", b"<html"))
    if expect_zip and not first.startswith(b"PK\x03\x04"):
        kind = "an HTML page" if looks_html else "not a zip file"
        raise FetchError(f"{what}: {url} returned {kind} where a zip was expected; the URL may have moved")
