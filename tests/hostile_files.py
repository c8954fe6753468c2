"""Hostile and broken input files, built at test time (nothing big is committed).

Every builder starts from a real template workbook (written with openpyxl) and changes one thing,
so a rejection can only come from that one thing.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ingest_support import write_workbook

PRESTATIES_XML = "xl/worksheets/sheet2.xml"  # write_workbook: sheet1 Afspraak, sheet2 Prestaties


@dataclass
class RawMember:
    """A zip member given as raw deflate bytes, with the sizes its directory entry declares."""

    name: str
    deflated: bytes
    crc: int
    size: int


def template_bytes(tmp: Path, **workbook) -> bytes:
    return write_workbook(tmp / "template_source.xlsx", **workbook).read_bytes()


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: archive.read(i.filename) for i in archive.infolist()}


def write_zip(path: Path, members: list[tuple[str, bytes] | RawMember]) -> Path:
    """A zip written by hand, so a member can be any deflate stream with any declared size."""
    out = io.BytesIO()
    directory = []
    for member in members:
        if not isinstance(member, RawMember):
            name, content = member
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            member = RawMember(name, packer.compress(content) + packer.flush(), zlib.crc32(content), len(content))
        name = member.name.encode()
        offset = out.tell()
        sizes = (member.crc, len(member.deflated), member.size)
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, *sizes, len(name), 0))
        out.write(name)
        out.write(member.deflated)
        directory.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, *sizes,
                                     len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    for entry in directory:
        out.write(entry)
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(directory), len(directory),
                          out.tell() - start, start, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return path


def with_sheet(tmp: Path, path: Path, sheet_xml: bytes | RawMember, member: str = PRESTATIES_XML,
               meta: dict | None = None) -> Path:
    """The template workbook (with `meta` in Afspraak) with one sheet replaced."""
    members = members_of(template_bytes(tmp, meta=meta))
    replacement = sheet_xml if isinstance(sheet_xml, RawMember) else (member, sheet_xml)
    return write_zip(path, [replacement if name == member else (name, content) for name, content in members.items()])


def sheet_parts(tmp: Path) -> tuple[bytes, bytes, bytes]:
    """The Prestaties sheet XML of the template: (up to and with <sheetData>, its rows, the rest)."""
    xml = members_of(template_bytes(tmp))[PRESTATIES_XML]
    head, rest = xml.split(b"<sheetData>")
    rows, tail = rest.split(b"</sheetData>")
    return head + b"<sheetData>", rows, b"</sheetData>" + tail


def bomb_member(tmp: Path, expanded: int, declared: int | None = None) -> RawMember:
    """A Prestaties sheet that really expands to `expanded` bytes (rounded up to whole MiB blocks).

    Built in a second or two: after a full flush deflate starts afresh, so one compressed MiB of
    identical rows can be repeated as often as needed. `declared` lets the directory lie."""
    head, _, tail = sheet_parts(tmp)
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * ((1 << 20) // len(row))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    segment = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    assert again == segment  # the repetition trick holds
    count = -(-expanded // len(block))
    last = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + count * len(block) + len(tail)
    return RawMember(PRESTATIES_XML, first + segment * count + last, crc, size if declared is None else declared)


def empty_rows_sheet(tmp: Path, empty: int = 1_000_000, style: str = "cells", data_after: bool = False) -> bytes:
    """The template's Prestaties sheet followed by `empty` empty rows, as Excel writes a sheet that
    was formatted far down: `rows` (<row r=".."/>) or `cells` (rows of styled cells without a
    value); the dimension claims them all. `data_after`: one more real row below them."""
    head, rows, tail = sheet_parts(tmp)
    last = 3 + empty
    head = head.replace(b'<dimension ref="A1:E3"', f'<dimension ref="A1:E{last + 1}"'.encode())
    if style == "rows":
        filler = b"".join(b'<row r="%d"/>' % r for r in range(4, last + 1))
    else:
        filler = b"".join(b'<row r="%d" s="0" customFormat="1"><c r="A%d" s="0"/><c r="E%d" s="0"/></row>' % (r, r, r)
                          for r in range(4, last + 1))
    if data_after:
        r = last + 1
        filler += (b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>L0001</t></is></c><c r="B%d"><v>2025</v></c>'
                   b'<c r="C%d" t="inlineStr"><is><t>sloop</t></is></c><c r="D%d"><v>7</v></c></row>' % (r, r, r, r, r))
    return head + rows + filler + tail


def formula_sheet(tmp: Path) -> bytes:
    """Prestaties rows 4-7 with formulas in `waarde`: with a cached number, without any cached value,
    with a cached error, with a cached text; row 8 only formulas, none computed."""
    head, rows, tail = sheet_parts(tmp)

    def row(r: int, indicator: str, waarde: str) -> bytes:
        return (f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>L0001</t></is></c><c r="B{r}"><v>2025</v></c>'
                f'<c r="C{r}" t="inlineStr"><is><t>{indicator}</t></is></c>{waarde}</row>').encode()

    extra = (row(4, "sloop", f'<c r="D4"><f>D2+D3</f><v>155</v></c>')
             + row(5, "verkoop", '<c r="D5"><f>D2*2</f></c>')
             + row(6, "transformatie", '<c r="D6" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
             + row(7, "flexwoningen", '<c r="D7" t="str"><f>"1.250"</f><v>1.250</v></c>')
             # a row of nothing but formulas, never computed (a program filled in the template)
             + b'<row r="8"><c r="A8"><f>A7</f></c><c r="B8"><f>B7+1</f></c><c r="D8"><f>D7*2</f></c></row>')
    return head + rows + extra + tail


def truncated(data: bytes, keep: float) -> bytes:
    return data[: int(len(data) * keep)]


def file_state(*roots: Path) -> dict[str, tuple]:
    """sha256, size and mtime of every file under the roots, and where every link points: the
    raw folder (and anything a link leads to) must be exactly the same after a run."""
    state: dict[str, tuple] = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                stat = path.lstat()
                if path.is_symlink():
                    state[str(path)] = ("link", os.readlink(path), stat.st_mtime_ns)
                elif path.is_file():
                    digest = hashlib.sha256()
                    with open(path, "rb") as handle:
                        while block := handle.read(1 << 20):
                            digest.update(block)
                    state[str(path)] = (digest.hexdigest(), stat.st_size, stat.st_mtime_ns)
    return state
