"""Plain-text helpers for programmes: quote normalisation, decoding, folding.

Private: :mod:`pipelines.measures` is the public face. Nothing here touches the disk.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable

from unidecode import unidecode

from .errors import CartopolisError

_SPACES = re.compile(r"\s+")


def normalise_quote(text: str) -> str:
    """Return ``text`` as quotes are compared: markdown ``**`` removed, whitespace collapsed.

    Every run of whitespace (spaces, tabs, newlines, no-break spaces) becomes one space and the
    ends are stripped. Typographic apostrophes and accents are kept as they are: a quote must use
    the same characters as its seed.

    Examples
    --------
    >>> normalise_quote("**Créer**  1 000\\n emplois ")
    'Créer 1 000 emplois'
    """
    return _SPACES.sub(" ", text.replace("**", "")).strip()


# Latin letters and French punctuation folded by one C-speed str.translate; unidecode only for the rest.
_FOLD_TABLE = {code: unidecode(chr(code)) for code in range(0x80, 0x250)}
_FOLD_TABLE.update({ord(c): unidecode(c) for c in "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u202f\u20ac\u0153"})
_NOT_FOLDED = re.compile(r"[^\x00-\x7f]")
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, accent-free ASCII form of ``text`` (``Îlots`` → ``ilots``) for keyword matching."""
    text = text.translate(_FOLD_TABLE)
    if _NOT_FOLDED.search(text):
        text = unidecode(text)
    return text.lower()


def words(text: str) -> list[str]:
    """Folded word tokens of ``text`` (letters and digits), in order."""
    return list(folded_words(text))


# -- decoding ---------------------------------------------------------------------------------
_FRENCH_MARKERS = re.compile(r"[éèêàçùôîâ]")
_FRENCH_WORDS = re.compile(r"\b(le|la|les|des|de|du|et|pour|une|un|à|en|nous)\b", re.IGNORECASE)


def _reads_as_french(text: str) -> bool:
    """True when ``text`` has no control characters and looks French (accents or common words)."""
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f") + sum(
        1 for ch in text if 0x80 <= ord(ch) < 0xA0
    )
    return bool(text) and controls == 0 and bool(_FRENCH_MARKERS.search(text) or len(_FRENCH_WORDS.findall(text)) >= 3)


def decode_text(data: bytes, name: str) -> str:
    """Decode a programme file's bytes into text.

    UTF-8 is the expected encoding (a BOM is stripped); UTF-16 with a BOM (what Windows calls
    "Unicode" text) is decoded too. A file that is not valid UTF-8 is decoded
    as cp1252 (a superset of Latin-1 for printable characters, the usual encoding of French text
    exported on Windows) only when the result looks like French: accented letters or common
    French words are present and there are no control characters. Anything else is refused with
    a :class:`~pipelines.errors.CartopolisError` naming the file, so that a binary or a text in an
    unknown encoding never becomes a draft full of mojibake.

    Parameters
    ----------
    data : bytes
        Content of the file.
    name : str
        File name, for error messages.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its BOM (Windows "Unicode" text)
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = ""
        if _reads_as_french(text):
            return text
    if b"\x00" in data:
        raise CartopolisError(
            f"{name}: binary file (NUL bytes), not a programme text: export it as plain text (UTF-8) first"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        position = exc.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if _reads_as_french(text):
        return text
    raise CartopolisError(
        f"{name}: not UTF-8 (invalid byte at offset {position}) and not recognisable as Latin-1 French text: "
        "re-save the file as UTF-8"
    )


# -- sentences and enumerations -----------------------------------------------------------------
_SENTENCE_END = re.compile(r"[.!?…;]+[»”\"')]*\s+")


_BRACKETED = re.compile(r"\([^()]*\)|\[[^\]]*\]|\{[^{}]*\}|«[^«»]*»|“[^“”]*”")


def _top_level(text: str) -> Callable[[int], bool]:
    """Predicate: is position ``i`` of ``text`` outside brackets and quotes (so lists inside stay whole)?"""
    spans = [m.span() for m in _BRACKETED.finditer(text)]
    if not spans:
        return lambda i: True
    starts = [start for start, _ in spans]

    def outside(i: int) -> bool:
        k = bisect.bisect_right(starts, i) - 1
        return k < 0 or i >= spans[k][1]

    return outside


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, each a verbatim substring of ``text``.

    A sentence ends at ``.``, ``!``, ``?``, ``…`` or ``;`` followed by whitespace and an upper-case
    letter, a digit or an opening quote, outside parentheses.
    """
    top = _top_level(text)
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        nxt = text[match.end() : match.end() + 1]
        if top(match.start()) and (nxt.isupper() or nxt.isdigit() or nxt in '«“"('):
            out.append(text[start : match.end()].strip())
            start = match.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


#: Words that open a noun phrase naming something new (lists of promises use them).
_INDEFINITE = {"un", "une", "des", "de", "d"}
_DETERMINERS = _INDEFINITE | {
    "le", "la", "les", "l", "du", "au", "aux", "son", "sa", "ses", "leur", "leurs", "nos", "notre", "votre",
    "vos", "ce", "cet", "cette", "ces", "chaque", "tous", "toutes", "tout", "toute", "plus", "mieux",
}  # fmt: skip
_PREPOSITIONS = {
    "a", "au", "aux", "en", "de", "d", "du", "des", "par", "pour", "avec", "dans", "sur", "vers", "et", "y",
    "contre", "entre", "aupres",
}  # fmt: skip
_NOT_VERBS = {
    "notre", "votre", "entre", "contre", "autre", "centre", "cadre", "ordre", "titre", "livre", "libre", "offre",
    "lettre", "nombre", "membre", "chiffre", "chambre", "septembre", "octobre", "novembre", "decembre", "ministre",
    "theatre", "sucre", "avenir", "loisir", "plaisir", "desir", "soir", "espoir", "pouvoir", "savoir", "hier", "fer",
    "mer", "hiver", "super", "cher", "fier", "premier", "dernier", "quartier", "metier", "atelier", "chantier", "tiers",
    "foyer", "janvier", "fevrier", "panier", "papier", "dossier", "calendrier", "sentier", "particulier", "entier",
    "foncier", "immobilier", "financier", "pompier", "policier", "ouvrier", "courrier", "quatre", "propre", "meilleur",
    "elles", "leur", "pour", "sur", "jour", "tour", "amour", "secteur", "acteur", "cour", "coeur", "lieu", "mere",
    "pere", "frere", "loyer", "danger", "etranger", "verger", "berger", "boulanger", "plancher", "rocher", "clocher",
    "enfer", "laser", "leader", "cancer", "diner", "dejeuner", "gouter", "martyr", "saphir",
}  # fmt: skip
_VERB_ENDINGS = ("er", "ir", "re")
#: Endings of nouns and adjectives that look like infinitives (ouverture, arbre, centre, territoire…)
#: and the verbs that share them.
_NOUN_ENDINGS = ("ere", "aire", "oire", "bre", "gre", "rre", "stre", "ntre", "ure", "vre", "cre", "etre", "oir")
_IRREGULAR_RE = {
    "faire", "refaire", "satisfaire", "plaire", "extraire", "boire", "croire", "conclure", "exclure", "inclure",
    "vivre", "suivre", "poursuivre", "survivre", "vaincre", "convaincre", "etre", "voir", "prevoir", "revoir",
    "recevoir", "percevoir", "concevoir", "promouvoir", "emouvoir", "valoir", "vouloir", "devoir", "asseoir",
}  # fmt: skip
_ACTION_NOUNS = {
    "gel", "soutien", "mise", "aide", "aides", "lutte", "plan", "fin", "appui", "acces", "baisse", "hausse", "etude",
    "refus", "arret", "fusion", "creation", "gratuite", "embauche", "reprise", "relance", "remise", "ouverture",
    "organisation", "experimentation", "incitation", "nomination", "renforcement", "encouragement", "installation",
    "developpement", "amenagement", "construction", "renovation", "rehabilitation", "extension", "suppression",
    "reduction", "lancement", "recrutement", "doublement", "generalisation", "mobilisation", "protection",
    "promotion", "valorisation", "transformation", "accompagnement", "instauration", "interdiction", "obligation",
    "acquisition", "modernisation", "securisation", "vegetalisation", "requalification", "revitalisation",
    "mutualisation", "rationalisation", "coordination", "amelioration", "augmentation", "elargissement",
}  # fmt: skip
_FUTURE_WE = re.compile(r"\bnous (?:ne |n |l |les |leur |y |en |nous )?[a-z]+(?:rons|ons)\b")
_FUTURE_IT = re.compile(r"\b(?:[a-z]+(?:era|eront|ira|iront|dra|dront)|aura|auront|pourra|pourront|devra|devront)\b")
_OBLIGATION = re.compile(r"\b(?:doit|doivent) (?:[a-z]+ )?[a-z]+(?:er|ir|re)\b")
_NOT_FUTURE = {"camera", "opera", "cathedra", "era", "ira", "dra", "tiendra", "viendra"}


@functools.lru_cache(maxsize=1024)
def _folded_words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


def folded_words(text: str) -> tuple[str, ...]:
    """Folded words with apostrophes and hyphens treated as separators (``l’emploi`` → l, emploi)."""
    return _folded_words(text)  # cached: one sentence is looked at by several rules


def _is_infinitive(word: str, following: str) -> bool:
    if word in _NOT_VERBS or len(word) < 4 or not word.endswith(_VERB_ENDINGS):
        return False
    if word.endswith(_NOUN_ENDINGS) and word not in _IRREGULAR_RE:
        return False
    if word.endswith("ier"):  # quartier, métier… are nouns: require an article after verbs in -ier
        return following in _DETERMINERS - {"de", "d", "plus", "mieux"}
    return following in _DETERMINERS or following in _PREPOSITIONS or following.endswith("ment") or following.isdigit()


def starts_with_infinitive(text: str) -> bool:
    """True when ``text`` opens with an infinitive verb (``Mettre en place…``, ``Se former…``)."""
    tokens = folded_words(text)
    if tokens[:1] in (("se",), ("s",)):
        tokens = tokens[1:]
    return len(tokens) >= 2 and _is_infinitive(tokens[0], tokens[1])


def starts_with_action_noun(text: str) -> bool:
    """True when ``text`` opens with a noun naming an action followed by its object (``Création d’un…``)."""
    tokens = folded_words(text)
    if len(tokens) < 2 or tokens[0] not in _ACTION_NOUNS:
        return False
    return tokens[1] in _PREPOSITIONS or (len(tokens) > 2 and tokens[2] in _PREPOSITIONS)


def is_commitment(sentence: str) -> bool:
    """True when ``sentence`` commits to an action.

    Recognised forms: an infinitive or an action noun at the start (``Mettre en place…``,
    ``Création de…``, ``Gratuité des…``), a first person plural future or present (``Nous
    créerons…``, ``nous proposons``), a third person future (``sera imposée``, ``fera l’objet``),
    an obligation (``doit reposer``), or a noun phrase opened by an indefinite article
    (``Une école publique rénovée…``, the style of leaflets).
    """
    tokens = folded_words(sentence)
    if len(tokens) < 2:
        return False
    flat = " ".join(tokens)
    if starts_with_infinitive(sentence) or starts_with_action_noun(sentence):
        return True
    if _FUTURE_WE.search(flat) or _OBLIGATION.search(flat):
        return True
    if any(m.group(0) not in _NOT_FUTURE for m in _FUTURE_IT.finditer(flat)):
        return True
    return tokens[0] in ("un", "une", "des") or tokens[:2] in (("de", "nouveaux"), ("de", "nouvelles"))


_BOUNDARY = re.compile(r",\s+|\s+et\s+|\s+ainsi que\s+")


def _top_level_boundaries(text: str) -> list[re.Match]:
    top = _top_level(text)
    return [m for m in _BOUNDARY.finditer(text) if top(m.start())]


def _opens_item(chunk: str) -> str | None:
    """``"verb"`` when ``chunk`` opens with an infinitive or a ``-rons`` verb, ``"thing"`` when with an
    indefinite article or a number, else None."""
    tokens = folded_words(chunk)
    if not tokens:
        return None
    if len(tokens) > 1 and _is_infinitive(tokens[0], tokens[1]) or re.fullmatch(r"[a-z]+rons", tokens[0]):
        return "verb"  # "… et végétaliser les quartiers", "… et soutiendrons les maraîchers"
    if (
        tokens[0] in ("un", "une", "des")
        or tokens[0].isdigit()
        or tokens[:2] in (("de", "nouveaux"), ("de", "nouvelles"))
    ):
        return "thing"
    return None


def _cut(text: str, boundaries: list[re.Match]) -> list[str]:
    out, start = [], 0
    for match in boundaries:
        out.append(text[start : match.start()])
        start = match.end()
    out.append(text[start:])
    return [c.strip(" ,;") for c in out if c.strip(" ,;")]


def split_colon(sentence: str) -> tuple[str, str] | None:
    """(lead, tail) around the first colon outside brackets, or None."""
    if ":" not in sentence:
        return None
    top = _top_level(sentence)
    for i, ch in enumerate(sentence):
        if ch == ":" and top(i):
            return sentence[:i], sentence[i + 1 :]
    return None


def colon_list(sentence: str) -> list[str] | None:
    """Items of a list after a colon (``… : A, B et C``), or None when there is no such list.

    A list has at least three short items (at most 7 words each), none opened by a preposition
    (``: aux écoles d’art, de l’image…`` complements its lead) and not mostly single words
    (``visibles, utiles et réalistes`` are adjectives, not things to do).
    """
    parts = split_colon(sentence)
    if parts is None:
        return None
    tail = parts[1]
    items = _cut(tail, _top_level_boundaries(tail))
    lengths = [len(folded_words(i)) for i in items]
    if len(items) < 3 or max(lengths) > 7 or min(lengths) < 1:
        return None
    if any(folded_words(i)[0] in _PREPOSITIONS - {"des", "d"} for i in items):
        return None
    if sum(n == 1 for n in lengths) > len(items) // 2:
        return None
    return items


def split_items(sentence: str) -> list[str]:
    """Split a sentence that enumerates several commitments into its items (verbatim substrings).

    Two forms are recognised, outside brackets:

    - a list after a colon (see :func:`colon_list`): ``Rayonner par la culture : festival annuel,
      réhabilitation des sites miniers, médiathèque itinérante et gratuité des musées`` gives the
      four items, without the lead;
    - after a comma or ``et``: every infinitive or ``-rons`` verb opens an item (two actions), and
      indefinite articles or numbers open items when there are at least three of them (``Des loyers
      encadrés, 500 logements sociaux écologiques, des résidences pour seniors``; ``des ateliers et
      des permanences`` stays one measure). Definite articles never split (``pour les artisans, les
      TPE et les coopératives`` is one measure with three beneficiaries).

    A sentence with no enumeration is returned whole.
    """
    colon_items = colon_list(sentence)
    if colon_items:
        return colon_items
    if split_colon(sentence) is not None:
        return [sentence]  # "Label : description" stays whole
    kinds = [(m, _opens_item(sentence[m.end() : m.end() + 40])) for m in _top_level_boundaries(sentence)]
    things = [m for m, kind in kinds if kind == "thing"]
    cuts = [m for m, kind in kinds if kind == "verb" or (kind == "thing" and len(things) >= 2)]
    return _cut(sentence, cuts) or [sentence]


# -- themes -----------------------------------------------------------------------------------
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


def flat(text: str) -> str:
    """Folded text with every non-alphanumeric run turned into one space (``centre-ville`` → ``centre ville``)."""
    return " ".join(folded_words(text))


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
