"""Draft programmes under review on the import screen: pure operations on the JSON the upload
route gives (``{programme: {…, measures: […]}}``), and the reviewed YAML.

A draft measure holds the YAML fields (id, title, quote, themes, target or non_spatial_reason,
figures, same_as, section, draft, evidence) and the screen's own keys (:data:`SCREEN_KEYS`:
``ligne``, ``suivante``, ``suite``, ``citation_discontinue``), which never reach the YAML. Every
function returns a new programme dict; the one it was given is left as it was.
"""

from __future__ import annotations

import copy
from pathlib import Path

from pipelines.importer import draft_header, dump_programme, public
from pipelines.measures import SCOPES, SELECTIONS, THEMES, Programme, programme_from_data

#: Keys of a draft measure that serve the screen only (see :mod:`dashboard.import_route`).
SCREEN_KEYS = ("ligne", "suivante", "suite", "citation_discontinue")
#: Key order of a programme and of a measure in ``geodata/programmes/*.yaml`` (the upload's JSON
#: comes back with its keys sorted); other keys follow in their own order.
PROGRAMME_ORDER = ("id", "title", "territory", "applies_to", "source", "kind", "draft", "metadata", "measures")
MEASURE_ORDER = ("id", "title", "quote", "themes", "theme_evidence", "target", "target_evidence",
                 "non_spatial_reason", "figures", "same_as", "section", "draft")  # fmt: skip
#: Written between two quotes that do not follow each other in the text (a French elision).
ELISION = " […] "
#: Reason given to a measure whose target the reviewer removed.
NO_PLACE_BY_REVIEW = "sans lieu (choix de la relecture)"


def _copy(programme: dict) -> dict:
    return copy.deepcopy(programme)


def _find(programme: dict, measure_id: str) -> dict:
    for measure in programme["measures"]:
        if measure["id"] == measure_id:
            return measure
    raise KeyError(f"no draft measure `{measure_id}`")


def _repoint_repeats(measures: list[dict], gone: set[str], to: str | None) -> None:
    """``same_as`` of ``measures`` that named a measure in ``gone``: now ``to`` (dropped when None or itself)."""
    for measure in measures:
        if measure.get("same_as") in gone:
            if to is None or measure["id"] == to:
                measure.pop("same_as")
            else:
                measure["same_as"] = to


def delete_draft(programme: dict, measure_id: str) -> dict:
    """The programme without measure ``measure_id``; a repeat of it (``same_as``) repeats nothing now."""
    out = _copy(programme)
    out["measures"] = [m for m in out["measures"] if m["id"] != measure_id]
    _repoint_repeats(out["measures"], {measure_id}, None)
    return out


def merge_drafts(programme: dict, measure_ids: list[str]) -> dict:
    """The programme with the measures ``measure_ids`` (two or more) made one, where the first stood.

    In text order (their line, then their order in the draft): the first's id, title, section and
    target are kept (the first target found when the first has none); quotes are joined — a
    quote, the text between it and the next one (``suite``), the next quote, when they are
    neighbours in the text, so the merged quote is still verbatim; otherwise with ``[…]``, and the
    measure is marked ``citation_discontinue``. Themes, evidence and figures are pooled.

    Raises
    ------
    ValueError
        Fewer than two known measure ids.
    """
    out = _copy(programme)
    position = {m["id"]: n for n, m in enumerate(out["measures"])}
    chosen = sorted({i for i in measure_ids if i in position}, key=lambda i: (_line(out, i), position[i]))
    if len(chosen) < 2:
        raise ValueError("merge needs two measures or more")
    parts = [_find(out, i) for i in chosen]
    first = parts[0]
    quote, broken = first["quote"], False
    for before, after in zip(parts, parts[1:], strict=False):
        neighbours = before.get("suivante") == after["id"] and before.get("suite") is not None
        quote += (before["suite"] if neighbours else ELISION) + after["quote"]
        broken |= not neighbours
    first["quote"] = quote
    first["themes"] = list(dict.fromkeys(t for m in parts for t in m.get("themes") or []))
    evidence: dict = {}
    for m in parts:
        for theme, words in (m.get("theme_evidence") or {}).items():
            bucket = evidence.setdefault(theme, [])
            bucket += [w for w in words if w not in bucket]
    first["theme_evidence"] = evidence
    placed = next((m for m in parts if m.get("target")), None)
    if placed is not None and placed is not first:
        first["target"] = placed["target"]
        first["target_evidence"] = placed.get("target_evidence", [])
        first.pop("non_spatial_reason", None)
    figures = {}
    for m in reversed(parts):
        figures.update(m.get("figures") or {})
    if figures:
        first["figures"] = figures
    first["suivante"], first["suite"] = parts[-1].get("suivante"), parts[-1].get("suite")
    if broken or any(m.get("citation_discontinue") for m in parts):
        first["citation_discontinue"] = True
    gone = set(chosen[1:])
    out["measures"] = [m for m in out["measures"] if m["id"] not in gone]
    _repoint_repeats(out["measures"], gone | {first["id"]}, first["id"])
    return out


def _line(programme: dict, measure_id: str) -> int:
    line = _find(programme, measure_id).get("ligne")
    return line if isinstance(line, int) else 0


def set_target(programme: dict, measure_id: str, layer: str | None, select: str | None, scope: str | None) -> dict:
    """The programme with measure ``measure_id`` targeted at (layer, select, scope), or not placed.

    ``layer`` None (or empty) removes the target and gives the measure a ``non_spatial_reason``.
    A selection not offered for the layer becomes the layer's first (``SELECTIONS``), an unknown
    scope ``commune``; ``buffer_m`` is kept while the layer stays the same. A target the reviewer
    changed loses the importer's ``target_evidence``.
    """
    out = _copy(programme)
    measure = _find(out, measure_id)
    old = measure.get("target")
    if not layer:
        if old is not None:
            measure.pop("target")
            measure.pop("target_evidence", None)
        measure.setdefault("non_spatial_reason", NO_PLACE_BY_REVIEW)
        return out
    if layer not in SELECTIONS:
        raise KeyError(f"unknown target layer `{layer}`")
    new = {
        "layer": layer,
        "select": select if select in SELECTIONS[layer] else next(iter(SELECTIONS[layer])),
        "scope": scope if scope in SCOPES else "commune",
    }
    if old and old.get("layer") == layer and old.get("buffer_m") is not None:
        new["buffer_m"] = old["buffer_m"]
    if new != old:
        measure["target"] = new
        measure.pop("target_evidence", None)
    measure.pop("non_spatial_reason", None)
    return out


def edit_draft(programme: dict, measure_id: str, *, title: str, themes: list[str], section: str) -> dict:
    """The programme with the measure's title, themes (known ones, in the given order) and section
    (empty: none) as the reviewer wrote them; evidence is kept for the themes still there."""
    out = _copy(programme)
    measure = _find(out, measure_id)
    measure["title"] = " ".join(str(title or "").split())
    measure["themes"] = [t for t in dict.fromkeys(themes or []) if t in THEMES]
    evidence = measure.get("theme_evidence") or {}
    measure["theme_evidence"] = {t: evidence[t] for t in measure["themes"] if t in evidence}
    section = " ".join(str(section or "").split())
    if section:
        measure["section"] = section
    else:
        measure.pop("section", None)
    return out


def _ordered(mapping: dict, order: tuple[str, ...]) -> dict:
    rank = {key: n for n, key in enumerate(order)}
    return dict(sorted(mapping.items(), key=lambda item: rank.get(item[0], len(order))))


def reviewed_programme(programme: dict, territory: str | None = None) -> dict:
    """What the YAML holds: the programme without internal or screen keys (on ``territory`` when
    given), its keys in the order of ``geodata/programmes/``."""
    out = public(programme)
    if territory:
        out["territory"] = territory
    measures = [{k: v for k, v in m.items() if k not in SCREEN_KEYS} for m in out.get("measures", [])]
    out["measures"] = [_ordered(m, MEASURE_ORDER) for m in measures]
    return _ordered(out, PROGRAMME_ORDER)


def reviewed_yaml(programme: dict, territory: str | None = None) -> str:
    """The reviewed programme as YAML text (the importer's writer, with its header comment)."""
    return draft_header(str(programme.get("source") or "?")) + dump_programme(reviewed_programme(programme, territory))


def draft_programme(programme: dict, territory: str | None = None) -> Programme:
    """The draft read by the programme model (``pipelines.measures``), as the YAML would be."""
    name = Path(f"{programme.get('id') or 'brouillon'}.yaml")
    return programme_from_data(reviewed_programme(programme, territory), name)
