"""French sentence rules of the importer: sentences, infinitives, commitments, enumerations.

Every function returns verbatim substrings of its input, so that quotes stay verbatim.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from .._text import folded_words

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
_FUTURE_WE = re.compile(r"\bnous (?:ne |n |l |les |leur |y |en |nous )?[a-z]+rons\b")
#: First person plural presents that commit ("nous proposons"); "nous pensons, avons, pouvons" do not.
_PRESENT_WE = re.compile(
    r"\bnous (?:nous |l |les |leur |y |en )?(?:proposons|voulons|souhaitons|engageons|portons|defendons|soutenons|"
    r"creons|mettons|lancons|agissons|demandons|visons|prevoyons|choisissons|garantissons|assumons|continuons|"
    r"poursuivons|faisons|ouvrons|renforcons|developpons|investissons|accompagnons)\b"
)
_FUTURE_IT = re.compile(r"\b(?:[a-z]+(?:era|eront|ira|iront|dra|dront)|aura|auront|pourra|pourront|devra|devront)\b")
_OBLIGATION = re.compile(
    r"\b(?:doit|doivent) (?:[a-z]+ )?(?!etre\b|rester\b|redevenir\b|devenir\b)[a-z]+(?:er|ir|re)\b"
)
#: Finite verbs of description (a diagnosis, not a promise): copulas, auxiliaries, common presents.
_FINITE = {
    "est", "sont", "ont", "doit", "doivent", "etait", "etaient", "fut", "furent", "existe", "existent", "reste",
    "restent",
    "constitue", "constituent", "permet", "permettent", "peut", "peuvent", "faut", "font", "fait", "exige",
    "exigent", "semble", "semblent", "va", "vont", "avons", "sommes", "pouvons", "pensons", "croyons", "manque",
    "manquent", "subissent", "souffre", "souffrent", "demeure", "represente", "representent", "compte", "comptent",
    "vit", "vivent", "limite", "concerne", "concernent", "devient", "deviennent", "offre", "offrent", "dispose",
    "disposent", "connait", "connaissent", "voient", "veulent", "attendent", "ferment", "disparaissent",
}  # fmt: skip
#: Endings of nouns of action (``Multiplication des…``, ``Équipement en…``), with a preposition after.
_ACTION_ENDINGS = ("tion", "sion", "ement", "age", "ite", "ure", "ence", "ance", "ie", "oire", "al", "ive")
_FINITE_ENDINGS = ("issent", "oient", "ttent", "ivent", "uvent", "ennent", "stent", "uent")
_NOT_FUTURE = {"camera", "opera", "cathedra", "era", "ira", "dra", "tiendra", "viendra"}


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
    if len(tokens) < 2:
        return False
    if tokens[0] in ("objectif", "objectifs") and tokens[1].isdigit():
        return True  # "Objectif 1 000 emplois…": a target the programme sets itself
    if tokens[0] not in _ACTION_NOUNS and not (
        len(tokens[0]) > 6 and tokens[0].rstrip("s").endswith(_ACTION_ENDINGS) and tokens[1] in _PREPOSITIONS
    ):
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
    if starts_with_infinitive(sentence) and _infinitive_subject(flat):
        return False  # "Dilapider un foncier n'est pas une politique": the infinitive is a subject
    if starts_with_infinitive(sentence) or starts_with_action_noun(sentence):
        return True
    if _FUTURE_WE.search(flat) or _PRESENT_WE.search(flat) or _OBLIGATION.search(flat):
        return True
    if any(m.group(0) not in _NOT_FUTURE for m in _FUTURE_IT.finditer(flat)):
        return True
    opens_thing = tokens[0] in ("un", "une", "des") or tokens[:2] in (("de", "nouveaux"), ("de", "nouvelles"))
    return opens_thing and not has_finite_verb(sentence)


def _infinitive_subject(flat: str) -> bool:
    """``c'est`` anywhere, or ``est``/``sont`` before any relative word: the opening infinitive is
    the subject of a statement (``Rénover, c'est économiser``), not an action promised."""
    if re.search(r"\bc est\b", flat):
        return True
    match = re.search(r"\b(?:est|sont)\b", flat)
    if match is None:
        return False
    return not set(flat[: match.start()].split()) & {"qui", "que", "dont", "pour", "afin", "lorsque", "ou", "comme"}


def has_finite_verb(sentence: str) -> bool:
    """True when ``sentence`` has a finite verb of description (``est``, ``ont``, ``subissent``…).

    A heuristic word list and endings, not a parser: it tells a diagnosis (``72 % des commerçants
    ont moins de 100 m²``) from a verbless promise (``100 % d'alimentation bio``).
    """
    if re.search(r"(?<![\w’'])a(?![\w’'])", sentence.lower()):  # "a" (has), not "à"
        return True
    flat = " ".join(folded_words(sentence))
    if re.search(r"\b(?:nous (?:ne |n )?[a-z]+ons|vous [a-z]+ez|(?:se|s) [a-z]+(?:e|ent))\b", flat):
        return True  # "nous pensons", "vous acceptez", "se heurte": a statement, not an infinitive
    return any(t in _FINITE or (len(t) > 6 and t.endswith(_FINITE_ENDINGS)) for t in folded_words(sentence))


def strong_start(sentence: str) -> bool:
    """True when ``sentence`` opens a new measure by its first words: an infinitive, an action noun,
    ``Nous …rons`` or an indefinite noun phrase with no descriptive verb."""
    tokens = folded_words(sentence)
    if len(tokens) < 2:
        return False
    if starts_with_infinitive(sentence) or starts_with_action_noun(sentence):
        return True
    if tokens[0] == "nous" and (_FUTURE_WE.match(" ".join(tokens)) or _PRESENT_WE.match(" ".join(tokens))):
        return True
    return tokens[0] in ("un", "une", "des") and not has_finite_verb(sentence)


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
    if tokens[0] == "avec" and tokens[1:2] in (("un",), ("une",), ("des",)):
        return "thing"  # "…, avec des cantines plus locales"
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
    parts = split_colon(sentence)
    colon_items = colon_list(sentence)
    if colon_items and not _examples(parts[1]) and not (is_commitment(parts[0]) and _definite(colon_items)):
        return colon_items
    if parts is not None:
        return [sentence]  # "Label : description" stays whole
    participle_items = participle_list(sentence)
    if participle_items:
        return participle_items
    verbless = not has_finite_verb(sentence) and not _FUTURE_IT.search(" ".join(folded_words(sentence)))
    kinds = [(m, _opens_item(sentence[m.end() : m.end() + 40])) for m in _top_level_boundaries(sentence)]
    things = [m for m, kind in kinds if kind == "thing"]
    if folded_words(sentence)[:1] in (("un",), ("une",), ("des",)):
        things.append(None)  # "Une école publique rénovée…, avec des cantines…": the opening is one thing too
    cuts = [
        m
        for m, kind in kinds
        if (kind == "verb" and len(folded_words(sentence[: m.start()])) >= 3)
        or (kind == "thing" and len(things) >= 2 and verbless)
    ]
    return _cut(sentence, cuts) or [sentence]


def _examples(tail: str) -> bool:
    """A list that ends open (``…``, ``etc.``) gives examples of its lead, not measures."""
    return tail.rstrip(" .").endswith(("…", "...", "etc"))


def _definite(items: list[str]) -> bool:
    """Items opened by definite articles name topics of the lead (``sur plusieurs sujets : la …, les …``)."""
    return all(folded_words(i)[:1] in (("la",), ("le",), ("les",), ("l",)) for i in items)


_PARTICIPLE = re.compile(r",\s+(?:en\s+)?([^\W\d_]+ant)\s+")


def participle_list(sentence: str) -> list[str] | None:
    """Items after a participle that introduces a list (``…, alliant police de proximité, éclairage
    intelligent et présence sociale, pour des rues apaisées``): at least three short noun phrases; a
    piece opened by a preposition belongs to the item before it. None when there is no such list."""
    match = _PARTICIPLE.search(sentence)
    if match is None:
        return None
    tail_start = match.end()
    tail = sentence[tail_start:]
    boundaries = _top_level_boundaries(tail)
    starts = [0] + [b.end() for b in boundaries]
    ends = [b.start() for b in boundaries] + [len(tail)]
    items: list[list[int]] = []
    closed = False
    for start, end in zip(starts, ends, strict=True):
        words_ = folded_words(tail[start:end])
        if not words_:
            continue
        closed = closed or bool(items) and (words_[0] in _PREPOSITIONS - {"et"} or len(items) >= 3 and len(words_) > 5)
        if closed:
            items[-1][1] = end  # "…, pour des rues apaisées et un cadre de vie protégé" completes the last item
            continue
        if len(words_) > 5:
            return None
        items.append([start, end])
    if len(items) < 3:
        return None
    return [tail[a:b].strip(" ,;") for a, b in items]
