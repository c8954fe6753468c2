"""What every reader shares: finding files, fingerprints, findings, rejections, header names.

Raw files are only ever opened for reading (`open(path, "rb")`); nothing here writes, moves or
deletes anything under the raw folder.
"""

from __future__ import annotations

import hashlib
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


@dataclass
class SourceFile:
    """A raw file: where it is and how it is named relative to the raw folder."""

    path: Path
    rel: str  # relative to the raw folder, forward slashes
    sha256: str = ""
    size: int = 0

    def read_bytes(self) -> bytes:
        with open(self.path, "rb") as handle:  # read-only, always
            return handle.read()


@dataclass
class Parsed:
    """What a reader hands to its loader for an accepted file."""

    rows_read: int
    payload: object
    findings: list[Finding] = field(default_factory=list)


def sha256_of(path: Path, chunk: int = 1 << 20) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def is_ignored(path: Path) -> bool:
    """Hidden files, Office lock files (`~$x.xlsx`) and partial copies are not deliveries."""
    name = path.name
    return name.startswith((".", "~$")) or name.endswith((".partial", ".tmp"))


def list_files(folder: Path, raw_root: Path, recursive: bool = True) -> list[SourceFile]:
    """Every delivered file under `folder`, sorted by relative path."""
    if not folder.is_dir():
        return []
    candidates = folder.rglob("*") if recursive else folder.iterdir()
    files = [
        SourceFile(path=p, rel=p.relative_to(raw_root).as_posix())
        for p in candidates
        if p.is_file() and not is_ignored(p) and not _in_hidden_folder(p, folder)
    ]
    return sorted(files, key=lambda f: f.rel)


def _in_hidden_folder(path: Path, folder: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(folder).parts[:-1])


def norm_header(name: object) -> str:
    """Column/sheet/field name as compared: no BOM, trimmed, lower case, spaces/hyphens as `_`."""
    text = "" if name is None else str(name)
    text = text.replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def describe_rows(rows: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")
