"""Themes of a measure: a French keyword classifier that lists the words that matched (evidence)."""

from __future__ import annotations

import functools

from .._text import folded_words

#: Keywords per theme, on folded text (lower case, no accents, punctuation as spaces).
#: ``word*`` matches every word starting with ``word``; anything else matches whole words only.
#: A phrase (with spaces) weighs two, being more specific than a word, unless ``=weight`` says otherwise
#: (a place like the town centre is not by itself about commerce).
THEME_KEYWORDS: dict[str, tuple[str, ...]] = {
    "chaleur": (
        "ilots de chaleur", "ilot de chaleur", "chaleur", "canicul*", "vegetalis*", "fraich*", "oasis", "ombrag*",
        "surchauffe", "debitumis*", "desimpermeabilis*", "plantation* d arbres", "planter des arbres", "climatis*",
    ),
    "inondation": (
        "inond*", "anti inondation*", "crue*", "ruissel*", "submersion", "digue*", "ppri", "eaux pluviales",
        "zone* inondable*",
    ),
    "commerce": (
        "commerc*", "boutique*", "vitrine*", "enseigne*", "centre ville=1", "coeur de ville=1", "artisan*", "tpe",
        "locaux vacants", "local vacant", "vacance commerciale", "vacance", "inoccup*", "halles", "e commerce",
    ),
    "mobilite_cyclable": (
        "velo*", "cyclab*", "cycliste*", "piste* cyclable*", "bicyclette*", "reseau cyclable", "stationnement velo",
    ),
    "mobilite": (
        "transport*", "bus", "navette*", "covoiturage", "mobilite*", "deplac*", "stationnement", "parking*",
        "trajet*", "pieton*", "voiture*", "tram*", "train*", "gare*", "circulation", "routes", "route", "a pied",
        "autopartage", "securite routiere",
    ),
    "logement": (
        "logement*", "loyer*", "loger", "residence*", "habitat*", "colocation*", "hlm", "parc public", "foncier",
        "bati", "architectur*", "urbanisme", "renovation urbaine", "proprietaire*", "locataire*", "hebergement*",
    ),
    "emploi": (
        "emploi*", "travail*", "embauch*", "chantier* d insertion", "insertion", "chomage", "metier*", "apprenti*",
        "recrut*", "salarie*", "stage*", "alternance", "competences", "premier emploi", "professionnel*",
        "entrepreneuriat",
    ),
    "economie": (
        "economie", "economique*", "entreprise*", "industri*", "filiere*", "attractivite", "valeur ajoutee",
        "investisseur*", "innovation*", "innovant*", "cooperative*", "monnaie locale", "zone d activite*",
        "coworking", "fab lab", "tiers lieux", "entrepreneur*", "economie circulaire", "startup*",
    ),
    "sante": (
        "sante", "medic*", "medecin*", "soin*", "soign*", "mutuelle*", "hopita*", "infirmi*", "kine*", "pharmac*",
        "desert medical", "telemedecine", "teleconsultation", "maison* de sante", "paramedical",
    ),
    "education": (
        "ecole*", "scolaire*", "educati*", "enseign*", "eleve*", "enfant*", "creche*", "petite enfance",
        "etudiant*", "universit*", "formation*", "former", "college*", "lycee*", "apprentissage", "periscolaire",
        "classe*", "doctorant*", "recherche", "post bac", "diplome*",
    ),
    "securite": (
        "securit*", "police", "prevention", "preventive", "delinquan*", "harcelement", "violence*", "eclairage",
        "videoprotection", "tranquillite", "victime*", "rues apaisees", "securise*", "referent* egalite",
    ),
    "democratie": (
        "democrati*", "citoyen*", "participati*", "budget participatif", "referendum", "veto", "tirage au sort",
        "concertation", "conseil citoyen", "conseils citoyens", "assemblee*", "transparence", "consultati*",
        "boite* a idees", "avis", "gouvernance", "commission*", "elus", "vote", "contractualisation", "decident",
        "pouvoir d agir",
    ),
    "culture": (
        "cultur*", "festival*", "musee*", "mediatheque*", "bibliothe*", "patrimoine", "artist*", "spectacle*",
        "concert*", "musique", "theatre*", "arts", "exposition*", "fete*", "sport*", "stade*", "loisir*", "soiree*",
        "conference*",
        "evenement*", "animation*", "convivialite", "jumelage",
    ),
    "alimentation": (
        "aliment*", "cantine*", "bio", "maraich*", "circuits courts", "circuit court", "repas", "produits frais",
        "producteurs", "epicerie*", "agricol*", "agricult*", "nourri*", "manger", "panier*", "restauration",
        "plats", "terre a disposition", "gaspillage",
    ),
    "energie": (
        "energ*", "isol*", "photovolta*", "solaire", "renouvelable*", "chauffage", "hydrogene", "sobriete",
        "renovation energetique", "batiments publics", "batiments municipaux", "pollution* lumineuse*",
    ),
    "finances": (
        "budget*", "financ*", "fiscal*", "impot*", "taxe*", "subvention*", "depense*", "mutualis*", "economiser",
        "redevance*", "marches publics", "achats", "couts", "taux zero", "contribution", "recettes", "droit commun",
    ),
    "solidarite": (
        "solidai*", "social", "sociale", "sociales", "pauvret*", "precari*", "cheque", "bouclier social",
        "inclusion", "isole*", "isolement", "senior*", "personnes agees", "intergeneration*", "handicap*",
        "mixite", "egalite", "discrimination*", "entraide", "fragiles", "familles modestes", "pouvoir d achat",
        "generations", "aines", "ccas", "quartiers prioritaires", "quartiers populaires",
    ),
    "environnement": (
        "ecolog*", "environnement*", "biodiversit*", "nature", "naturel*", "espaces verts", "jardin*", "dechet*",
        "recycl*", "compost*", "repar*", "pollution*", "eau", "ressource", "climat*", "arbre*", "haie*",
        "transition ecologique", "durable*", "respirer", "vert", "verte", "verts", "vertes",
    ),
}  # fmt: skip


def _keyword_weight(keyword: str) -> tuple[str, float]:
    """``"centre ville=1"`` → (``"centre ville"``, 1.0); otherwise phrases weigh 2 and words 1."""
    if "=" in keyword:
        word, weight = keyword.split("=")
        return word, float(weight)
    return keyword, 2.0 if " " in keyword else 1.0


def _keyword_parts(keyword: str) -> tuple[tuple[str, bool], ...]:
    """``"piste* cyclable*"`` → ((``piste``, prefix), (``cyclable``, prefix)); ``bus`` → ((``bus``, exact),)."""
    return tuple((word.rstrip("*"), word.endswith("*")) for word in keyword.split())


# Keywords indexed by their first word, so that each token of a text costs a few dict lookups:
# the importer must stay fast on a 5 MB file.
_KEYWORDS = [
    (theme, word, weight, _keyword_parts(word))
    for theme, keywords in THEME_KEYWORDS.items()
    for word, weight in map(_keyword_weight, keywords)
]
_BY_FIRST_EXACT: dict[str, list[int]] = {}
_BY_FIRST_PREFIX: dict[str, list[int]] = {}
for _index, (_, _, _, _parts) in enumerate(_KEYWORDS):
    _first, _is_prefix = _parts[0]
    (_BY_FIRST_PREFIX if _is_prefix else _BY_FIRST_EXACT).setdefault(_first, []).append(_index)
_PREFIX_LENGTHS = sorted({len(p) for p in _BY_FIRST_PREFIX})


@functools.lru_cache(maxsize=65536)
def _keywords_opened_by(token: str) -> tuple[int, ...]:
    """Indexes of the keywords whose first word matches ``token`` (cached: vocabularies are small)."""
    candidates = list(_BY_FIRST_EXACT.get(token, ()))
    for length in _PREFIX_LENGTHS:
        if length > len(token):
            break
        candidates += _BY_FIRST_PREFIX.get(token[:length], ())
    return tuple(candidates)


def _keyword_at(tokens: list[str], i: int) -> int | None:
    """Index of the longest keyword starting at ``tokens[i]``, or None."""
    candidates = _keywords_opened_by(tokens[i])
    if not candidates:
        return None
    best, best_key = None, (0, 0)
    for index in candidates:
        parts = _KEYWORDS[index][3]
        if i + len(parts) > len(tokens):
            continue
        if all(
            tokens[i + j].startswith(word) if prefix else tokens[i + j] == word
            for j, (word, prefix) in enumerate(parts)
        ):
            key = (len(parts), len(_KEYWORDS[index][1]))
            if key > best_key:
                best, best_key = index, key
    return best


_HEAD_WORDS = 5


def theme_scores(text: str) -> dict[str, tuple[float, int, list[str]]]:
    """Score every theme on ``text``: ``{theme: (score, first position, matched words)}``.

    The score is the sum of the weights of the keywords found (a phrase weighs 2, a word 1, a
    repetition half; ×1.5 for a keyword among the first five words, where a measure names its
    object); a word inside a matched phrase is not counted again. Themes with no keyword are absent.
    Matching is accent- and case-insensitive.
    """
    out: dict[str, tuple[float, int, list[str]]] = {}
    seen: set[int] = set()
    tokens = folded_words(text)
    i = 0
    while i < len(tokens):
        index = _keyword_at(tokens, i)
        if index is None:
            i += 1
            continue
        theme, _, weight, parts = _KEYWORDS[index]
        matched = " ".join(tokens[i : i + len(parts)])
        if index in seen:  # a repeated word insists on its theme, but less than a new word
            score, first, words = out[theme]
            out[theme] = (score + weight / 2, first, words)
        else:
            seen.add(index)
            score, first, words = out.get(theme, (0.0, i, []))
            # the thing named first is what the measure is about ("500 logements … pour les familles")
            out[theme] = (score + weight * (1.5 if i < _HEAD_WORDS else 1.0), first, [*words, matched])
        i += len(parts)  # a phrase consumes its words: "ilots de chaleur" is not also "chaleur"
    return out


@functools.lru_cache(maxsize=256)
def _context_scores(context: str) -> dict[str, tuple[float, int, list[str]]]:
    return theme_scores(context)  # cached: measures of one section share their headings


def classify(text: str, context: str = "", *, limit: int = 3) -> tuple[list[str], dict[str, list[str]]]:
    """Themes of a measure, best first, with the words that matched each.

    Parameters
    ----------
    text : str
        The measure's own words.
    context : str, optional
        Words around it (enclosing sentence, headings). They add half their score to the
        measure's own themes, and give the themes only when the measure's own words match none;
        their evidence is then prefixed ``contexte:``.
    limit : int
        Maximum number of themes returned.

    Returns
    -------
    themes : list of str
        Theme ids ranked by score, then by where their first keyword occurs in the measure.
    evidence : dict
        ``{theme: [matched words]}`` for the returned themes.
    """
    own = theme_scores(text)
    around = _context_scores(context) if context else {}
    ranking = []
    # the context ranks the measure's own themes; it supplies themes only when the measure has none
    for theme in set(own) or set(around):
        score, first, _ = own.get(theme, (0.0, 10**9, []))
        score += 0.5 * around.get(theme, (0.0, 0, []))[0]
        ranking.append((-score, first, theme))
    ranking.sort()
    themes = [theme for _, _, theme in ranking[:limit]]
    evidence = {t: own[t][2] if t in own else [f"contexte: {w}" for w in around[t][2]] for t in themes}
    return themes, evidence
