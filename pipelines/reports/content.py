"""What the two reports say, gathered from the store through the dashboard's read side.

- :func:`fiche_quartier`: one QPV — its map, key figures with their vintages, the published
  population beside the estimate, the measures that reach it, its uncovered needs, the sources;
- :func:`rapport_programme`: one programme on one territory — every spatial measure with its
  quote, map, need, share in QPV, equity ratio and per-QPV table, the non-spatial measures, the
  contrat de ville beside it, the sources.

Each returns a plain dict for the templates; numbers are already French text
(:mod:`dashboard.i18n`), the same wording as the dashboard.
"""

from __future__ import annotations

import pandas as pd

from dashboard import i18n
from dashboard.data import Data
from dashboard.measure_text import PER_QPV_COLUMNS, distinct_measures, target_text
from dashboard.needs import need_by_zone, uncovered_needs
from dashboard.provenance import ALL_LAYERS, source_cells
from dashboard.published import published_rows, published_text
from pipelines.errors import UsageError
from pipelines.measures import THEMES

from . import maps

UNKNOWN = i18n.UNKNOWN
#: Columns of the qpv layer with the population INSEE publishes (optional: issue 9 adds them).
PUBLISHED = ("published_population", "published_population_year", "published_source")


def resolve_territory(data: Data, key: str) -> str:
    """The territory id of ``key`` (id or INSEE code), or a French error listing the built ones."""
    territory = data.resolve(key)
    if territory is None:
        built = ", ".join(data.territory_ids()) or "aucun"
        raise UsageError(
            f"territoire inconnu « {key} » (territoires construits : {built}) : "
            f"construisez-le d'abord avec `python -m pipelines build --territory {key}`"
        )
    return territory


def header(data: Data, territory: str) -> dict:
    """Name, INSEE code and whether the territory is fictional (the report then says « FICTIF »)."""
    info = data.manifest(territory).get("territory") or {}
    return {
        "id": territory,
        "name": info.get("name", territory),
        "insee": info.get("insee", ""),
        "fictional": bool(info.get("fictional")),
    }


def find_qpv(data: Data, territory: str, code: str) -> pd.Series:
    """The QPV row whose 2024 or 2015 code is ``code`` (a French error lists the known codes)."""
    qpv = data.frame(territory, "qpv")
    if qpv is not None:
        hit = qpv[(qpv["code_qp"] == code) | (qpv["code_qp_2015"] == code)]
        if len(hit):
            return hit.iloc[0]
    codes = [] if qpv is None else [c for c in pd.concat([qpv["code_qp"], qpv["code_qp_2015"]]).dropna()]
    raise UsageError(
        f"QPV « {code} » absent du territoire {territory} "
        f"(codes connus : {', '.join(codes) or 'aucun, la couche qpv manque'}) : donnez un code 2024 ou 2015"
    )


def vintage(data: Data, territory: str, layer: str) -> str:
    """The layer's vintages and publishers, or why it is missing."""
    entry = data.layer_entry(territory, layer) or {}
    if entry.get("status") != "ok":
        return f"couche {i18n.STATUS.get(entry.get('status'), 'indisponible')}"
    publisher, _, vintages = source_cells(entry)
    return f"{vintages} — {publisher}" if vintages else publisher


def _value(value, unit, reason=None) -> str:
    if value is None or pd.isna(value):
        return f"{UNKNOWN} ({reason})" if isinstance(reason, str) and reason else UNKNOWN
    return i18n.fmt_value(value, unit)


def key_figures(data: Data, territory: str, zone_ids: set[str]) -> list[dict]:
    """One row per indicator: its label, the QPV's, hors QPV's and the commune's value, the vintage."""
    table = data.table(territory, "indicators")
    if table is None:
        return []
    rows = []
    for (layer, _indicator), part in table.groupby(["layer", "indicator"], sort=False):
        first = part.iloc[0]
        unit = first.get("unit") if isinstance(first.get("unit"), str) else None
        label = first.get("label") if isinstance(first.get("label"), str) and first.get("label") else _indicator
        by_kind = {}
        for row in part.itertuples():
            kind = "qpv" if row.zone_id in zone_ids else row.zone_kind
            if kind in ("qpv", "hors_qpv", "commune") and (kind != "qpv" or row.zone_id in zone_ids):
                by_kind[kind] = _value(row.value, unit, getattr(row, "reason", None))
        if "qpv" not in by_kind:
            continue
        method = first.get("method") if isinstance(first.get("method"), str) else ""
        rows.append(
            {
                "method": method,
                "layer": i18n.layer_label(layer) if layer != "zone" else "Zone",
                "label": label,
                "qpv": by_kind.get("qpv", UNKNOWN),
                "hors_qpv": by_kind.get("hors_qpv", UNKNOWN),
                "commune": by_kind.get("commune", UNKNOWN),
                "vintage": (vintage(data, territory, layer) if layer != "zone" else vintage(data, territory, "qpv"))
                + (f" — {method}" if method else ""),  # how residents were placed, wherever they are counted
            }
        )
    return rows


def published_population(row: pd.Series) -> str:
    """The population INSEE publishes for the QPV, with its year and source, or why it is not shown."""
    column, year_column, source_column = PUBLISHED
    value = row.get(column)
    if value is None or pd.isna(value):
        return "non disponible dans la base de ce territoire (chiffre INSEE non importé)"
    details = [str(row[c]) for c in (year_column, source_column) if isinstance(row.get(c), str) and row.get(c)]
    return f"{i18n.fmt_number(round(float(value)))} habitants" + (f" ({', '.join(details)})" if details else "")


def sources(data: Data, territory: str) -> list[dict]:
    """Every layer of the territory: status, producer, licence, vintage, official address."""
    rows = []
    for layer in ALL_LAYERS:
        entry = data.layer_entry(territory, layer)
        if entry is None:
            continue
        publisher, licence, vintages = source_cells(entry)
        prov = entry.get("provenance") or {}
        urls = list(entry.get("urls") or []) or list(prov.get("pages") or [])
        status = i18n.STATUS.get(entry.get("status"), entry.get("status"))
        if entry.get("status") != "ok":
            status = f"{status} : {entry.get('reason', '')}"
        kind = i18n.PROVENANCE.get(prov.get("kind", ""), "") if prov else ""
        rows.append(
            {
                "layer": i18n.layer_label(layer),
                "status": status,
                "publisher": publisher,
                "licence": licence,
                "vintage": vintages,
                "kind": kind,
                "urls": urls[:2],
            }
        )
    return rows


def _measure_row(data: Data, territory: str, programme_id: str, measure_id: str) -> pd.Series | None:
    table = data.table(territory, "measures")
    if table is None:
        return None
    hit = table[(table["measure_id"] == measure_id) & (table["programme"] == programme_id)]
    return None if hit.empty else hit.iloc[0]


def _per_qpv(data: Data, territory: str, programme_id: str, measure_id: str) -> pd.DataFrame:
    table = data.table(territory, "measures_qpv")
    if table is None:
        return pd.DataFrame()
    return table[(table["measure_id"] == measure_id) & (table["programme"] == programme_id)]


def reaching(data: Data, territory: str, zone_ids: set[str]) -> list[dict]:
    """Measures of each programme of the territory whose target covers the QPV (scope qpv or
    commune), with the QPV's need from ``measures_qpv`` or why it is unknown."""
    out = []
    for programme in data.programmes_for(territory):
        items = []
        for measure in distinct_measures(programme):
            if measure.target is None or measure.target.scope not in ("qpv", "commune"):
                continue
            row = _measure_row(data, territory, programme.id, measure.id)
            part = _per_qpv(data, territory, programme.id, measure.id)
            part = part[part["zone_id"].isin(zone_ids)] if len(part) else part
            if len(part):
                hit = part.iloc[0]
                figure = f"besoin dans le quartier : {_value(hit['need'], hit.get('need_unit'))}"
            elif row is not None and row.get("status") != "ok":
                figure = f"{i18n.MEASURE_STATUS.get(row.get('status'), row.get('status'))} : {row.get('reason') or ''}"
            else:
                figure = "besoin non calculé"
            items.append({"title": measure.title, "target": target_text(measure.target), "figure": figure})
        if items:
            out.append({"programme": programme.title, "measures": items})
    return out


def fiche_quartier(data: Data, territory_key: str, code: str) -> dict:
    """Everything the fiche quartier of QPV ``code`` (2024 or 2015 code) prints."""
    territory = resolve_territory(data, territory_key)
    row = find_qpv(data, territory, code)
    zone_ids = {c for c in (row.get("code_qp"), row.get("code_qp_2015")) if isinstance(c, str) and c}
    svg, legend = maps.qpv_map(data, territory, row)
    info = header(data, territory)
    needs = uncovered_needs(data, territory)
    mine = needs[(needs["territoire"] == info["name"]) & (needs["qpv"] == row["name"])]
    residents = key_figures(data, territory, zone_ids)
    estimate = next((r["qpv"] for r in residents if r["label"] == "habitants"), UNKNOWN)
    method = next((r["method"] for r in residents if r["label"] == "habitants" and r["method"]), "")
    published = [published_text(p) for _, p in published_rows(data, territory, row.get("code_qp")).iterrows()]
    return {
        "kind": "fiche",
        "territory": info,
        "qpv": {
            "name": row["name"],
            "code": row.get("code_qp") or "",
            "code_2015": row.get("code_qp_2015") or "",
            "perimeter": i18n.perimeter_label(row.get("perimeter_status")),
            "area": i18n.fmt_number(row.get("area_in_commune_ha", row.get("area_ha")), 1),
        },
        "map": svg,
        "legend": legend,
        "figures": residents,
        "population": {
            "estimate": estimate,
            "method": method or "pondération par la surface",
            "published": published or [published_population(row)],
        },
        "reaching": reaching(data, territory, zone_ids),
        "uncovered": [{"layer": r.couche, "figure": r.besoin} for r in mine.itertuples()],
        "sources": sources(data, territory),
    }


def _facts(row: pd.Series | None) -> list[tuple[str, str]]:
    if row is None or row.get("status") != "ok":
        return []
    unit, rate_unit = row.get("need_unit"), row.get("rate_unit")
    ratio = row.get("equity_ratio")
    return [
        ("Besoin", f"{_value(row.get('need'), unit)} — {row.get('need_label') or ''}"),
        ("Dont en QPV", _value(row.get("need_in_qpv"), unit)),
        (
            "Part du besoin en QPV",
            i18n.fmt_share(row.get("share_in_qpv")) if pd.notna(row.get("share_in_qpv")) else UNKNOWN,
        ),
        ("Taux en QPV", _value(row.get("rate_qpv"), rate_unit)),
        ("Taux hors QPV", _value(row.get("rate_hors_qpv"), rate_unit)),
        (
            "Ratio d'équité (taux QPV ÷ hors QPV)",
            i18n.fmt_number(ratio, 2)
            if ratio is not None and pd.notna(ratio)
            else f"{UNKNOWN} ({row.get('reason') or 'non calculable'})",
        ),
    ]


def _cell(kind: str, value, row: pd.Series) -> str:
    """A cell of the per-QPV table, formatted as on the dashboard (« inconnu » when missing)."""
    if kind == "text":
        return str(value)
    if kind == "share":
        return i18n.fmt_share(value) if pd.notna(value) else UNKNOWN
    if kind in ("need", "rate"):
        return _value(value, row.get(f"{kind}_unit"))
    return UNKNOWN if pd.isna(value) else i18n.fmt_number(round(float(value)), 0)


def _spatial(data: Data, territory: str, programme, measure) -> dict:
    row = _measure_row(data, territory, programme.id, measure.id)
    drawn = maps.target_map(data, territory, measure.target)
    per_qpv = _per_qpv(data, territory, programme.id, measure.id)
    columns = [c for c in PER_QPV_COLUMNS if c[0] in per_qpv]
    qpv_rows = [[_cell(kind, r[c], r) for c, _, kind in columns] for _, r in per_qpv.iterrows()]
    zones = []
    if row is not None and row.get("status") == "ok":
        zones = [
            [z.label, _value(z.rate, row.get("rate_unit")), _value(z.count, row.get("need_unit"))]
            for z in need_by_zone(row).itertuples()
        ]
    status = None
    if row is None:
        status = "indicateurs non calculés pour ce territoire"
    elif row.get("status") != "ok":
        status = f"{i18n.MEASURE_STATUS.get(row.get('status'), row.get('status'))} : {row.get('reason') or ''}"
    return {
        "title": measure.title,
        "quote": measure.quote,
        "target": target_text(measure.target),
        "themes": [THEMES.get(t, t) for t in measure.themes],
        "status": status,
        "facts": _facts(row),
        "zones": zones,
        "per_qpv_header": [c[1] for c in columns],
        "per_qpv": qpv_rows,
        "map": drawn[0] if drawn else None,
        "legend": drawn[1] if drawn else [],
    }


def _contrat(data: Data, territory: str, programme) -> list[dict]:
    contracts = [p for p in data.programmes_for(territory) if p.kind == "contrat_de_ville" and p.id != programme.id]
    out = []
    for contract in contracts:
        for orientation in contract.measures:
            related = [m.title for m in distinct_measures(programme) if set(m.themes) & set(orientation.themes)]
            out.append({"contract": contract.title, "orientation": orientation.title, "related": related})
    return out


def rapport_programme(data: Data, territory_key: str, programme_id: str) -> dict:
    """Everything the rapport programme of ``programme_id`` on the territory prints."""
    territory = resolve_territory(data, territory_key)
    programme = data.programme(programme_id)
    if programme is None or territory not in programme.territories:
        known = ", ".join(p.id for p in data.programmes_for(territory)) or "aucun"
        raise UsageError(f"programme « {programme_id} » inconnu pour le territoire {territory} (programmes : {known})")
    measures = distinct_measures(programme)
    spatial = [m for m in measures if m.target is not None]
    others = [m for m in measures if m.target is None]
    return {
        "kind": "programme",
        "territory": header(data, territory),
        "programme": {
            "title": programme.title,
            "source": programme.source,
            "kind": programme.kind,
            "count": len(measures),
        },
        "spatial": [_spatial(data, territory, programme, m) for m in spatial],
        "non_spatial": [
            {"title": m.title, "reason": m.non_spatial_reason or "sans lieu désigné", "quote": m.quote} for m in others
        ],
        "contrat": _contrat(data, territory, programme),
        "sources": sources(data, territory),
    }
