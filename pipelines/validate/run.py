"""`npa validate PATH...`: check delivered files against the catalogue before they are sent.

A supplier (or the team, on receipt) runs it on one or more agreement workbooks (`.xlsx`) or
register files (`<peildatum>/<corporatie>.csv|.parquet`, named as delivered). It reads them with
the pipeline's own readers (pipelines/ingest/) into a raw layer in memory, runs the pipeline's raw
checks over them (pipelines/checks/raw_checks.py, the GX suites decided by SQL: sql_expectations)
and prints every finding with its code, file, sheet, row and column, in Dutch and in English.
Exit code 1 when any finding is an error, 0 otherwise, 2 when the command itself cannot run.

Nothing is written: not the data root, not the warehouse, not the files. The reference data
(municipalities, mergers, COROP regions, corporations) is read from `--reference DIR`, else from
the data root's `raw/reference/`, else (for the CBS files) from `$NPA_REFERENCE_DIR`.
Checks that need the whole data set are out of scope for a delivery on its own; the output says
which (texts.CROSS_DATA_SET_NOTE_*).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.validate import texts

WORKBOOK_SUFFIXES = {".xlsx"}
REGISTER_SUFFIXES = {".csv", ".parquet"}
REFERENCE_FILES = ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv", "corporaties.csv",
                   "woningmarktregios.csv")
OPTIONAL_REFERENCE = {"woningmarktregios.csv"}


class ValidateError(RuntimeError):
    """The command cannot run (a path that is no file, no reference data); exit code 2."""


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    file: str  # the path as the user gave it
    sheet: str | None
    row: int | None
    column: str | None
    detail_en: str
    rule_nl: str
    consequence_nl: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass
class Result:
    files: list[str]
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


# --------------------------------------------------------------------------- inputs
def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return "agreement"
    # anything else goes to the register reader, which rejects what it cannot read (F1)
    return "register"


def _rel(path: Path, kind: str) -> str:
    """The name the pipeline would give the file under data/raw/ (its readers check it: F3)."""
    if kind == "agreement":
        return f"agreements/{path.name}"
    return f"register/{path.parent.name}/{path.name}"


def _reference_sources(reference: Path | None) -> dict[str, Path]:
    from pipelines.config import data_paths, reference_source_dir

    folders = [reference] if reference is not None else [data_paths().reference, reference_source_dir()]
    found: dict[str, Path] = {}
    for name in REFERENCE_FILES:
        for folder in folders:
            if folder is not None and (folder / name).is_file():
                found[name] = folder / name
                break
    missing = [n for n in REFERENCE_FILES if n not in found and n not in OPTIONAL_REFERENCE]
    if missing:
        looked = ", ".join(str(f) for f in folders if f is not None) or "(no folder)"
        raise ValidateError(
            f"reference file(s) {', '.join(missing)} not found (looked in {looked}); "
            "pass --reference DIR with municipalities.csv, municipal_mergers.csv, corop_regions.csv and corporaties.csv"
        )
    return found


# --------------------------------------------------------------------------- locating a finding
_KNOWN_COLUMNS: set[str] | None = None


def _known_columns() -> set[str]:
    global _KNOWN_COLUMNS
    if _KNOWN_COLUMNS is None:
        from pipelines.raw_schema import AGREEMENT_FIELDS, AGREEMENT_ROW_COLUMNS, REGISTER_COLUMNS

        _KNOWN_COLUMNS = set(REGISTER_COLUMNS) | set(AGREEMENT_FIELDS) | set(AGREEMENT_ROW_COLUMNS)
    return _KNOWN_COLUMNS


def _without_location(detail: str, source_file: str) -> str:
    """The finding's text without the `<file>, row N: ` it starts with (printed separately)."""
    text = detail[len(source_file):] if detail.startswith(source_file) else detail
    return re.sub(r"^(, ?row \d+)?: ", "", text)


def _columns_named(text: str) -> str | None:
    """The columns a finding is about: the checks' texts start each problem with the column's name
    (`waarde '2.5' is not a number`; several problems of one row are joined by `; `)."""
    named = []
    for problem in re.split(r"; | - ", text):
        for word in re.findall(r"[a-z][a-z0-9_]*", problem)[:1] + re.findall(r"\b(?:column|field)\(?s?\)? ([a-z0-9_]+)", problem):
            if word in _known_columns() and word not in named:
                named.append(word)
    return ", ".join(named) or None


_SHEET_BY_CODE = {"A1": "Afspraak", "A14": "Afspraak", "A3": "Prestaties", "A4": "Prestaties", "A5": "Prestaties",
                  "A13": "Prestaties"}


def _sheet(code: str, kind: str, detail: str) -> str | None:
    if kind != "agreement":
        return None
    if code in _SHEET_BY_CODE:
        return _SHEET_BY_CODE[code]
    named = [s for s in ("Afspraak", "Prestaties") if re.search(rf"\b{s}\b", detail, re.IGNORECASE)]
    return ", ".join(named) or None


def _consequence(severity: str, code: str, kind: str, row: int | None) -> str:
    if severity != "error":
        return texts.CONSEQUENCE_NL["warning"]
    if row is None or code.startswith("F") or code in ("A1", "T1"):
        return texts.CONSEQUENCE_NL["file"]
    return texts.CONSEQUENCE_NL["agreement_row" if kind == "agreement" else "register_row"]


# --------------------------------------------------------------------------- the work
def validate_files(files: list[Path], reference: Path | None = None) -> Result:
    """Read and check `files`; nothing is written anywhere but a temporary folder, removed after."""
    import duckdb

    from pipelines.config import DataPaths
    from pipelines.ingest.files import SourceFile
    from pipelines.ingest.load_log import sync_files
    from pipelines.ingest.reference import ReferenceFileRejected, load_reference
    from pipelines.reference_staging import ReferenceDataMissing
    from pipelines.ingest.register import RegisterLoader
    from pipelines.ingest.workbooks import AgreementLoader
    from pipelines.raw_schema import ensure_raw_schema

    started = time.perf_counter()
    given: dict[str, tuple[str, str]] = {}  # rel -> (path as given, kind)
    for path in files:
        if not path.is_file():
            raise ValidateError(f"{path}: no such file")
        kind = _kind(path)
        rel = _rel(path, kind)
        if rel in given:
            raise ValidateError(f"{path} and {given[rel][0]} would both be {rel}: validate them one at a time")
        given[rel] = (str(path), kind)
    sources = _reference_sources(reference)

    with tempfile.TemporaryDirectory(prefix="npa-validate-") as tmp:
        # the reference files, copied (a few hundred KB) into a raw folder of the temporary data
        # root: the ingest refuses links that lead out of raw/
        paths = DataPaths(Path(tmp))
        paths.reference.mkdir(parents=True)
        for name, source in sources.items():
            shutil.copyfile(source, paths.reference / name)
        con = duckdb.connect()  # in memory: the raw layer of this validation only
        try:
            ensure_raw_schema(con)
            try:
                load_reference(con, paths)
            except (ReferenceDataMissing, ReferenceFileRejected) as exc:
                raise ValidateError(f"the reference data cannot be used: {exc}") from None
            by_kind = {"agreement": [], "register": []}
            for rel, (path, kind) in given.items():
                by_kind[kind].append(SourceFile(path=Path(path), rel=rel))
            if by_kind["register"]:
                sync_files(con, RegisterLoader(), by_kind["register"])
            if by_kind["agreement"]:
                sync_files(con, AgreementLoader(), by_kind["agreement"])
            rows = _check(con)
        finally:
            con.close()

    result = Result(files=[p for p, _ in given.values()])
    for code, severity, detail, source_file, source_row in rows:
        if source_file not in given:  # a reference file's finding: not what was asked about
            continue
        path, kind = given[source_file]
        severity = (severity or "").strip().lower()
        text = _without_location(detail or "", source_file)
        result.findings.append(Finding(
            code=code, severity=severity, file=path, sheet=_sheet(code, kind, text), row=source_row,
            column=_columns_named(text), detail_en=text.replace(source_file, path),
            rule_nl=texts.RULE_NL.get(code, ""), consequence_nl=_consequence(severity, code, kind, source_row)))
    result.findings.sort(key=lambda f: (f.file, f.row or 0, f.code))
    result.seconds = time.perf_counter() - started
    return result


def _check(con) -> list[tuple]:
    """The load findings and the raw checks' findings, as (code, severity, detail, file, row)."""
    from pipelines.checks.raw_checks import run_raw_checks
    from pipelines.validate.sql_expectations import validate_frame_with_sql

    checked = run_raw_checks(con, evaluate=validate_frame_with_sql)
    loaded = con.execute(
        "select check_code, severity, detail, source_file, source_row from raw.load_findings"
    ).fetchall()
    return loaded + [(f.check_code, f.severity, f.detail, f.source_file, f.source_row) for f in checked.findings]


# --------------------------------------------------------------------------- output
# the words of a finding's place: file, sheet, row (of a sheet) or line (of a text file), column
_PLACE_WORDS = {"nl": ("bestand", "tabblad", "rij", "regel", "kolom"),
                "en": ("file", "sheet", "row", "line", "column")}


def _where(f: Finding, language: str) -> str:
    file, sheet, row, line, column = _PLACE_WORDS[language]
    parts = [f"{file} {f.file}"]
    if f.sheet:
        parts.append(f"{sheet} {f.sheet}")
    if f.row is not None:
        parts.append(f"{row if f.sheet else line} {f.row}")
    if f.column:
        parts.append(f"{column} {f.column}")
    return ", ".join(parts)


def render(result: Result) -> str:
    lines = []
    for f in result.findings:
        lines.append(f"{f.code} {texts.SEVERITY_NL[f.severity]} / {texts.SEVERITY_EN[f.severity]}")
        # the values as written, quoted in the English text: the Dutch reader needs them too
        values = re.findall(r"'[^']*'", f.detail_en)[:3]
        written = f" Ingevuld: {', '.join(values)}." if values else ""
        lines.append(f"  NL: {_where(f, 'nl')}: {f.rule_nl}.{written} {f.consequence_nl}")
        lines.append(f"  EN: {_where(f, 'en')}: {f.detail_en}")
    n = len(result.files)
    lines.append(
        f"{n} bestand(en) gecontroleerd: {result.errors} fout(en), {result.warnings} waarschuwing(en) / "
        f"{n} file(s) checked: {result.errors} error(s), {result.warnings} warning(s) ({result.seconds:.1f} s)")
    lines.append(texts.CROSS_DATA_SET_NOTE_NL)
    lines.append(texts.CROSS_DATA_SET_NOTE_EN)
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="agreement workbooks (.xlsx) and register files (<peildatum>/<corporatie>.csv|.parquet)")
    parser.add_argument("--reference", type=Path, default=None,
                        help="folder with the reference files (default: the data root's raw/reference, "
                             "then $NPA_REFERENCE_DIR)")


def run(args: argparse.Namespace) -> int:
    try:
        result = validate_files(args.paths, args.reference)
    except ValidateError as exc:
        print(f"npa validate: {exc}", file=sys.stderr)
        return 2
    print(render(result))
    return 1 if result.errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="npa validate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
