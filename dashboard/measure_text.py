"""How a programme's measures read, without Dash (shared by the views and the printed reports):
distinct measures (repeats apart), the wording of a target, the columns of the per-QPV table."""

from __future__ import annotations

from pipelines.measures import SCOPES, SELECTIONS


def distinct_measures(programme) -> list:
    """The programme's measures without those that repeat an earlier one (``same_as``)."""
    return [m for m in programme.measures if not m.same_as]


def repeated_title(programme, measure) -> str | None:
    """Title of the measure that ``measure`` repeats (its ``same_as``), or None."""
    if not measure.same_as:
        return None
    first = next((m for m in programme.measures if m.id == measure.same_as), None)
    return first.title if first is not None else measure.same_as


def split_measures(programme, theme: str | None):
    """(measures with a target, measures without) of a programme, filtered by theme."""
    chosen = [m for m in programme.measures if not theme or theme in m.themes]
    spatial = [m for m in chosen if m.spatial and not m.same_as]
    return spatial, [m for m in chosen if m not in spatial]


def target_text(target) -> str:
    """« vitrines vides dans toute la commune » for a target."""
    what = SELECTIONS.get(target.layer, {}).get(target.select, f"{target.layer} {target.select}")
    text = f"{what} {SCOPES.get(target.scope, target.scope)}"
    if target.buffer_m:
        text += f", à moins de {target.buffer_m:.0f} m"
    return text


#: Columns of ``measures_qpv`` shown in the per-QPV table: (column, French header, kind).
PER_QPV_COLUMNS = (
    ("zone_name", "Quartier prioritaire", "text"),
    ("zone_id", "Code", "text"),
    ("need", "Besoin", "need"),
    ("share_of_commune", "Part du besoin communal", "share"),
    ("rate", "Taux", "rate"),
    ("residents", "Habitants concernés", "number"),
)
