"""The programme importer: a new programme text → a draft YAML for a person to review.

Splits a plain-text or markdown programme into measures (headings, bullets, dash-led blocks,
sentences that commit to an action), assigns themes with the French keyword classifier of
:mod:`pipelines._text` (each assignment lists the words that matched), proposes a target from the
themes, and marks every guessed field ``draft: true``. Quotes are verbatim (checked before
writing). :func:`evaluate_import` scores a draft against a curated programme.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from ._text import (
    classify,
    colon_list,
    decode_text,
    flat,
    folded_words,
    is_commitment,
    normalise_quote,
    split_colon,
    split_items,
    split_sentences,
    starts_with_action_noun,
    starts_with_infinitive,
)
from .errors import CartopolisError
from .measures import Measure, Programme

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)[\s#]*$")
_BULLET = re.compile(r"^\s*(?:[-–—•*·▪◦‣]|\d{1,2}[.)])\s+(\S.*)$")
_LONE_DASH = re.compile(r"^\s*[-–—•]\s*$")
_TRAILING_DASH = re.compile(r"\s+[-–—]\s*$")
_TERMINAL = (".", "!", "?", ";", ",", "…")
_VACANCY = re.compile(r"\b(?:vacan\w*|vide\w*|inoccup\w*|vitrines?|friches?)\b")
_QPV = re.compile(r"\b(?:qpv|quartiers? prioritaires?|quartiers? populaires?|politique de la ville)\b")
_FIGURE = re.compile(
    r"(?<![\w,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+(?:,\d+)?)\s*(%|k€|M€|€|euros?\b)?(\s*/\s*an\b)?\s*([^\W\d_]+)?"
)
_FIGURE_SKIP_WORDS = {"premiers", "premieres", "nouveaux", "nouvelles", "grands", "petits", "de", "d", "et", "a"}
_NO_PLACE = "aucun lieu reconnu dans le texte (à vérifier)"


@dataclass
class _Unit:
    """A piece of the text: a heading, a paragraph, a bullet or a dash-led block (002 style)."""

    kind: str  # heading | para | bullet | block
    first_line: int
    text: str
    level: int | None = None  # markdown heading level (number of #)


def _looks_like_heading(line: str) -> bool:
    """A short line with no final punctuation that is not itself an action (plain-text heading)."""
    stripped = line.strip()
    n_words = len(stripped.split())
    if stripped.isupper() and n_words <= 12:  # isupper: every cased letter is upper, and there is one
        return True
    if stripped.endswith(_TERMINAL) or n_words > 8:
        return False
    if starts_with_infinitive(stripped):
        return False
    return not (starts_with_action_noun(stripped) and n_words >= 5)


def _units(lines: list[str]) -> list[_Unit]:
    """Group cleaned lines into headings, paragraphs, bullets and dash-led blocks."""
    units: list[_Unit] = []
    current: _Unit | None = None
    in_block = False

    def close() -> None:
        nonlocal current
        if current is not None and current.text.strip():
            units.append(current)
        current = None

    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            if current is not None:  # a blank line ends a paragraph, or a block that has content
                close()
                in_block = False
            continue
        if _LONE_DASH.match(line):
            close()
            in_block = True
            continue
        heading = _MD_HEADING.match(line)
        bullet = _BULLET.match(line)
        if heading or (bullet and _looks_like_heading(bullet.group(1)) and bullet.group(1).isupper()):
            close()
            in_block = False
            level = len(line.lstrip()) - len(line.lstrip().lstrip("#")) if heading else None
            units.append(_Unit("heading", index, (heading or bullet).group(1), level))
            continue
        if bullet and not in_block:
            close()
            current = _Unit("bullet", index, bullet.group(1))
            continue
        if in_block:
            if current is None and _looks_like_heading(stripped):
                in_block = False
            else:
                if current is None:
                    current = _Unit("block", index, stripped)
                elif _looks_like_heading(stripped):
                    close()
                    in_block = False
                    units.append(_Unit("heading", index, stripped))
                    continue
                else:
                    current.text += "\n" + stripped
                trailing = _TRAILING_DASH.search(current.text)
                if trailing:  # "… éducateurs. -": the dash closes this block and opens the next one
                    current.text = current.text[: trailing.start()]
                    close()
                continue
        if current is not None and current.kind in ("para", "bullet") and stripped[0].islower():
            current.text += "\n" + stripped  # a hard-wrapped line goes on with its sentence
            continue
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if _looks_like_heading(stripped) and not following[:1].islower():
            close()
            units.append(_Unit("heading", index, stripped))
            continue
        close()
        current = _Unit("para", index, stripped)
    close()
    return units


_ANAPHORA = {"ce", "cet", "cette", "ces", "c", "il", "elle", "ils", "elles", "celle", "celui", "ceux", "cela"}


def _keeps_whole(sentence: str) -> bool:
    """A sentence with no enumeration that is still a measure: a commitment, or ``Label : description``."""
    if is_commitment(sentence):
        return True
    parts = split_colon(sentence)
    if parts is None:
        return False
    lead, tail = (folded_words(p) for p in parts)
    return is_commitment(parts[1]) or (0 < len(lead) <= 5 and len(tail) >= 5)


def _candidates(unit: _Unit) -> list[tuple[str, str]]:
    """(measure text, context text) pairs found in one unit, texts verbatim from the unit.

    Bullets and dash-led blocks are one measure each. In a paragraph, each sentence that commits
    to something or enumerates things gives its items; a sentence opened by an anaphora (``Cette
    contribution sera…``) extends the measure of the sentence before it.
    """
    text = unit.text
    if unit.kind == "heading":
        return []
    if unit.kind in ("bullet", "block"):
        return [(text, "")] if len(folded_words(text)) >= 2 else []
    spans: list[list] = []  # [start, end, context] in text
    cursor, extendable = 0, False
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        cursor = start + len(sentence)
        tokens = folded_words(sentence)
        if extendable and tokens and tokens[0] in _ANAPHORA:
            spans[-1][1] = cursor
            continue
        items = split_items(sentence)
        listed = colon_list(sentence) is not None or len(items) >= 3
        if not (listed or (len(items) == 2 and is_commitment(sentence)) or _keeps_whole(sentence)):
            extendable = False
            continue
        context = sentence if len(items) > 1 else ""
        item_cursor = start
        for item in items:
            item_start = text.find(item, item_cursor)
            item_cursor = item_start + len(item)
            if len(folded_words(item)) >= 2 or len(items) > 2:
                spans.append([item_start, item_cursor, context])
        extendable = len(items) == 1
    return [(text[a:b], context) for a, b, context in spans]


def _all_candidates(units: list[_Unit]) -> list[list[tuple[str, str]]]:
    """Candidates of every unit, plus two rules that need the neighbours.

    - a heading that opens with an infinitive (``## Former et embaucher ici…``) is also a measure;
    - a line with no final punctuation between two paragraphs that hold measures is a measure too:
      lists of proposals mix action lines with nominal ones (``Restaurant universitaire le soir…``).
    """
    found = [_candidates(u) for u in units]
    for k, unit in enumerate(units):
        n_words = len(folded_words(unit.text))
        if unit.kind == "heading" and n_words >= 4 and starts_with_infinitive(unit.text):
            found[k] = [(unit.text, "")]
        elif (
            unit.kind == "para"
            and not found[k]
            and 0 < k < len(units) - 1
            and units[k - 1].kind == units[k + 1].kind == "para"
            and found[k - 1]
            and found[k + 1]
            and 3 <= n_words <= 30
            and not unit.text.rstrip().endswith(_TERMINAL)
        ):
            found[k] = [(unit.text, "")]
    return found


def _slug(text: str, words: int = 6) -> str:
    stop = {"de", "des", "du", "la", "le", "les", "l", "d", "un", "une", "et", "a", "au", "aux", "en", "pour", "nous"}
    kept = [w for w in folded_words(text) if w not in stop][:words]
    return "-".join(kept) or "mesure"


def _title(quote: str, max_words: int = 12) -> str:
    """Draft title: the quote's first sentence, cut to ``max_words`` words, capitalised."""
    words = split_sentences(quote)[0].rstrip(" .:;,!…").split()
    title = " ".join(words[:max_words]) + (" …" if len(words) > max_words else "")
    return title[:1].upper() + title[1:]


def propose_target(themes: list[str], text: str) -> dict | None:
    """Draft target of a measure from its themes and words, or None when no place is recognised.

    Among the first two themes: chaleur → hot climate zones in the QPV; inondation → flood zones
    (medium or high scenario) across the commune; vélo → protected cycle facilities, residents
    within 300 m. Then commerce (any rank) with a vacancy word (vacant, vide, inoccupé, vitrine,
    friche) → empty shop fronts; commerce as first theme → all shops; a mention of the priority
    neighbourhoods → their residents.
    """
    folded = flat(text)
    first = themes[0] if themes else None
    if "chaleur" in themes[:2]:
        return {"layer": "heat", "select": "chaud", "scope": "qpv"}
    if "inondation" in themes[:2]:
        return {"layer": "flood", "select": "moyen_ou_fort", "scope": "commune"}
    if "mobilite_cyclable" in themes[:2]:
        return {"layer": "cycle", "select": "protege", "scope": "commune", "buffer_m": 300}
    if "commerce" in themes and _VACANCY.search(folded):
        return {"layer": "shops", "select": "vacant", "scope": "commune"}
    if first == "commerce":
        return {"layer": "shops", "select": "tous", "scope": "commune"}
    if _QPV.search(folded):
        return {"layer": "qpv", "select": "tous", "scope": "qpv"}
    return None


def extract_figures(text: str) -> dict[str, float]:
    """Numbers the text gives, keyed by what they count (``200 jeunes`` → ``{jeunes: 200}``).

    ``%`` gives ``pourcent``, ``€`` gives ``euros`` (``euros_par_an`` with ``/an``); years
    (1900–2100 with no unit) are skipped. Keys are folded words.
    """
    figures: dict[str, float] = {}
    for match in _FIGURE.finditer(text):
        number, unit, per_year, word = match.groups()
        value = float(re.sub(r"\D", "", number)) if "," not in number else float(number.replace(",", "."))
        if unit is None and 1900 <= value <= 2100 and re.fullmatch(r"\d{4}", number):
            continue
        if unit == "%":
            key = "pourcent"
        elif unit:
            value *= {"k€": 1e3, "M€": 1e6}.get(unit, 1)
            key = "euros_par_an" if per_year else "euros"
        else:
            following = folded_words(text[match.start(4) :])[:3] if word else []
            following = [w for w in following if w not in _FIGURE_SKIP_WORDS]
            if not following or following[0].isdigit():
                continue
            key = following[0]
        figures.setdefault(key, int(value) if value.is_integer() else value)
    return figures


def _push_heading(stack: list[tuple[int | None, str]], unit: _Unit) -> None:
    """Update the headings above the current text.

    Markdown headings nest by level (``##`` replaces the previous ``##`` and everything under it).
    Plain-text headings have no level: the last two are kept, since "Nos solutions" under "Mieux se
    déplacer" still speaks of mobility.
    """
    if unit.level is None:
        plain = [i for i, (level, _) in enumerate(stack) if level is None]
        if len(plain) >= 2:
            del stack[plain[0]]
    else:
        stack[:] = [(level, text) for level, text in stack if level is not None and level < unit.level]
    stack.append((unit.level, unit.text))


def import_programme(text: str, *, territory: str, source_name: str) -> dict:
    """Draft a programme (the YAML as a dict) from the text of a programme.

    The text is cut into headings, paragraphs, bullets and dash-led blocks; bullets and blocks are
    one measure each; in paragraphs, every sentence that commits to an action (see
    :func:`pipelines._text.is_commitment`) or enumerates several things is a measure, split into
    its items (:func:`pipelines._text.split_items`). Each measure gets themes from the French
    keyword classifier (own words first, then the enclosing sentence and the last two headings),
    the words that matched (``theme_evidence``), a target proposed from its themes
    (:func:`propose_target`) or a ``non_spatial_reason``, the figures it gives, ``same_as`` when it
    repeats an earlier measure, and ``draft: true``: everything but the quote is a guess.

    Parameters
    ----------
    text : str
        The programme (plain text or markdown; ``\\r\\n`` accepted).
    territory : str
        Territory id the programme applies to.
    source_name : str
        Seed file name recorded as ``source``.

    Returns
    -------
    dict
        ``{id, title, territory, source, kind, draft, measures: [...]}``; the kind is guessed too
        (``contrat_de_ville`` when the opening speaks of one, else ``programme_electoral``).

    Raises
    ------
    CartopolisError
        If a quote is not verbatim in the normalised text (a bug: checked before returning).
    """
    lines = [line.replace("**", "") for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    normalised, line_start = [], []
    position = 0
    for line in lines:
        piece = normalise_quote(line)
        line_start.append(position)
        if piece:
            normalised.append(piece)
            position += len(piece) + 1
    norm_text = " ".join(normalised)

    measures: list[dict] = []
    ids: set[str] = set()
    id_counts: dict[str, int] = {}
    seen_sentences: dict[str, str] = {}
    headings: list[tuple[int | None, str]] = []
    title = None
    units = _units(lines)
    for unit, candidates in zip(units, _all_candidates(units), strict=True):
        if unit.kind == "heading":
            title = title or normalise_quote(unit.text)
        if not candidates:
            if unit.kind == "heading":
                _push_heading(headings, unit)
            continue
        unit_norm = normalise_quote(unit.text)
        base = norm_text.find(unit_norm, line_start[unit.first_line])
        cursor = 0
        section = " ".join(text for _, text in headings)
        for candidate, context in candidates:
            quote = normalise_quote(candidate).strip(" :-–—")
            offset = unit_norm.find(quote, cursor)
            if base < 0 or offset < 0 or not quote:
                continue
            cursor = offset
            if not norm_text.startswith(quote, base + offset):
                raise CartopolisError(f"{source_name}: internal error, quote not verbatim: « {quote[:80]} »")
            themes, evidence = classify(quote, f"{context} {section}")
            key = flat(quote)
            sentences = [flat(sentence) for sentence in split_sentences(quote)]
            # a repeat: the same words as an earlier measure, or only sentences already quoted
            repeated = seen_sentences.get(key)
            if repeated is None and all(sentence in seen_sentences for sentence in sentences):
                repeated = seen_sentences[sentences[0]]
            measure_id = base_id = _slug(quote)
            while measure_id in ids:
                id_counts[base_id] = id_counts.get(base_id, 1) + 1
                measure_id = f"{base_id}-{id_counts[base_id]}"
            ids.add(measure_id)
            measure: dict = {"id": measure_id, "title": _title(quote), "quote": quote, "themes": themes}
            measure["theme_evidence"] = evidence
            target = propose_target(themes, quote)
            if target:
                measure["target"] = target
            else:
                measure["non_spatial_reason"] = _NO_PLACE
            figures = extract_figures(quote)
            if figures:
                measure["figures"] = figures
            if repeated:
                measure["same_as"] = repeated
            if headings:
                measure["section"] = normalise_quote(headings[-1][1])
            measure["draft"] = True
            measures.append(measure)
            for sentence in sentences:
                seen_sentences.setdefault(sentence, measure_id)
            seen_sentences.setdefault(key, measure_id)
        if unit.kind == "heading":
            _push_heading(headings, unit)
    return {
        "id": _slug(Path(source_name).stem, 5),
        "title": title or Path(source_name).stem,
        "territory": territory,
        "source": source_name,
        "kind": "contrat_de_ville" if "contrat de ville" in flat(text[:5000]) else "programme_electoral",
        "draft": True,
        "measures": measures,
    }


_PLAIN = re.compile(r"[a-z0-9][a-z0-9_\-]*")


def _scalar(value: object) -> str:
    """One YAML scalar: identifiers plain, numbers and booleans as such, other text double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return "null"
    text = str(value)
    if _PLAIN.fullmatch(text) and text not in ("true", "false", "null", "yes", "no", "on", "off"):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar


def _inline(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return _scalar(value)


def dump_programme(programme: dict) -> str:
    """YAML text of a programme dict: keys in their given order, one measure field per line.

    Written by hand rather than with PyYAML's emitter, which takes tens of seconds on the draft
    of a 5 MB text; the result is read back by :func:`yaml.safe_load` (checked in the tests).
    """
    out = []
    for key, value in programme.items():
        if key in ("measures", "collectifs") and isinstance(value, list):
            out.append(f"{key}:" if value else f"{key}: []")
            for item in value:
                for n, (field_name, field_value) in enumerate(item.items()):
                    out.append(f"{'  - ' if n == 0 else '    '}{field_name}: {_inline(field_value)}")
        else:
            out.append(f"{key}: {_inline(value)}")
    return "\n".join(out) + "\n"


def import_programme_file(path: Path, *, territory: str, out: Path) -> Path:
    """Read a programme text file, draft it with :func:`import_programme`, write the YAML atomically.

    Encoding: UTF-8 (BOM stripped); a file that is not UTF-8 is decoded as cp1252/Latin-1 only when
    the result reads as French text, otherwise a :class:`~pipelines.errors.CartopolisError` names
    the file; a binary file (NUL bytes) is refused (see :func:`pipelines._text.decode_text`).

    Returns
    -------
    Path
        ``out``.
    """
    from .catalog import Catalog
    from .store import atomic_path  # the store pulls geopandas: import it only when writing

    Catalog.load().territory(territory)  # an unknown territory id fails here, before any work
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CartopolisError(f"{path}: cannot read ({exc.strerror})") from None
    draft = import_programme(decode_text(data, str(path)), territory=territory, source_name=path.name)
    header = (
        f"# Brouillon importé de {path.name} le {time.strftime('%Y-%m-%d')} : tout sauf les citations est deviné\n"
        "# (draft: true). Relire titres, thèmes et cibles, puis retirer draft et lancer check-programmes.\n"
    )
    with atomic_path(Path(out)) as tmp:
        tmp.write_text(header + dump_programme(draft), "utf-8")
    return Path(out)


# -- evaluation -------------------------------------------------------------------------------
def _overlap(gold_words: list[str], draft_words: list[str]) -> int:
    """Words of the longest common run: two quotes of one text overlap on a contiguous stretch."""
    match = SequenceMatcher(None, gold_words, draft_words, autojunk=False).find_longest_match()
    return match.size


def evaluate_import(draft: dict | Programme, gold: Programme) -> dict:
    """Compare an imported draft with a curated programme.

    A curated measure is *recovered* when some imported quote shares a contiguous run of at least
    half of its words (folded). Its best match is the imported measure with the longest run (ties:
    the shortest quote, the most specific); the theme *agrees* when that measure's first theme is
    one of the curated themes.

    Returns
    -------
    dict
        ``gold`` (curated measures), ``imported``, ``recovered``, ``recall`` (share 0–1),
        ``theme_agreement`` (share 0–1 of the recovered), ``missed`` (curated ids not recovered),
        ``disagreements`` (curated id → (curated themes, imported first theme)).
    """
    items = draft.measures if isinstance(draft, Programme) else draft.get("measures", [])
    imported = [
        (
            folded_words(m.quote if isinstance(m, Measure) else m["quote"]),
            list(m.themes if isinstance(m, Measure) else m["themes"]),
        )
        for m in items
    ]
    recovered, agree, missed, disagreements = 0, 0, [], {}
    for measure in gold.measures:
        words = folded_words(measure.quote)
        best = max(((_overlap(words, quote), -len(quote), themes) for quote, themes in imported), default=(0, 0, []))
        if not words or best[0] * 2 < len(words):
            missed.append(measure.id)
            continue
        recovered += 1
        first = best[2][0] if best[2] else None
        if first in measure.themes:
            agree += 1
        else:
            disagreements[measure.id] = (list(measure.themes), first)
    total = len(gold.measures)
    return {
        "gold": total,
        "imported": len(imported),
        "recovered": recovered,
        "recall": recovered / total if total else 0.0,
        "theme_agreement": agree / recovered if recovered else 0.0,
        "missed": missed,
        "disagreements": disagreements,
    }
