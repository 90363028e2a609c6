"""Programmes and their measures: the YAML model, the verbatim check, and the importer.

The fixed vocabularies below are the contract between the curated programme files
(``geodata/programmes/*.yaml``), the indicators (``pipelines.indicators``) and the dashboard.

YAML model (see ``../shared/DESIGN.md``, section Measures)::

    id: ales-commun-2026
    title: "Alès Commun — municipales 2026"
    territory: ales                    # null for a programme_commun (see applies_to)
    applies_to: [redon, perigueux, demo]   # programme_commun only
    source: 000_35d941bce52580a3.txt   # seed file name in ../shared/seeds/
    kind: programme_electoral          # or contrat_de_ville, programme_commun, collectifs
    measures:
      - id: vegetaliser-quartiers-ilots-chaleur
        title: "Végétaliser les quartiers pour lutter contre les îlots de chaleur"
        quote: "…verbatim words of the seed…"
        themes: [chaleur, emploi]
        target: {layer: heat, select: chaud, scope: qpv}      # absent when no place
        figures: {jeunes: 200}
        non_spatial_reason: "…"        # required when there is no target
        same_as: other-measure-id      # a later passage repeating an earlier measure
"""

from __future__ import annotations

#: One fixed theme vocabulary.
THEMES: dict[str, str] = {
    "chaleur": "Îlots de chaleur",
    "inondation": "Inondations",
    "commerce": "Commerce",
    "mobilite_cyclable": "Vélo",
    "mobilite": "Mobilité",
    "logement": "Logement",
    "emploi": "Emploi",
    "economie": "Économie",
    "sante": "Santé",
    "education": "Éducation",
    "securite": "Sécurité",
    "democratie": "Démocratie",
    "culture": "Culture",
    "alimentation": "Alimentation",
    "energie": "Énergie",
    "finances": "Finances",
    "solidarite": "Solidarité",
    "environnement": "Environnement",
}

#: Named selections per target layer, with what the need means (French, for the UI).
SELECTIONS: dict[str, dict[str, str]] = {
    "qpv": {"tous": "habitants des quartiers prioritaires"},
    "flood": {
        "fort": "zone inondable, scénario fort (crue fréquente)",
        "moyen_ou_fort": "zone inondable, scénario moyen ou fort",
        "faible_ou_plus": "zone inondable, tous scénarios",
    },
    "heat": {
        "chaud": "zones climatiques chaudes",
        "chaud_ou_tiede": "zones climatiques chaudes ou tièdes",
    },
    "shops": {"vacant": "vitrines vides", "tous": "commerces"},
    "cycle": {
        "protege": "aménagements cyclables protégés",
        "tous": "aménagements cyclables",
        "projet": "aménagements cyclables en projet",
    },
    "population": {"tous": "habitants"},
}

#: Where a measure acts.
SCOPES: dict[str, str] = {
    "qpv": "dans les quartiers prioritaires",
    "hors_qpv": "hors des quartiers prioritaires",
    "commune": "dans toute la commune",
}

KINDS = ("programme_electoral", "contrat_de_ville", "programme_commun", "collectifs")
