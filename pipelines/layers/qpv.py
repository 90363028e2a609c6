"""Layer ``qpv``: the priority districts (quartiers prioritaires de la politique de la ville), 2024 generation.

The contrat de ville 2024-2030 is about the **2024** districts. The QPV sources of a territory
(readers in :mod:`._qpv_read`) are combined per QPV:

1. **Which QPV.** The 2024 list says which QPV a commune hosts. A list that covers the commune's
   département is authoritative: the national list (source option ``scope: national``) covers
   every département, a regional extract the ``departements`` it names. A commune absent from an
   authoritative list has **no 2024 QPV**: the layer is built with no row and the manifest says
   ``no_qpv_2024``; its 2015 districts go to the historical layer ``qpv_2015`` only and are never
   counted as QPV. A 2024 perimeter whose ``insee_com`` names the commune belongs to it too.
   Without a list covering the département, the 2024 perimeters that overlap the commune are taken.
2. **Which contour.** A 2024 QPV takes its official 2024 perimeter where one is resolved (the
   national zip online, the mirror's extract offline): ``exact``. Otherwise the contour of its 2015
   counterpart, matched by name (rule in :mod:`._qpv_match`): ``I`` → ``exact``, ``M`` →
   ``contour 2015, modifié en 2024``, ``N`` or no counterpart → ``indisponible`` (a named row
   without geometry).
3. **Nothing of 2024.** With neither a list covering the département nor a 2024 perimeter, the
   2015 QPV are kept as generation 2015 (``contour 2015``), with a note.

A perimeter or 2015 contour belongs to the territory when it overlaps the commune by more than
:data:`MIN_OVERLAP_HA` (0.5 ha), unless a source names the commune: neighbours that touch the
border, or overlap it by a sliver because the two boundaries were drawn at different scales
(Échirolles' Essarts - Surieux overlaps Grenoble's simplified boundary by 0.04 ha), are left out.
The geometry kept is the QPV's **full** contour, for display (Périgueux's QN02405M spans
Coulounieix-Chamiers too); ``area_ha`` is the full area and ``area_in_commune_ha`` the area inside
the commune; ``insee_communes`` lists every commune of the QPV. Indicators clip the QPV to the
commune themselves. ``insee_com`` is the territory's INSEE code: the commune the row is kept for.

The match table (``extra["qpv_matching"]``) and one log line per 2024 QPV record the matching.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import LayerUnavailable
from ..schemas import NO_QPV_2024  # noqa: F401 - re-exported: the layer's own words
from ._common import BuildContext, LayerResult
from ._qpv_match import RULE, Match, match_qpv
from ._qpv_published import PUBLISHED_FORMATS, attach_published, read_published
from ._qpv_read import (  # noqa: F401 - the readers are part of this layer's public face
    ZIP_EXTENSIONS,
    pick_zip_members,
    read_qpv2015_shp,
    read_qpv2024_communes,
    read_qpv2024_list,
    read_qpv2024_perimeters,
    read_qpv2024_zip,
)

#: Minimum overlap with the commune for a QPV to belong to the territory (ha).
MIN_OVERLAP_HA = 0.5
PERIMETER_FORMATS = ("qpv2024-zip", "qpv2024-perimeters")
LIST_FORMATS = ("qpv2024-communes-geojson", "qpv2024-list-csv")
_COLUMNS = ["code_qp", "code_qp_2015", "name", "insee_com", "generation", "perimeter_status"]
_HA = 10_000.0


@dataclass
class Generations:
    """What the QPV sources say of one commune: its 2024 QPV (the layer) and its 2015 QPV.

    ``contours_2015`` holds the 2015 polygons overlapping the commune (None without a 2015 source);
    ``perimeters`` the 2024 perimeters kept for the commune, by code; ``covered`` whether a 2024
    list covers the département; ``no_qpv_2024`` whether that list says the commune has none.
    """

    frame: gpd.GeoDataFrame
    sources: list[str]
    notes: list[str]
    matches: list[Match]
    contours_2015: gpd.GeoDataFrame | None
    source_2015: str | None
    perimeters: gpd.GeoDataFrame | None
    covered: bool
    no_qpv_2024: bool
    extra: dict = field(default_factory=dict)


# -- selection and areas ---------------------------------------------------------------------
def in_commune(frame: gpd.GeoDataFrame, commune: shapely.Geometry, log=None, named=None) -> gpd.GeoDataFrame:
    """The features overlapping ``commune`` by more than MIN_OVERLAP_HA, with area_ha and area_in_commune_ha.

    ``named`` (a boolean mask over ``frame``) keeps features a source assigns to the commune,
    whatever their overlap. ``log`` (optional) receives one line per feature left out for a sliver.
    """
    hits = np.sort(frame.sindex.query(commune, predicate="intersects"))
    if named is not None:
        hits = np.union1d(hits, np.flatnonzero(np.asarray(named)))
    picked = frame.iloc[hits]
    inside = picked.geometry.intersection(commune).area / _HA
    out = picked.assign(area_ha=picked.geometry.area / _HA, area_in_commune_ha=inside)
    keep = out["area_in_commune_ha"] > MIN_OVERLAP_HA
    if named is not None:
        keep |= np.asarray(named)[hits]
    for r in out[~keep].itertuples() if log is not None else ():
        code = getattr(r, "code_qp_2015", None) or getattr(r, "code_qp", "?")
        log(f"left out {code} « {r.name} »: {r.area_in_commune_ha:.2f} ha in the commune (≤ {MIN_OVERLAP_HA} ha)")
    return out[keep]


def _frame(rows: list[dict], crs) -> gpd.GeoDataFrame:
    columns = [*_COLUMNS, "insee_communes", "area_ha", "area_in_commune_ha", "geometry"]
    frame = pd.DataFrame(rows, columns=columns)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(frame["geometry"], crs=crs), crs=crs)


def _row(code, code15, name, insee, status, communes, shape, generation="2024") -> dict:
    """One layer row; ``shape`` carries area_ha, area_in_commune_ha and geometry (or is None)."""
    return {
        "code_qp": code,
        "code_qp_2015": code15,
        "name": name,
        "insee_com": insee,
        "generation": generation,
        "perimeter_status": status,
        "insee_communes": communes,
        "area_ha": None if shape is None else shape.area_ha,
        "area_in_commune_ha": None if shape is None else shape.area_in_commune_ha,
        "geometry": None if shape is None else shape.geometry,
    }


def _join_codes(codes) -> str:
    """``"24322, 24138"`` or a list of codes → ``"24138, 24322"`` (sorted, unique, stripped)."""
    return ", ".join(sorted({str(c).strip() for c in codes if str(c).strip()}))


def _names_commune(values: pd.Series, insee: str) -> np.ndarray:
    """Mask of comma-joined INSEE lists (``"24138, 24322"``) that contain ``insee``."""
    return values.fillna("").astype(str).map(lambda v: insee in {c.strip() for c in v.split(",")}).to_numpy()


# -- the rule --------------------------------------------------------------------------------
def _read_list(ctx: BuildContext, resolved: dict, tag: str) -> tuple[pd.DataFrame | None, str | None, bool]:
    """The 2024 list (all rows), its source id, and whether it covers the territory's département."""
    for fmt in LIST_FORMATS:
        if fmt not in resolved:
            continue
        source, path = resolved[fmt]
        table = read_qpv2024_communes(path) if fmt == "qpv2024-communes-geojson" else read_qpv2024_list(path)
        if source.options.get("scope") == "national":
            covered = True
        elif source.options.get("departements"):
            covered = ctx.territory.departement in {str(d) for d in source.options["departements"]}
        else:
            covered = ctx.territory.departement in set(table["insee_dep"])
        if not covered:
            ctx.log(f"{tag}: {source.id} does not cover département {ctx.territory.departement}")
        return table, source.id, covered
    return None, None, False


def _read_perimeters(ctx: BuildContext, resolved_all: list, commune, tag: str):
    """The 2024 perimeters of the commune from every resolved perimeter source (first source wins a code)."""
    frames, used = [], []
    for source, path in resolved_all:
        if source.format not in PERIMETER_FORMATS:
            continue
        national = read_qpv2024_perimeters(path)
        named = _names_commune(national["insee_com"], ctx.territory.insee) if "insee_com" in national else None
        picked = in_commune(national, commune, lambda line: ctx.log(f"{tag}: 2024 {line}"), named)
        ctx.log(f"{tag}: {source.id}: {len(national)} perimeter(s) of 2024, {len(picked)} for the commune")
        if len(picked):
            named_here = np.zeros(len(picked), bool) if named is None else named[picked.index.to_numpy()]
            frames.append(picked.assign(source_id=source.id, named=named_here))
            used.append(source.id)
    if not frames:
        return None, used
    out = pd.concat(frames, ignore_index=True).drop_duplicates("code_qp")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frames[0].crs).set_index("code_qp", drop=False), used


def compute(ctx: BuildContext) -> Generations:
    """Combine the QPV sources of the territory (see the module docstring); memoised on the context.

    The memo is keyed by the sources left out as broken: ``qpv_2015`` must not reuse a result
    computed without the 2015 file, it must fail on that file itself.
    """
    key = ("qpv", frozenset(ctx.excluded))
    if key in ctx.memo:
        return ctx.memo[key]
    territory, tag = ctx.territory, f"{ctx.territory.id}/qpv"
    if ctx.commune is None or ctx.commune.empty:
        raise LayerUnavailable("commune non construite : impossible de sélectionner les QPV")
    resolved_all = ctx.resolve("qpv")
    resolved = {source.format: (source, path) for source, path in reversed(resolved_all)}
    commune = ctx.commune.geometry.union_all()
    insee = territory.insee

    contours, source15 = None, None
    if "qpv2015-shp" in resolved:
        source, path = resolved["qpv2015-shp"]
        national = read_qpv2015_shp(path, source.options.get("encoding", "cp1252"))
        ctx.log(
            f"{tag}: {source.id}: {len(national)} QPV 2015, {national.attrs['invalid']} invalid polygon(s) repaired"
        )
        contours, source15 = in_commune(national, commune, lambda line: ctx.log(f"{tag}: 2015 {line}")), source.id
    pairs_2015 = [] if contours is None else list(zip(contours["code_qp_2015"], contours["name"], strict=True))
    table, list_id, covered = _read_list(ctx, resolved, tag)
    perimeters, perimeter_ids = _read_perimeters(ctx, resolved_all, commune, tag)

    listed = pd.DataFrame(columns=["code_qp", "lib_qp"])
    if table is not None and covered:
        listed = table[table["insee_com"] == insee].drop_duplicates("code_qp")
        if perimeters is not None:  # the list decides: a neighbour's perimeter overlapping the border is left out
            perimeters = perimeters[perimeters.index.isin(listed["code_qp"]) | perimeters["named"].to_numpy(bool)]
    wanted = list(dict.fromkeys([*listed["code_qp"], *([] if perimeters is None else perimeters.index)]))
    names = dict(zip(listed["code_qp"], listed["lib_qp"], strict=True))
    if perimeters is not None:
        names.update({c: n for c, n in zip(perimeters["code_qp"], perimeters["name"], strict=True) if c not in names})
    hosts = None if table is None else table[table["code_qp"].isin(wanted)]  # not the whole national list
    communes = {} if hosts is None else hosts.groupby("code_qp")["insee_com"].agg(_join_codes).to_dict()
    if perimeters is not None and "insee_com" in perimeters:
        communes.update({c: _join_codes(v.split(",")) for c, v in perimeters["insee_com"].items()})

    notes: list[str] = []
    matches = match_qpv([(c, names[c]) for c in wanted], pairs_2015) if wanted and pairs_2015 else []
    by_match = {m.code_qp: m for m in matches}
    by_contour = {} if contours is None else {r.code_qp_2015: r for r in contours.itertuples()}
    no_qpv_2024 = covered and not wanted
    if wanted:
        rows = []
        for code in wanted:
            m = by_match.get(code) or match_qpv([(code, names[code])], [])[0]
            if perimeters is not None and code in perimeters.index:
                shape = perimeters.loc[code]
                rows.append(_row(code, m.code_qp_2015, names[code], insee, "exact", communes.get(code), shape))
            else:
                shape = by_contour.get(m.code_qp_2015)
                rows.append(
                    _row(code, m.code_qp_2015, names[code], insee, m.perimeter_status, communes.get(code), shape)
                )
        frame = _frame(rows, ctx.commune.crs)
        used = [*([list_id] if covered else []), *perimeter_ids]
        if contours is not None and frame["code_qp_2015"].notna().any():
            used.append(source15)
        notes += _notes_2024(frame, matches, pairs_2015)
    elif no_qpv_2024:
        frame = _frame([], ctx.commune.crs)
        used = [list_id]
        notes.append(
            f"{territory.name} ({insee}) n'accueille aucun quartier prioritaire de la géographie 2024 "
            f"(liste nationale des QPV 2024) : les chiffres « en QPV » sont sans objet"
            + ("" if contours is None or contours.empty else " ; ses QPV de 2015 figurent dans la couche « QPV 2015 »")
        )
    elif contours is not None and len(contours):
        frame = _frame(
            [_row(None, r.code_qp_2015, r.name, insee, "contour 2015", None, r, "2015") for r in contours.itertuples()],
            ctx.commune.crs,
        )
        used = [source15]
        notes.append(
            f"liste des QPV 2024 du département {territory.departement} absente du miroir : "
            "QPV de la géographie 2015 (contours 2015-2023), à vérifier avec la géographie 2024"
        )
    else:
        raise LayerUnavailable(
            f"aucun quartier prioritaire à {territory.name} dans les sources déclarées "
            f"({', '.join(s.id for s, _ in resolved_all)})",
            [s.url for s in ctx.sources("qpv")],
        )
    if matches:
        ctx.log(f"{tag}: matching rule: {RULE}")
    for m in matches:
        ctx.log(f"{tag}: match {m.code_qp} ← {m.code_qp_2015} score={m.score} rule={m.rule} → {m.perimeter_status}")
    published = [(s, read_published(s, p)) for s, p in resolved_all if s.format in PUBLISHED_FORMATS]
    if len(frame) and published:
        frame = gpd.GeoDataFrame(attach_published(frame, [t for _, t in published]), geometry="geometry", crs=frame.crs)
        if frame["published_population"].notna().any():
            used += [s.id for s, t in published if t["code_qp_2015"].isin(frame["code_qp_2015"]).any()]
    frame = frame.sort_values(["code_qp", "code_qp_2015"], na_position="last", ignore_index=True)
    extra = {"qpv_matching": [m.as_dict() for m in matches], "no_qpv_2024": bool(no_qpv_2024)}
    result = Generations(
        frame, list(dict.fromkeys(used)), notes, matches, contours, source15, perimeters, covered, no_qpv_2024, extra
    )
    ctx.memo[key] = result
    return result


def _notes_2024(frame: gpd.GeoDataFrame, matches: list[Match], pairs_2015: list[tuple[str, str]]) -> list[str]:
    """French notes on 2024 QPV drawn with 2015 contours, and on 2015 QPV left out."""
    notes = []
    modified = frame.loc[frame["perimeter_status"] == "contour 2015, modifié en 2024", "code_qp"].tolist()
    missing = frame.loc[frame["perimeter_status"] == "indisponible", "code_qp"].tolist()
    if modified:
        notes.append(
            f"périmètres 2024 absents des sources : {', '.join(modified)} dessinés avec leur contour 2015, "
            "modifié en 2024 (approximation)"
        )
    if missing:
        notes.append(f"aucun contour disponible pour {', '.join(missing)} (nouveau QPV 2024 ou sans équivalent 2015)")
    taken = {m.code_qp_2015 for m in matches}
    left = [f"{code} {name}" for code, name in pairs_2015 if code not in taken]
    if left:
        notes.append(f"QPV 2015 sans équivalent dans la géographie 2024 (couche « QPV 2015 ») : {', '.join(left)}")
    return notes


# -- build -----------------------------------------------------------------------------------
def build(ctx: BuildContext) -> LayerResult:
    """Build the QPV layer of the territory (see the module docstring for the rule)."""
    found = compute(ctx)
    return LayerResult(found.frame, found.sources, found.notes, found.extra)
