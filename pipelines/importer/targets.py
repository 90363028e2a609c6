"""Draft targets a reviewer would accept: a layer only for words of that layer's need, ``scope: qpv``
only when the text names the priority districts and the territory has a 2024 QPV.

Whether a territory has a 2024 QPV is read from the built store (its ``qpv`` layer: rows with a
2024 code) when the territory is built, else from the national 2024 list of the mirror
(``qpv/qp2024_communes_points_anct_france.geojson``, one row per QPV and commune).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._text import flat

if TYPE_CHECKING:
    from ..store import Store

_FLOOD = re.compile(
    r"\b(inond\w*|anti inondation\w*|crues?|ruissel\w*|ppri|zones? inondables?|submersions?|debordements?|"
    r"risques? d inondation)\b"
)
_HEAT = re.compile(
    r"\b(ilots? de chaleur|chaleur|canicul\w*|fraich\w*|ombrag\w*|surchauffe|vegetalis\w*|revegetalis\w*|"
    r"debitumis\w*|desimpermeabilis\w*|oasis)\b"
)
_CYCLE = re.compile(r"\b(velos?|cyclab\w*|cyclistes?|pistes? cyclables?|bicyclettes?|velolignes?|voies? vertes?)\b")
_SHOP = re.compile(r"\b(commerc\w*|boutiques?|vitrines?|enseignes?|artisans?)\b")
_VACANCY = re.compile(r"\b(vacan\w*|vides?|inoccup\w*|vitrines? vides?|friches?|desaffect\w*)\b")
_QPV = re.compile(
    r"\b(qpv|quartiers? prioritaires?|quartiers? populaires?|politique de la ville|"
    r"quartiers? de la politique de la ville)\b"
)
_GENERIC_NAMES = {"centre", "centre ville", "ville", "quartier", "nord", "sud", "est", "ouest", "gare", "bourg", "cite"}


@dataclass(frozen=True)
class QpvInfo:
    """The 2024 QPV of a territory, as far as the data says."""

    has_qpv: bool | None  # None: unknown (no store and no mirror list)
    names: tuple[str, ...] = ()
    source: str = ""


@functools.lru_cache(maxsize=64)
def territory_qpv(territory: str, store: Store | None = None) -> QpvInfo:
    """Whether ``territory`` has a 2024 QPV, and their names (for "named QPV" matching).

    ``store`` (a :class:`pipelines.store.Store`) is where the territory was built; default the
    one of ``CARTOPOLIS_DATA``. The dashboard passes the store its app was created on.
    """
    from ..catalog import Catalog
    from ..errors import CartopolisError
    from ..fetch import fetch
    from ..layers._qpv_read import read_qpv2024_communes
    from ..national_plan import QPV2024_COMMUNES_SOURCE
    from ..store import Store

    try:
        store = store if store is not None else Store()
        manifest = store.manifest(territory)
    except (CartopolisError, OSError, ValueError, KeyError):
        manifest = {}
    if (manifest.get("layers") or {}).get("qpv", {}).get("status") == "ok":
        frame = store.read_layer(territory, "qpv")
        current = (
            frame[frame["code_qp"].notna() & (frame["code_qp"].astype(str) != "")] if "code_qp" in frame else frame
        )
        return QpvInfo(bool(len(current)), tuple(str(n) for n in current.get("name", [])), "couche qpv du territoire")
    catalog = Catalog.load()
    try:
        insee = catalog.territory(territory).insee
    except (CartopolisError, KeyError):
        insee = territory if re.fullmatch(r"\d[\dAB]\d{3}", territory) else None
    try:  # the catalog's national list, from the mirror or the cache (never the network here)
        path = fetch(catalog.source(QPV2024_COMMUNES_SOURCE), offline=True) if insee is not None else None
    except CartopolisError:
        path = None
    if path is None:
        return QpvInfo(None, (), "liste nationale des QPV 2024 absente")
    pairs = read_qpv2024_communes(path)  # one row per QPV and commune
    rows = pairs[pairs["insee_com"] == insee]
    return QpvInfo(bool(len(rows)), tuple(rows["lib_qp"]), "liste nationale ANCT des QPV 2024")


def _named_qpv(folded: str, names: tuple[str, ...]) -> str | None:
    for name in names:
        for part in re.split(r"\s+-\s+|,|/", name):
            key = flat(part)
            if len(key) >= 4 and key not in _GENERIC_NAMES and re.search(rf"\b{re.escape(key)}\b", folded):
                return part.strip()
    return None


def propose_target(themes: list[str], text: str, qpv: QpvInfo | None = None) -> tuple[dict | None, list[str]]:
    """Draft target of a measure and the words that triggered it, or (None, []) when no place is named.

    Layers, in order: flood (its own words only: inondation, crue, ruissellement, PPRi, zone
    inondable — saving water is not flood), heat (chaleur among the first two themes and a heat
    word), cycle (vélo among the first two themes and a cycle word), shops (commerce with a
    vacancy word → empty shop fronts; commerce first → all shops), then the priority districts'
    residents when the text names them. ``scope: qpv`` only when the text names the priority
    districts (or one of the territory's QPV) and the territory has a 2024 QPV; else ``commune``.
    """
    folded = flat(text)
    qpv = qpv or QpvInfo(None)
    named = _QPV.search(folded)
    named_word = named.group(0) if named else _named_qpv(folded, qpv.names)
    in_qpv = bool(named_word) and qpv.has_qpv is True
    scope = "qpv" if in_qpv else "commune"
    qpv_evidence = [named_word, f"QPV 2024 présent ({qpv.source})"] if in_qpv else []
    flood = _FLOOD.search(folded)
    if flood:
        return {"layer": "flood", "select": "moyen_ou_fort", "scope": scope}, [flood.group(0), *qpv_evidence]
    heat = _HEAT.search(folded)
    if heat and "chaleur" in themes[:2]:
        return {"layer": "heat", "select": "chaud", "scope": scope}, [heat.group(0), *qpv_evidence]
    cycle = _CYCLE.search(folded)
    if cycle and "mobilite_cyclable" in themes[:2]:
        target = {"layer": "cycle", "select": "protege", "scope": scope, "buffer_m": 300}
        return target, [cycle.group(0), *qpv_evidence]
    shop = _SHOP.search(folded)
    vacancy = _VACANCY.search(folded)
    if shop and vacancy and "commerce" in themes:
        return {"layer": "shops", "select": "vacant", "scope": scope}, [shop.group(0), vacancy.group(0), *qpv_evidence]
    if shop and themes[:1] == ["commerce"]:
        return {"layer": "shops", "select": "tous", "scope": scope}, [shop.group(0), *qpv_evidence]
    if in_qpv:
        return {"layer": "qpv", "select": "tous", "scope": "qpv"}, qpv_evidence
    return None, []
