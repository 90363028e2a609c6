"""``check-programmes``: every programme YAML against the vocabularies and its seed text.

The file is first read as the app reads it (:func:`pipelines.measures.read_programme_data`:
size cap, no aliases, bounded nesting, typed structure); a file the app would leave out is
reported in one line, and only a file that loads is checked item by item.
"""

from __future__ import annotations

from pathlib import Path

from . import safe_yaml, settings
from ._text import normalise_quote
from .measures import (
    KINDS,
    SCOPES,
    SELECTIONS,
    THEMES,
    ProgrammeFileError,
    programme_from_data,
    quote_in_seed,
    read_programme_data,
    yaml_files,
)


def _known_territories() -> set[str] | None:
    """Territory ids of ``territories.yaml``, or None when it cannot be read (then not checked)."""
    try:
        data = safe_yaml.load(safe_yaml.read_text(settings.TERRITORIES_FILE))
        return {str(t["id"]) for t in data["territories"]}
    except (OSError, UnicodeDecodeError, safe_yaml.yaml.YAMLError, KeyError, TypeError):
        return None


def _target_problems(raw: dict) -> list[str]:
    layer, select, scope = raw.get("layer"), raw.get("select"), raw.get("scope")
    problems = []
    if layer not in SELECTIONS:
        problems.append(f"unknown target layer `{layer}` (expected one of {', '.join(SELECTIONS)})")
    elif select not in SELECTIONS[layer]:
        problems.append(f"unknown selection `{select}` for layer {layer} (expected {', '.join(SELECTIONS[layer])})")
    if scope not in SCOPES:
        problems.append(f"unknown scope `{scope}` (expected one of {', '.join(SCOPES)})")
    buffer = raw.get("buffer_m")
    if buffer is not None and (isinstance(buffer, bool) or not isinstance(buffer, (int, float)) or buffer < 0):
        problems.append(f"buffer_m must be a non-negative number of metres, not `{buffer}`")
    unknown = set(raw) - {"layer", "select", "scope", "buffer_m"}
    if unknown:
        problems.append(f"unknown target keys {sorted(map(str, unknown))}")
    return problems


def _measure_problems(raw: dict, seed: str | None) -> list[str]:
    problems = []
    if not str(raw.get("title") or "").strip():
        problems.append("missing title")
    quote = str(raw.get("quote") or "")
    if not quote.strip():
        problems.append("missing quote")
    elif seed is not None and not quote_in_seed(quote, seed):
        problems.append(f"quote not found verbatim in the seed: « {normalise_quote(quote)[:80]} »")
    themes = raw.get("themes")
    if not themes or not isinstance(themes, list):
        problems.append("themes must be a non-empty list")
    else:
        problems += [f"unknown theme `{t}`" for t in themes if t not in THEMES]
    target = raw.get("target")
    if target is not None:  # a mapping with layer, select and scope (programme_from_data)
        problems += _target_problems(target)
    elif not raw.get("non_spatial_reason") and not raw.get("same_as"):
        problems.append("no target and no non_spatial_reason")
    if raw.get("draft"):
        problems.append("still a draft (draft: true): review it, then remove draft")
    figures = raw.get("figures")
    if figures is not None and not isinstance(figures, dict):
        problems.append("figures must be a mapping name: number")
    return problems


def _collective_problems(raw: dict, seed: str | None) -> list[str]:
    problems = [f"missing {key}" for key in ("name", "commune", "quote") if not str(raw.get(key) or "").strip()]
    insee = str(raw.get("insee") or "")
    if not (len(insee) == 5 and insee[:2].isalnum() and insee[2:].isdigit()):
        problems.append(f"insee must be a 5-character INSEE code, not `{insee}`")
    quote = str(raw.get("quote") or "")
    if quote.strip() and seed is not None and not quote_in_seed(quote, seed):
        problems.append(f"quote not found verbatim in the seed: « {normalise_quote(quote)[:80]} »")
    return problems


def _seed_text(path: Path) -> tuple[str | None, str | None]:
    """(text, None) of a programme's source file, or (None, problem) when it cannot be read.

    Read by the importer's own reader, so a source may be a text, PDF, HTML or Word file and its
    quotes are compared with the same text the importer quoted from.
    """
    from .importer.readers import read_document  # lazy: the importer pulls its format libraries
    from .importer.refusals import ImportRefused

    try:
        return read_document(path.read_bytes(), path.name), None
    except OSError as exc:
        return None, f"seed file `{path.name}` cannot be read ({exc.strerror or exc})"
    except ImportRefused as exc:
        return None, f"seed file unreadable, quotes not checked: {exc}"


def _programme_problems(data: dict, seeds: Path, territories: set[str] | None) -> list[tuple[str, str]]:
    """(item id, problem) pairs for one parsed programme file; ``-`` is the programme itself."""
    out: list[tuple[str, str]] = []
    kind = data.get("kind")
    if kind not in KINDS:
        out.append(("-", f"unknown kind `{kind}` (expected one of {', '.join(KINDS)})"))
    for key in ("id", "title", "source"):
        if not data.get(key):
            out.append(("-", f"missing top-level `{key}`"))
    seed = None
    if data.get("source"):
        seed_path = seeds / str(data["source"])
        if seed_path.is_file():
            seed, problem = _seed_text(seed_path)
            out += [("-", problem)] if problem else []
        else:
            out.append(("-", f"seed file `{data['source']}` not found in {seeds}"))
    named = ([data["territory"]] if data.get("territory") else []) + list(data.get("applies_to") or [])
    if kind in ("programme_electoral", "contrat_de_ville") and not data.get("territory"):
        out.append(("-", f"a {kind} needs a territory"))
    if territories is not None:
        out += [("-", f"unknown territory `{t}` (not in territories.yaml)") for t in named if t not in territories]
    items_key = "collectifs" if kind == "collectifs" else "measures"
    items = data.get(items_key)
    if not isinstance(items, list) or not items:
        out.append(("-", f"`{items_key}:` must be a non-empty list"))
        return out
    seen: set[str] = set()
    for index, raw in enumerate(items):
        if not isinstance(raw, dict) or not raw.get("id"):
            out.append((f"#{index + 1}", "missing id"))
            continue
        item_id = str(raw["id"])
        if item_id in seen:
            out.append((item_id, "duplicate id"))
        seen.add(item_id)
        check = _collective_problems if kind == "collectifs" else _measure_problems
        out += [(item_id, problem) for problem in check(raw, seed)]
    for raw in items:
        linked = raw.get("same_as") if isinstance(raw, dict) else None
        if linked is not None and (linked not in seen or linked == raw.get("id")):
            out.append((str(raw.get("id")), f"same_as `{raw['same_as']}` points to no other measure"))
    return out


def check_programmes(folder: Path | None = None, seeds: Path | None = None) -> list[str]:
    """Check every programme YAML of ``folder`` against the vocabularies and its seed text.

    Parameters
    ----------
    folder : Path, optional
        Folder of ``*.yaml`` programmes (default ``geodata/programmes``).
    seeds : Path, optional
        Folder of the seed texts (default :func:`pipelines.settings.seeds_dir`).

    Returns
    -------
    list of str
        One line per problem, ``"<file>: <measure id>: <what is wrong>"`` (``-`` for the
        programme itself): YAML syntax, unknown kind, missing seed, quote not verbatim, unknown
        theme / layer / selection / scope, neither target nor ``non_spatial_reason``, duplicate
        measure id, programme id used by two files, ``same_as`` pointing nowhere, unknown
        territory, measure still marked ``draft: true``. A measure with ``same_as`` inherits the
        place of the one it repeats, so it needs neither target nor reason. Empty when all is well.
    """
    folder = Path(folder) if folder is not None else settings.PROGRAMMES_DIR
    seeds = Path(seeds) if seeds is not None else settings.seeds_dir()
    if not folder.is_dir():
        return [f"{folder}: -: programmes folder not found"]
    territories = _known_territories()
    problems: list[str] = []
    owners: dict[str, str] = {}
    for path in yaml_files(folder):
        try:
            data = read_programme_data(path)
            programme_from_data(data, path)
        except ProgrammeFileError as exc:  # the app leaves this file out: one line says why
            problems.append(f"{path.name}: -: {exc.reason}")
            continue
        pid = str(data.get("id"))
        if pid in owners:
            problems.append(f"{path.name}: -: programme id `{pid}` already used by {owners[pid]}")
        owners.setdefault(pid, path.name)
        problems += [f"{path.name}: {item}: {what}" for item, what in _programme_problems(data, seeds, territories)]
    return problems
