"""Producer, licence and vintage of a layer, built or only declared, without Dash (shared by the
Sources view and the printed reports)."""

from __future__ import annotations

from pipelines.schemas import CONTEXT_LAYERS, LAYERS

ALL_LAYERS = (*LAYERS, *CONTEXT_LAYERS)


#: Said beside the producer, licence and vintage of a layer that is not built.
DECLARED_NOTE = "(source qui remplirait la couche)"


def source_cells(entry: dict) -> tuple[str, str, str]:
    """(producer, licence, vintage) of a layer; for one not built, those of the sources declared
    for it (manifest ``declared``), followed by « (source qui remplirait la couche) »."""
    prov = entry.get("provenance") or {}
    if prov or entry.get("status") == "ok":
        return tuple(", ".join(str(v) for v in prov.get(key) or []) for key in ("publishers", "licences", "vintages"))
    declared = entry.get("declared") or []
    if not declared:
        return ("", "", "")
    joined = [
        ", ".join(dict.fromkeys(str(d.get(key) or "—") for d in declared))
        for key in ("publisher", "licence", "vintage")
    ]
    return (f"{joined[0]} {DECLARED_NOTE}", joined[1], joined[2])
