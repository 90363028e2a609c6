"""Find the files of an official delivery wherever they sit: in a zip, in a folder, or given directly.

Official deliveries nest their layers in folders whose names change from one département or
vintage to the next (``FRF_TRI_PERI/n_tri_peri_inondable_01_01for_s_024.shp``), so readers look
files up by a regular expression on their base name, never by a hard-coded path. Members are
returned as URIs that GDAL (pyogrio, rasterio) reads directly (``/vsizip/…`` for a zip), so
nothing is extracted to disk.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import SourceFormatError


@dataclass(frozen=True)
class Archive:
    """A zip, a folder or a single file, seen as a list of member names (POSIX, relative).

    Attributes
    ----------
    root : Path
        The zip file, or the folder (for a single file: its folder).
    names : tuple of str
        Member paths relative to ``root`` (for a single file: itself and the files sharing its
        stem, so that a shapefile's ``.prj`` is found).
    kind : str
        ``zip``, ``folder`` or ``file``.
    """

    root: Path
    names: tuple[str, ...]
    kind: str

    def find(self, pattern: str | re.Pattern) -> list[str]:
        """Members whose base name matches ``pattern`` (``re.fullmatch``), sorted.

        A string pattern is compiled case-insensitively: official names mix ``01For`` and ``01for``.
        """
        regex = re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern
        return sorted(n for n in self.names if regex.fullmatch(PurePosixPath(n).name))

    def uri(self, name: str) -> str:
        """A path GDAL can open for member ``name``."""
        if self.kind == "zip":
            return f"/vsizip/{self.root.resolve().as_posix()}/{name}"
        return str(self.root / name)

    def sibling(self, name: str, suffix: str) -> str | None:
        """The member next to ``name`` with another extension (``.prj``, any case), or None."""
        stem = PurePosixPath(name).with_suffix("").as_posix().lower()
        wanted = stem + suffix.lower()
        return next((n for n in self.names if n.lower() == wanted), None)

    def where(self, name: str) -> str:
        """Human-readable location of a member, for error messages."""
        return f"{self.root}!{name}" if self.kind == "zip" else self.uri(name)


def open_archive(path: str | Path) -> Archive:
    """List the members of a zip, a folder (recursively) or a single file.

    Raises
    ------
    SourceFormatError
        When the path does not exist or a ``.zip`` is not a readable zip (message names the file).
    """
    path = Path(path)
    if path.is_dir():
        names = tuple(sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()))
        return Archive(path, names, "folder")
    if not path.is_file():
        raise SourceFormatError(f"`{path}` does not exist; expected a zip, a folder or a file")
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = tuple(sorted(i.filename for i in archive.infolist() if not i.is_dir()))
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceFormatError(f"`{path}`: unreadable zip ({exc})") from None
        return Archive(path, names, "zip")
    if path.suffix.lower() == ".zip":
        raise SourceFormatError(f"`{path}` is not a valid zip file (corrupt or truncated download?)")
    stem = path.stem.lower()
    names = tuple(sorted(p.name for p in path.parent.iterdir() if p.is_file() and p.stem.lower() == stem))
    return Archive(path.parent, names, "file")
