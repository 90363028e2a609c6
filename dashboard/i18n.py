"""Every French string of the dashboard, in one place.

Labels of layers come from :data:`pipelines.schemas.SCHEMAS`; themes, selections and scopes from
:mod:`pipelines.measures`; legend entries and colours (``LEGENDS``) and the approximate QPV
statuses (``APPROXIMATE``) from :mod:`pipelines.styles`, shared with the QGIS project. What is
here is the dashboard's own wording: titles, help, status names and number formatting (French:
comma decimals, narrow no-break space thousands).
"""

from __future__ import annotations

import math

from pipelines.schemas import SCHEMAS
from pipelines.styles import APPROXIMATE, LEGENDS  # noqa: F401 (the dashboard reads them from here)

APP_TITLE = "Cartopolis"
APP_SUBTITLE = "Les mesures des programmes face aux besoins des quartiers"
NATIONAL = "_national"
NATIONAL_LABEL = "Vue nationale (programmes et collectifs)"

TABS = {
    "carte": "Carte",
    "programmes": "Programmes",
    "quartier": "Mon quartier",
    "comparer": "Comparer",
    "sources": "Sources",
    "importer": "Importer un programme",
}

#: Texts of the Dash dropdowns (English by default).
DROPDOWN_LABELS = {
    "search": "Rechercher",
    "clear_search": "Effacer la recherche",
    "clear_selection": "Effacer",
    "no_options_found": "Aucun résultat",
    "select_all": "Tout sélectionner",
    "deselect_all": "Tout désélectionner",
}

#: What an unknown value reads as, in every table, chart and report (never 0).
UNKNOWN = "inconnu"

STATUS = {"ok": "disponible", "stale": "version précédente", "unavailable": "indisponible", "error": "en erreur"}
PROVENANCE = {"real": "réel", "fictional": "fictif"}

EMPTY_STORE = (
    "Aucune donnée n'est encore construite. Lancez `make data` (ou `python -m pipelines build "
    "--territory all --offline`) puis rechargez la page."
)

#: Toggleable map layers, in display order (commune is always drawn). Streets are only context:
#: their provenance (OSM or fictional) is said by the badge, not by the label.
LAYER_LABELS: dict[str, str] = {name: schema.label for name, schema in SCHEMAS.items()} | {"streets": "Rues"}

#: Short labels of the classes a person can show or hide within a layer (sub-toggles of the Carte view).
CLASS_LABELS: dict[str, dict[str, str]] = {
    "flood": {
        "fort": "scénario fort (crue fréquente)",
        "moyen": "scénario moyen",
        "moyen_cc": "scénario moyen avec changement climatique",
        "faible": "scénario faible (crue extrême)",
    },
    "heat": {"chaud": "zones chaudes", "tiede": "zones tièdes", "frais": "zones fraîches"},
    "shops": {"actif": "commerces actifs", "vacant": "vitrines vides"},
    "cycle": {
        "piste": "piste cyclable (existante)",
        "voie verte": "voie verte (existante)",
        "bande": "bande cyclable (existante)",
        "double sens cyclable": "double sens cyclable (existant)",
        "zone apaisée": "zone apaisée (existante)",
        "partagée": "voie partagée (existante)",
        "non aménagée": "non aménagée",
        "projet": "en projet (tous types)",
    },
}
#: Title of each layer's list of classes (a collapsible block under the layer list).
CLASS_TITLES = {
    "flood": "Inondation : scénarios affichés",
    "heat": "Chaleur : classes affichées",
    "shops": "Commerces : actifs et vitrines vides",
    "cycle": "Vélo : existant et projet, par aménagement",
}
#: Help under a layer's class list.
CLASS_HINTS = {"shops": "Décochez « commerces actifs » pour voir les vitrines vides seulement."}
#: Why a flood scenario cannot be shown.
ABSENT_FROM_SOURCE = "absent de la source"
ABSENT_FROM_TOWN = "aucune zone dans la commune"

#: Labels of indicator codes (``indicators.parquet``); unknown codes are shown as they are.
INDICATORS: dict[str, str] = {
    "area_km2": "surface (km²)",
    "population": "habitants",
    "share_area": "part de la surface",
    "population_exposed": "habitants exposés",
    "share_population": "part des habitants",
    "count": "nombre",
    "vacant": "vitrines vides",
    "vacancy_rate": "taux de vacance",
    "per_km2": "par km²",
    "per_1000": "pour 1 000 habitants",
    "length_km": "longueur (km)",
    "km_per_km2": "km par km²",
    "protected_share": "part protégée",
}

ZONE_KINDS = {"qpv": "QPV", "hors_qpv": "Hors QPV", "commune": "Commune"}

MEASURE_STATUS = {
    "ok": "calculée",
    "no_target": "non spatialisée",
    "non_spatial": "non spatialisée",
    "unavailable": "données indisponibles",
    "layer_unavailable": "données indisponibles",
    "error": "erreur de calcul",
}


#: How a QPV contour was obtained (``perimeter_status`` of the qpv layer), said in the UI.
PERIMETER = {
    "exact": "contour exact",
    "contour 2015, modifié en 2024": "contour 2015, modifié en 2024 (approximatif)",
    "contour 2015": "contour 2015 (statut 2024 inconnu)",
    "indisponible": "contour indisponible",
}
#: Legend key of each 2024 status of a 2015 QPV (layer ``qpv_2015``).
QPV_2015_KEYS = {
    "sorti en 2024": "sorti",
    "modifié en 2024": "modifie",
    "inchangé en 2024": "inchange",
}
#: The historical layer's name in a commune that has no QPV in 2024.
QPV_2015_LEFT_LABEL = "QPV 2015, sortis de la géographie prioritaire en 2024"
NO_QPV_2024_LABEL = "aucun QPV en 2024"


def perimeter_label(status: object) -> str:
    """French wording of a QPV ``perimeter_status`` (unknown values as they are, missing as exact)."""
    if status is None or (isinstance(status, float) and math.isnan(status)) or status == "":
        return PERIMETER["exact"]
    return PERIMETER.get(str(status), str(status))


#: Heat classes and local climate zones (Stewart & Oke 2012) in words, for tooltips.
HEAT_CLASSES = {"chaud": "Zone chaude", "tiede": "Zone tiède", "frais": "Zone fraîche"}
LCZ = {
    "1": "bâti compact haut",
    "2": "bâti compact moyen",
    "3": "bâti compact bas",
    "4": "bâti ouvert haut",
    "5": "bâti ouvert moyen",
    "6": "bâti ouvert bas",
    "7": "bâti léger bas",
    "8": "grands bâtiments bas",
    "9": "bâti épars",
    "10": "industrie lourde",
    "A": "arbres denses",
    "B": "arbres épars",
    "C": "broussailles",
    "D": "végétation basse",
    "E": "sol nu ou minéral",
    "F": "sable ou sol nu",
    "G": "eau",
}
#: OSM shop categories (``shop=*`` / ``craft=*`` / ``amenity=*`` values) in French; others fall back.
SHOP_CATEGORIES = {
    "bakery": "boulangerie",
    "beauty": "institut de beauté",
    "hairdresser": "coiffeur",
    "craft": "artisan",
    "butcher": "boucherie",
    "convenience": "épicerie",
    "supermarket": "supermarché",
    "clothes": "vêtements",
    "shoes": "chaussures",
    "florist": "fleuriste",
    "optician": "opticien",
    "pharmacy": "pharmacie",
    "books": "librairie",
    "newsagent": "presse",
    "tobacco": "tabac",
    "jewelry": "bijouterie",
    "car_repair": "garage",
    "car": "automobiles",
    "mobile_phone": "téléphonie",
    "electronics": "électronique",
    "furniture": "ameublement",
    "hardware": "quincaillerie",
    "doityourself": "bricolage",
    "pastry": "pâtisserie",
    "greengrocer": "primeur",
    "deli": "traiteur",
    "wine": "caviste",
    "alcohol": "caviste",
    "gift": "cadeaux",
    "travel_agency": "agence de voyages",
    "estate_agent": "agence immobilière",
    "dry_cleaning": "pressing",
    "laundry": "laverie",
    "tattoo": "tatoueur",
    "bicycle": "cycles",
    "sports": "articles de sport",
    "toys": "jouets",
    "pet": "animalerie",
    "cosmetics": "cosmétiques",
    "chemist": "droguerie",
    "variety_store": "bazar",
    "second_hand": "dépôt-vente",
    "charity": "boutique solidaire",
    "funeral_directors": "pompes funèbres",
    "copyshop": "reprographie",
    "photo": "photographe",
    "computer": "informatique",
    "kiosk": "kiosque",
    "massage": "massage",
    "interior_decoration": "décoration",
    "bag": "maroquinerie",
    "music": "musique",
    "art": "galerie d'art",
    "frame": "encadrement",
    "vacant": "local vacant",
    "hearing_aids": "audioprothésiste",
    "kitchen": "cuisines",
    "ticket": "billetterie",
    "e-cigarette": "cigarette électronique",
    "paint": "peinture",
    "coffee": "torréfacteur",
    "health_food": "produits diététiques",
    "seafood": "poissonnerie",
    "medical_supply": "matériel médical",
    "confectionery": "confiserie",
    "perfumery": "parfumerie",
    "chocolate": "chocolatier",
    "garden_centre": "jardinerie",
    "cheese": "fromagerie",
    "non précisé": "commerce (type non précisé)",
    "yes": "commerce",
}


def shop_category(category: object) -> str:
    """French name of an OSM shop category; unknown ones: « commerce (value) »."""
    key = "" if category is None else str(category)
    if key in SHOP_CATEGORIES:
        return SHOP_CATEGORIES[key]
    return f"commerce ({key.replace('_', ' ')})" if key else "commerce"


def heat_label(heat_class: object, lcz: object) -> str:
    """« Zone tiède (LCZ 6 : bâti ouvert bas) »."""
    name = HEAT_CLASSES.get(str(heat_class), f"Zone {heat_class}")
    code = "" if lcz is None else str(lcz)
    words = LCZ.get(code)
    return f"{name} (LCZ {code} : {words})" if words else (f"{name} (LCZ {code})" if code else name)


def flood_label(scenario: object) -> str:
    """« Inondation, scénario moyen avec changement climatique »."""
    return f"Inondation, {CLASS_LABELS['flood'].get(str(scenario), str(scenario).replace('_', ' '))}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """« 1 vitrine vide », « 3 vitrines vides » (French: 0 and 1 are singular).

    ``plural_form`` defaults to every word of ``singular`` with an ``s`` (« vitrine vide » →
    « vitrines vides »); pass it for other forms (« mesure non spatialisée » is regular, « local » is not).
    """
    if abs(count) < 2:
        word = singular
    else:
        word = plural_form or " ".join(w if w.endswith(("s", "x")) else w + "s" for w in singular.split(" "))
    return f"{fmt_number(count)} {word}"


def layer_label(layer: str) -> str:
    """French label of a layer id (the id itself when unknown)."""
    return LAYER_LABELS.get(layer, layer)


def indicator_label(code: str) -> str:
    """French label of an indicator code; composite codes (``share_area_fort``) are spelled out."""
    if code in INDICATORS:
        return INDICATORS[code]
    for key in sorted(INDICATORS, key=len, reverse=True):
        if code.startswith(key + "_"):
            return f"{INDICATORS[key]} ({code[len(key) + 1 :].replace('_', ' ')})"
    return code.replace("_", " ")


def fmt_number(value: object, digits: int = 1) -> str:
    """French number: ``1 234,5``; ``—`` for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number.is_integer() and abs(number) < 1e15:
        text = f"{int(number):,}"
    else:
        text = f"{number:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def fmt_share(value: object, digits: int = 1) -> str:
    """A share 0–1 as a French percentage: ``0.123`` → ``12,3 %``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    try:
        return f"{fmt_number(float(value) * 100, digits)}\u00a0%"
    except (TypeError, ValueError):
        return str(value)


#: Units that mean a share 0–1 (shown as a percentage).
SHARE_UNITS = frozenset({"share", "part", "ratio_0_1"})
#: Units of counts of people or households (rounded to whole numbers).
PERSON_UNITS = frozenset({"habitants", "hab.", "ménages", "residents"})


def fmt_value(value: object, unit: str | None, bare: bool = False) -> str:
    """A value with its unit (``bare``: without it); shares become percentages.

    Counts and areas keep one decimal, small values two (``0,25``), large ones none.
    """
    if unit in SHARE_UNITS:
        return fmt_share(value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return fmt_number(value)
    digits = 2 if abs(number) < 10 else (1 if abs(number) < 1000 else 0)
    if unit in PERSON_UNITS:  # people are counted whole: « 119 habitants », not « 118,6 »
        digits = 0
    text = fmt_number(round(number, digits), digits)
    if bare or not unit or unit in ("count", "nombre"):
        return text
    return f"{text} {unit}"
