"""Uploaded workbooks and CSV files are untrusted: bombs fail fast with one clear error, hidden sheets are never read.

Each bomb is read in a child process whose address space is capped at
300 MiB (RLIMIT_AS); the child reports the problems, the time taken and its
peak resident memory (VmHWM: ru_maxrss would include the forked pytest process).
"""
from __future__ import annotations

import csv
import io
import json
import re
import resource
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from conftest import PROJECT
from pingan import xlsx_template
from pingan.importer import MAX_IMPORT_ROWS, MAX_UPLOAD_BYTES, MAX_ZIP_MEMBERS, import_file, read_table
from test_template_import import COLUMNS, existing_repo, person

MEMORY_CAP = 300 * 1024 * 1024
#: "Within seconds": the zip bomb once took 195 s. Generous, because a loaded 2-core CI machine is noisy.
SECONDS = 20.0
GIB = 1024 * 1024 * 1024

_CHILD = """
import json, resource, sys, time
from pathlib import Path
start = time.perf_counter()
from pingan.importer import read_table
table = read_table(Path(sys.argv[1]), "upload.xlsx")
print(json.dumps({"problems": [[p.code, p.message] for p in table.problems], "rows": len(table.rows),
                  "seconds": time.perf_counter() - start,
                  "peak_kib": int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])}))
"""


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def read_capped(path: Path) -> dict[str, Any]:
    """read_table(path) in a child limited to 300 MiB of address space; its findings, time and peak memory."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, timeout=60,
                          cwd=PROJECT, preexec_fn=_cap_memory)
    wall = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["seconds"] < SECONDS and wall < SECONDS + 5, result
    assert result["peak_kib"] * 1024 < MEMORY_CAP, result
    print(f"{path.name}: {result['seconds']:.2f} s, peak {result['peak_kib'] / 1024:.0f} MiB")
    return result


def codes(result: dict[str, Any]) -> list[str]:
    return [code for code, _ in result["problems"]]


# --- building hostile packages ---------------------------------------------------------------

def zeros_stream(size: int, prefix: bytes = b"") -> bytes:
    """A raw deflate stream of `prefix` then `size` zero bytes, built from one compressed MiB repeated.

    After a full flush the compressor starts afresh, so the compressed MiB is
    the same every time and a 2 GiB member takes milliseconds to build.
    """
    mib = 1024 * 1024
    assert size % mib == 0
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH) if prefix else b""
    block = packer.compress(bytes(mib)) + packer.flush(zlib.Z_FULL_FLUSH)
    return head + block * (size // mib) + packer.flush()


def write_zip(path: Path, members: list[tuple[str, bytes, int, int, int]]) -> Path:
    """A zip of (name, stored stream, method, declared uncompressed size, declared CRC) written by hand."""
    body, directory = bytearray(), bytearray()
    for name, stream, method, size, crc in members:
        encoded = name.encode()
        offset = len(body)
        body += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(stream), size,
                            len(encoded), 0) + encoded + stream
        directory += struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc, len(stream), size,
                                 len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(body), 0)
    path.write_bytes(bytes(body + directory) + end)
    return path


def deflated(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def header_workbook(path: Path, *rows: list[Any], cells: dict[tuple[int, int], str] | None = None) -> Path:
    """A small workbook (shared strings, as Excel writes) whose sheet starts with the template's header row."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for number, row in enumerate([COLUMNS, *rows]):
        sheet.write_row(number, 0, row)
    for (row_index, col_index), value in (cells or {}).items():
        sheet.write_string(row_index, col_index, value)
    book.close()
    return path


def without_dimension(path: Path, target: Path, dimension: bytes = b"") -> Path:
    """`path` with the first sheet's <dimension> replaced by `dimension` (none by default)."""
    sheet = dict(members_of(path))["xl/worksheets/sheet1.xml"]
    sheet, count = re.subn(rb"<dimension [^>]*/>", dimension, sheet)
    assert count == 1
    return rebuilt(path, target, {"xl/worksheets/sheet1.xml": (deflated(sheet), len(sheet), zlib.crc32(sheet))})


def members_of(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as package:
        return [(info.filename, package.read(info)) for info in package.infolist()]


def rebuilt(path: Path, target: Path, replace: dict[str, tuple[bytes, int, int]]) -> Path:
    """`path` rewritten by hand, with some members' (stream, declared size, declared CRC) replaced."""
    members = []
    for name, data in members_of(path):
        stream, size, crc = replace.get(name, (deflated(data), len(data), zlib.crc32(data)))
        members.append((name, stream, zipfile.ZIP_DEFLATED, size, crc))
    return write_zip(target, members)


# --- zip bombs ------------------------------------------------------------------------------------

def test_a_2_gib_member_is_refused_before_anything_is_unpacked(tmp_path: Path) -> None:
    plain = header_workbook(tmp_path / "plain.xlsx")
    bomb = rebuilt(plain, tmp_path / "bomb.xlsx", {
        "xl/worksheets/sheet1.xml": (zeros_stream(2 * GIB), 2 * GIB, 0)})
    assert bomb.stat().st_size < 4 * 1024 * 1024
    result = read_capped(bomb)
    assert codes(result) == ["XLS012"]
    assert "xl/worksheets/sheet1.xml 解压后 2048.0 MiB，压缩比" in result["problems"][0][1]
    assert "上限 100:1" in result["problems"][0][1]


def test_many_modest_members_are_refused_by_their_total(tmp_path: Path) -> None:
    """Ten members of 8 MiB each, none over the ratio limit: 80 MiB unpacked in all."""
    text = "".join(f'<row r="{n}"><c r="A{n}"><v>{n * 7919 % 100003}</v></c></row>' for n in range(200_000))
    data = text.encode()[:8 * 1024 * 1024]
    stream = deflated(data)
    assert len(data) / len(stream) < 100
    members = [(f"xl/media/image{n}.bin", stream, zipfile.ZIP_DEFLATED, len(data), zlib.crc32(data)) for n in range(10)]
    result = read_capped(write_zip(tmp_path / "big.xlsx", members))
    assert codes(result) == ["XLS012"]
    assert "解压后共 80.0 MiB，上限 50.0 MiB" in result["problems"][0][1]


def test_a_member_that_lies_about_its_size_is_never_unpacked_past_it(tmp_path: Path) -> None:
    """The sheet declares its true size, but 2 GiB of zeros follow in the stream: they are never read."""
    plain = header_workbook(tmp_path / "plain.xlsx", ["张三"])
    sheet = dict(members_of(plain))["xl/worksheets/sheet1.xml"]
    lying = rebuilt(plain, tmp_path / "lying.xlsx", {
        "xl/worksheets/sheet1.xml": (zeros_stream(2 * GIB, prefix=sheet), len(sheet), zlib.crc32(sheet))})
    result = read_capped(lying)
    expected = read_table(plain, "upload.xlsx")
    assert result["problems"] == [[p.code, p.message] for p in expected.problems]
    assert result["rows"] == len(expected.rows) == 1
    wrong_crc = rebuilt(plain, tmp_path / "crc.xlsx", {
        "xl/worksheets/sheet1.xml": (zeros_stream(2 * GIB, prefix=sheet), len(sheet), 0)})
    result = read_capped(wrong_crc)
    assert codes(result) == ["XLS007"]  # the CRC of what was declared does not match


def test_too_many_members(tmp_path: Path) -> None:
    members = [(f"xl/media/{n}.bin", b"", zipfile.ZIP_STORED, 0, 0) for n in range(MAX_ZIP_MEMBERS + 1)]
    result = read_capped(write_zip(tmp_path / "many.xlsx", members))
    assert codes(result) == ["XLS012"] and f"上限 {MAX_ZIP_MEMBERS} 个部件" in result["problems"][0][1]


def test_other_compression_methods_are_refused(tmp_path: Path) -> None:
    data = bytes(64 * 1024 * 1024)
    stream = __import__("bz2").compress(data[:1024])
    result = read_capped(write_zip(tmp_path / "bz2.xlsx", [("xl/workbook.xml", stream, zipfile.ZIP_BZIP2, 1024, 0)]))
    assert codes(result) == ["XLS007"] and "压缩方式" in result["problems"][0][1]


def test_an_entity_bomb_in_shared_strings_is_a_damaged_workbook(tmp_path: Path) -> None:
    plain = header_workbook(tmp_path / "plain.xlsx")
    laughs = ('<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "hahahahahahahahahaha">'
              + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9))
              + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<si><t>&j;</t></si></sst>').encode()
    names = dict(members_of(plain))
    assert "xl/sharedStrings.xml" in names
    bomb = rebuilt(plain, tmp_path / "laughs.xlsx",
                   {"xl/sharedStrings.xml": (deflated(laughs), len(laughs), zlib.crc32(laughs))})
    assert codes(read_capped(bomb)) == ["XLS007"]


# --- a sheet that claims (or holds) a million rows --------------------------------------------------

def last_cell_workbook(path: Path) -> Path:
    """The template's header row, and one cell at XFD1048576: a few KB, a 17-billion-cell grid."""
    return header_workbook(path, cells={(1048575, 16383): "x"})


def test_a_dimension_claiming_the_last_cell_is_refused(tmp_path: Path) -> None:
    path = last_cell_workbook(tmp_path / "last.xlsx")
    assert path.stat().st_size < 15 * 1024
    with zipfile.ZipFile(path) as package:
        assert b'<dimension ref="A1:XFD1048576"/>' in package.read("xl/worksheets/sheet1.xml")
    result = read_capped(path)
    assert codes(result) == ["XLS013"]
    assert "1048576 行、16384 列，上限 5000 行、256 列" in result["problems"][0][1]


@pytest.mark.parametrize("dimension", [b"", b'<dimension ref="A1:AA2"/>'])
def test_rows_are_counted_when_the_dimension_is_missing_or_lies(tmp_path: Path, dimension: bytes) -> None:
    path = last_cell_workbook(tmp_path / "last.xlsx")
    result = read_capped(without_dimension(path, tmp_path / "hidden.xlsx", dimension))
    assert codes(result) == ["XLS013"]
    assert f"超过 {MAX_IMPORT_ROWS} 行" in result["problems"][0][1]


def test_a_row_wider_than_the_limit_is_refused(tmp_path: Path) -> None:
    wide = header_workbook(tmp_path / "wide.xlsx", cells={(1, 299): "x"})
    assert codes(read_capped(wide)) == ["XLS013"]
    result = read_capped(without_dimension(wide, tmp_path / "lying.xlsx"))
    assert codes(result) == ["XLS013"] and "第 300 列，上限 256 列" in result["problems"][0][1]


# --- CSV ------------------------------------------------------------------------------------------

def csv_of(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for record in rows:
        writer.writerow(["" if record.get(k) is None else str(xlsx_template.cell_value(k, record[k])) for k in COLUMNS])
    return out.getvalue().encode("utf-8")


def repeated_rows(count: int, distinct: int, full: bool = True) -> bytes:
    """`count` rows (every column, or 姓名 and 身份证号码 only) whose ID numbers repeat every `distinct` rows."""
    if not full:
        lines = [f"张三,{person(n % distinct)['身份证号码']}" for n in range(count)]
        return "\r\n".join(["姓名,身份证号码", *lines, ""]).encode()
    line = csv_of([person(n) for n in range(distinct)]).split(b"\r\n")[1:-1]
    return b"\r\n".join([csv_of([]).rstrip(b"\r\n")] + [line[n % distinct] for n in range(count)]) + b"\r\n"


def test_a_100k_row_csv_is_refused_in_a_moment(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(repeated_rows(100_000, 3, full=False))
    assert path.stat().st_size < MAX_UPLOAD_BYTES
    started = time.perf_counter()
    table = read_table(path, "big.csv")
    assert [p.code for p in table.problems] == ["XLS013"]
    assert f"CSV 文件超过 {MAX_IMPORT_ROWS} 行" in table.problems[0].message
    root = existing_repo(tmp_path)
    assert [p.code for p in import_file(root, path, "taiyuan", dry_run=True).problems] == ["XLS013"]
    assert time.perf_counter() - started < SECONDS


def test_5000_rows_with_repeated_id_numbers_are_read_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "full.csv"
    path.write_bytes(repeated_rows(MAX_IMPORT_ROWS - 1, 2))
    started = time.perf_counter()
    table = read_table(path, "full.csv")
    assert not table.problems and len(table.rows) == MAX_IMPORT_ROWS - 1
    assert time.perf_counter() - started < SECONDS


def test_a_csv_over_the_byte_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: nothing is written to disk
    problems = read_table(path, "huge.csv").problems
    assert [p.code for p in problems] == ["XLS012"] and "上限 20.0 MiB" in problems[0].message


def test_a_malformed_csv_is_a_message_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "field.csv"
    path.write_bytes(b"\xe5\xa7\x93\xe5\x90\x8d,x\n\"" + b"a" * 200_000 + b"\"\n")
    problems = read_table(path, "field.csv").problems
    assert [p.code for p in problems] == ["XLS007"] and "CSV 格式错误" in problems[0].message


# --- only visible worksheets are read --------------------------------------------------------------

def book_with(sheets: list[tuple[str, str, list[dict[str, Any]]]], path: Path) -> Path:
    """A workbook of (title, sheet_state, records) sheets, each with the template's header row."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, state, records in sheets:
        sheet = book.create_sheet(title)
        sheet.append(COLUMNS)
        for record in records:
            sheet.append([xlsx_template.cell_value(k, record.get(k)) for k in COLUMNS])
        sheet.sheet_state = state
    book.save(path)
    return path


def test_a_very_hidden_list_is_never_imported(tmp_path: Path) -> None:
    root = existing_repo(tmp_path)
    path = book_with([(xlsx_template.DATA_SHEET, "veryHidden", [person(90), person(91), person(92)]),
                      ("说明", "hidden", [person(93)]),
                      ("名单", "visible", [person(94)])], tmp_path / "t.xlsx")
    outcome = import_file(root, path, "taiyuan", dry_run=True)
    assert outcome.valid and outcome.rows == 1, outcome.problems
    table = read_table(path, "t.xlsx")
    assert [row.data["身份证号码"] for row in table.rows] == [person(94)["身份证号码"]]


def test_a_workbook_whose_only_list_is_hidden_has_no_list(tmp_path: Path) -> None:
    root = existing_repo(tmp_path)
    for state in ("hidden", "veryHidden"):
        path = book_with([(xlsx_template.DATA_SHEET, state, [person(95)]), ("空白", "visible", [])],
                         tmp_path / f"{state}.xlsx")
        book = openpyxl.load_workbook(path)
        book["空白"].delete_rows(1)
        book.save(path)
        assert [p.code for p in import_file(root, path, "taiyuan", dry_run=True).problems] == ["XLS008"]


def test_the_first_visible_list_is_the_one_imported(tmp_path: Path) -> None:
    path = book_with([("说明", "visible", []), ("甲", "visible", [person(96)]), ("乙", "visible", [person(97)])],
                     tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    book["说明"].delete_rows(1)
    book["说明"].append(["请在下一个工作表填写"])
    book.save(path)
    table = read_table(path, "t.xlsx")
    assert [row.data["身份证号码"] for row in table.rows] == [person(96)["身份证号码"]]


# --- markup openpyxl would build objects for ------------------------------------------------------

def test_millions_of_tiny_shared_strings_are_refused(tmp_path: Path) -> None:
    plain = header_workbook(tmp_path / "plain.xlsx")
    body = "".join(f"<si><t>{n}</t></si>" for n in range(400_000)).encode()
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + body + b"</sst>"
    bomb = rebuilt(plain, tmp_path / "sst.xlsx",
                   {"xl/sharedStrings.xml": (deflated(strings), len(strings), zlib.crc32(strings))})
    result = read_capped(bomb)
    assert codes(result) == ["XLS012"] and "xl/sharedStrings.xml 有 1600002 个 XML 标记" in result["problems"][0][1]


@pytest.mark.parametrize("where", ["outside", "row"])
def test_junk_markup_in_a_sheet_is_refused(tmp_path: Path, where: str) -> None:
    plain = header_workbook(tmp_path / "plain.xlsx")
    sheet = dict(members_of(plain))["xl/worksheets/sheet1.xml"]
    if where == "outside":
        junk = b"".join(b'<a x="%d"/>' % (n * 7919 % 1000003) for n in range(200_000))
        sheet = sheet.replace(b"<sheetData>", junk + b"<sheetData>")
    else:
        junk = b"".join(b'<c r="B2"><v>%d</v></c>' % (n * 7919 % 1000003) for n in range(100_000))
        sheet = sheet.replace(b"</sheetData>", b'<row r="2">' + junk + b"</row></sheetData>")
    bomb = rebuilt(plain, tmp_path / "junk.xlsx", {"xl/worksheets/sheet1.xml": (deflated(sheet), len(sheet),
                                                                                zlib.crc32(sheet))})
    result = read_capped(bomb)
    assert codes(result) == (["XLS012"] if where == "outside" else ["XLS013"]), result


def test_a_full_list_of_5000_rows_is_read(tmp_path: Path) -> None:
    rows = [[xlsx_template.cell_value(k, person(n).get(k)) for k in COLUMNS] for n in range(MAX_IMPORT_ROWS - 1)]
    path = header_workbook(tmp_path / "full.xlsx", *[[v.isoformat() if hasattr(v, "isoformat") else v
                                                      for v in row] for row in rows])
    result = read_capped(path)
    assert result["problems"] == [] and result["rows"] == MAX_IMPORT_ROWS - 1
