"""The import screen's callbacks on the mini town: a programme uploaded through ``POST /api/import``,
then delete, merge, change a target, edit, indicators computed in memory (hand-checked figures of
``minitown.py``), the target route, and the YAML out read back by ``pipelines.measures``."""

from __future__ import annotations

import io
import re

import pytest
import yaml
from minitown import text_of

from dashboard.components import drafts
from dashboard.components.draft_table import review_table
from dashboard.import_route import sequels
from dashboard.views import importer
from pipelines._text import normalise_quote
from pipelines.importer import territory_qpv
from pipelines.measures import load_programme, quote_in_seed

TEXT = """# Programme test

## Cadre de vie

- Créer une piste cyclable protégée le long du canal
- Végétaliser les cours d’école des quartiers prioritaires contre les îlots de chaleur
- Ouvrir une maison de santé, avec des médecins salariés

## Commerce

- Reprendre les vitrines vides du centre-ville
- Prévenir les inondations et le ruissellement des rues basses
"""
CYCLE, HEAT, HEALTH, SHOPS, FLOOD = (
    "creer-piste-cyclable-protegee-long-canal",
    "vegetaliser-cours-ecole-quartiers-prioritaires-contre",
    "ouvrir-maison-sante-avec-medecins-salaries",
    "reprendre-vitrines-vides-centre-ville",
    "prevenir-inondations-ruissellement-rues-basses",
)


def upload(client, content: bytes, name: str = "prog.md", territory: str = "testville"):
    data = {"file": (io.BytesIO(content), name), "territory": territory}
    return client.post("/api/import", data=data, content_type="multipart/form-data")


@pytest.fixture
def programme(client) -> dict:
    """The draft as the page receives it (what ``assets/import.js`` hands to ``loaded``)."""
    result = {"status": 200, "body": upload(client, TEXT.encode()).get_json(), "file": "prog.md", "ms": 800}
    draft, error, status = importer.loaded(result)
    assert error is None and status == "prog.md : 5 mesures proposées en 0,8 s. Relisez-les ci-dessous."
    return draft


def ids(programme: dict) -> list[str]:
    return [m["id"] for m in programme["measures"]]


def test_upload_gives_drafts_with_line_and_neighbours(programme):
    assert ids(programme) == [CYCLE, HEAT, HEALTH, SHOPS, FLOOD]
    first, _, health, shops, last = programme["measures"]
    assert (first["ligne"], first["suivante"], first["suite"]) == (5, HEAT, " - ")
    # a heading between two items is part of what lies between their quotes
    assert (health["suivante"], health["suite"]) == (SHOPS, " ## Commerce - ")
    assert (last["suivante"], last["suite"]) == (None, None)
    assert shops["target"] == {"layer": "shops", "scope": "commune", "select": "vacant"}


def test_route_reads_qpv_from_the_apps_store(programme):
    # testville has a 2024 QPV in the mini store only: the default store (CARTOPOLIS_DATA) knows
    # nothing of it, so a QPV check there would have given scope « commune »
    heat = programme["measures"][1]
    assert heat["target"] == {"layer": "heat", "scope": "qpv", "select": "chaud"}
    assert "QPV 2024 présent (couche qpv du territoire)" in heat["target_evidence"]
    assert territory_qpv("testville").has_qpv is not True


def test_upload_never_spools_to_disk(client, monkeypatch):
    import werkzeug.formparser

    def on_disk(*args, **kwargs):
        raise AssertionError("the upload was given a temporary file")

    monkeypatch.setattr(werkzeug.formparser, "default_stream_factory", on_disk)
    big = (TEXT + "\n" + "Nos rues sont belles et nos places aussi.\n" * 20_000).encode()
    assert len(big) > 600_000  # werkzeug spools uploads over 500 kB
    assert upload(client, big).status_code == 200


def test_refusal_names_the_file(client):
    result = {"status": 413, "body": upload(client, b"x" * (6 * 1024 * 1024 + 10), "gros.txt").get_json()}
    draft, error, _ = importer.loaded({**result, "file": "gros.txt"})
    assert draft is None and error == "gros.txt — Fichier trop gros : 5 Mo au plus pour un programme."


def test_a_draft_too_big_for_the_screen_is_refused_with_the_command_to_use(programme):
    many = [{**programme["measures"][0], "id": f"m{n}", "quote": "x" * 400} for n in range(3000)]
    result = {"status": 200, "body": {"programme": {**programme, "measures": many}}, "file": "enorme.txt"}
    draft, error, _ = importer.loaded(result)
    assert draft is None and error.startswith("enorme.txt : 3\u202f000 mesures proposées, trop pour la relecture")
    assert "import-programme" in error


def test_delete_removes_the_draft_and_the_repeats_of_it(programme):
    programme["measures"][3]["same_as"] = HEALTH
    out = drafts.delete_draft(programme, HEALTH)
    assert ids(out) == [CYCLE, HEAT, SHOPS, FLOOD]
    assert "same_as" not in out["measures"][2]
    assert ids(programme) == [CYCLE, HEAT, HEALTH, SHOPS, FLOOD]  # the store's copy is left as it was


def test_merge_of_neighbours_keeps_a_verbatim_quote_and_the_first_title(programme):
    out = drafts.merge_drafts(programme, [HEALTH, HEAT])  # ticked in any order: text order wins
    assert ids(out) == [CYCLE, HEAT, SHOPS, FLOOD]
    merged = out["measures"][1]
    assert merged["quote"] == (
        "Végétaliser les cours d’école des quartiers prioritaires contre les îlots de chaleur - "
        "Ouvrir une maison de santé, avec des médecins salariés"
    )
    assert quote_in_seed(merged["quote"], TEXT)
    assert merged["title"] == "Végétaliser les cours d’école des quartiers prioritaires contre les îlots de chaleur"
    assert merged["themes"] == ["chaleur", "solidarite", "education", "sante", "emploi"]
    assert merged["target"]["layer"] == "heat" and "non_spatial_reason" not in merged
    assert (merged["suivante"], merged["suite"]) == (SHOPS, " ## Commerce - ")  # the last one's
    assert "citation_discontinue" not in merged
    # the merged measure is a neighbour of the next one again
    twice = drafts.merge_drafts(out, [HEAT, SHOPS])
    assert quote_in_seed(twice["measures"][1]["quote"], TEXT)


def test_merge_takes_the_first_target_found_when_the_first_has_none(programme):
    merged = drafts.merge_drafts(programme, [SHOPS, HEALTH])["measures"][2]
    assert merged["id"] == HEALTH and merged["title"].startswith("Ouvrir une maison de santé")
    assert merged["target"]["layer"] == "shops" and "non_spatial_reason" not in merged


def test_merge_of_drafts_apart_is_said_discontinuous(programme):
    out = drafts.merge_drafts(programme, [CYCLE, HEALTH])
    merged = out["measures"][0]
    assert merged["quote"] == (
        "Créer une piste cyclable protégée le long du canal […] Ouvrir une maison de santé, avec des médecins salariés"
    )
    assert merged["citation_discontinue"] is True
    assert "Citation discontinue" in text_of(review_table(out, 0))
    assert "citation_discontinue" not in drafts.reviewed_yaml(out)
    with pytest.raises(ValueError):
        drafts.merge_drafts(programme, [CYCLE])


def test_change_target_with_the_vocabularies(programme):
    out = drafts.set_target(programme, HEALTH, "flood", "moyen_ou_fort", "qpv")
    health = out["measures"][2]
    assert health["target"] == {"layer": "flood", "select": "moyen_ou_fort", "scope": "qpv"}
    assert "non_spatial_reason" not in health
    # a selection of another layer becomes the layer's first; buffer_m stays with its layer only
    cycle = drafts.set_target(programme, CYCLE, "cycle", "chaud", "hors_qpv")["measures"][0]
    assert cycle["target"] == {"layer": "cycle", "select": "protege", "scope": "hors_qpv", "buffer_m": 300}
    assert "target_evidence" not in cycle  # the importer's words no longer explain it
    shops = drafts.set_target(programme, CYCLE, "shops", "vacant", "commune")["measures"][0]
    assert shops["target"] == {"layer": "shops", "select": "vacant", "scope": "commune"}
    gone = drafts.set_target(programme, SHOPS, None, None, None)["measures"][3]
    assert "target" not in gone and gone["non_spatial_reason"] == drafts.NO_PLACE_BY_REVIEW
    with pytest.raises(KeyError):
        drafts.set_target(programme, SHOPS, "metro", "tous", "commune")


def test_apply_edits_only_what_changed(programme):
    rows = {
        m["id"]: {
            "title": m["title"],
            "section": m.get("section"),
            "themes": m["themes"],
            "layer": (m.get("target") or {}).get("layer"),
            "select": (m.get("target") or {}).get("select"),
            "scope": (m.get("target") or {}).get("scope"),
        }
        for m in programme["measures"]
    }
    assert importer.apply_edits(programme, rows, programme["title"]) is None  # rows just drawn
    rows[SHOPS].update(title="  Rouvrir les  vitrines ", themes=["commerce", "bogus", "economie"], section="")
    rows[HEALTH].update(layer="qpv", select="tous", scope="qpv")
    out = importer.apply_edits(programme, rows, "Mon programme")
    shops, health = out["measures"][3], out["measures"][2]
    assert (out["title"], shops["title"], shops["themes"]) == (
        "Mon programme",
        "Rouvrir les vitrines",
        ["commerce", "economie"],
    )
    assert "section" not in shops and shops["theme_evidence"] == {"commerce": ["vitrines", "centre ville"]}
    assert health["target"] == {"layer": "qpv", "select": "tous", "scope": "qpv"}


def test_indicators_in_memory_are_the_hand_computed_ones(programme, data):
    # flood « moyen ou fort » = 2000 m × 250 m = 50 ha, of which 500 × 250 m in the QPV (12.5 ha):
    # share 0.25; rate 12.5 / 25 ha = 0.5 in the QPV, 37.5 / 375 ha = 0.1 outside: equity 5.
    # heat « chaud » in the QPV: the whole 25 ha QPV lies in the 100 ha hot square: 25 ha, share
    # 0.25, rate 1 in the QPV against 75 / 375 = 0.2 outside: equity 5.
    found = importer.results(data, "testville", programme)
    flood, heat, health = found[FLOOD], found[HEAT], found[HEALTH]
    assert (flood["need"], flood["need_unit"], flood["share_in_qpv"], flood["equity_ratio"]) == (50, "ha", 0.25, 5)
    assert (heat["need"], heat["share_in_qpv"], heat["equity_ratio"]) == pytest.approx((25, 0.25, 5))
    assert health is None
    text = text_of(importer.facts(flood))
    assert "50 ha" in text and "25\u00a0%" in text and "5" in text
    assert "non spatialisée" in text_of(importer.facts(health))
    words = importer.summary(programme, data, "testville")
    assert words == "5 mesures proposées : 4 localisées (4 cibles sur la carte), 1 sans lieu."
    # the fictional town has only its commune: the layers are said missing, with the manifest's reason
    assert "Couches indisponibles sur ce territoire" in importer.summary(programme, data, "fictiveville")
    heat_there = text_of(importer.facts(importer.results(data, "fictiveville", programme)[HEAT]))
    assert "données indisponibles" in heat_there and "aucune donnée de chaleur hors ligne" in heat_there
    assert "Besoin" not in heat_there


def test_targets_drawn_once_each_from_the_target_route(programme, data, client):
    programme["measures"][2]["target"] = dict(programme["measures"][4]["target"])  # a second flood target
    layers = importer.map_targets(data, "testville", programme)
    urls = [layer.url for layer in layers]
    assert len(urls) == 4 and sum("layer=flood" in url for url in urls) == 1
    flood = client.get(next(url for url in urls if "layer=flood" in url))
    assert flood.status_code == 200
    features = flood.get_json()["features"]
    assert len(features) == 2 and {f["properties"]["_t"] for f in features} == {
        "Cible : Zones inondables, zone inondable, scénario moyen ou fort"
    }
    classes = {layer.hideout["styles"]["target"]["className"] for layer in layers}
    assert classes == {f"import-target import-{name}" for name in ("cycle", "heat", "shops", "flood")}
    assert client.get("/carto/testville/cible.geojson?layer=flood&select=chaud&scope=qpv").status_code == 400
    assert client.get("/carto/atlantis/cible.geojson?layer=flood&select=fort&scope=qpv").status_code == 404


def test_yaml_out_loads_with_the_programme_model(programme, tmp_path):
    out = drafts.merge_drafts(drafts.delete_draft(programme, CYCLE), [HEAT, HEALTH])
    out = drafts.set_target(out, SHOPS, "shops", "tous", "qpv")
    text = drafts.reviewed_yaml(out, "testville")
    assert text.startswith("# Brouillon importé de prog.md le ")
    raw = yaml.safe_load(text)
    assert list(raw) == ["id", "title", "territory", "source", "kind", "draft", "measures"]
    assert list(raw["measures"][0])[:4] == ["id", "title", "quote", "themes"]
    assert not any(key in m for m in raw["measures"] for key in drafts.SCREEN_KEYS)
    path = tmp_path / "prog.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_programme(path)
    assert (loaded.id, loaded.territory, loaded.source) == ("prog", "testville", "prog.md")
    assert [m.id for m in loaded.measures] == [HEAT, SHOPS, FLOOD]
    assert loaded.measures[0].section == "Programme test › Cadre de vie"  # kept through load
    assert loaded.measures[1].target.select == "tous" and loaded.measures[1].target.scope == "qpv"
    assert all(m.draft and quote_in_seed(m.quote, TEXT) for m in loaded.measures)


def test_sequels_between_quotes():
    text = "- Un\n- Deux trois\n\n## Titre\n\nQuatre cinq."
    assert sequels(text, ["Un", "Deux trois", "Quatre cinq."]) == [" - ", " ## Titre ", None]
    assert sequels(text, ["Deux trois", "Un"]) == [None, None]  # the next quote is before
    far = "A. " + "x " * 300 + "B."
    assert sequels(far, ["A.", "B."]) == [None, None]
    assert normalise_quote("- Un\n- Deux") == "- Un - Deux"


def _pdf(text: str, path) -> bytes:
    """``text`` laid out as a PDF by the importer's scorecard (fpdf2 and Debian's DejaVu fonts)."""
    import os

    from pipelines.importer.scorecard import FONT_DIR, make_pdf

    if not (FONT_DIR / "DejaVuSans.ttf").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"DejaVu fonts missing in {FONT_DIR} (Debian fonts-dejavu-core, pulled by chromium)")
        pytest.skip(f"DejaVu fonts missing in {FONT_DIR}")
    return make_pdf(text, path, title="Testville").read_bytes()


def test_an_imported_pdf_programme_passes_check_programmes_but_for_the_review(client, tmp_path):
    from pipelines.measures import check_programmes

    paragraphs = [
        "# Programme pour Testville",
        "Créer une piste cyclable protégée le long du canal, de la gare jusqu’au parc des sports.",
        "Reprendre les vitrines vides du centre-ville : la commune louera les locaux fermés à des artisans.",
        "Ouvrir une maison de santé avec des médecins salariés, reliée aux quartiers par une navette.",
    ]
    pdf = _pdf("\n\n".join(paragraphs), tmp_path / "testville.pdf")
    seeds, folder = tmp_path / "seeds", tmp_path / "programmes"
    seeds.mkdir()
    folder.mkdir()
    (seeds / "testville.pdf").write_bytes(pdf)  # the programme's source is a PDF, not UTF-8 text
    body = upload(client, pdf, "testville.pdf").get_json()
    # on a one-page PDF the running footer cannot be told from the text: the reviewer deletes it
    assert [m["quote"] for m in body["programme"]["measures"]][3] == "Testville — page 1"
    reviewed = drafts.delete_draft(body["programme"], body["programme"]["measures"][3]["id"])
    text = drafts.reviewed_yaml(reviewed, "demo")
    (folder / "testville.yaml").write_text(text, encoding="utf-8")
    problems = check_programmes(folder, seeds)
    # quotes verbatim in the PDF's text, vocabularies known: only the review is left to do
    assert len(problems) == 3 and all(
        p.endswith("still a draft (draft: true): review it, then remove draft") for p in problems
    )
    reviewed = re.sub(r"^ *draft: true\n", "", text, flags=re.MULTILINE)  # what the reviewer does last
    (folder / "testville.yaml").write_text(reviewed, encoding="utf-8")
    assert check_programmes(folder, seeds) == []
    # a source that no reader takes is a problem line, not a traceback
    (seeds / "testville.pdf").write_bytes(b"%PDF-1.7 cut short")
    assert any("seed file unreadable" in p and "testville.pdf" in p for p in check_programmes(folder, seeds))
