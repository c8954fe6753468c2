"""Look inside an `.xlsx` before calamine opens it: is it a workbook at all, and is it safe to expand?

An `.xlsx` is a zip archive of XML files. calamine expands the sheets it is asked for in memory,
so a sheet that expands to gigabytes (a zip bomb, or a workbook damaged in a way that looks like
one) would take the process down with it, and with it the whole run. So, before any reader sees
the bytes:

1. the first bytes must be a zip's (an old `.xls`, a password-protected workbook, HTML or CSV
   renamed to `.xlsx` is named as such);
2. the central directory must be readable (a truncated or damaged download fails here);
3. every member's declared expanded size, the sum of them, and the expansion ratio of large
   members must stay under the limits below; this is arithmetic on the directory, nothing is
   expanded yet;
4. every member is then expanded once, in chunks of 64 KiB that are counted and dropped, to make
   sure it expands to no more than the directory declares (a directory can lie: the counted bytes
   are the truth). Memory stays flat whatever the archive holds;
5. no XML member may declare a DTD (`<!DOCTYPE`, `<!ENTITY`): Office never writes one, and entity
   definitions are how an XML file expands to gigabytes once parsed ("billion laughs").

While expanding the worksheets it also notes whether they contain formula cells (`<f>`), and for
those sheets only, which cells: calamine gives a formula's cached value and cannot say that a cell
held a formula, so an uncomputed formula would otherwise read as an empty cell.

Limits: a real agreement workbook is well under 1 MiB expanded (a sheet of 10,000 Prestaties rows
is about 1.5 MiB). A sheet that Excel formatted down to row 1,048,576 is about 50-150 MiB of
empty `<row>`/`<c>` elements that compress 7-15x; it is read (calamine skips empty cells). XML
compresses 5-20x in practice; deflate's ceiling is about 1,030x; gigabyte bombs sit at 150x and up.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree import ElementTree

MAX_MEMBER_BYTES = 256 << 20  # one member, expanded
MAX_TOTAL_BYTES = 512 << 20  # all members, expanded
MAX_RATIO = 100  # expanded / compressed, for members above RATIO_FLOOR
MAX_MEMBERS = 10_000  # a workbook has a few dozen
RATIO_FLOOR = 1 << 20  # small members may compress as well as they like: they cannot hurt
CHUNK = 64 << 10

_SIGNATURES = {
    b"\xd0\xcf\x11\xe0": "an old .xls workbook (Excel 97-2003) or a password-protected workbook",
    b"<!DOCTYPE": "an HTML page",
    b"<html": "an HTML page",
    b"<?xml": "an XML file (an Excel 2003 XML spreadsheet?)",
    b"%PDF": "a PDF document",
}
# a formula element, with or without namespace prefix; not <formula1> (data validation) or <font>
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s/>]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


class UnsafeWorkbook(Exception):
    """The bytes are not a workbook we are willing to open; the message says why (no file name)."""


@dataclass(frozen=True)
class FormulaCell:
    formula: str  # the formula text without `=`; empty for a shared formula's followers
    has_value: bool  # Excel saved a computed (cached) value beside it


@dataclass
class Inspection:
    """What the guard learned: per sheet name, the formula cells by (Excel row, zero-based column)."""

    expanded_bytes: int = 0
    formulas: dict[str, dict[tuple[int, int], FormulaCell]] = field(default_factory=dict)

    def formulas_in(self, sheet: str) -> dict[tuple[int, int], FormulaCell]:
        return self.formulas.get(sheet, {})


def inspect_workbook(data: bytes) -> Inspection:
    """Raise UnsafeWorkbook unless `data` is a zip that expands to a safe size; see module doc."""
    if not data.startswith(b"PK\x03\x04"):
        raise UnsafeWorkbook(f"not an .xlsx workbook: the file is {_what_it_is(data)}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeWorkbook(f"the workbook is damaged or incomplete (truncated download?): {exc}") from exc
    _check_declared(members)

    inspection = Inspection()
    with_formulas: list[str] = []
    for info in members:
        has_formula = _expand_counting(data, info, look_for_formulas=info.filename.startswith("xl/worksheets/"))
        inspection.expanded_bytes += info.file_size
        if has_formula:
            with_formulas.append(info.filename)
    if with_formulas:
        paths = _sheet_paths(archive)
        for name, path in paths.items():
            if path in with_formulas:
                inspection.formulas[name] = _formula_cells(archive, path)
    return inspection


def _what_it_is(data: bytes) -> str:
    if not data:
        return "empty"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    for signature, what in _SIGNATURES.items():
        if head[: len(signature)].lower() == signature.lower():
            return what
    return "not a zip archive (an .xlsx is one); save it from Excel as .xlsx"


def _check_declared(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise UnsafeWorkbook(f"refused before reading: the archive holds {len(members):,} files (limit {MAX_MEMBERS:,})")
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise UnsafeWorkbook(f"member {info.filename} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeWorkbook(f"member {info.filename} uses an unsupported compression method ({info.compress_type})")
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise UnsafeWorkbook(
                f"refused before reading: {info.filename} would expand to {_mib(info.file_size)} "
                f"(limit {_mib(MAX_MEMBER_BYTES)}; a zip bomb or a damaged file)"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise UnsafeWorkbook(
                f"refused before reading: {info.filename} would expand {ratio:,.0f}x "
                f"({_mib(info.compress_size)} to {_mib(info.file_size)}; limit {MAX_RATIO}x: a zip bomb)"
            )
    if total > MAX_TOTAL_BYTES:
        raise UnsafeWorkbook(
            f"refused before reading: the workbook would expand to {_mib(total)} (limit {_mib(MAX_TOTAL_BYTES)})"
        )


def _expand_counting(data: bytes, info: zipfile.ZipInfo, look_for_formulas: bool) -> bool:
    """Expand one member chunk by chunk, keeping nothing; True if a formula element was seen."""
    start = _data_offset(data, info)
    compressed = memoryview(data)[start : start + info.compress_size]
    if len(compressed) < info.compress_size:
        raise UnsafeWorkbook(f"the workbook is incomplete (truncated download?): {info.filename} is cut off")
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise UnsafeWorkbook(f"the workbook is damaged: {info.filename} has inconsistent sizes")
        _refuse_dtd(info, compressed, b"")
        return bool(look_for_formulas and _FORMULA_TAG.search(compressed))
    inflater = zlib.decompressobj(-15)
    expanded = 0
    found = False
    tail = b""
    try:
        # input in small slices, output in CHUNK pieces: neither side ever holds much
        for offset in range(0, len(compressed), CHUNK // 4):
            pending: bytes | memoryview = compressed[offset : offset + CHUNK // 4]
            while pending:
                chunk = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                expanded += len(chunk)
                if expanded > info.file_size:
                    raise UnsafeWorkbook(
                        f"refused: {info.filename} expands to more than the {_mib(info.file_size)} its "
                        "directory declares (a zip bomb or a damaged file)"
                    )
                _refuse_dtd(info, chunk, tail)
                if look_for_formulas and not found:
                    found = bool(_FORMULA_TAG.search(tail + chunk))
                tail = chunk[-8:] if len(chunk) >= 8 else (tail + chunk)[-8:]  # a tag cut by the boundary
                if inflater.eof:
                    break
            if inflater.eof:
                break
        rest = inflater.flush()
        expanded += len(rest)
        _refuse_dtd(info, rest, tail)
        if look_for_formulas and not found:
            found = bool(_FORMULA_TAG.search(tail + rest))
    except zlib.error as exc:
        raise UnsafeWorkbook(f"the workbook is damaged: {info.filename} cannot be expanded ({exc})") from exc
    if not inflater.eof or expanded != info.file_size:
        raise UnsafeWorkbook(f"the workbook is incomplete or damaged: {info.filename} ends early")
    return found


def _refuse_dtd(info: zipfile.ZipInfo, chunk: bytes | memoryview, tail: bytes) -> None:
    # raw `<!` never stands in an Office XML part outside a DTD: text escapes it as `&lt;!`
    if not info.filename.endswith((".xml", ".rels", ".vml")):
        return  # images and other binary parts are not parsed as XML
    if _DTD.search(chunk) or (tail and _DTD.search(tail + bytes(chunk[:16]))):
        raise UnsafeWorkbook(
            f"refused: {info.filename} declares a DTD (XML entities that can expand without limit); "
            "Excel never writes one"
        )


def _data_offset(data: bytes, info: zipfile.ZipInfo) -> int:
    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise UnsafeWorkbook(f"the workbook is damaged: the entry of {info.filename} is missing")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_length + extra_length


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> member path, from xl/workbook.xml and its relationships (small files)."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}  # calamine will say what is wrong with it
    targets = {}
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    out = {}
    for sheet in workbook.iter(f"{_MAIN_NS}sheet"):
        path = targets.get(sheet.get(f"{_REL_NS}id"))
        if path:
            out[sheet.get("name", "")] = path
    return out


def _formula_cells(archive: zipfile.ZipFile, path: str) -> dict[tuple[int, int], FormulaCell]:
    """The formula cells of one worksheet, read as a stream (the sheet's size is already checked).

    Keyed by (Excel row, column index counted from the sheet's first column holding a value),
    because that is how calamine numbers the columns it hands over (rows it counts from row 1).
    """
    cells: dict[tuple[int, int], FormulaCell] = {}
    first_column: int | None = None
    with archive.open(path) as stream:
        for _, element in ElementTree.iterparse(stream):
            if element.tag != f"{_MAIN_NS}c":
                if element.tag == f"{_MAIN_NS}row":
                    element.clear()  # keep memory flat on long sheets
                continue
            ref = _CELL_REF.fullmatch(element.get("r", ""))
            if not ref:
                continue
            value = element.find(f"{_MAIN_NS}v")
            if value is None:
                value = element.find(f"{_MAIN_NS}is")
            column = _column_index(ref.group(1))
            if value is not None and (first_column is None or column < first_column):
                first_column = column
            formula = element.find(f"{_MAIN_NS}f")
            if formula is not None:
                has_value = value is not None and element.get("t") != "e" and bool("".join(value.itertext()))
                cells[(int(ref.group(2)), column)] = FormulaCell(formula.text or "", has_value)
    shift = first_column or 0
    return {(row, column - shift): cell for (row, column), cell in cells.items()}


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index - 1


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MiB" if size < 1 << 30 else f"{size / (1 << 30):,.1f} GiB"
