"""A cheap fingerprint of what is in `data/raw/`: path, size and modification time of every file."""

from __future__ import annotations

import hashlib
from pathlib import Path


def raw_fingerprint(raw_dir: Path) -> str:
    digest = hashlib.sha256()
    if raw_dir.exists():
        for path in sorted(p for p in raw_dir.rglob("*") if p.is_file()):
            stat = path.stat()
            rel = path.relative_to(raw_dir).as_posix()
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
