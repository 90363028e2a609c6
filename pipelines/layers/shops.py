"""Layer ``shops``: shops and vacant shop fronts, as points.

Readers, by source format (every declared source that resolves is read and appended):

- ``osm-xml``: a raw OpenStreetMap XML file (local ``.osm`` or an Overpass download), cleaned and
  read by :mod:`._osm_xml`. A shop feature is an element with ``shop=*``, ``disused:shop=*``,
  ``was:shop=*`` or ``vacant=yes``. Vacancy, first rule that applies:

  =====================  ======================  ==========================
  tag                    vacancy_source          category
  =====================  ======================  ==========================
  ``shop=vacant``        ``osm:shop=vacant``     ``vacant``
  ``disused:shop=X``     ``osm:disused:shop``    X
  ``was:shop=X``         ``osm:was:shop``        X
  ``vacant=yes``         ``osm:vacant=yes``      the ``shop`` value
  ``shop=X`` otherwise   (not vacant)            X
  =====================  ======================  ==========================

  ``yes`` (a shop of unknown kind) becomes the category ``non précisé``. Ways and relations
  (shop buildings) are reduced to a representative point; ``shop_id`` is ``osm:<element>/<id>``.
- ``sirene-geo-csv``: the SIRENE géolocalisé file of a département (Etalab ``geo_siret_DD.csv``,
  plain or ``.gz``, StockEtablissement columns): establishments of the commune
  (``codeCommuneEtablissement``) that are closed (``etatAdministratifEtablissement == "F"``)
  with a retail NAF code 47.xx (``activitePrincipaleEtablissement``). Coordinates: ``longitude`` /
  ``latitude`` (WGS84), else ``coordonneeLambertAbscisseEtablissement`` / ``…Ordonnee…`` or
  ``x`` / ``y`` (Lambert-93). They are vacant with ``vacancy_source = "sirene:fermé"``; a closed
  establishment says the business ended, not that the shop front is still empty — noted as such.

The layer is clipped to the commune + 500 m (:attr:`BuildContext.area_of_interest`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import LayerUnavailable, SourceFormatError
from ..schemas import validate
from ._common import BuildContext, LayerResult, clip, to_territory_crs
from ._osm_xml import CleaningReport, osm_ids, read_osm_features, record_cleaning, tag

COLUMNS = ["shop_id", "name", "category", "vacant", "vacancy_source"]
UNKNOWN_CATEGORY = "non précisé"
SIRENE_VACANCY = "sirene:fermé"
#: SIRENE coordinate columns, in order of preference → CRS.
_SIRENE_XY = (
    ("longitude", "latitude", "EPSG:4326"),
    ("coordonneeLambertAbscisseEtablissement", "coordonneeLambertOrdonneeEtablissement", "EPSG:2154"),
    ("x", "y", "EPSG:2154"),
)


def shops_from_osm(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shop points from osmnx features (any CRS), with the vacancy rules of the module docstring.

    Returns a frame with the columns of :data:`COLUMNS` and Point geometries, in the CRS of
    ``features`` (representative points are taken in that CRS: project first for exact points).
    """
    shop, disused, was, vacant_tag = (tag(features, k) for k in ("shop", "disused:shop", "was:shop", "vacant"))
    rows = (shop.notna() | disused.notna() | was.notna() | (vacant_tag == "yes")).to_numpy()
    shop, disused, was, vacant_tag = shop[rows], disused[rows], was[rows], vacant_tag[rows]
    rules = [  # (condition, vacancy_source, category), first match wins
        (shop == "vacant", "osm:shop=vacant", pd.Series("vacant", index=shop.index)),
        (disused.notna(), "osm:disused:shop", disused),
        (was.notna(), "osm:was:shop", was),
        (vacant_tag == "yes", "osm:vacant=yes", shop),
    ]
    source = np.select([c.to_numpy() for c, _, _ in rules], [s for _, s, _ in rules], default="")
    category = np.select([c.to_numpy() for c, _, _ in rules], [v.to_numpy() for _, _, v in rules], default=shop)
    category = pd.Series(category, dtype=object).fillna(UNKNOWN_CATEGORY).replace("yes", UNKNOWN_CATEGORY)
    subset = features[rows]
    return gpd.GeoDataFrame(
        {
            "shop_id": osm_ids(subset),
            "name": tag(subset, "name").to_numpy(),
            "category": category.to_numpy(),
            "vacant": source != "",
            "vacancy_source": pd.Series(source, dtype=object).replace("", None).to_numpy(),
        },
        geometry=subset.geometry.representative_point().to_numpy(),
        crs=features.crs,
    )


def read_osm_shops(path: Path) -> tuple[gpd.GeoDataFrame, CleaningReport]:
    """Shop points of an OSM XML file, in EPSG:2154, with the report of the XML cleaning."""
    features, report = read_osm_features(path)
    # project before taking representative points, so the point lies inside the L93 polygon
    return shops_from_osm(to_territory_crs(features, path)), report


def read_sirene_closed_shops(path: Path, insee: str) -> gpd.GeoDataFrame:
    """Closed retail establishments (NAF 47.xx) of commune ``insee`` in a SIRENE géolocalisé CSV.

    Returns the :data:`COLUMNS` frame in EPSG:2154 (``shop_id`` ``sirene:<siret>``, ``category`` the
    NAF code, ``vacant`` True); rows without coordinates are dropped.
    """
    wanted = {"siret", "codeCommuneEtablissement", "etatAdministratifEtablissement", "activitePrincipaleEtablissement"}
    names = {"enseigne1Etablissement", "denominationUsuelleEtablissement"} | {c for xy in _SIRENE_XY for c in xy[:2]}
    try:
        frame = pd.read_csv(path, dtype=str, usecols=lambda c: c in wanted | names, compression="infer")
    except Exception as exc:  # noqa: BLE001 - pandas errors do not name the file
        raise SourceFormatError(f"`{path}`: cannot read as a SIRENE CSV ({exc})") from None
    missing = sorted(wanted - set(frame.columns))
    if missing:
        raise SourceFormatError(f"`{path}`: SIRENE column(s) {missing} missing; columns are {list(frame.columns)}")
    xy = next(((x, y, crs) for x, y, crs in _SIRENE_XY if {x, y} <= set(frame.columns)), None)
    if xy is None:
        raise SourceFormatError(f"`{path}`: no coordinate columns (longitude/latitude or x/y) in the SIRENE CSV")
    x_col, y_col, crs = xy
    keep = (
        (frame["codeCommuneEtablissement"] == insee)
        & (frame["etatAdministratifEtablissement"] == "F")
        & frame["activitePrincipaleEtablissement"].fillna("").str.startswith("47.")
    )
    rows = frame[keep]
    x, y = pd.to_numeric(rows[x_col], errors="coerce"), pd.to_numeric(rows[y_col], errors="coerce")
    located = (x.notna() & y.notna()).to_numpy()
    rows, x, y = rows[located], x[located], y[located]
    name = rows.get("enseigne1Etablissement", pd.Series(index=rows.index, dtype=object))
    if "denominationUsuelleEtablissement" in rows:
        name = name.fillna(rows["denominationUsuelleEtablissement"])
    out = gpd.GeoDataFrame(
        {
            "shop_id": ("sirene:" + rows["siret"]).to_numpy(),
            "name": name.astype(object).where(name.notna(), None).to_numpy(),
            "category": rows["activitePrincipaleEtablissement"].to_numpy(),
            "vacant": np.ones(len(rows), dtype=bool),
            "vacancy_source": SIRENE_VACANCY,
        },
        geometry=gpd.points_from_xy(x, y),
        crs=crs,
    )
    return to_territory_crs(out, path)


def build(ctx: BuildContext) -> LayerResult:
    """Build the shops layer from every declared source that resolves, clipped to the commune + 500 m."""
    resolved = ctx.resolve("shops")
    parts, used, notes, extra = [], [], [], {}
    for source, path in resolved:
        if source.format == "osm-xml":
            frame, report = read_osm_shops(path)
            record_cleaning(ctx, "shops", source.id, report, notes, extra)
        elif source.format == "sirene-geo-csv":
            frame = read_sirene_closed_shops(path, ctx.territory.insee)
            notes.append(
                "SIRENE : établissements de commerce de détail fermés (activité cessée, vitrine pas forcément vide)"
            )
        else:
            raise SourceFormatError(f"source `{source.id}`: format `{source.format}` is not a shops format")
        parts.append(frame)
        used.append(source.id)
    if note := ctx.unused_sources_note("shops", used):
        notes.append(note)
    frame = pd.concat(parts, ignore_index=True)
    frame = clip(gpd.GeoDataFrame(frame, geometry="geometry", crs=parts[0].crs), ctx.area_of_interest)
    if frame.empty:
        raise LayerUnavailable(f"aucun commerce dans les sources pour {ctx.territory.name}", [])
    frame = validate("shops", frame[[*COLUMNS, "geometry"]])
    extra["shops"] = {"total": len(frame), "vacant": int(frame["vacant"].sum())}
    extra["vacancy_sources"] = frame["vacancy_source"].dropna().value_counts().to_dict()
    return LayerResult(frame, used, notes, extra)
