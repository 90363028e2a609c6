"""One schema per layer, and the validation every layer passes before it is stored.

A schema lists the required columns (name, kind, allowed values, nullability), the optional
columns that are checked when present, and the allowed geometry types. Every layer is stored in
the official projection of its territory: Lambert-93 (EPSG:2154) in metropolitan France, the
local UTM overseas (:data:`CRS_BY_DEPARTEMENT`). ``validate`` returns a copy with the dtypes
normalised, or raises :class:`~pipelines.errors.SchemaError` with a message naming the layer and
the column.

The CRS of the territory being built is held in a context variable (:func:`use_crs`,
:func:`territory_crs`), so that readers deep in a layer module project to it without each
signature carrying it.

The dashboard imports this module (read side) for the layer list, the vocabularies and the labels.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import SchemaError
from .settings import CRS_L93

#: Official projection of the overseas départements (metres); every other one is in Lambert-93.
CRS_BY_DEPARTEMENT: dict[str, str] = {
    "971": "EPSG:5490",  # Guadeloupe: RGAF09 / UTM 20N
    "972": "EPSG:5490",  # Martinique: RGAF09 / UTM 20N
    "973": "EPSG:2972",  # Guyane: RGFG95 / UTM 22N
    "974": "EPSG:2975",  # La Réunion: RGR92 / UTM 40S
    "976": "EPSG:4471",  # Mayotte: RGM04 / UTM 38S
}
_TERRITORY_CRS: contextvars.ContextVar[str] = contextvars.ContextVar("territory_crs", default=CRS_L93)


def crs_for_departement(departement: str) -> str:
    """The CRS a territory of ``departement`` is stored and measured in (EPSG:2154 in metropolitan France)."""
    return CRS_BY_DEPARTEMENT.get(str(departement)[:3], CRS_L93)


def territory_crs() -> str:
    """The CRS of the territory being built (EPSG:2154 outside :func:`use_crs`)."""
    return _TERRITORY_CRS.get()


@contextlib.contextmanager
def use_crs(crs: str) -> Iterator[str]:
    """Within the block, layers are read, built and validated in ``crs``."""
    token = _TERRITORY_CRS.set(crs)
    try:
        yield crs
    finally:
        _TERRITORY_CRS.reset(token)


def same_crs(frame_crs, crs: str) -> bool:
    """Whether a frame's CRS is ``crs`` (compared by EPSG code)."""
    return frame_crs is not None and frame_crs.to_epsg() == int(str(crs).split(":")[1])


#: Heat classes derived from Local Climate Zones (see ``pipelines.layers.heat``).
HEAT_CLASSES = ("chaud", "tiede", "frais")
#: Local Climate Zones: built types 1–10, land-cover types A–G (Stewart & Oke 2012).
LCZ_CLASSES = tuple([str(i) for i in range(1, 11)] + list("ABCDEFG"))
#: Flood scenarios of the Géorisques TRI (01For, 02Moy, 03Mcc, 04Fai).
FLOOD_SCENARIOS = ("fort", "moyen", "moyen_cc", "faible")
#: One facility vocabulary for every cycle source.
CYCLE_FACILITIES = (
    "piste",
    "bande",
    "voie verte",
    "double sens cyclable",
    "zone apaisée",
    "partagée",
    "non aménagée",
)
CYCLE_STATUSES = ("existant", "projet")
#: What a population polygon is: a grid cell, an IRIS, the whole commune, or a residential
#: building carrying its share of a coarser total (dasymetric estimate, ``pipelines.layers._dasymetric``).
POPULATION_SUPPORTS = ("carreau_200m", "carreau_1km", "iris", "commune", "batiment")
#: How each support is named in the UI.
POPULATION_SUPPORT_LABELS = {
    "carreau_200m": "carreaux de 200 m",
    "carreau_1km": "carreaux de 1 km",
    "iris": "IRIS",
    "commune": "total communal",
    "batiment": "bâtiments résidentiels",
}
#: Filosofi household fields kept as they are published (counts of households, ``men_surf`` in m²).
FILOSOFI_HOUSEHOLD_FIELDS = ("men_1ind", "men_5ind", "men_coll", "men_fmp", "men_mais", "men_prop", "men_surf")
#: How a QPV perimeter was obtained (shown in the UI).
QPV_PERIMETER_STATUSES = (
    "exact",
    "contour 2015, modifié en 2024",
    "contour 2015",
    "indisponible",
)
#: What an "en QPV" figure says in a commune that has no QPV of the 2024 generation.
NO_QPV_2024 = "sans objet : aucun QPV en 2024"
#: What became of a 2015 QPV in the 2024 priority geography (historical layer ``qpv_2015``).
QPV_2015_STATUSES = (
    "inchangé en 2024",
    "modifié en 2024",
    "sorti en 2024",
    "sans équivalent certain en 2024",
    "statut 2024 inconnu",
)


@dataclass(frozen=True)
class Column:
    """A column of a layer: ``kind`` is one of str, int, float, bool."""

    name: str
    kind: str
    nullable: bool = False
    allowed: tuple | None = None
    description: str = ""


@dataclass(frozen=True)
class LayerSchema:
    """What a layer must look like before it is stored."""

    name: str
    label: str  # French, for the UI
    geometry_types: tuple[str, ...]
    columns: tuple[Column, ...]
    optional: tuple[Column, ...] = field(default=())
    geometry_nullable: bool = False


POLYGONS = ("Polygon", "MultiPolygon")

SCHEMAS: dict[str, LayerSchema] = {
    s.name: s
    for s in (
        LayerSchema(
            "commune",
            "Commune",
            POLYGONS,
            (
                Column("insee", "str", description="code INSEE (5 caractères)"),
                Column("name", "str"),
                Column("population", "int", nullable=True, description="population municipale"),
            ),
        ),
        LayerSchema(
            "qpv",
            "Quartiers prioritaires (QPV)",
            POLYGONS,
            (
                Column("code_qp", "str", nullable=True, description="code 2024 (QN…)"),
                Column("code_qp_2015", "str", nullable=True, description="code 2015 (QP…)"),
                Column("name", "str"),
                Column("insee_com", "str"),
                Column("generation", "str", allowed=("2015", "2024")),
                Column("perimeter_status", "str", allowed=QPV_PERIMETER_STATUSES),
            ),
            optional=(
                Column("area_ha", "float", nullable=True, description="surface du contour complet (ha)"),
                Column("area_in_commune_ha", "float", nullable=True, description="surface dans la commune (ha)"),
                Column("insee_communes", "str", nullable=True, description="codes INSEE des communes du QPV"),
                Column("published_population", "float", nullable=True, description="population publiée (INSEE)"),
                Column("published_population_year", "str", nullable=True),
                Column("published_poverty_rate", "float", nullable=True, description="taux de pauvreté publié (0–1)"),
                Column("published_poverty_year", "str", nullable=True),
                Column("published_source", "str", nullable=True),
            ),
            geometry_nullable=True,
        ),
        LayerSchema(
            "qpv_2015",
            "QPV 2015 (géographie prioritaire 2015-2023)",
            POLYGONS,
            (
                Column("code_qp_2015", "str", description="code 2015 (QP…)"),
                Column("name", "str"),
                Column("insee_com", "str"),
                Column("status_2024", "str", allowed=QPV_2015_STATUSES),
                Column("code_qp", "str", nullable=True, description="code du QPV 2024 qui lui succède"),
            ),
            optional=(
                Column("area_ha", "float", nullable=True),
                Column("area_in_commune_ha", "float", nullable=True),
                Column("area_gained_ha", "float", nullable=True, description="surface gagnée en 2024 (ha)"),
                Column("area_lost_ha", "float", nullable=True, description="surface perdue en 2024 (ha)"),
            ),
        ),
        LayerSchema(
            "flood",
            "Zones inondables",
            POLYGONS,
            (
                Column("scenario", "str", allowed=FLOOD_SCENARIOS),
                Column("tri_name", "str"),
            ),
            optional=(Column("flood_type", "str", nullable=True),),
        ),
        LayerSchema(
            "heat",
            "Îlots de chaleur (zones climatiques locales)",
            POLYGONS,
            (
                Column("lcz", "str", allowed=LCZ_CLASSES),
                Column("heat_class", "str", allowed=HEAT_CLASSES),
            ),
            optional=(
                Column("lst_anomaly_c", "float", nullable=True),
                Column("lcz_source", "str", nullable=True),
            ),
        ),
        LayerSchema(
            "shops",
            "Commerces et vitrines vides",
            ("Point",),
            (
                Column("shop_id", "str"),
                Column("name", "str", nullable=True),
                Column("category", "str"),
                Column("vacant", "bool"),
                Column("vacancy_source", "str", nullable=True),
            ),
        ),
        LayerSchema(
            "cycle",
            "Réseau cyclable",
            ("LineString",),
            (
                Column("segment_id", "str"),
                Column("facility", "str", allowed=CYCLE_FACILITIES),
                Column("protected", "bool"),
                Column("length_m", "float"),
                Column("status", "str", allowed=CYCLE_STATUSES),
            ),
            optional=(Column("name", "str", nullable=True),),
        ),
        LayerSchema(
            "population",
            "Population",
            POLYGONS,
            (
                Column("cell_id", "str"),
                Column("population", "float"),
                Column("support", "str", allowed=POPULATION_SUPPORTS),
            ),
            optional=(
                Column("households", "float", nullable=True),
                Column("poor_households", "float", nullable=True),
                Column("floor_area_m2", "float", nullable=True, description="surface de plancher résidentielle"),
                *(Column(name, "float", nullable=True) for name in FILOSOFI_HOUSEHOLD_FIELDS),
            ),
        ),
        LayerSchema(
            "streets",
            "Rues (contexte OSM)",
            ("LineString",),
            (
                Column("name", "str"),
                Column("highway", "str"),
            ),
        ),
    )
}

#: The thematic layers, in the order they are built and shown (commune first).
LAYERS: tuple[str, ...] = ("commune", "qpv", "flood", "heat", "shops", "cycle", "population")
#: Context layers: built when a source allows, never reported as a missing need, never counted
#: by the indicators (``qpv_2015``: the former priority districts, shown for comparison only).
CONTEXT_LAYERS: tuple[str, ...] = ("streets", "qpv_2015")
#: Layers built from the sources declared for another layer.
SOURCES_OF: dict[str, str] = {"qpv_2015": "qpv"}


def _coerce(frame: pd.DataFrame, col: Column, layer: str) -> pd.Series:
    """Return the column with a normalised dtype, or raise SchemaError."""
    series = frame[col.name]
    where = f"layer `{layer}`, column `{col.name}`"
    if not col.nullable and series.isna().any():
        raise SchemaError(f"{where}: {int(series.isna().sum())} missing value(s); expected {col.kind}")
    try:
        if col.kind == "str":
            out = series.astype("string").astype(object).where(series.notna(), None)
        elif col.kind == "int":
            out = pd.to_numeric(series, errors="raise").astype("Int64")
        elif col.kind == "float":
            out = pd.to_numeric(series, errors="raise").astype("float64")
        elif col.kind == "bool":
            if not series.dropna().map(lambda v: isinstance(v, (bool, np.bool_))).all():
                raise TypeError("values are not booleans")
            out = series.astype("boolean" if col.nullable else bool)
        else:  # pragma: no cover - schema definition error
            raise TypeError(f"unknown kind {col.kind}")
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"{where}: expected {col.kind} ({exc})") from None
    if col.allowed is not None:
        bad = sorted(set(out.dropna()) - set(col.allowed))
        if bad:
            raise SchemaError(f"{where}: unexpected value(s) {bad[:5]}; allowed {list(col.allowed)}")
    return out


def validate(layer: str, frame: gpd.GeoDataFrame, crs: str | None = None) -> gpd.GeoDataFrame:
    """Check ``frame`` against the schema of ``layer`` and return a normalised copy.

    Parameters
    ----------
    layer : str
        A key of :data:`SCHEMAS`.
    frame : GeoDataFrame
        The layer, in the territory's CRS.
    crs : str, optional
        The expected CRS (default: :func:`territory_crs`, EPSG:2154 in metropolitan France).

    Returns
    -------
    GeoDataFrame
        Same rows, dtypes normalised, extra columns kept, index reset.
    """
    if layer not in SCHEMAS:
        raise SchemaError(f"unknown layer `{layer}`; known layers: {sorted(SCHEMAS)}")
    schema = SCHEMAS[layer]
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise SchemaError(f"layer `{layer}`: not a GeoDataFrame with an active geometry column")
    expected = crs or territory_crs()
    if frame.crs is None:
        raise SchemaError(f"layer `{layer}`, column `geometry`: no CRS; expected {expected}")
    if not same_crs(frame.crs, expected):
        raise SchemaError(f"layer `{layer}`, column `geometry`: CRS is {frame.crs.to_string()}; expected {expected}")
    out = frame.reset_index(drop=True).copy()
    for col in schema.columns:
        if col.name not in out.columns:
            raise SchemaError(f"layer `{layer}`, column `{col.name}`: missing (expected {col.kind})")
        out[col.name] = _coerce(out, col, layer)
    for col in schema.optional:
        if col.name in out.columns:
            out[col.name] = _coerce(out, col, layer)
    geoms = out.geometry
    missing = geoms.isna() | geoms.is_empty
    if missing.any() and not schema.geometry_nullable:
        raise SchemaError(f"layer `{layer}`, column `geometry`: {int(missing.sum())} empty geometrie(s)")
    types = set(geoms[~missing].geom_type)
    bad = sorted(types - set(schema.geometry_types))
    if bad:
        raise SchemaError(
            f"layer `{layer}`, column `geometry`: geometry type(s) {bad}; expected {list(schema.geometry_types)}"
        )
    invalid = ~geoms[~missing].is_valid
    if invalid.any():
        raise SchemaError(
            f"layer `{layer}`, column `geometry`: {int(invalid.sum())} invalid geometrie(s); repair with make_valid"
        )
    return out
