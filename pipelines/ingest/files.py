"""What every reader shares: finding files, fingerprints, findings, rejections, header names.

Raw files are only ever opened for reading (`open(path, "rb")`); nothing here writes, moves or
deletes anything under the raw folder.

Symbolic links: a link to a file inside the raw folder is read as that file, under the link's
name. A link that leads out of the raw folder (or nowhere) is not followed: it is listed with a
`refused` reason, which the load turns into an F1 finding without opening it. Links to folders
are never descended into and get an F1 finding too, wherever they lead: a folder inside the raw
folder is read where it really is (if that is a folder the load reads), never under the link's
name, and a run that silently left out `register/2023-12-31 -> 2022-12-31` would look complete.
The final open uses O_NOFOLLOW, so a file swapped for a link after the listing is not followed
either.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

KIND_REGISTER = "register"
KIND_AGREEMENT = "agreement"
KIND_TARGET = "target"
KIND_REFERENCE = "reference"


@dataclass(frozen=True)
class Finding:
    """A row of raw.load_findings. File-level findings have `source_row` None."""

    check_code: str
    severity: str  # error | warning
    entity: str
    detail: str
    source_file: str
    source_row: int | None = None


class FileRejected(Exception):
    """A file that cannot be used (F1, F2, F3). The message names file, row and column."""

    def __init__(self, code: str, message: str, rows_read: int = 0):
        super().__init__(message)
        self.code = code
        self.message = message
        self.rows_read = rows_read

    def __reduce__(self):  # from a worker process (load_log): Exception's own pickling keeps only the message
        return FileRejected, (self.code, self.message, self.rows_read)


@dataclass
class SourceFile:
    """A raw file: where it is and how it is named relative to the raw folder."""

    path: Path  # for a link inside the raw folder: the file it leads to
    rel: str  # relative to the raw folder, forward slashes
    sha256: str = ""
    size: int = 0
    refused: str | None = None  # why the file is not opened at all (a link out of the raw folder)

    def read_bytes(self) -> bytes:
        with open_raw(self.path) as handle:
            return handle.read()


def open_raw(path: Path):
    """Open a raw file read-only, never through a symbolic link (see module doc)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags), "rb")


@dataclass
class Parsed:
    """What a reader hands to its loader for an accepted file."""

    rows_read: int
    payload: object
    findings: list[Finding] = field(default_factory=list)


def sha256_of(path: Path, chunk: int = 1 << 20) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open_raw(path) as handle:
        while block := handle.read(chunk):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def is_ignored(path: Path) -> bool:
    """Hidden files, Office lock files (`~$x.xlsx`) and partial copies are not deliveries."""
    name = path.name
    return name.startswith((".", "~$")) or name.endswith((".partial", ".tmp"))


def list_files(folder: Path, raw_root: Path, recursive: bool = True) -> list[SourceFile]:
    """Every delivered file under `folder`, sorted by relative path (links: see module doc)."""
    if not folder.is_dir():
        return []
    root = raw_root.resolve()
    if folder.is_symlink() or root not in folder.resolve().parents:
        # e.g. data/raw/agreements itself a link: only what really lies under data/raw/ is read
        source = _source(folder, raw_root, root)
        return [source] if source is not None and source.refused else []
    files: list[SourceFile] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        # os.walk lists a link to a folder among the folders and, without followlinks, never enters it
        names = filenames + [d for d in dirnames if (here / d).is_symlink()]
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
        for name in names:
            path = here / name
            if is_ignored(path):
                continue
            source = _source(path, raw_root, root)
            if source is not None:
                files.append(source)
    return sorted(files, key=lambda f: f.rel)


def _source(path: Path, raw_root: Path, root: Path) -> SourceFile | None:
    rel = display_name(path.relative_to(raw_root).as_posix())
    if not path.is_symlink():
        return SourceFile(path=path, rel=rel) if path.is_file() else None
    target = path.resolve()  # follows the whole chain, without opening anything
    inside = target == root or root in target.parents
    if not target.exists():
        return SourceFile(path=path, rel=rel, refused=f"{rel}: a symbolic link to nothing (not followed)")
    if not inside:
        return SourceFile(
            path=path, rel=rel,
            # where it leads is not said: findings reach the reports, the machine's paths should not
            refused=f"{rel}: a symbolic link that leads out of data/raw/: not followed, not read; "
                    "put the file itself in data/raw/",
        )
    if target.is_dir():
        # a folder inside the raw folder: refused, not left out silently (see module doc)
        where = target.relative_to(root).as_posix() if target != root else "."
        return SourceFile(
            path=path, rel=rel,
            refused=f"{rel}: a symbolic link to the folder {display_name(where)}/ inside data/raw/: not "
                    "followed, its files are not read under this name (only where they really are); "
                    "put the files themselves in this folder",
        )
    return SourceFile(path=target, rel=rel) if target.is_file() else None


def display_name(text: str) -> str:
    """A path as stored and shown: bytes that are not UTF-8 (a name from a foreign system) as \\xNN,
    so every name can be written to the database and printed; other names are unchanged."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def norm_header(name: object) -> str:
    """Column/sheet/field name as compared: no BOM, trimmed, lower case, spaces/hyphens as `_`."""
    text = "" if name is None else str(name)
    text = text.replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def describe_rows(rows: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")
