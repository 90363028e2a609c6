"""Plotly figures of the dashboard (served with the page's own plotly.js, no CDN).

Each builder is pure: the same frame that fills the table beside the chart goes in, a
``plotly.graph_objects.Figure`` comes out, with French labels and number formats, the zone
colours of the map legend, and « inconnu » written where a value is unknown (never a zero bar).
:func:`dashboard.charts.base.graph` wraps a figure for the page (PNG from the mode bar, an SVG
button, a caption pointing to the table, which stays the accessible alternative).

plotly.js comes from ``assets/plotly-cartesian-4.1.1.min.js`` (the npm package
``plotly.js-cartesian-dist-min`` 4.1.1, MIT, the same version as the ``plotly`` Python package's
bundle): 0.5 MB compressed instead of 1.5 MB for the full bundle, which ``dcc.Graph`` then does
not fetch since ``window.Plotly`` exists. Its traces (bar, heatmap) are all the charts need.
"""
