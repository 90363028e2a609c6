"""What every layer module shares: the build context, the result, CRS and clipping helpers."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from .. import settings
from ..catalog import Catalog, Source, Territory
from ..errors import ChecksumMismatch, FetchError, LayerUnavailable, OfflineMiss, SourceFormatError
from ..fetch import fetch
from ..schemas import SOURCES_OF, same_crs, territory_crs
from ..settings import CONTEXT_BUFFER_M
from ._plausible import check_coordinates, check_frame, check_shapefile


@dataclass
class LayerResult:
    """A built layer: the frame (territory's CRS, schema-valid), the source ids used, notes for the log.

    ``notes`` are French sentences shown in the manifest and the UI ("scénarios moyen et faible
    absents de la source"); ``extra`` holds machine-readable facts for the manifest
    (e.g. ``{"scenarios_missing": ["moyen", "faible"]}``).
    """

    frame: gpd.GeoDataFrame
    sources: list[str]
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


@dataclass
class BuildContext:
    """Everything a layer module needs, and nothing that lets it write to the store."""

    territory: Territory
    catalog: Catalog
    offline: bool = True
    mirror: Path | None = None
    cache: Path | None = None
    commune: gpd.GeoDataFrame | None = None  # built first, in the territory's CRS
    log: Callable[[str], None] = print
    #: Sources found broken during this layer's build (id → error), left out of ``sources``.
    excluded: dict[str, str] = field(default_factory=dict)
    #: Local path of every source resolved so far (id → path), to tell which one an error names.
    paths: dict[str, Path] = field(default_factory=dict)
    #: Results shared between the layer modules of one build (the qpv and qpv_2015 layers read the
    #: same sources once).
    memo: dict = field(default_factory=dict)

    def sources(self, layer: str) -> list[Source]:
        """The catalog sources declared for ``layer`` in territories.yaml, in order of preference,
        without those found broken during this build (:attr:`excluded`).

        A layer derived from another one's sources (``qpv_2015`` from ``qpv``) gets those.
        """
        declared = self.catalog.sources_for(self.territory, SOURCES_OF.get(layer, layer))
        return [s for s in declared if s.id not in self.excluded]

    def from_mirror(self, path: Path) -> bool:
        """Whether ``path`` (as resolved by :meth:`path`) is a file of the mirror, not a download."""
        return self.mirror is not None and Path(path).resolve().is_relative_to(Path(self.mirror).resolve())

    def path(self, source: Source) -> Path:
        """Local path of ``source`` (mirror, cache, or download when not offline)."""
        try:
            path = fetch(source, offline=self.offline, mirror=self.mirror, cache=self.cache)
        except FetchError as exc:
            exc.source_id = source.id
            raise
        self.paths[source.id] = Path(path)
        return path

    def resolve(self, layer: str) -> list[tuple[Source, Path]]:
        """Resolve every source of ``layer``; the ones that cannot be had are skipped and logged.

        Raises LayerUnavailable (with every official URL) when none resolves or none is declared.
        """
        declared = self.sources(layer)
        found: list[tuple[Source, Path]] = []
        missing: list[Source] = []
        for source in declared:
            try:
                found.append((source, self.path(source)))
            except ChecksumMismatch:
                raise  # a corrupt or changed file is an error, never a silent "unavailable"
            except (OfflineMiss, FetchError) as exc:
                if not isinstance(exc, OfflineMiss) and not self.offline:
                    self.log(f"{self.territory.id}/{layer}: {exc}")
                missing.append(source)
        if not found:
            raise unavailable(self.territory, layer, missing, offline=self.offline)
        return found

    def unused_sources_note(self, layer: str, used: list[str]) -> str | None:
        """French note naming the declared sources of ``layer`` that could not be had (None if all were)."""
        missing = [s.title for s in self.sources(layer) if s.id not in used]  # broken ones have their own note
        return "source non disponible, non prise en compte : " + ", ".join(missing) if missing else None

    @property
    def area_of_interest(self) -> shapely.Geometry:
        """The commune boundary buffered by the context distance (territory's CRS, m)."""
        if self.commune is None or self.commune.empty:
            raise LayerUnavailable("commune non construite : impossible de découper la couche")
        return self.commune.geometry.union_all().buffer(CONTEXT_BUFFER_M)


def unavailable(territory: Territory, layer: str, missing: list[Source], *, offline: bool) -> LayerUnavailable:
    """The LayerUnavailable for a layer whose declared sources all missed (or none declared)."""
    note = territory.notes.get(layer)
    if not missing:
        reason = note or f"aucune source publiée connue pour la couche « {layer} » de {territory.name}"
        return LayerUnavailable(reason, [])
    where = "absente du miroir local (mode hors ligne)" if offline else "téléchargement impossible"
    names = ", ".join(s.title for s in missing)
    reason = f"{note + ' ' if note else ''}Source {where} : {names}."
    return LayerUnavailable(reason.strip(), [s.url for s in missing])


def decode_text(data: bytes, where: str) -> str:
    """UTF-8 text (BOM removed) of a source file; a file in another encoding is an error naming it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(
            f"`{where}` is not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start}; Latin-1 or "
            "Windows-1252?): convert it to UTF-8, e.g. `iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv`"
        ) from None


def culprit_source(ctx: BuildContext, exc: Exception) -> str | None:
    """The id of the source an error is about: the one a fetch error carries, else the one whose
    local path the message names (the longest match), else None."""
    known = getattr(exc, "source_id", None)
    if known:
        return known
    message = str(exc)
    named = [
        (len(form), sid)
        for sid, path in ctx.paths.items()
        for form in {str(path), str(path.resolve())}
        if form in message
    ]
    return max(named)[1] if named else None


#: Prefix of the temporary folders of readers: ``cartopolis-<kind>-<pid>-…`` in the system temp folder.
TEMP_PREFIX = "cartopolis-"
_TEMP_NAME = re.compile(r"cartopolis-[a-z]+-(\d+)-.+")
_PART_NAME = re.compile(r"\..+\.(\d+)\.part")


@contextlib.contextmanager
def temp_dir(kind: str) -> Iterator[Path]:
    """A temporary folder named after this process, removed at exit (or by the next build if killed)."""
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{kind}-{os.getpid()}-") as folder:
        yield Path(folder)


def remove_orphan_temp_dirs(root: Path | None = None, cache: Path | None = None) -> list[Path]:
    """Remove what a killed build left behind: the readers' temporary folders (``root``, the system
    temp folder by default) and the partial downloads of the ``cache``, whose process is gone."""
    removed = []
    root = Path(root or tempfile.gettempdir())
    for path in root.glob(f"{TEMP_PREFIX}*"):
        match = _TEMP_NAME.fullmatch(path.name)
        if match and path.is_dir() and not _alive(int(match[1])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    cache = Path(cache or settings.cache_dir())
    for path in cache.glob("*/.*.part") if cache.is_dir() else ():
        match = _PART_NAME.fullmatch(path.name)  # fetch.download writes `.<name>.<pid>.part`
        if match and not _alive(int(match[1])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another account's process
        return True
    return True


def find_field(columns, candidates: tuple[str, ...]) -> str | None:
    """The first of ``candidates`` among ``columns`` (case-insensitive), with its real spelling."""
    lower = {str(c).lower(): c for c in columns}
    return next((lower[c] for c in candidates if c in lower), None)


def read_vector(
    uri: str, where: str, *, area: shapely.Geometry | None = None, what: str = "a vector file", **kwargs
) -> gpd.GeoDataFrame:
    """Read a vector file (or zip member) with GDAL, after the plausibility checks of the file itself.

    A shapefile's ``.shp``, ``.shx`` and ``.dbf`` must agree (no record cut off or null), and the
    file's extent must fit its declared CRS and reach the territory: a read limited to ``area``
    (in the territory's CRS, by bounding box) would otherwise return nothing from a file with a wrong ``.prj``,
    and drop null geometries unseen. ``what`` names the expected content in messages; ``kwargs``
    go to :func:`geopandas.read_file`.

    Raises
    ------
    SourceFormatError
        When GDAL cannot read it; :class:`~pipelines.errors.ImplausibleData` when a check fails.
    """
    if str(uri).lower().endswith(".shp"):
        check_shapefile(str(uri), where)
    try:
        info = pyogrio.read_info(uri, layer=kwargs.get("layer"), force_total_bounds=True)
    except Exception as exc:  # noqa: BLE001 - pyogrio errors name the /vsizip/ path at best
        raise SourceFormatError(f"`{where}`: cannot read ({exc})") from None
    if info.get("features"):
        check_coordinates(info.get("total_bounds"), info.get("crs"), where)
    bbox = None if area is None else gpd.GeoSeries([area], crs=territory_crs())
    try:
        return gpd.read_file(uri, bbox=bbox, **kwargs)
    except Exception as exc:  # noqa: BLE001 - pyogrio errors name the /vsizip/ path at best
        raise SourceFormatError(f"`{where}`: cannot read as {what} ({exc})") from None


def to_territory_crs(frame: gpd.GeoDataFrame, where: str | Path) -> gpd.GeoDataFrame:
    """Reproject to the territory's CRS (:func:`~pipelines.schemas.territory_crs`), after checking the
    coordinates fit their declared CRS and the territory.

    Fails with the file name when the CRS is missing, or (:func:`._plausible.check_frame`) when
    the coordinates cannot be in the declared CRS or lie away from the territory being built.
    """
    if frame.crs is None:
        raise SourceFormatError(f"`{where}` has no CRS (.prj missing?); expected a declared CRS")
    check_frame(frame, str(where))
    crs = territory_crs()
    return frame if same_crs(frame.crs, crs) else frame.to_crs(crs)


def require_geometries(frame: gpd.GeoDataFrame, where: str | Path) -> gpd.GeoDataFrame:
    """Fail when features come without geometry: the mark of a truncated or corrupt shapefile.

    GDAL reads a ``.shp`` cut short with its full ``.dbf`` as rows whose geometry is missing;
    dropping them silently would publish a layer with most of its zones gone.
    """
    missing = int(frame.geometry.isna().sum())
    if missing:
        raise SourceFormatError(
            f"`{where}`: {missing} of {len(frame)} feature(s) have no geometry; "
            "the file is truncated or corrupt: download it again"
        )
    return frame


def make_valid(frame: gpd.GeoDataFrame, keep: tuple[str, ...] = ("Polygon", "MultiPolygon")) -> gpd.GeoDataFrame:
    """Repair invalid geometries explicitly and keep only the parts of the wanted type."""
    geoms = frame.geometry.make_valid()
    if keep == ("Polygon", "MultiPolygon"):
        geoms = geoms.apply(_polygonal_part)
    out = frame.set_geometry(geoms)
    return out[~(out.geometry.isna() | out.geometry.is_empty)]


def _polygonal_part(geom):
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def clip(frame: gpd.GeoDataFrame, area: shapely.Geometry) -> gpd.GeoDataFrame:
    """Keep the features intersecting ``area`` and cut them to it (index query first, then clip)."""
    hits = frame.sindex.query(area, predicate="intersects")
    return gpd.clip(frame.iloc[hits], area, keep_geom_type=True)


#: How many file reads :func:`read_once` keeps per process (the national files are a handful).
READ_ONCE_ENTRIES = 8
_READS: OrderedDict[tuple, object] = OrderedDict()
_READS_LOCK = threading.Lock()


def _file_key(path: Path) -> tuple:
    """Path and content fingerprint of a file or folder (size and mtime of every file).

    Cheap where a sha256 is not: the fetcher has already checked the declared sha256 of the path
    it returned, and a changed file changes its size or mtime. A file counts with the files that
    share its stem (a shapefile's ``.prj``, ``.dbf``…), seen where they are, links not followed:
    another ``.prj`` beside a linked ``.shp`` is another file to read.
    """
    path = Path(path).absolute()
    files = source_files(path)
    return (str(path), tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns, p.is_symlink()) for p in files))


def source_files(path: Path) -> list[Path]:
    """The files a source at ``path`` is made of: every file of a folder, or the file with the files that
    share its stem (a shapefile's ``.shx``, ``.dbf``, ``.prj``…), sorted."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    stem = path.stem.lower()
    return sorted(p for p in path.parent.iterdir() if p.is_file() and p.stem.lower() == stem) or [path]


def read_once(reader: Callable) -> Callable:
    """Decorate a reader ``reader(path, *args)`` so that a process reads each file once.

    A national build runs hundreds of territories on each Dask worker: the national files
    (communes, QPV 2015, the 2024 list) are read on the first territory and then served from
    memory. The key is the file's path and fingerprint, the other arguments and the territory's
    CRS (the reader may project). The result is shared: callers must not modify it in place.
    """

    @functools.wraps(reader)
    def wrapper(path, *args, **kwargs):
        key = (
            reader.__module__,
            reader.__qualname__,
            _file_key(path),
            args,
            tuple(sorted(kwargs.items())),
            territory_crs(),
        )
        with _READS_LOCK:
            if key in _READS:
                _READS.move_to_end(key)
                return _READS[key]
        value = reader(path, *args, **kwargs)
        with _READS_LOCK:
            _READS[key] = value
            while len(_READS) > READ_ONCE_ENTRIES:
                _READS.popitem(last=False)
        return value

    wrapper.cache_clear = _READS.clear  # type: ignore[attr-defined]
    return wrapper
