"""The programme model, its loader, the verbatim rule and ``check-programmes``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipelines import settings
from pipelines.cli import main
from pipelines.errors import CartopolisError
from pipelines.measures import (
    KINDS,
    SCOPES,
    SELECTIONS,
    THEMES,
    Target,
    check_programmes,
    load_programme,
    load_programmes,
    normalise_quote,
    programmes_for,
    quote_in_seed,
)

SEED = textwrap.dedent(
    """\
    # Programme de test

    ### **Écologie**

    Alès, avec un plan anti-inondations, des oasis urbaines et une gestion durable de la ressource.

    Nous mobiliserons 200 jeunes pour **végétaliser les quartiers
    pour lutter contre les îlots de chaleur.**

    Une ville où les habitants décident : droit de veto citoyen.
    """
)

GOOD = textwrap.dedent(
    """\
    id: test-programme
    title: "Programme de test"
    territory: ales
    source: seed.txt
    kind: programme_electoral
    date: 2026-03-15
    measures:
      - id: plan-anti-inondations
        title: "Un plan anti-inondations"
        quote: "un plan anti-inondations"
        themes: [inondation, environnement]
        target: {layer: flood, select: moyen_ou_fort, scope: commune}
      - id: vegetaliser-quartiers
        title: "Végétaliser les quartiers"
        quote: "végétaliser les quartiers pour lutter   contre les îlots de chaleur."
        themes: [chaleur, emploi]
        target: {layer: heat, select: chaud, scope: qpv}
        figures: {jeunes: 200}
      - id: droit-de-veto
        title: "Droit de veto citoyen"
        quote: "droit de veto citoyen"
        themes: [democratie]
        non_spatial_reason: "droit politique, sans lieu"
      - id: veto-rappel
        title: "Droit de veto (rappel)"
        quote: "droit de veto citoyen"
        themes: [democratie]
        same_as: droit-de-veto
    """
)

COMMON = textwrap.dedent(
    """\
    id: programme-commun
    title: "Programme commun"
    applies_to: [redon, demo]
    source: seed.txt
    kind: programme_commun
    measures:
      - id: reseau-cyclable
        title: "Réseau cyclable"
        quote: "une gestion durable de la ressource"
        themes: [environnement]
        target: {layer: cycle, select: protege, scope: commune, buffer_m: 300}
    """
)


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """(programmes folder, seeds folder) holding one seed and two valid programmes."""
    programmes, seeds = tmp_path / "programmes", tmp_path / "seeds"
    programmes.mkdir()
    seeds.mkdir()
    (seeds / "seed.txt").write_text(SEED, encoding="utf-8")
    (programmes / "a.yaml").write_text(GOOD, encoding="utf-8")
    (programmes / "b.yaml").write_text(COMMON, encoding="utf-8")
    return programmes, seeds


def test_vocabularies_are_consistent():
    assert {"chaleur", "inondation", "commerce", "mobilite_cyclable", "democratie"} <= set(THEMES)
    assert set(SELECTIONS) == {"qpv", "flood", "heat", "shops", "cycle", "population"}
    assert set(SCOPES) == {"qpv", "hors_qpv", "commune"}
    assert "collectifs" in KINDS


def test_load_programme_builds_typed_measures(folders):
    programmes, _ = folders
    programme = load_programme(programmes / "a.yaml")
    assert programme.id == "test-programme" and programme.kind == "programme_electoral"
    assert programme.territories == ("ales",)
    assert [m.id for m in programme.measures] == [
        "plan-anti-inondations",
        "vegetaliser-quartiers",
        "droit-de-veto",
        "veto-rappel",
    ]
    heat = programme.measure("vegetaliser-quartiers")
    assert heat.target == Target("heat", "chaud", "qpv", None)
    assert heat.themes == ("chaleur", "emploi") and heat.figures == {"jeunes": 200}
    assert heat.spatial and not programme.measure("droit-de-veto").spatial
    assert programme.measure("veto-rappel").same_as == "droit-de-veto"
    # keys outside the model are kept as metadata
    assert str(programme.metadata["date"]) == "2026-03-15"


def test_load_programmes_and_programmes_for(folders):
    programmes, _ = folders
    loaded = load_programmes(programmes)
    assert list(loaded) == ["test-programme", "programme-commun"]
    common = loaded["programme-commun"]
    assert common.territory is None and common.territories == ("redon", "demo")
    assert common.measures[0].target.buffer_m == 300.0
    assert [p.id for p in programmes_for("demo", loaded)] == ["programme-commun"]
    assert [p.id for p in programmes_for("ales", loaded)] == ["test-programme"]
    assert programmes_for("valence", loaded) == []


def test_load_programmes_refuses_a_programme_id_used_twice(folders):
    programmes, _ = folders
    (programmes / "c.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(CartopolisError, match="c.yaml: programme id `test-programme` already used by a.yaml"):
        load_programmes(programmes)


def test_collectifs_file(tmp_path):
    path = tmp_path / "collectifs.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            id: collectifs
            title: Collectifs
            source: seed.txt
            kind: collectifs
            collectifs:
              - {id: ales-commun, name: "Alès Commun", commune: Alès, insee: "30007", quote: "droit de veto citoyen"}
            """
        ),
        encoding="utf-8",
    )
    programme = load_programme(path)
    assert programme.measures == () and programme.territories == ()
    (collective,) = programme.collectives
    assert (collective.name, collective.commune, collective.insee) == ("Alès Commun", "Alès", "30007")


def test_normalise_quote_and_quote_in_seed():
    assert normalise_quote("  **Créer**  1 000\n emplois\u00a0locaux ") == "Créer 1 000 emplois locaux"
    assert quote_in_seed("végétaliser les quartiers pour lutter contre les îlots de chaleur.", SEED)
    assert quote_in_seed("Écologie", SEED)  # "### **Écologie**": the ** are removed
    # the typographic apostrophe is a different character: no silent match
    assert quote_in_seed("l'eau", "la gestion de l'eau")
    assert not quote_in_seed("l’eau", "la gestion de l'eau")
    assert not quote_in_seed("", SEED)
    assert not quote_in_seed("des oasis rurales", SEED)


def test_check_programmes_passes_on_valid_files(folders):
    programmes, seeds = folders
    assert check_programmes(programmes, seeds) == []


def test_check_programmes_reports_each_problem(folders):
    programmes, seeds = folders
    (programmes / "b.yaml").unlink()
    (programmes / "bad.yaml").write_text(
        textwrap.dedent(
            """\
            id: test-programme
            title: Mauvais
            territory: nulle-part
            source: seed.txt
            kind: tract
            measures:
              - id: m1
                title: "Inventée"
                quote: "des oasis rurales"
                themes: [chaleur, meteo]
                target: {layer: heat, select: froid, scope: quartier}
              - id: m1
                title: "Sans lieu"
                quote: "droit de veto citoyen"
                themes: [democratie]
              - id: m3
                title: "Renvoi"
                quote: "droit de veto citoyen"
                themes: [democratie]
                same_as: absente
                non_spatial_reason: "x"
                draft: true
              - id: m4
                title: "Couche inconnue"
                quote: "droit de veto citoyen"
                themes: [democratie]
                target: {layer: ecoles, select: tous, scope: commune, buffer_m: -5}
            """
        ),
        encoding="utf-8",
    )
    (programmes / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    (programmes / "noseed.yaml").write_text(
        GOOD.replace("id: test-programme", "id: autre").replace("seed.txt", "absent.txt"), encoding="utf-8"
    )
    problems = check_programmes(programmes, seeds)
    expected = {
        "bad.yaml: -: programme id `test-programme` already used by a.yaml",
        "bad.yaml: -: unknown kind `tract` (expected one of programme_electoral, contrat_de_ville, "
        "programme_commun, collectifs)",
        "bad.yaml: -: unknown territory `nulle-part` (not in territories.yaml)",
        "bad.yaml: m1: quote not found verbatim in the seed: « des oasis rurales »",
        "bad.yaml: m1: unknown theme `meteo`",
        "bad.yaml: m1: unknown selection `froid` for layer heat (expected chaud, chaud_ou_tiede)",
        "bad.yaml: m1: unknown scope `quartier` (expected one of qpv, hors_qpv, commune)",
        "bad.yaml: m1: duplicate id",
        "bad.yaml: m1: no target and no non_spatial_reason",
        "bad.yaml: m3: still a draft (draft: true): review it, then remove draft",
        "bad.yaml: m3: same_as `absente` points to no other measure",
        "bad.yaml: m4: unknown target layer `ecoles` (expected one of qpv, flood, heat, shops, cycle, population)",
        "bad.yaml: m4: buffer_m must be a non-negative number of metres, not `-5`",
        f"noseed.yaml: -: seed file `absent.txt` not found in {seeds}",
    }
    assert expected <= set(problems)
    broken = [p for p in problems if p.startswith("broken.yaml: -: invalid YAML")]
    assert len(broken) == 1
    assert len(problems) == len(expected) + 1, problems


def test_cli_check_programmes_exit_code(folders, monkeypatch, capsys):
    programmes, seeds = folders
    monkeypatch.setenv("CARTOPOLIS_SEEDS", str(seeds))
    assert main(["check-programmes", "--dir", str(programmes)]) == 0
    (programmes / "a.yaml").write_text(GOOD.replace("[democratie]", "[meteo]"), encoding="utf-8")
    assert main(["check-programmes", "--dir", str(programmes)]) == 1
    out = capsys.readouterr().out
    assert "a.yaml: droit-de-veto: unknown theme `meteo`" in out
    assert "a.yaml: veto-rappel: unknown theme `meteo`" in out


def test_curated_programmes_pass_the_check():
    """The curated files of ``geodata/programmes`` against the seeds: no problem at all."""
    if not sorted(settings.PROGRAMMES_DIR.glob("*.yaml")):
        pytest.skip("no curated programme in geodata/programmes yet (issue 4: curation in progress)")
    if not settings.seeds_dir().is_dir():
        pytest.skip(f"seed texts not found in {settings.seeds_dir()} (set CARTOPOLIS_SEEDS)")
    problems = check_programmes()
    assert problems == [], "\n".join(problems)
    programmes = load_programmes()
    assert {"ales-commun-2026", "contrat-de-ville-ales", "pop-petites-villes", "valence-ambitieuse"} <= set(programmes)
