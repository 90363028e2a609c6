"""The Content-Security-Policy in a real browser: every view works and nothing is refused.

The page records each ``securitypolicyviolation`` event from its first script on (an init
script), and the console is watched for "Content Security Policy" messages; every view is then
opened and read as a person would (its content visible) before the list is checked empty.
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from dashboard.i18n import TABS

INJECT_INLINE_SCRIPT = """() => {
    const script = document.createElement('script');
    script.text = 'window.x = 1';
    document.body.append(script);
}"""
#: Waiting time (ms) for a view to fill: the Comparer tab computes for seconds on a busy machine
#: (it is opened last, so that no other view waits behind it).
SLOW = 30_000

WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
});
"""


@pytest.fixture
def watched(page: Page) -> tuple[Page, list[str]]:
    """``page`` with CSP violations recorded (console messages collected into the list)."""
    messages: list[str] = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    return page, messages


def violations(page: Page, console: list[str]) -> list[str]:
    return [*page.evaluate("window.__csp"), *console]


def open_tab(page: Page, key: str) -> None:
    page.get_by_role("tab", name=TABS[key]).click()
    expect(page.get_by_role("tab", name=TABS[key])).to_have_attribute("aria-selected", "true", timeout=SLOW)


def test_every_view_runs_under_the_csp(watched, base_url):
    page, console = watched
    answer = page.goto(f"{base_url}/?t=demo&l=qpv,flood,heat,shops,cycle,population")
    policy = answer.headers["content-security-policy"]
    assert "'unsafe-eval'" not in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self' 'sha256-" in policy  # Dash's inline scripts allowed by hash only
    # Carte: the demo town with every layer drawn
    expect(page.locator(".leaflet-p-commune-pane path").first).to_be_attached()
    expect(page.locator(".leaflet-p-heat-pane path").first).to_be_attached()
    expect(page.locator("#map-table table").first).to_be_visible()

    open_tab(page, "programmes")
    page.locator("#measure input").first.check()
    expect(page.locator("#measure-detail .quote")).to_be_visible(timeout=SLOW)

    open_tab(page, "quartier")
    page.locator("#place-search").click()
    page.locator(".dash-dropdown-options [role=option]").first.click()
    expect(page.locator(".place-card")).to_be_visible(timeout=SLOW)

    open_tab(page, "sources")
    expect(page.locator("#sources-table")).to_contain_text("Ville fictive", timeout=SLOW)

    open_tab(page, "comparer")
    expect(page.locator("#matrix table")).to_be_visible(timeout=SLOW)

    page.goto(f"{base_url}/?t=_national")
    expect(page.locator("#map-table table")).to_contain_text("Collectif")
    assert violations(page, console) == []


def test_a_plotly_graph_runs_under_the_same_csp(watched, tmp_path):
    """A ``dcc.Graph`` (bar, heatmap, scatter) in an app with Cartopolis's security installed."""
    import dash
    import flask
    import plotly.graph_objects as go
    from dash import dcc, html

    from dashboard import security

    server = flask.Flask(__name__)
    security.configure_server(server)
    app = dash.Dash(__name__, server=server, serve_locally=True)
    figure = go.Figure([go.Bar(x=["QPV", "hors QPV"], y=[3, 5]), go.Scatter(x=["QPV", "hors QPV"], y=[4, 2])])
    heatmap = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]], x=["chaleur", "vélo"], y=["Alès", "Valence"]))
    app.layout = html.Div([dcc.Graph(id="bars", figure=figure), dcc.Graph(id="matrix", figure=heatmap)])
    security.install(app)
    http = make_server("127.0.0.1", 0, server, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    page, console = watched
    try:
        answer = page.goto(f"http://127.0.0.1:{http.server_port}/")
        assert "'unsafe-eval'" not in answer.headers["content-security-policy"]
        expect(page.locator("#bars .main-svg .bars path").first).to_be_attached()
        expect(page.locator("#matrix .main-svg .hm image, #matrix .main-svg .heatmaplayer image")).to_have_count(1)
        page.locator("#bars .main-svg").first.hover()  # the hover layer adds styles at run time
        assert violations(page, console) == []
        # the watch itself works: an injected inline script is refused and recorded
        page.evaluate(INJECT_INLINE_SCRIPT)
        page.wait_for_function("window.__csp.length > 0")
        assert page.evaluate("window.x") is None
        assert violations(page, console)[0].startswith("script-src-elem blocked inline")
    finally:
        http.shutdown()
