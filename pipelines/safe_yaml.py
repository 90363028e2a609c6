"""YAML read defensively: the one loader for programmes, sources and territories.

A YAML file is refused *before* any node is built when it is larger than :data:`MAX_BYTES`,
uses an anchor or an alias (``&x`` / ``*x``: the "billion laughs" expansion needs them, and no
Cartopolis file does), or nests collections deeper than :data:`MAX_DEPTH`. The check walks the
parser's flat event stream, which is iterative, so a 20,000-deep ``[[[[…`` is refused at
depth 33 instead of exhausting Python's recursion in the composer. Only then is the text built
with a safe loader (``yaml.SafeLoader`` or a subclass of it).

The refusal is a :class:`UnsafeYAMLError`, a :class:`yaml.YAMLError`, so callers that already
turn YAML syntax errors into their own message (naming the file) handle it the same way.
:func:`text`, :func:`texts` and :func:`mapping` read typed values out of the built data, so a
list where a text is expected is a :class:`~pipelines.errors.CartopolisError`, not a crash later.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml

from .errors import CartopolisError

#: Largest YAML text accepted, in bytes (the curated files are below 25 kB).
MAX_BYTES = 2_000_000
#: Deepest nesting of mappings and sequences accepted (the curated files reach 5).
MAX_DEPTH = 32

_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
#: Python types of YAML scalars (a date stays a date until turned to text).
SCALARS = (str, int, float, datetime.date)


class UnsafeYAMLError(yaml.YAMLError):
    """A YAML text refused before it is built: too large, too deeply nested, or with aliases."""


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark is not None else 0


def check_text(text: str, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> None:
    """Refuse ``text`` when it is too large, uses anchors or aliases, or nests too deeply.

    Parameters
    ----------
    text : str
        The YAML document.
    max_bytes, max_depth : int
        Size cap in bytes (UTF-8) and deepest nesting of collections.

    Raises
    ------
    UnsafeYAMLError
        Saying which limit was hit, and at which line.
    yaml.YAMLError
        On a syntax error met while scanning.
    """
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        raise UnsafeYAMLError(f"file too large ({size:,} bytes, at most {max_bytes:,} accepted)")
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise UnsafeYAMLError(f"line {_line(event)}: alias `*{event.anchor}` refused (write the value out)")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise UnsafeYAMLError(f"line {_line(event)}: anchor `&{anchor}` refused (write the value out)")
        if isinstance(event, _OPEN):
            depth += 1
            if depth > max_depth:
                raise UnsafeYAMLError(f"line {_line(event)}: nesting deeper than {max_depth} levels refused")
        elif isinstance(event, _CLOSE):
            depth -= 1


def load(text: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader, **limits: int) -> object:
    """Check ``text`` with :func:`check_text` (``limits``: ``max_bytes``, ``max_depth``), then build it.

    ``loader`` must be ``yaml.SafeLoader`` or a subclass (e.g. one that records line numbers).
    """
    check_text(text, **limits)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader, checked above


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of a YAML file, refused from its size on disk before it is read.

    Raises
    ------
    UnsafeYAMLError
        When the file is larger than ``max_bytes``.
    OSError, UnicodeDecodeError
        When it cannot be read as UTF-8.
    """
    size = Path(path).stat().st_size
    if size > max_bytes:
        raise UnsafeYAMLError(f"file too large ({size:,} bytes, at most {max_bytes:,} accepted)")
    return Path(path).read_text(encoding="utf-8")


# -- typed access to parsed values (errors name ``where``: file, item) ---------------------------
def kind_of(value: object) -> str:
    """A YAML-ish name of ``value``'s type for messages (``mapping``, ``list``, ``int``…)."""
    return {dict: "mapping", list: "list"}.get(type(value), type(value).__name__)


def text(raw: dict, key: str, where: str) -> str | None:
    """``raw[key]`` as text (None when absent); a list or mapping there is an error naming ``where``."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, SCALARS):
        return str(value)
    raise CartopolisError(f"{where}: `{key}` must be a text, not a {kind_of(value)}")


def texts(raw: dict, key: str, where: str) -> tuple[str, ...]:
    """``raw[key]`` as a tuple of texts (one text or a list of texts)."""
    value = raw.get(key)
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, SCALARS) for item in items):
        raise CartopolisError(f"{where}: `{key}` must be a text or a list of texts")
    return tuple(str(item) for item in items)


def mapping(raw: dict, key: str, where: str) -> dict:
    """``raw[key]`` as a mapping (empty when absent); anything else is an error naming ``where``."""
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CartopolisError(f"{where}: `{key}` must be a mapping, not a {kind_of(value)}")
    return value
