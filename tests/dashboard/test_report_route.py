"""The dashboard's « Rapport PDF »: links in the Exporter menu and the route that streams the PDF."""

from __future__ import annotations

import io

from dash import html
from minitown import text_of
from pypdf import PdfReader

from dashboard import views


def test_report_links_name_the_programme_and_each_qpv(data):
    links = text_of(html.Div(views.export_links(data, "testville", ["qpv"], ("test-prog", "vitrines"))))
    assert "/rapport/testville.pdf?programme=test-prog" in links
    assert "/rapport/testville.pdf?qpv=QN09901A" in links and "Rapport PDF — fiche Les Tilleuls" in links


def test_route_streams_the_fiche_pdf(client):
    answer = client.get("/rapport/testville.pdf?qpv=QP099001")  # the 2015 code is accepted too
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert 'filename="cartopolis-testville-QP099001.pdf"' in answer.headers["Content-Disposition"]
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(answer.data)).pages)
    # half the QPV in the « fort » zone (the no-break space before % reads as a space once extracted)
    assert "Fiche quartier — Les Tilleuls" in text and "50 %" in text


def test_route_errors_are_json(client):
    missing = client.get("/rapport/testville.pdf?qpv=QN00000Z")
    assert missing.status_code == 404 and "codes connus : QN09901A, QP099001" in missing.get_json()["error"]
    assert client.get("/rapport/testville.pdf?qpv=../../etc").status_code == 400
    assert client.get("/rapport/testville.pdf").status_code == 404  # neither qpv nor programme
