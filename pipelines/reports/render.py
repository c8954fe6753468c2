"""`render_report`: one statutory report from the as-of marts into its output folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.reports.content import build_document
from pipelines.reports.html import render_html
from pipelines.reports.manifest import build_manifest, finding_counts, manifest_json
from pipelines.reports.pdf import start_pdf
from pipelines.reports.queries import open_marts
from pipelines.reports.texts import REPORTS
from pipelines.reports.workbook import render_workbook

OUTPUT_FILES = ("rapport.html", "rapport.pdf", "cijfers.xlsx", "manifest.json")


@dataclass(frozen=True)
class ReportResult:
    report: str
    as_of: dt.date
    out_dir: Path
    html: Path
    pdf: Path
    xlsx: Path
    manifest: Path
    concept: bool
    findings: dict[str, Any]
    n_tables: int
    n_charts: int
    sha256: dict[str, str] = field(default_factory=dict)
    pdf_warnings: list[str] = field(default_factory=list)  # Typst's, for the run log
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each step, for the run log

    def __str__(self) -> str:
        state = "CONCEPT" if self.concept else "definitief"
        return f"{self.out_dir} ({state}; {self.n_tables} tabellen, {self.n_charts} figuren)"


def render_report(report: str, as_of: dt.date, marts_db: Path, out_dir: Path, run_id: str,
                  input_files: list[tuple[str | Path, str]] | None, code_version: str) -> ReportResult:
    """Read the marts (schema `marts` in `marts_db`, opened read-only, built as of `as_of`) and write
    rapport.html, rapport.pdf, cijfers.xlsx and manifest.json into `out_dir`.

    `input_files`: (path, sha256) of every raw input the marts were built from; None takes them from
    `marts.load_log` (files loaded or unchanged). Raises `queries.MartsError` when the marts cannot
    make this report, KeyError for an unknown report name.
    """
    if report not in REPORTS:
        raise KeyError(f"unknown report {report!r}; known: {', '.join(REPORTS)}")
    marts_db = Path(marts_db)
    out_dir = Path(out_dir)
    clock = _Clock()
    with open_marts(marts_db) as marts:
        marts.assert_as_of(as_of)
        doc = build_document(marts, report, as_of, run_id, code_version)
        findings = marts.findings()
        latest = marts.latest_snapshot(as_of)
        files = [(str(p), s) for p, s in input_files] if input_files is not None else marts.input_files()
    clock.lap("content")

    html = render_html(doc, as_of, code_version)
    clock.lap("html")
    # Typst works on a thread of its own (it releases the GIL) while this one writes the workbook
    pending = start_pdf(doc, as_of, code_version)
    xlsx = render_workbook(doc, as_of, run_id, code_version)
    clock.lap("workbook")
    pdf, pdf_warnings = pending.result()
    clock.seconds["pdf"] = pending.seconds
    payloads = {"rapport.html": html.encode("utf-8"), "rapport.pdf": pdf, "cijfers.xlsx": xlsx}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in payloads.items()}
    manifest = build_manifest(doc=doc, as_of=as_of, run_id=run_id, code_version=code_version,
                              input_files=files, findings=findings, outputs=digests, marts_db=marts_db,
                              latest_snapshot=latest)
    payloads["manifest.json"] = manifest_json(manifest).encode("utf-8")

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in payloads.items():
        _write_atomically(out_dir / name, data)
    return ReportResult(
        report=report, as_of=as_of, out_dir=out_dir,
        html=out_dir / "rapport.html", pdf=out_dir / "rapport.pdf", xlsx=out_dir / "cijfers.xlsx",
        manifest=out_dir / "manifest.json", concept=doc.concept, findings=finding_counts(findings),
        n_tables=len(doc.tables()), n_charts=len(doc.charts()), sha256=digests,
        pdf_warnings=pdf_warnings, seconds=clock.seconds,
    )


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._mark = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._mark, 2)
        self._mark = now


def _write_atomically(path: Path, data: bytes) -> None:
    """Write next to the target and rename over it, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
