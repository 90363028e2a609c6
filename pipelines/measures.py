"""Programmes and their measures: the YAML model and the verbatim check.

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
        section: "AXE 1 › Gérer avec sérieux"   # optional: where the measure sits in the text's outline
        draft: true                    # set by the importer on every measure it guessed

A ``collectifs`` file has ``collectifs:`` (id, name, commune, insee, quote) instead of ``measures:``.
Any other top-level key (dates, referenced documents…) is kept in :attr:`Programme.metadata`.

Public functions: :func:`load_programme`, :func:`parse_programme`, :func:`load_programmes`, :func:`programmes_for`,
:func:`check_programmes`, :func:`quote_in_seed`. The importer of new programme texts is
:mod:`pipelines.importer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import settings
from ._text import (
    normalise_quote,
)
from .errors import CartopolisError

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


#: Layers a measure can target (keys of :data:`SELECTIONS`).
TARGET_LAYERS: tuple[str, ...] = tuple(SELECTIONS)

_PROGRAMME_KEYS = ("id", "title", "territory", "applies_to", "source", "kind", "measures", "collectifs", "metadata")


# -- model ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """Where a measure acts: a named selection of a layer, within a scope, optionally "near" (m)."""

    layer: str
    select: str
    scope: str
    buffer_m: float | None = None


@dataclass(frozen=True)
class Measure:
    """One distinct action a programme commits to, quoted verbatim from its seed."""

    id: str
    title: str
    quote: str
    themes: tuple[str, ...] = ()
    target: Target | None = None
    figures: dict = field(default_factory=dict)
    non_spatial_reason: str | None = None
    same_as: str | None = None
    draft: bool = False
    section: str | None = None  # the outline path above the measure in its text (``A › B``)

    @property
    def spatial(self) -> bool:
        """True when the measure acts on a place (it has a target)."""
        return self.target is not None


@dataclass(frozen=True)
class Collective:
    """One local collective of the national map (kind ``collectifs``)."""

    id: str
    name: str
    commune: str
    insee: str
    quote: str


@dataclass(frozen=True)
class Programme:
    """A programme (or contract, or list of collectives) read from one YAML file."""

    id: str
    title: str
    kind: str
    source: str
    territory: str | None = None
    applies_to: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = ()
    metadata: dict = field(default_factory=dict)
    collectives: tuple[Collective, ...] = ()

    @property
    def territories(self) -> tuple[str, ...]:
        """Territory ids the programme applies to: its own territory, else ``applies_to``."""
        return (self.territory,) if self.territory else tuple(self.applies_to)

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id (KeyError naming the programme when absent)."""
        for item in self.measures:
            if item.id == measure_id:
                return item
        raise KeyError(f"programme `{self.id}` has no measure `{measure_id}`")


# -- loading ----------------------------------------------------------------------------------
def _read_yaml(path: Path) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CartopolisError(f"{path}: cannot read ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CartopolisError(f"{path}: invalid YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(data, dict):
        raise CartopolisError(f"{path}: expected a mapping at the top level (id, title, kind, measures…)")
    return data


def _target(raw: object, where: str) -> Target | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not {"layer", "select", "scope"} <= set(raw):
        raise CartopolisError(f"{where}: target must be a mapping with layer, select and scope")
    buffer = raw.get("buffer_m")
    return Target(str(raw["layer"]), str(raw["select"]), str(raw["scope"]), None if buffer is None else float(buffer))


def _measure(raw: object, where: str) -> Measure:
    if not isinstance(raw, dict) or "id" not in raw:
        raise CartopolisError(f"{where}: every measure must be a mapping with an id")
    where = f"{where}: {raw['id']}"
    themes = raw.get("themes") or []
    if isinstance(themes, str):
        themes = [themes]
    return Measure(
        id=str(raw["id"]),
        title=str(raw.get("title") or ""),
        quote=str(raw.get("quote") or ""),
        themes=tuple(str(t) for t in themes),
        target=_target(raw.get("target"), where),
        figures=dict(raw.get("figures") or {}),
        non_spatial_reason=raw.get("non_spatial_reason"),
        same_as=raw.get("same_as"),
        draft=bool(raw.get("draft", False)),
        section=None if raw.get("section") is None else str(raw["section"]),
    )


def _collective(raw: object, where: str) -> Collective:
    if not isinstance(raw, dict) or "id" not in raw:
        raise CartopolisError(f"{where}: every collective must be a mapping with an id")
    return Collective(
        id=str(raw["id"]),
        name=str(raw.get("name") or ""),
        commune=str(raw.get("commune") or ""),
        insee=str(raw.get("insee") or ""),
        quote=str(raw.get("quote") or ""),
    )


def _programme(data: dict, path: Path) -> Programme:
    for key in ("id", "kind"):
        if key not in data:
            raise CartopolisError(f"{path.name}: missing top-level `{key}`")
    metadata = dict(data.get("metadata") or {})
    metadata.update({k: v for k, v in data.items() if k not in _PROGRAMME_KEYS})
    applies = data.get("applies_to") or []
    return Programme(
        id=str(data["id"]),
        title=str(data.get("title") or data["id"]),
        kind=str(data["kind"]),
        source=str(data.get("source") or ""),
        territory=data.get("territory"),
        applies_to=tuple(str(t) for t in ([applies] if isinstance(applies, str) else applies)),
        measures=tuple(_measure(m, path.name) for m in data.get("measures") or []),
        metadata=metadata,
        collectives=tuple(_collective(c, path.name) for c in data.get("collectifs") or []),
    )


def parse_programme(data: dict, name: str) -> Programme:
    """A programme from its YAML mapping already in memory (``name`` is used in error messages).

    Same structure checks as :func:`load_programme` (the import screen reads drafts this way).
    """
    return _programme(data, Path(name))


def load_programme(path: Path) -> Programme:
    """Read one programme YAML file.

    Structure only is checked here (a mapping with ``id`` and ``kind``, measures with an id,
    targets with layer/select/scope); vocabularies and quotes are checked by
    :func:`check_programmes`.

    Raises
    ------
    CartopolisError
        Naming the file, on unreadable or malformed YAML.
    """
    path = Path(path)
    return _programme(_read_yaml(path), path)


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


def load_programmes(folder: Path | None = None) -> dict[str, Programme]:
    """Read every ``*.yaml`` of ``folder`` (default ``geodata/programmes``), keyed by programme id.

    Files are read in name order. A missing folder gives an empty dict; two files with the same
    programme id raise a :class:`~pipelines.errors.CartopolisError` naming both.
    """
    folder = Path(folder) if folder is not None else settings.PROGRAMMES_DIR
    if not folder.is_dir():
        return {}
    programmes: dict[str, Programme] = {}
    files: dict[str, str] = {}
    for path in _yaml_files(folder):
        programme = load_programme(path)
        if programme.id in programmes:
            raise CartopolisError(f"{path.name}: programme id `{programme.id}` already used by {files[programme.id]}")
        programmes[programme.id] = programme
        files[programme.id] = path.name
    return programmes


def programmes_for(territory_id: str, programmes: dict[str, Programme]) -> list[Programme]:
    """Programmes that apply to ``territory_id`` (own territory or ``applies_to``), in load order."""
    return [p for p in programmes.values() if territory_id in p.territories]


# -- verbatim quotes --------------------------------------------------------------------------
def quote_in_seed(quote: str, seed_text: str) -> bool:
    """True when ``quote`` occurs verbatim in ``seed_text`` once both are normalised.

    Normalisation (:func:`normalise_quote`) collapses whitespace and removes markdown ``**``;
    every other character, typographic apostrophes included, must match exactly. An empty quote
    is never found.
    """
    needle = normalise_quote(quote)
    return bool(needle) and needle in normalise_quote(seed_text)


# -- checking ---------------------------------------------------------------------------------
def _known_territories() -> set[str] | None:
    """Territory ids of ``territories.yaml``, or None when it cannot be read (then not checked)."""
    try:
        data = yaml.safe_load(settings.TERRITORIES_FILE.read_text(encoding="utf-8"))
        return {str(t["id"]) for t in data["territories"]}
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None


def _target_problems(raw: object) -> list[str]:
    if not isinstance(raw, dict):
        return ["target must be a mapping {layer, select, scope, buffer_m}"]
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
        problems.append(f"unknown target keys {sorted(unknown)}")
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
    if target is not None:
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
    from .importer.readers import read_document  # lazy: the importer imports this module's vocabularies
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
    for path in _yaml_files(folder):
        try:
            data = _read_yaml(path)
        except CartopolisError as exc:
            problems.append(f"{path.name}: -: {str(exc).removeprefix(f'{path}: ')}")
            continue
        pid = str(data.get("id"))
        if pid in owners:
            problems.append(f"{path.name}: -: programme id `{pid}` already used by {owners[pid]}")
        owners.setdefault(pid, path.name)
        problems += [f"{path.name}: {item}: {what}" for item, what in _programme_problems(data, seeds, territories)]
    return problems
