"""Match the 2024 QPV of a commune to their 2015 counterparts by name (private to ``qpv``).

The 2024 list gives codes and names but no contours; the 2015 national file gives contours whose
names have drifted ("Valensoles" → "Valensolles", "… Châtelet" → "… Malherbe"). ANCT's
correspondence table is not in the mirror, so the pairs are found by name, within one commune.

Rule
----
1. Both sides are restricted to the same commune beforehand (the caller passes the 2024 rows of
   the commune's INSEE code and the 2015 polygons that intersect the commune).
2. Names are folded (accents and case removed, ``œ`` → ``oe``, punctuation → space) and split into
   words; the articles and prepositions in :data:`STOPWORDS` are dropped from the word sets.
3. ``score = max(ratio, overlap)`` where ``ratio`` is :class:`difflib.SequenceMatcher`'s ratio of the
   two folded strings and ``overlap = |A ∩ B| / min(|A|, |B|)`` over the word sets, two words being
   equal when their own ratio is ≥ :data:`WORD_RATIO` (0.85: "valensoles" ≈ "valensolles").
   ``overlap`` keeps a name that gained or lost words ("Mistral" ⊂ "Mistral Lys Rouge Camine" → 1).
4. A pair counts when ``score ≥`` :data:`THRESHOLD` (0.6). Pairs are assigned one-to-one, greedily
   by decreasing score (ties: higher ratio, then codes in order), so a 2015 contour serves one
   2024 QPV at most.
5. 2024 codes ending in ``N`` (new in 2024) are not matched: they have no 2015 counterpart.

The status of a row follows the 2024 code's letter, not the score: ``I`` → ``exact`` (contour
unchanged), ``M`` → ``contour 2015, modifié en 2024``; ``N`` or no match → ``indisponible``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from difflib import SequenceMatcher

from .._text import words

#: Minimum score for a 2015 name to be taken as a 2024 name's counterpart.
THRESHOLD = 0.6
#: Two words are the same word above this ratio (spelling drift).
WORD_RATIO = 0.85
#: Words that carry no identity in a QPV name.
STOPWORDS = frozenset({"l", "le", "la", "les", "d", "de", "du", "des", "et", "a", "au", "aux", "en", "sur"})

#: The rule in one line, for the build log.
RULE = (
    f"same commune; folded names; score = max(difflib ratio, word overlap / min words, words equal at ratio ≥ "
    f"{WORD_RATIO}); pair when score ≥ {THRESHOLD}; one-to-one, greedy by score; N codes unmatched"
)

#: perimeter_status by the letter that ends a 2024 code.
STATUS_BY_LETTER = {"I": "exact", "M": "contour 2015, modifié en 2024", "N": "indisponible"}
UNAVAILABLE = "indisponible"


def fold_name(name: str) -> str:
    """Folded form of a QPV name: ``"Les Hauts De Valence"`` → ``"les hauts de valence"``."""
    return " ".join(words(name))


def name_score(a: str, b: str) -> tuple[float, str]:
    """Similarity of two QPV names in [0, 1] and the part of the rule that gave it.

    Returns
    -------
    (float, str)
        The score (see the module docstring) and ``"exact-name"``, ``"token-overlap"`` or
        ``"string-ratio"``.

    Examples
    --------
    >>> name_score("Les Hauts De Valence", "Les Hauts de Valence")
    (1.0, 'exact-name')
    >>> name_score("Mistral", "Mistral Lys Rouge Camine")
    (1.0, 'token-overlap')
    """
    fa, fb = fold_name(a), fold_name(b)
    if fa == fb:
        return 1.0, "exact-name"
    ratio = SequenceMatcher(None, fa, fb).ratio()
    ta = [w for w in fa.split() if w not in STOPWORDS]
    tb = [w for w in fb.split() if w not in STOPWORDS]
    shared = sum(any(SequenceMatcher(None, x, y).ratio() >= WORD_RATIO for y in tb) for x in ta)
    overlap = shared / min(len(ta), len(tb)) if ta and tb else 0.0
    return (overlap, "token-overlap") if overlap > ratio else (ratio, "string-ratio")


@dataclass(frozen=True)
class Match:
    """One 2024 QPV and the 2015 contour it takes (``code_qp_2015`` None when none)."""

    code_qp: str
    code_qp_2015: str | None
    name_2024: str
    name_2015: str | None
    score: float | None
    rule: str
    perimeter_status: str

    def as_dict(self) -> dict:
        return asdict(self)


def match_qpv(qpv2024: list[tuple[str, str]], qpv2015: list[tuple[str, str]]) -> list[Match]:
    """Pair each 2024 QPV of a commune with a 2015 QPV of the same commune, by name.

    Parameters
    ----------
    qpv2024 : list of (code_qp, name)
        2024 codes (``QN…I|M|N``) and names of the commune.
    qpv2015 : list of (code_qp_2015, name)
        2015 codes (``QP…``) and names of the polygons intersecting the commune.

    Returns
    -------
    list of Match
        One per 2024 QPV, in the input order. ``rule`` is ``exact-name``, ``token-overlap`` or
        ``string-ratio`` for a pair, ``new-2024`` for an ``N`` code, ``no-match`` otherwise.
    """
    pairs = []
    for i, (code, name) in enumerate(qpv2024):
        if code[-1:].upper() == "N":
            continue
        for j, (_, name15) in enumerate(qpv2015):
            score, rule = name_score(name, name15)
            if score >= THRESHOLD:
                ratio = SequenceMatcher(None, fold_name(name), fold_name(name15)).ratio()
                pairs.append((-score, -ratio, i, j, rule))
    taken_2024: dict[int, tuple[int, float, str]] = {}
    taken_2015: set[int] = set()
    for neg_score, _, i, j, rule in sorted(pairs):
        if i not in taken_2024 and j not in taken_2015:
            taken_2024[i] = (j, -neg_score, rule)
            taken_2015.add(j)
    out = []
    for i, (code, name) in enumerate(qpv2024):
        letter = code[-1:].upper()
        if i in taken_2024:
            j, score, rule = taken_2024[i]
            code15, name15 = qpv2015[j]
            status = STATUS_BY_LETTER.get(letter, "contour 2015, modifié en 2024")
            out.append(Match(code, code15, name, name15, round(score, 3), rule, status))
        else:
            rule = "new-2024" if letter == "N" else "no-match"
            out.append(Match(code, None, name, None, None, rule, UNAVAILABLE))
    return out
