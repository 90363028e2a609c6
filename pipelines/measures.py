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

Public functions: :func:`load_programme`, :func:`read_programmes` (the dashboard's: a bad file
is left out, the others stay), :func:`load_programmes` (strict), :func:`programmes_for`,
:func:`check_programmes` (in :mod:`pipelines.programme_check`), :func:`quote_in_seed`. Files are
read through :mod:`pipelines.safe_yaml` (size cap, no aliases, bounded nesting). The importer
of new programme texts is :mod:`pipelines.importer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import safe_yaml, settings
from ._text import normalise_quote
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
    "population": {"tous": "habitants", "menages_pauvres": "ménages pauvres"},
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
class ProgrammeFileError(CartopolisError):
    """A programme file that cannot be loaded; ``reason`` says why, without the path."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


def read_programme_data(path: Path) -> dict:
    """The parsed YAML mapping of one programme file, read with :mod:`pipelines.safe_yaml`.

    Raises
    ------
    ProgrammeFileError
        When the file is unreadable, too large, uses anchors or aliases, nests too deeply, is
        not valid YAML, or is not a mapping.
    """
    path = Path(path)
    try:
        data = safe_yaml.load(safe_yaml.read_text(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgrammeFileError(path, f"cannot read ({exc})") from None
    except safe_yaml.UnsafeYAMLError as exc:
        raise ProgrammeFileError(path, f"refused YAML ({exc})") from None
    except yaml.YAMLError as exc:
        raise ProgrammeFileError(path, f"invalid YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(data, dict):
        raise ProgrammeFileError(path, "expected a mapping at the top level (id, title, kind, measures…)")
    return data


def _items(data: dict, key: str, where: str) -> list[dict]:
    """The list under ``key`` (``measures`` / ``collectifs``), each item a mapping with an id."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise CartopolisError(f"{where}: `{key}:` must be a list, not a {safe_yaml.kind_of(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("id"), safe_yaml.SCALARS):
            raise CartopolisError(f"{where}: {key} #{index + 1} must be a mapping with an id")
    return value


def _target(raw: object, where: str) -> Target | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not {"layer", "select", "scope"} <= set(raw):
        raise CartopolisError(f"{where}: target must be a mapping with layer, select and scope")
    buffer = raw.get("buffer_m")
    if buffer is not None and (isinstance(buffer, bool) or not isinstance(buffer, (int, float))):
        raise CartopolisError(f"{where}: buffer_m must be a number of metres, not `{str(buffer)[:40]}`")
    layer, select, scope = (safe_yaml.text(raw, key, where) for key in ("layer", "select", "scope"))
    return Target(str(layer), str(select), str(scope), None if buffer is None else float(buffer))


def _measure(raw: dict, where: str) -> Measure:
    where = f"{where}: {raw['id']}"
    figures = safe_yaml.mapping(raw, "figures", where)
    if not all(isinstance(v, (*safe_yaml.SCALARS, type(None))) for v in figures.values()):
        raise CartopolisError(f"{where}: `figures` must map names to numbers")
    return Measure(
        id=str(raw["id"]),
        title=safe_yaml.text(raw, "title", where) or "",
        quote=safe_yaml.text(raw, "quote", where) or "",
        themes=safe_yaml.texts(raw, "themes", where),
        target=_target(raw.get("target"), where),
        figures=dict(figures),
        non_spatial_reason=safe_yaml.text(raw, "non_spatial_reason", where),
        same_as=safe_yaml.text(raw, "same_as", where),
        draft=bool(raw.get("draft", False)),
        section=safe_yaml.text(raw, "section", where),
    )


def _collective(raw: dict, where: str) -> Collective:
    where = f"{where}: {raw['id']}"
    fields = {key: safe_yaml.text(raw, key, where) or "" for key in ("name", "commune", "insee", "quote")}
    return Collective(id=str(raw["id"]), **fields)


def programme_from_data(data: dict, path: Path) -> Programme:
    """The :class:`Programme` of one parsed file, its structure and types checked.

    Raises
    ------
    ProgrammeFileError
        Naming the file and the item: missing ``id``/``kind``, ``measures:`` not a list, a
        measure without id, a list or mapping where a text is expected, a malformed target.
    """
    path = Path(path)
    where = path.name
    try:
        for key in ("id", "kind"):
            if safe_yaml.text(data, key, where) is None:
                raise CartopolisError(f"{where}: missing top-level `{key}`")
        metadata = dict(safe_yaml.mapping(data, "metadata", where))
        metadata.update({k: v for k, v in data.items() if k not in _PROGRAMME_KEYS})
        return Programme(
            id=str(data["id"]),
            title=safe_yaml.text(data, "title", where) or str(data["id"]),
            kind=str(data["kind"]),
            source=safe_yaml.text(data, "source", where) or "",
            territory=safe_yaml.text(data, "territory", where),
            applies_to=safe_yaml.texts(data, "applies_to", where),
            measures=tuple(_measure(m, where) for m in _items(data, "measures", where)),
            metadata=metadata,
            collectives=tuple(_collective(c, where) for c in _items(data, "collectifs", where)),
        )
    except ProgrammeFileError:
        raise
    except CartopolisError as exc:
        raise ProgrammeFileError(path, str(exc).removeprefix(f"{where}: ")) from None


def load_programme(path: Path) -> Programme:
    """Read one programme YAML file (:func:`read_programme_data`, :func:`programme_from_data`).

    Structure and types only are checked here; vocabularies and quotes are checked by
    :func:`check_programmes`.

    Raises
    ------
    ProgrammeFileError
        Naming the file, on unreadable, refused or malformed YAML.
    """
    return programme_from_data(read_programme_data(path), path)


def yaml_files(folder: Path) -> list[Path]:
    """The ``*.yaml`` / ``*.yml`` files of ``folder`` in name order (hidden files left out)."""
    return sorted(p for p in Path(folder).iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


@dataclass(frozen=True)
class ProgrammeFiles:
    """What a programmes folder gave: the programmes that load, and the files left out."""

    programmes: dict[str, Programme]
    #: file name → why it was left out (no path: shown to the public)
    failures: dict[str, str]


def read_programmes(folder: Path | None = None) -> ProgrammeFiles:
    """Every programme of ``folder`` that loads; a bad file is left out, never the others.

    A file that cannot be loaded (:func:`load_programme`), or whose programme id an earlier
    file (in name order) already uses, is recorded in :attr:`ProgrammeFiles.failures`.
    """
    folder = Path(folder) if folder is not None else settings.PROGRAMMES_DIR
    programmes: dict[str, Programme] = {}
    failures: dict[str, str] = {}
    owners: dict[str, str] = {}
    for path in yaml_files(folder) if folder.is_dir() else []:
        try:
            programme = load_programme(path)
        except ProgrammeFileError as exc:
            failures[path.name] = exc.reason
            continue
        if programme.id in programmes:
            failures[path.name] = f"programme id `{programme.id}` already used by {owners[programme.id]}"
            continue
        programmes[programme.id] = programme
        owners[programme.id] = path.name
    return ProgrammeFiles(programmes, failures)


def load_programmes(folder: Path | None = None) -> dict[str, Programme]:
    """Read every ``*.yaml`` of ``folder`` (default ``geodata/programmes``), keyed by programme id.

    Files are read in name order. A missing folder gives an empty dict. Strict: the first file
    that :func:`read_programmes` leaves out raises a :class:`ProgrammeFileError` naming it (two
    files with the same programme id name both). The dashboard uses :func:`read_programmes`.
    """
    folder = Path(folder) if folder is not None else settings.PROGRAMMES_DIR
    result = read_programmes(folder)
    for name, reason in result.failures.items():
        raise ProgrammeFileError(folder / name, reason)
    return result.programmes


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
def check_programmes(folder: Path | None = None, seeds: Path | None = None) -> list[str]:
    """One line per problem of the programme files: see :func:`pipelines.programme_check.check_programmes`."""
    from .programme_check import check_programmes as check

    return check(folder, seeds)
