"""Plotly figures of the dashboard (served with the page's own plotly.js, no CDN).

Each builder is pure: the same frame that fills the table beside the chart goes in, a
``plotly.graph_objects.Figure`` comes out, with French labels and number formats, the zone
colours of the map legend, and « inconnu » written where a value is unknown (never a zero bar).
:func:`dashboard.charts.base.graph` wraps a figure for the page (PNG from the mode bar, an SVG
button, a caption pointing to the table, which stays the accessible alternative).

plotly.js is the cartesian bundle, fetched only by a page that draws a chart
(:mod:`dashboard.charts.plotlyjs`).
"""
