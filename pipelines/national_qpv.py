"""The national QPV table: one row per QPV of France, in ``<store>/_national/qpv.parquet``.

Rows: every 2024 QPV of the ANCT national list, each with its 2015 counterpart when one is found
(by name, within each host commune: :func:`~pipelines.layers._qpv_match.match_qpv`), then every
2015 QPV that no 2024 QPV continues (``left``). Columns:

- ``code_qp`` (2024), ``code_qp_2015``, ``name``, ``communes`` (INSEE codes, comma-joined),
  ``commune_names``, ``departement``;
- ``status``: ``unchanged`` (2024 code ``I``), ``modified`` (``M``), ``new`` (``N``), ``left`` (a
  2015 QPV out of the 2024 geography), ``undocumented`` (another letter: the 17 codes of Mayotte
  end in ``C``, which no mirrored document explains; not guessed);
- ``area_ha``: area of the contour drawn (the 2015 one, measured in its département's CRS), NaN
  when no contour is known (a new QPV offline); ``perimeter`` says which contour it is;
- ``territory``: the id of the built territory holding it (the first host commune built), else
  None; ``build_command``: the one command that builds its first host commune;
- headline indicators of the built territory's zone (:data:`HEADLINES`), NaN where a layer is
  unavailable (never zero for unknown), with ``<name>_reason`` saying why.

Geometry in EPSG:4326 (the table spans overseas France), simplified for the national map
(:data:`SIMPLIFY_M`, in each département's CRS, before reprojection).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .catalog import Catalog
from .communes import all_communes
from .errors import CartopolisError
from .layers._qpv_match import match_qpv
from .national_plan import national_qpv_files, qpv2015_communes
from .schemas import crs_for_departement
from .settings import CRS_WGS84
from .store import Store

FOLDER, TABLE = "_national", "qpv"
#: Headline indicators: column → (layer, indicator) of the territory's indicators table.
HEADLINES: dict[str, tuple[str, str]] = {
    "residents": ("population", "residents"),
    "poverty_rate": ("population", "poverty_rate"),
    "flood_share_fort": ("flood", "share_fort"),
    "heat_share_chaud": ("heat", "share_chaud"),
    "vacancy_rate": ("shops", "vacancy_rate"),
    "cycle_share_near_protected": ("cycle", "share_near_protected"),
}
STATUS_BY_LETTER = {"I": "unchanged", "M": "modified", "N": "new"}
PERIMETER = {
    "unchanged": "contour 2015",
    "modified": "contour 2015, modifié en 2024",
    "left": "contour 2015",
    "undocumented": "contour 2015 (statut 2024 non documenté)",
}
#: Simplification of the contours kept for the national map (m).
SIMPLIFY_M = 10.0


def qpv_rows(qpv15: gpd.GeoDataFrame, pairs24: pd.DataFrame, communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per QPV of France (without the built-territory columns), EPSG:4326."""
    overlaps = qpv2015_communes(qpv15, communes)
    names15 = dict(zip(qpv15["code_qp_2015"], qpv15["name"], strict=True))
    commune_names = dict(zip(communes["insee"], communes["name"], strict=True))
    hosts15 = overlaps.groupby("insee")["code_qp_2015"].agg(list).to_dict()
    matched: dict[str, str] = {}
    for insee, group in pairs24.groupby("insee_com"):
        pairs15 = [(code, names15[code]) for code in hosts15.get(insee, [])]
        taken = set(matched.values())
        for m in match_qpv(list(zip(group["code_qp"], group["lib_qp"], strict=True)), pairs15):
            if m.code_qp_2015 and m.code_qp not in matched and m.code_qp_2015 not in taken:
                matched[m.code_qp] = m.code_qp_2015
    rows = []
    for code, group in pairs24.groupby("code_qp", sort=True):
        status = STATUS_BY_LETTER.get(code[-1], "undocumented")
        name = next((n for n in group["lib_qp"] if n), "")
        rows.append(_row(code, matched.get(code), name, list(group["insee_com"]), status, commune_names))
    continued = set(matched.values())
    hosts_of = overlaps.groupby("code_qp_2015")["insee"].agg(list).to_dict()
    for code in sorted(set(qpv15["code_qp_2015"]) - continued):
        rows.append(_row(None, code, names15[code], hosts_of.get(code, []), "left", commune_names))
    table = pd.DataFrame(rows)
    geometry = qpv15.set_index("code_qp_2015").geometry
    table["geometry"] = [geometry.get(code) if code else None for code in table["code_qp_2015"]]
    table.loc[table["geometry"].isna(), "perimeter"] = "indisponible"
    frame = gpd.GeoDataFrame(table, geometry="geometry", crs=qpv15.crs)
    return _measure(frame)


def _row(code, code15, name, hosts, status, commune_names) -> dict:
    hosts = sorted(dict.fromkeys(hosts))
    departement = (code or code15 or "")[2:5].lstrip("0").zfill(2) if (code or code15) else ""
    return {
        "code_qp": code,
        "code_qp_2015": code15,
        "name": name,
        "communes": ",".join(hosts),
        "commune_names": ", ".join(commune_names.get(h, h) for h in hosts),
        "departement": departement,
        "status": status,
        "perimeter": PERIMETER.get(status, "indisponible") if code15 else "indisponible",
    }


def _measure(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``area_ha`` in each département's CRS; contours simplified by SIMPLIFY_M there, back to EPSG:4326."""
    frame = frame.copy()
    frame["area_ha"] = np.nan
    crs_of = frame["departement"].map(crs_for_departement)
    for crs, index in frame.groupby(crs_of).groups.items():
        local = frame.loc[index].geometry.to_crs(crs)
        frame.loc[index, "area_ha"] = (local.area / 1e4).where(local.notna()).to_numpy()
        simple = local.simplify(SIMPLIFY_M, preserve_topology=True).to_crs(CRS_WGS84)
        frame.loc[index, "geometry"] = simple.to_numpy()
    return frame.set_crs(CRS_WGS84, allow_override=True)


def attach_territories(frame: gpd.GeoDataFrame, store: Store) -> gpd.GeoDataFrame:
    """Add ``territory``, ``build_command`` and the :data:`HEADLINES` of built territories."""
    built = {}
    for tid in store.territories():
        try:
            info = store.manifest(tid).get("territory", {})
        except CartopolisError:
            continue
        if info.get("insee") and not info.get("fictional"):
            built[str(info["insee"])] = tid
    frame = frame.copy()
    hosts = frame["communes"].str.split(",")
    frame["territory"] = [next((built[h] for h in hs if h in built), None) for hs in hosts]
    frame["build_command"] = [
        f"python -m pipelines build --territory {hs[0]}" if hs and hs[0] else None for hs in hosts
    ]
    for column in HEADLINES:
        frame[column] = np.nan
        frame[f"{column}_reason"] = None
    for tid, index in frame.groupby("territory").groups.items():
        try:
            indicators = store.read_table(tid, "indicators")
        except CartopolisError:
            continue
        _headlines(frame, index, indicators)
    return frame


def _headlines(frame: gpd.GeoDataFrame, index, indicators: pd.DataFrame) -> None:
    """Fill the headline columns of rows ``index`` from one territory's indicators (long format)."""
    keyed = indicators.set_index(["zone_id", "layer", "indicator"])
    for i in index:
        zone = frame.at[i, "code_qp"] or frame.at[i, "code_qp_2015"]
        for column, (layer, indicator) in HEADLINES.items():
            key = (zone, layer, indicator)
            if key in keyed.index:
                row = keyed.loc[key]
                row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
                frame.at[i, column] = row["value"]
                frame.at[i, f"{column}_reason"] = row["reason"] if pd.isna(row["value"]) else None
            else:
                frame.at[i, f"{column}_reason"] = f"couche {layer} non disponible pour ce territoire"


def build_national_qpv(
    store: Store, catalog: Catalog | None = None, *, offline: bool = True, mirror: Path | None = None
) -> dict:
    """Write the national QPV table into the store; return its counts by status and built."""
    catalog = catalog or Catalog.load()
    communes = all_communes(offline)
    communes = communes[communes.geometry.notna()]
    qpv15, pairs24 = national_qpv_files(catalog, offline=offline, mirror=mirror)
    frame = attach_territories(qpv_rows(qpv15, pairs24, communes), store)
    store.write_geotable(FOLDER, TABLE, frame, crs=CRS_WGS84)
    return table_counts(frame)


def table_counts(frame: pd.DataFrame) -> dict:
    """Rows of the national QPV table, by status, and how many lie in a built territory."""
    return {
        "rows": len(frame),
        **frame["status"].value_counts().to_dict(),
        "built": int(frame["territory"].notna().sum()),
    }
