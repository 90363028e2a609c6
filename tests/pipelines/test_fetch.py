"""Source resolution: mirror hit, cache hit, offline miss, checksums, downloads from a local server."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import time
import zipfile
from pathlib import Path

import pytest

from pipelines.catalog import Source
from pipelines.errors import ChecksumMismatch, FetchError, OfflineMiss
from pipelines.fetch import fetch, locate, sha256_path


def make_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("FRF_TRI_TEST/readme.txt", "hello")
    return buffer.getvalue()


ZIP = make_zip()
ROUTES = {
    "/data.zip": (200, "application/zip", ZIP),
    "/page.zip": (200, "text/html; charset=utf-8", b"<!DOCTYPE html><html><body>Moved</body></html>"),
    "/big.bin": (200, "application/octet-stream", b"x" * 5000),
}


class Handler(http.server.BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_GET(self):  # noqa: N802 - http.server API
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/slow.zip":
            time.sleep(1.0)
        if self.path == "/flaky.zip" and Handler.hits[self.path] < 3:
            self.send_response(503)
            self.end_headers()
            return
        status, ctype, body = ROUTES.get(self.path, (404, "text/plain", b"not found"))
        if self.path in ("/slow.zip", "/flaky.zip"):
            status, ctype, body = 200, "application/zip", ZIP
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out first
            pass

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def source(url: str, **kw) -> Source:
    base = dict(
        id="test.source",
        title="Test",
        publisher="Test publisher",
        page="https://example.org/",
        url=url,
        licence="Licence Ouverte",
        vintage="2024",
        format="tri-2020",
    )
    return Source(**{**base, **kw})


def test_mirror_hit_verifies_checksum(tmp_path: Path):
    mirror = tmp_path / "mirror"
    (mirror / "flood").mkdir(parents=True)
    (mirror / "flood" / "a.gpkg").write_bytes(b"abc")
    good = hashlib.sha256(b"abc").hexdigest()
    src = source("https://example.org/a.zip", mirror="flood/a.gpkg", sha256=good)
    assert fetch(src, offline=True, mirror=mirror, cache=tmp_path / "cache") == mirror / "flood" / "a.gpkg"
    assert locate(src, mirror=mirror, cache=tmp_path / "cache").origin == "mirror"
    bad = source("https://example.org/a.zip", mirror="flood/a.gpkg", sha256="0" * 64)
    with pytest.raises(ChecksumMismatch, match="test.source"):
        fetch(bad, offline=True, mirror=mirror, cache=tmp_path / "cache")


def test_folder_checksum_changes_with_content(tmp_path: Path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.shp").write_bytes(b"1")
    first = sha256_path(tmp_path / "d")
    (tmp_path / "d" / "x.dbf").write_bytes(b"2")
    assert sha256_path(tmp_path / "d") != first


def test_shapefile_checksum_covers_every_member(tmp_path: Path):
    """A .shp is hashed with its .shx, .dbf, .prj…: a .prj swapped for another CRS is a changed source."""
    for ext, data in ((".shp", b"1"), (".shx", b"2"), (".dbf", b"3"), (".prj", b'GEOGCS["WGS 84"]')):
        (tmp_path / f"x{ext}").write_bytes(data)
    (tmp_path / "other.shp").write_bytes(b"not a member of x")
    lines = "".join(
        f"x{ext} {hashlib.sha256(data).hexdigest()}\n"
        for ext, data in sorted(((".dbf", b"3"), (".prj", b'GEOGCS["WGS 84"]'), (".shp", b"1"), (".shx", b"2")))
    )
    assert sha256_path(tmp_path / "x.shp") == hashlib.sha256(lines.encode()).hexdigest()
    first = sha256_path(tmp_path / "x.shp")
    (tmp_path / "x.prj").write_bytes(b'PROJCS["RGF93 / Lambert-93"]')
    assert sha256_path(tmp_path / "x.shp") != first


def test_cache_hit_without_network(tmp_path: Path):
    src = source("https://example.invalid/dir/tri_2020_sig_di_30.zip")
    cached = tmp_path / "cache" / "test.source" / "tri_2020_sig_di_30.zip"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(ZIP)
    assert fetch(src, offline=True, mirror=tmp_path / "nomirror", cache=tmp_path / "cache") == cached
    assert locate(src, mirror=None, cache=tmp_path / "cache").origin == "cache"


def test_offline_miss_names_source_mirror_path_and_url(tmp_path: Path):
    src = source("https://files.georisques.fr/di_2020/tri_2020_sig_di_30.zip", mirror="flood/tri30")
    with pytest.raises(OfflineMiss) as info:
        fetch(src, offline=True, mirror=tmp_path / "mirror", cache=tmp_path / "cache")
    message = str(info.value)
    assert "test.source" in message
    assert str(tmp_path / "mirror" / "flood" / "tri30") in message
    assert "https://files.georisques.fr/di_2020/tri_2020_sig_di_30.zip" in message
    assert "--offline" in message


def test_download_to_cache(server: str, tmp_path: Path):
    src = source(f"{server}/data.zip", sha256=hashlib.sha256(ZIP).hexdigest())
    path = fetch(src, mirror=None, cache=tmp_path / "cache", backoff=0)
    assert path.read_bytes() == ZIP
    assert path == tmp_path / "cache" / "test.source" / "data.zip"


def test_checksum_mismatch_leaves_nothing_in_cache(server: str, tmp_path: Path):
    src = source(f"{server}/data.zip", sha256="f" * 64)
    with pytest.raises(ChecksumMismatch, match="expected f{64}"):
        fetch(src, mirror=None, cache=tmp_path / "cache", backoff=0)
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_http_404_is_an_error_without_retry(server: str, tmp_path: Path):
    Handler.hits.pop("/missing.zip", None)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(source(f"{server}/missing.zip"), mirror=None, cache=tmp_path / "cache", backoff=0)
    assert Handler.hits["/missing.zip"] == 1
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_timeout_retries_then_fails(server: str, tmp_path: Path):
    Handler.hits.pop("/slow.zip", None)
    with pytest.raises(FetchError, match="failed after 2 attempt"):
        fetch(source(f"{server}/slow.zip"), mirror=None, cache=tmp_path / "cache", timeout=0.2, retries=2, backoff=0)
    assert Handler.hits["/slow.zip"] == 2
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_server_error_is_retried_with_backoff(server: str, tmp_path: Path):
    Handler.hits.pop("/flaky.zip", None)
    path = fetch(source(f"{server}/flaky.zip"), mirror=None, cache=tmp_path / "cache", retries=3, backoff=0.01)
    assert path.read_bytes() == ZIP
    assert Handler.hits["/flaky.zip"] == 3


def test_html_instead_of_zip(server: str, tmp_path: Path):
    with pytest.raises(FetchError, match="HTML page where a zip was expected"):
        fetch(source(f"{server}/page.zip"), mirror=None, cache=tmp_path / "cache", backoff=0)
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_size_cap(server: str, tmp_path: Path):
    with pytest.raises(FetchError, match="1000-byte cap"):
        fetch(source(f"{server}/big.bin", format="csv"), mirror=None, cache=tmp_path / "cache", max_bytes=1000)
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_a_mirror_path_leaving_the_mirror_is_refused(tmp_path: Path):
    """Even when a Source is made in code (the catalog refuses it at load): `../` never reaches outside."""
    from pipelines.errors import CatalogError

    escaping = source("https://example.org/a.zip", mirror="../../../etc/passwd")
    with pytest.raises(CatalogError, match=r"mirror path `../../../etc/passwd` leaves the mirror root"):
        fetch(escaping, offline=True, mirror=tmp_path / "mirror", cache=tmp_path / "cache")


def test_reasons_name_files_relative_to_the_mirror():
    from pipelines.errors import relative_paths

    text = (
        "`/srv/miroir/flood/x/a.shp`: bad; `/vsizip//srv/miroir/qpv/z.zip/SHP/b.shp`; "
        "cache `/var/cache/cartopolis/src/c.zip`; other `/home/op/d.gpkg`; https://files.georisques.fr/di_2020/e.zip"
    )
    assert relative_paths(text, mirror=Path("/srv/miroir"), cache=Path("/var/cache/cartopolis")) == (
        "`flood/x/a.shp`: bad; `qpv/z.zip/SHP/b.shp`; cache `cache/src/c.zip`; other `…/d.gpkg`; "
        "https://files.georisques.fr/di_2020/e.zip"
    )
