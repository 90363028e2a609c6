"""The screens of the dashboard, one module per view (French text only).

- :mod:`.map` — Carte: layers, classes, missing layers, the table beside the map;
  :mod:`.map_layers` — what the map draws (styles, GeoJSON layers, the measure's target);
- :mod:`.programmes` — Programmes: measures of a programme; :mod:`.measure` — one measure;
- :mod:`.place` — Mon quartier: a place's card;
- :mod:`.compare` — Comparer: programmes × themes, contrat de ville, uncovered needs;
- :mod:`.sources` — Sources: every layer's producer, licence, vintage;
- :mod:`.national` — the national overview;
- :mod:`.downloads` — the Exporter menu of the header.

Each view module holds the builders of its content, its ``panel(…)`` and, where the view has
callbacks, ``register(app, data)`` (called by :func:`dashboard.callbacks.register`). Shared
pieces (tables, badges, legend) are in :mod:`dashboard.components`. The numbers come from the
store's tables (``indicators``, ``measures``, ``measures_qpv``) and from the pure builders of
:mod:`dashboard.maps` and :mod:`dashboard.place`.

The names below are re-exported so that ``views.<name>`` keeps working for the state module,
the tests and the benchmarks.
"""

from __future__ import annotations

from ..components.badges import badges, layer_note_list, provenance_badge, source_badge
from ..components.legends import legend, shown
from ..components.tables import indicator_table, qpv_perimeters
from .compare import NEED_SELECTIONS, contrat, matrix, matrix_list, uncovered, uncovered_needs
from .downloads import export_links
from .map import UNAVAILABLE_VALUE, class_lists, class_options, layer_notes, layer_options, map_table
from .map_layers import STYLES, geojson_layer, selected_target, target_layer, territory_bounds
from .measure import PER_QPV_COLUMNS, measure_detail, measure_indicators, target_text
from .national import (
    COLLECTIVE_QUOTE,
    NATIONAL_STYLES,
    _detail,
    national_badges,
    national_legend,
    national_map,
    national_table,
)
from .place import HEAT_WORDS, PLACE_LAYERS, place_card, place_options, place_point, search_text, street_anchor
from .programmes import distinct_measures, non_spatial_list, repeated_title, split_measures
from .sources import ALL_LAYERS, DECLARED_NOTE, source_cells, sources_table

__all__ = [
    "ALL_LAYERS",
    "COLLECTIVE_QUOTE",
    "DECLARED_NOTE",
    "HEAT_WORDS",
    "NATIONAL_STYLES",
    "NEED_SELECTIONS",
    "PER_QPV_COLUMNS",
    "PLACE_LAYERS",
    "STYLES",
    "UNAVAILABLE_VALUE",
    "_detail",
    "badges",
    "class_lists",
    "class_options",
    "contrat",
    "distinct_measures",
    "export_links",
    "geojson_layer",
    "indicator_table",
    "layer_note_list",
    "layer_notes",
    "layer_options",
    "legend",
    "map_table",
    "matrix",
    "matrix_list",
    "measure_detail",
    "measure_indicators",
    "national_badges",
    "national_legend",
    "national_map",
    "national_table",
    "non_spatial_list",
    "place_card",
    "place_options",
    "place_point",
    "provenance_badge",
    "qpv_perimeters",
    "repeated_title",
    "search_text",
    "selected_target",
    "shown",
    "source_badge",
    "source_cells",
    "sources_table",
    "split_measures",
    "street_anchor",
    "target_layer",
    "target_text",
    "territory_bounds",
    "uncovered",
    "uncovered_needs",
]
