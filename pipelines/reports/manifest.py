"""manifest.json: what a report was made from, so anyone can check it later."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from pipelines.reports.model import ReportDocument


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def finding_counts(findings: list[dict[str, Any]]) -> dict[str, Any]:
    by_severity = Counter(f["severity"] for f in findings)
    by_check: dict[str, dict[str, Any]] = {}
    for f in findings:
        entry = by_check.setdefault(f["check_code"], {"severity": f["severity"], "count": 0})
        entry["count"] += 1
    return {
        "error": by_severity.get("error", 0),
        "warning": by_severity.get("warning", 0),
        "total": len(findings),
        "by_check": dict(sorted(by_check.items())),
    }


def build_manifest(*, doc: ReportDocument, as_of: dt.date, run_id: str, code_version: str,
                   input_files: list[tuple[str, str]], findings: list[dict[str, Any]],
                   outputs: dict[str, str], marts_db: Path, latest_snapshot: dt.date | None) -> dict[str, Any]:
    return {
        "report": doc.report,
        "title": f"{doc.title}: {doc.subtitle}",
        "as_of": as_of.isoformat(),
        "run_id": run_id,
        "code_version": code_version,
        "concept": doc.concept,
        "latest_register_snapshot": latest_snapshot.isoformat() if latest_snapshot else None,
        "marts_db": str(marts_db),
        "input_files": [{"path": str(p), "sha256": s} for p, s in sorted(input_files, key=lambda x: str(x[0]))],
        "findings": finding_counts(findings),
        "tables": [{"number": t.number, "sheet": t.sheet, "title": t.title, "rows": len(t.rows)} for t in doc.tables()],
        "charts": [{"number": c.number, "title": c.title} for c in doc.charts()],
        "outputs": outputs,
    }


def manifest_json(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
