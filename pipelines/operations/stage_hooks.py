"""A test-only hook that pauses a run at a named stage, so a crash test can kill it right there.

`pause_point(name)` does nothing unless the environment variable `NPA_TEST_PAUSE_AT` equals
`name`. Then it writes `$NPA_TEST_PAUSE_DIR/<name>.reached` and sleeps until
`$NPA_TEST_PAUSE_DIR/<name>.release` exists (or the process is killed). A stage reached again
after its release file exists passes straight on.

Stages: `ingest.between_files`, `dbt.inside_build`, `publish.writing_release`,
`publish.before_swap` (see tests/test_crash_safety.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT = "NPA_TEST_PAUSE_AT"
PAUSE_DIR = "NPA_TEST_PAUSE_DIR"


def pause_requested(name: str) -> bool:
    return os.environ.get(PAUSE_AT) == name


def pause_point(name: str) -> None:
    if os.environ.get(PAUSE_AT) != name:
        return
    folder = Path(os.environ.get(PAUSE_DIR) or ".")
    release = folder / f"{name}.release"
    if release.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.reached").write_text(f"{os.getpid()}\n")
    while not release.exists():
        time.sleep(0.05)
