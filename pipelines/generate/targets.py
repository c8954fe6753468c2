"""Extra national targets as a file in `data/raw/targets/` (rows as in marts.national_targets)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

TARGET_COLUMNS = ("target_code", "description_nl", "indicator_code", "kind", "year_from", "year_to",
                  "target_value", "unit", "source")

# The June 2022 national agreements added targets up to 2030; the system must take them as rows.
NPA_2022_TARGETS = [
    dict(target_code="npa2022_sociale_huur_2030", indicator_code="nieuwbouw", kind="flow",
         description_nl="Nationale prestatieafspraken juni 2022: 250.000 sociale huurwoningen erbij "
                        "van 2022 tot en met 2030 (benaderd met de nieuwbouw van corporaties)",
         year_from="2022", year_to="2030", target_value="250000", unit="woningen",
         source="https://magazines.ilent.nl/staatvan/2022/01/beschikbaarheid"),
]


def render_targets(rows: list[dict], separator: str = ";") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=separator, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(TARGET_COLUMNS)
    for row in rows:
        w.writerow([row.get(c, "") for c in TARGET_COLUMNS])
    return buf.getvalue().encode("utf-8")


def write_targets(raw_dir: Path, name: str, rows: list[dict], separator: str = ";") -> str:
    folder = raw_dir / "targets"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(render_targets(rows, separator))
    return f"targets/{name}"
