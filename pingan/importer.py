"""`pingan import`: a unit's workbook (or CSV) in, record files out, with the rules of `pingan validate`.

Each row becomes a `loader.Loaded` whose data are the typed cell values and
whose marks are (row, column), so the record rules, the repository rules
(quotas, duplicate ID numbers) and the messages are exactly those of
`pingan validate`, located at spreadsheet cells. Nothing is written unless
every row passes. Numbers a spreadsheet stored as numbers are recovered only
when that is exact (an 11-digit phone is; an 18-digit ID number never is).
Records are written by the repository's one writer: encrypted, in an
encrypted repository, before anything reaches the work tree.
"""
from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from . import catalogue, idcard, settings
from . import codelists as cl
from . import fields as f
from .crypto import is_encrypted
from .errors import KeysCannotOpen
from .fields import DATE_KEYS, ID_NUMBER, RECORD_ID
from .loader import Loaded
from .problems import ERROR, Problem
from .reader import Repository, Settings, names_ever_in, target_branch
from .xlsx_template import BOOL_KEYS, COLUMNS, EXAMPLE_MARKER, LIST_KEYS, NO, UNIT_KEY, YES, required_keys

ID = ID_NUMBER
NUMBER_KEYS = (f.MOBILE, f.QQ, f.LANDLINE)
#: The largest integer a spreadsheet's double holds exactly; an 11-digit phone is far below it.
EXACT_LIMIT = 2 ** 53
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?[eE][+]?[0-9]+")
_WHOLE_FLOAT_TEXT = re.compile(r"([0-9]+)\.0+")
_DATE_TEXT = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")
_RECORD_NUMBER = re.compile(r"-([0-9]{5})\.yaml$")
_TRUE_TEXT = {YES, "true", "True", "TRUE"}
_FALSE_TEXT = {NO, "false", "False", "FALSE"}
_HEADER_DECORATION = re.compile(r"[*＊]|[（(]必填[)）]|[（(]选填[)）]")
#: Separators accepted between code-list values on one line of a list cell (besides line breaks).
_SEPARATORS = re.compile(r"[、，,;；/／\s]+")
#: Outer characters removed from a text cell (with a notice): spaces of every width, never tabs or line breaks.
_SPACES = " \u3000\u00a0"
#: Keys whose text is taken as typed, apart from outer spaces: not numbers, lists, yes/no or dates.
_NOT_TRIMMED = frozenset((ID_NUMBER, f.MOBILE, f.QQ, f.LANDLINE, *LIST_KEYS, *BOOL_KEYS, *DATE_KEYS))
#: The column `write_error_workbook` adds (one message per row); ignored when the workbook is imported again.
ERROR_COLUMN = "错误说明"
#: The first sheet of an error workbook: every problem as a row.
SUMMARY_SHEET = "错误汇总"
_RECORD_PATH = re.compile(re.escape(settings.VOLUNTEERS_DIR) + r"/[a-z0-9-]+/[a-z0-9-]+\.yaml")
_ITEM_FIELD = re.compile(r"(.+)\[([0-9]+)\]")


@dataclass
class Row:
    """One spreadsheet row: its number, typed values by key, cell positions, and conversion problems."""

    number: int
    data: dict[str, Any]
    marks: dict[tuple[str | int, ...], tuple[int, int]]
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Sheet:
    """The rows of a workbook's list, or why it cannot be read."""

    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)
    #: The worksheet the list was read from (None for a CSV file), and the line of its header.
    title: str | None = None
    header_line: int = 1


@dataclass
class Outcome:
    """What an import found and did. `problems` are located at rows (line) and columns (col)."""

    source: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    written: list[tuple[str, str]] = field(default_factory=list)  # (rel, 新增 | 更新)
    unchanged: int = 0
    row_of: dict[str, int] = field(default_factory=dict)
    #: Where the list stands in the workbook (None: a CSV file, or not read): for the annotated copies.
    sheet: str | None = None
    header_line: int = 1
    columns: dict[str, int] = field(default_factory=dict)
    #: Rows given a new 编号 by this import: row number -> 编号.
    numbered: dict[int, str] = field(default_factory=dict)
    #: Imported into an encrypted repository: no copy of the workbook (all in clear) may go into its folder.
    encrypted: bool = False

    @property
    def valid(self) -> bool:
        return not any(p.level == ERROR for p in self.problems)


# --- reading the file -----------------------------------------------------------------------
#
# Uploaded files are untrusted: an .xlsx is a zip whose members can expand a thousandfold, and a
# sheet can claim (or hold) a million rows. Everything below is checked cheaply before openpyxl
# parses anything, and rows are streamed (openpyxl read-only mode) and counted as they come.

#: An upload (.xlsx or .csv) larger than this on disk is refused before it is read.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Rows of the list, header and blank rows included: a unit has at most about 1,000 volunteers.
MAX_IMPORT_ROWS = 5_000
#: Columns of the list: the template has fewer than 30.
MAX_IMPORT_COLUMNS = 256
#: Members of an .xlsx package (a workbook saved by Excel or WPS has a few dozen).
MAX_ZIP_MEMBERS = 1_000
#: Bytes of the package's central directory (its list of members); zipfile reads all of it.
MAX_ZIP_DIRECTORY_BYTES = 1024 * 1024
#: Declared uncompressed size of all members together (a 5,000-row list is well under 10 MiB).
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
#: A member that unpacks to more than RATIO_CHECKED_BYTES may be compressed at most this much (x : 1).
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_BYTES = 1024 * 1024
#: One XML member unpacked (a 5,000-row sheet written by openpyxl is about 7 MiB).
MAX_PART_BYTES = 24 * 1024 * 1024
#: Markup ("<") in one worksheet, in one of its rows, and in any other XML member (shared strings,
#: styles): openpyxl builds objects for these, so they bound its memory and time. A full 5,000-row
#: list has well under a million; a row of the template under 300.
MAX_SHEET_TAGS = 1_000_000
MAX_ROW_TAGS = MAX_IMPORT_COLUMNS * 8
#: Markup of a worksheet outside its rows (column widths, merged cells, validations) is kept whole by openpyxl.
MAX_SHEET_OTHER_TAGS = 100_000
MAX_PART_TAGS = 300_000
#: How much of a worksheet member is searched for its <dimension ref="A1:AA1001"/>.
DIMENSION_PROBE_BYTES = 4096

_MIB = 1024 * 1024
_ROW_START = re.compile(rb"<(?:[A-Za-z0-9_]+:)?row[\s>/]")
_SHEET_DATA_END = re.compile(rb"</(?:[A-Za-z0-9_]+:)?sheetData\s*>")
_XML_PART = (".xml", ".rels", ".vml")
_DIMENSION = re.compile(rb"<(?:[A-Za-z0-9_]+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})?\$?([0-9]{1,7})?")
_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END = b"PK\x06\x06"


class _TooLarge(Exception):
    """A limit was hit while streaming rows: (code, detail) for the file problem."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


def _file_problem(source: str, code: str, line: int | None = None, col: int | None = None, **params: Any) -> Problem:
    return catalogue.make(code, source, None, line, col, **params)


def _size(count: int) -> str:
    return f"{count / _MIB:.1f} MiB" if count >= _MIB else f"{count} 字节"


def _too_large(source: str, code: str, detail: str) -> list[Problem]:
    return [_file_problem(source, code, detail=catalogue.Verbatim(detail))]


def _zip_directory(raw: bytes) -> tuple[int, int] | None:
    """(members, bytes) of the central directory as zipfile will read it; None without an end record."""
    end = raw.rfind(_END_OF_DIRECTORY, max(0, len(raw) - 22 - 65535), max(0, len(raw) - 18))
    if end < 0 or end + 22 > len(raw):
        return None
    members, size = struct.unpack_from("<HI", raw, end + 10)
    locator = end - 20
    if locator >= 56 and raw[locator:locator + 4] == _ZIP64_LOCATOR and \
            raw[locator - 56:locator - 52] == _ZIP64_END:
        members, size = struct.unpack_from("<QQ", raw, locator - 56 + 32)
    return members, size


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _declared_extent(head: bytes) -> tuple[int, int] | None:
    """(last row, last column) a worksheet's <dimension> claims, from the first bytes of the member."""
    match = _DIMENSION.search(head)
    if not match:
        return None
    rows = columns = 0
    for part in match.group(1).decode("ascii", "replace").split(":"):
        cell = _CELL_REF.fullmatch(part.strip())
        if cell:
            columns = max(columns, _column_number(cell.group(1) or ""))
            rows = max(rows, int(cell.group(2) or 0))
    return rows, columns


def _checked_package(raw: bytes, source: str) -> tuple[bytes, list[Problem]]:
    """The package re-packed from exactly its declared contents, or the problems that stop it being read.

    Members, declared sizes, compression ratios, sheet extents and markup are
    checked first. Each member is then unpacked in bounded reads of its
    declared size (a stream that holds more is never unpacked past it) and
    stored uncompressed in a new package: openpyxl reads only that.
    """
    directory = _zip_directory(raw)
    if directory is None:
        return b"", [_file_problem(source, "XLS007", detail="不是 .xlsx 工作簿")]
    members, directory_bytes = directory
    if members > MAX_ZIP_MEMBERS or directory_bytes > MAX_ZIP_DIRECTORY_BYTES:
        return b"", _too_large(source, "XLS012", f"压缩包中有 {members} 个部件（目录 {_size(directory_bytes)}），"
                                            f"上限 {MAX_ZIP_MEMBERS} 个部件")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            infos = package.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                return b"", _too_large(source, "XLS012", f"压缩包中有 {len(infos)} 个部件，上限 {MAX_ZIP_MEMBERS} 个部件")
            total = 0
            for info in infos:
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    return b"", [_file_problem(source, "XLS007", detail="工作簿使用了不受支持的压缩方式")]
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > RATIO_CHECKED_BYTES and ratio > MAX_COMPRESSION_RATIO:
                    return b"", _too_large(source, "XLS012", f"部件 {info.filename} 解压后 {_size(info.file_size)}，"
                                                        f"压缩比 {ratio:.0f}:1，上限 {MAX_COMPRESSION_RATIO}:1")
                if info.filename.lower().endswith(_XML_PART) and info.file_size > MAX_PART_BYTES:
                    return b"", _too_large(source, "XLS012", f"部件 {info.filename} 解压后 {_size(info.file_size)}，"
                                                             f"上限 {_size(MAX_PART_BYTES)}")
            if total > MAX_UNZIPPED_BYTES:
                return b"", _too_large(source, "XLS012", f"解压后共 {_size(total)}，上限 {_size(MAX_UNZIPPED_BYTES)}")
            clean = io.BytesIO()
            with zipfile.ZipFile(clean, "w", zipfile.ZIP_STORED) as out:
                for info in infos:
                    if info.is_dir():
                        continue
                    with package.open(info) as member:
                        data = member.read(info.file_size)  # bounded; the CRC is checked at the declared end
                    if info.filename.lower().endswith(_XML_PART):
                        problem = _part_problem(info.filename, data)
                        if problem:
                            return b"", _too_large(source, *problem)
                    out.writestr(info.filename, data)
                    del data
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, zlib.error,
            RuntimeError, ValueError):
        return b"", [_file_problem(source, "XLS007", detail="工作簿已损坏或格式不受支持")]
    return clean.getvalue(), []


def _part_problem(name: str, data: bytes) -> tuple[str, str] | None:
    """(code, detail) when one XML member is too large for openpyxl to parse cheaply; None when it is fine."""
    if len(data) > MAX_PART_BYTES:
        return "XLS012", f"部件 {name} 解压后 {_size(len(data))}，上限 {_size(MAX_PART_BYTES)}"
    is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
    if is_sheet:
        extent = _declared_extent(data[:DIMENSION_PROBE_BYTES])
        if extent and (extent[0] > MAX_IMPORT_ROWS or extent[1] > MAX_IMPORT_COLUMNS):
            return "XLS013", (f"工作表部件 {name} 声明的范围有 {extent[0]} 行、{extent[1]} 列，"
                              f"上限 {MAX_IMPORT_ROWS} 行、{MAX_IMPORT_COLUMNS} 列")
    tags, limit = data.count(b"<"), MAX_SHEET_TAGS if is_sheet else MAX_PART_TAGS
    if tags > limit:
        return "XLS012", f"部件 {name} 有 {tags} 个 XML 标记，上限 {limit} 个"
    if is_sheet:
        starts = [match.start() for match in _ROW_START.finditer(data)]
        if len(starts) > MAX_IMPORT_ROWS:
            return "XLS013", f"工作表部件 {name} 有 {len(starts)} 行，上限 {MAX_IMPORT_ROWS} 行"
        last = _SHEET_DATA_END.search(data, starts[-1]) if starts else None
        in_rows = 0
        for start, end in zip(starts, [*starts[1:], last.start() if last else len(data)]):
            count = data.count(b"<", start, end)
            if count > MAX_ROW_TAGS:
                return "XLS013", f"工作表部件 {name} 有一行的单元格过多，上限 {MAX_IMPORT_COLUMNS} 列"
            in_rows += count
        if tags - in_rows > MAX_SHEET_OTHER_TAGS:
            return "XLS012", f"部件 {name} 在行以外有 {tags - in_rows} 个 XML 标记，上限 {MAX_SHEET_OTHER_TAGS} 个"
    return None


def _trimmed(cells: Any) -> list[Any]:
    """A row's values without the empty cells at its end; more than MAX_IMPORT_COLUMNS of them is too wide."""
    row = list(cells)
    while row and _blank(row[-1]):
        row.pop()
    if len(row) > MAX_IMPORT_COLUMNS:
        raise _TooLarge("XLS013", f"有一行写到了第 {len(row)} 列，上限 {MAX_IMPORT_COLUMNS} 列")
    return row


def _bounded(rows: Iterator[Any], name: str) -> Iterator[list[Any]]:
    """The rows one by one, stopping with _TooLarge after MAX_IMPORT_ROWS."""
    for count, cells in enumerate(rows, start=1):
        if count > MAX_IMPORT_ROWS:
            raise _TooLarge("XLS013", f"{name}超过 {MAX_IMPORT_ROWS} 行（空行也计算在内），上限 {MAX_IMPORT_ROWS} 行")
        yield _trimmed(cells)


def _csv_rows(raw: bytes, source: str) -> tuple[list[list[Any]], list[Problem]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return [], [_file_problem(source, "XLS007", detail="CSV 文件既不是 UTF-8 也不是 GB18030 编码")]
    try:
        rows = list(_bounded(csv.reader(io.StringIO(text, newline="")), "CSV 文件"))
    except _TooLarge as exc:
        return [], _too_large(source, exc.code, exc.detail)
    except csv.Error as exc:
        return [], [_file_problem(source, "XLS007", detail=f"CSV 格式错误（{exc}）")]
    return rows, []


def _visible_list(book: Any) -> tuple[str, list[list[Any]]] | None:
    """Title and rows of the first visible worksheet whose header has 姓名 and 身份证号码 (hidden sheets never count)."""
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        sheet.reset_dimensions()  # the rows themselves say how far they go (the dimension was checked)
        rows = _bounded(sheet.iter_rows(values_only=True), f"工作表“{sheet.title}”")
        head = [row for _, row in zip(range(10), rows)]
        if _header_index(head) is not None:
            return sheet.title, head + list(rows)
    return None


def _package(path: Path, source: str) -> tuple[bytes, list[Problem]]:
    """The checked, re-packed .xlsx package of `path`, or the problems that stop it being read."""
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        return b"", _too_large(source, "XLS012", f"文件有 {_size(size)}，上限 {_size(MAX_UPLOAD_BYTES)}")
    raw = path.read_bytes()
    if is_encrypted(raw):
        return b"", [_file_problem(source, "XLS007", detail="文件加了打开密码，或是旧版 .xls 格式")]
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        return b"", [_file_problem(source, "XLS007", detail="不是 .xlsx 工作簿")]
    return _checked_package(raw, source)


def _raw_rows(path: Path, source: str) -> tuple[str | None, list[list[Any]], list[Problem]]:
    """The sheet's title and every row's cell values (xlsx: typed; csv: text) of the list, or a file problem.

    The file is refused when it is larger than the limits above; of a workbook
    only visible worksheets are read.
    """
    if path.suffix.lower() == ".csv":
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            return None, [], _too_large(source, "XLS012", f"文件有 {_size(size)}，上限 {_size(MAX_UPLOAD_BYTES)}")
        return None, *_csv_rows(path.read_bytes(), source)
    clean, problems = _package(path, source)
    if problems:
        return None, [], problems
    import openpyxl

    book = None
    try:
        book = openpyxl.load_workbook(io.BytesIO(clean), read_only=True, data_only=True)
        found = _visible_list(book)
    except _TooLarge as exc:
        return None, [], _too_large(source, exc.code, exc.detail)
    except Exception as exc:  # openpyxl raises many kinds for a damaged package
        return None, [], [_file_problem(source, "XLS007", detail=f"工作簿已损坏或格式不受支持（{type(exc).__name__}）")]
    finally:
        if book is not None:
            book.close()
    if found is None:
        return None, [], [_file_problem(source, "XLS008")]
    return found[0], found[1], []


def _header_text(value: Any) -> str:
    return _HEADER_DECORATION.sub("", str(value)).strip() if value is not None else ""


def _header_index(rows: list[list[Any]]) -> int | None:
    for index, row in enumerate(rows[:10]):
        headers = {_header_text(v) for v in row}
        if f.NAME in headers and ID in headers:
            return index
    return None


def read_table(path: Path, source: str) -> Sheet:
    """The rows of the list in `path` with values converted for the record rules."""
    title, rows, problems = _raw_rows(path, source)
    table = Sheet(problems=problems, title=title)
    if problems:
        return table
    header_at = _header_index(rows)
    if header_at is None:
        table.problems.append(_file_problem(source, "XLS008"))
        return table
    header_line = table.header_line = header_at + 1
    allowed = (*COLUMNS, UNIT_KEY)
    for col, value in enumerate(rows[header_at], start=1):
        name = _header_text(value)
        if not name or name == ERROR_COLUMN:
            continue
        if name in table.columns:
            table.problems.append(_file_problem(source, "XLS009", header_line, col, header=name))
        elif name not in allowed:
            from .codelists import suggest

            table.problems.append(_file_problem(source, "XLS003", header_line, col, header=name,
                                                suggestion=suggest(name, list(allowed))))  # a warning: ignored
        else:
            table.columns[name] = col
    needed = required_keys() | {RECORD_ID}  # optional columns (and 出生日期/性别, taken from the ID) may be left out
    missing = [key for key in COLUMNS if key in needed and key not in table.columns]
    if missing:
        table.problems.append(_file_problem(source, "XLS004", header_line, None, columns="、".join(missing)))
    if any(p.level == ERROR for p in table.problems):
        return table
    id_col = table.columns[RECORD_ID]
    for offset, cells in enumerate(rows[header_at + 1:], start=header_at + 2):
        if all(_blank(v) for v in cells):
            continue
        marker = cells[id_col - 1] if id_col - 1 < len(cells) else None
        if isinstance(marker, str) and marker.strip() == EXAMPLE_MARKER:
            continue  # the template's example row
        row = Row(offset, {}, {(): (offset, 1)})
        for key, col in table.columns.items():
            value = cells[col - 1] if col - 1 < len(cells) else None
            if _blank(value):
                continue
            row.marks[(key,)] = (offset, col)
            converted = convert(key, value, row, source)
            if converted is None:
                continue
            row.data[key] = converted
            if isinstance(converted, list):
                for index in range(len(converted)):
                    row.marks[(key, index)] = (offset, col)
        _fill_from_id(row, table.columns, source)
        table.rows.append(row)
    return table


def _fill_from_id(row: Row, columns: dict[str, int], source: str) -> None:
    """出生日期 and 性别 left blank are taken from a well-formed ID number, with a notice each."""
    raw = row.data.get(ID)
    if not isinstance(raw, str):
        return
    number = idcard.normalise(raw)
    if not idcard.shape_ok(number) or idcard.check_char(number) != number[17]:
        return
    birth = idcard.birth_date(number)
    for key, value in ((f.BIRTH_DATE, birth), (f.SEX, idcard.sex(number))):
        if key in row.data or value is None:
            continue
        row.data[key] = value
        at = row.marks[(key,)] = (row.number, columns.get(key, columns[ID]))
        shown = value.isoformat() if isinstance(value, date) else value
        row.problems.append(catalogue.make("XLS015", source, key, *at, field=key, value=shown))


def split_items(key: str, text: str) -> list[str]:
    """The items of a list cell: one per line; a line of code-list values may also be separated by 、，,;；/ or spaces.

    A line is split only when every part is a value of the column's code list
    (text after “其它:” is one item, never split), so an item the template
    wrote on its own line always comes back unchanged.
    """
    choices = cl.CODE_LISTS[key][0] if key in cl.CODE_LISTS else None
    items: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            items += _split_line(line, choices)
    return items


def _split_line(line: str, choices: tuple[str, ...] | None) -> list[str]:
    if choices is None:
        return [line]
    other = line.find(cl.OTHER_PREFIX)
    head, tail = (line[:other], line[other:].strip()) if other >= 0 else (line, "")
    parts = [part for part in _SEPARATORS.split(head) if part]
    if not all(part in choices for part in parts) or (tail and parts and not _SEPARATORS.fullmatch(head[-1])):
        return [line]
    return parts + ([tail] if tail else [])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown_number(value: float | int) -> str:
    return f"{value:.15G}" if isinstance(value, float) else str(value)


def convert(key: str, value: Any, row: Row, source: str) -> Any:
    """A cell value as the record rules expect it; a lossy number becomes a problem (and None)."""
    at = row.marks[(key,)]

    def problem(code: str, **params: Any) -> None:
        row.problems.append(catalogue.make(code, source, key, at[0], at[1], **params))

    if isinstance(value, datetime) and key not in DATE_KEYS:
        # Excel turns "2024-09-05" typed into a text column into a date; keep what the person typed.
        value = value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    # Texts are kept as typed apart from outer spaces, which are removed with a notice (never
    # silently); tabs and line breaks stay, so a record's text survives template → import unchanged.
    if isinstance(value, str) and key not in _NOT_TRIMMED and value.strip(_SPACES) != value:
        value = value.strip(_SPACES)
        problem("XLS014", field=key)
    if key in LIST_KEYS:
        return split_items(key, str(_whole(value))) or None
    if key in BOOL_KEYS:
        if isinstance(value, bool):
            return value
        word = value.strip() if isinstance(value, str) else value
        return True if word in _TRUE_TEXT else False if word in _FALSE_TEXT else value
    if key in DATE_KEYS:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, str) and (match := _DATE_TEXT.fullmatch(value.strip())):
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                return value
        return value
    if key == ID:
        if isinstance(value, float) or (isinstance(value, str) and _SCIENTIFIC.fullmatch(value)):
            problem("XLS001", shown=_shown_number(value) if isinstance(value, float) else value)
            return None
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if key in NUMBER_KEYS:
        if isinstance(value, str):
            if _SCIENTIFIC.fullmatch(value):
                problem("XLS002", field=key, shown=value)
                return None
            whole = _WHOLE_FLOAT_TEXT.fullmatch(value)
            return whole.group(1) if whole and key != f.LANDLINE else value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if key == f.LANDLINE or not float(value).is_integer() or abs(value) >= EXACT_LIMIT:
                problem("XLS002", field=key, shown=_shown_number(value))
                return None
            return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(_whole(value))  # a number typed into a text column (工作单位 "12") is its digits
    return _whole(value)


def _whole(value: Any) -> Any:
    """12.0 read from a cell is the whole number 12."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# --- the repository as it stands --------------------------------------------------------------

def numbers_ever_used(root: Path, unit: str) -> set[int]:
    """Record numbers of `unit` in the working tree and in the target branch's history (deleted ones too).

    Only the branch changes are merged into is read (origin/main, else main):
    an abandoned local branch never moves the numbering on.
    """
    folder = f"{settings.VOLUNTEERS_DIR}/{unit}"
    names = {p.name for p in (root / folder).glob("*.yaml")} if (root / folder).is_dir() else set()
    branch = target_branch(root)
    if branch is not None:
        names |= names_ever_in(root, folder, branch)
    used = set()
    for name in names:
        match = _RECORD_NUMBER.search(name)
        if match and name.startswith(f"{unit}-"):
            used.add(int(match.group(1)))
    return used


def _comparable(data: dict[str, Any] | None) -> dict[str, Any]:
    return {key: value for key, value in (data or {}).items() if value is not None}


# --- the import -----------------------------------------------------------------------------------

def import_file(root: Path, path: Path, unit: str, *, dry_run: bool = False, source: str | None = None,
                today: date | None = None, judged_by: Settings | None = None) -> Outcome:
    """Check every row of `path` as a record of `unit`; unless `dry_run`, write them when all pass.

    `judged_by`: the settings to judge by instead of the tree's (a pull request
    is judged by its target branch's). Raises SettingsInvalid when the
    settings have errors and UnknownUnit for a unit code they do not know.
    In an encrypted repository records are written encrypted, and it raises
    KeysCannotOpen when no key held here opens the unit's records (the rows could
    not be checked against them) or one it would update.
    """
    repo = Repository(root, today or settings.today(), judged_by=judged_by)
    repo.settings.required()
    unit_name = repo.settings.unit(unit).name
    if not repo.holds_key_for(unit):
        raise KeysCannotOpen(0, unit=unit)
    source = source or path.name
    outcome = Outcome(source, encrypted=repo.encrypted)
    table = read_table(path, source)
    outcome.problems += table.problems
    outcome.sheet, outcome.header_line, outcome.columns = table.title, table.header_line, table.columns
    if not outcome.valid:
        return outcome
    outcome.rows = len(table.rows)
    folder = f"{settings.VOLUNTEERS_DIR}/{unit}"
    used = numbers_ever_used(root, unit)
    next_number = max(used, default=0) + 1
    seen: dict[str, int] = {}
    checked: list[tuple[Row, str, dict[str, Any] | None]] = []
    for row in table.rows:
        given = row.data.get(RECORD_ID)
        if isinstance(given, str):
            if given in seen:
                at = row.marks[(RECORD_ID,)]
                outcome.problems.append(catalogue.make("XLS006", source, RECORD_ID, *at, value=given, first=seen[given]))
                continue
            seen[given] = row.number
            if not (root / folder / f"{given}.yaml").is_file():
                at = row.marks[(RECORD_ID,)]
                outcome.problems.append(catalogue.make("XLS005", source, RECORD_ID, *at, value=given,
                                                       unit_name=unit_name))
                continue
            record_id = given
        elif given is None:
            record_id = f"{unit}-{next_number:05d}"
            next_number += 1
            row.data[RECORD_ID] = record_id
            outcome.numbered[row.number] = record_id
            row.marks.setdefault((RECORD_ID,), (row.number, table.columns[RECORD_ID]))
        else:
            record_id = f"{unit}-invalid-{row.number}"
        row.data.setdefault(UNIT_KEY, unit)
        rel = f"{folder}/{record_id}.yaml"
        outcome.row_of[rel] = row.number
        loaded = Loaded(rel, dict(row.data), dict(row.marks), {}, list(row.problems))
        problems, data = repo.check(loaded)
        outcome.problems += problems
        checked.append((row, rel, data))
    outcome.problems += _repository_problems(repo, checked, outcome)
    if not outcome.valid:
        return outcome
    changes: list[tuple[str, dict[str, Any], Loaded | None]] = []
    locked: list[str] = []
    for _row, rel, data in checked:
        previous = repo.load(rel) if (root / rel).is_file() else None
        if previous is not None and previous.locked:
            locked.append(rel)  # never replaced by what the row says without reading what it holds
        elif previous is not None and _comparable(repo.check(previous)[1]) == _comparable(data):
            outcome.unchanged += 1
        else:
            changes.append((rel, _comparable(data), previous))
    if locked:
        raise KeysCannotOpen(len(locked), rels=locked, unit=unit)
    for rel, data, previous in changes:
        if not dry_run:  # an updated record keeps its data key: unchanged values keep their ciphertext
            repo.write_record(rel, data, previous)
        outcome.written.append((rel, "新增" if previous is None else "更新"))
    return outcome


def _repository_problems(repo: Repository, checked: list[tuple[Row, str, Any]], outcome: Outcome) -> list[Problem]:
    """Quotas and duplicates of the repository as it would be after the import, for the imported rows."""
    ours = {rel: (row, data) for row, rel, data in checked}
    new = frozenset(rel for rel in ours if not (repo.root / rel).exists())
    problems = []
    replacing = {rel: (data, row.marks.get((ID,), (row.number, 1))) for rel, (row, data) in ours.items()}
    row_of = outcome.row_of

    def at_row(match: re.Match[str]) -> str:
        rel = match.group(0)
        return f"第 {row_of[rel]} 行（{rel.rsplit('/', 1)[-1][:-5]}）" if rel in row_of else rel

    for problem in repo.problems_with(replacing, new):
        if problem.files.isdisjoint(ours):
            continue  # about other records only: `pingan validate` reports those
        if problem.file not in ours and problem.file.startswith(settings.VOLUNTEERS_DIR + "/"):
            continue  # the same finding is reported at the imported row
        message = _RECORD_PATH.sub(at_row, problem.message)  # one pass, whatever the number of rows
        line = (problem.line or outcome.row_of[problem.file]) if problem.file in ours else None
        problems.append(Problem(problem.file, line,
                                problem.col if problem.file in ours else None, problem.code, problem.level,
                                problem.field, message, problem.involves))
    return problems


def column_label(name: str) -> str:
    """The column header a problem's field stands for: 服务时间[2] is 服务时间（第 2 项）."""
    item = _ITEM_FIELD.fullmatch(name)
    return f"{item.group(1)}（第 {item.group(2)} 项）" if item else name


def fix_text(problem: Problem) -> str:
    """What to write instead: the catalogue's 改正方法 of the problem's code."""
    entry = catalogue.CATALOGUE.get(problem.code)
    return entry.fix if entry else ""


def row_line(problem: Problem) -> str:
    """第 12 行 身份证号码：身份证号码校验码错误：应为 8 [ID003] 改正方法：…"""
    where = f"第 {problem.line} 行" if problem.line else ""
    label = f" {column_label(problem.field)}" if problem.field and problem.line else ""
    head = f"{where}{label}".strip()
    fix = fix_text(problem)
    tail = f" [{problem.code}]" + (f" 改正方法：{fix}" if fix else "")
    return f"{head}：{problem.message}{tail}" if head else problem.message + tail


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.col or 0, p.code))


# --- annotated copies of the workbook: errors marked, new numbers written back ---------------------
#
# Both are copies made with openpyxl of the checked package (never the input itself). The unit fixes
# the error workbook in place and imports it again: the summary sheet has no 姓名/身份证号码 header and
# the 错误说明 column is skipped, so only the list is read. Marks of an earlier run are removed first.

#: Author of the comments this module writes (how its own marks are recognised and removed).
ANNOTATOR = "pingan 导入检查"
#: Fills of a cell with an error, and of one with only a warning or notice (ARGB).
ERROR_FILL, NOTICE_FILL = "FFFFC7CE", "FFFFEB9C"
ERROR_WORKBOOK_SUFFIX = "-错误标注"
WRITE_BACK_SUFFIX = "-已编号"


class CannotAnnotate(ValueError):
    """The list could not be read (or is a CSV file): there is no workbook to copy."""


def error_workbook_path(path: Path) -> Path:
    """名单.xlsx -> 名单-错误标注.xlsx, next to the input."""
    return path.with_name(f"{path.stem}{ERROR_WORKBOOK_SUFFIX}.xlsx")


def write_back_path(path: Path) -> Path:
    """名单.xlsx (or the fixed 名单-错误标注.xlsx) -> 名单-已编号.xlsx, next to the input."""
    return path.with_name(f"{path.stem.removesuffix(ERROR_WORKBOOK_SUFFIX)}{WRITE_BACK_SUFFIX}.xlsx")


def _open_copy(path: Path, outcome: Outcome) -> tuple[Any, Any, int | None]:
    """The workbook, its list sheet with earlier marks removed, and the column of 错误说明 (None without one)."""
    if outcome.sheet is None or path.suffix.lower() != ".xlsx":
        raise CannotAnnotate(outcome.source)
    clean, problems = _package(path, outcome.source)
    if problems:
        raise CannotAnnotate(outcome.source)
    import openpyxl
    from openpyxl.cell.cell import MergedCell
    from openpyxl.styles import PatternFill

    book = openpyxl.load_workbook(io.BytesIO(clean))
    if SUMMARY_SHEET in book.sheetnames:
        del book[SUMMARY_SHEET]
    sheet = book[outcome.sheet]
    error_col = None
    for cell in sheet[outcome.header_line]:
        if _header_text(cell.value) == ERROR_COLUMN:
            error_col = cell.column
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell, MergedCell):
                continue
            if cell.comment is not None and cell.comment.author == ANNOTATOR:
                cell.comment = None
            if cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb in (ERROR_FILL, NOTICE_FILL):
                cell.fill = PatternFill(fill_type=None)
    return book, sheet, error_col


def _save(book: Any, out: Path, first: Any) -> None:
    """Save with exactly one selected sheet, `first` (grouped sheets would take every edit twice)."""
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = False
    first.sheet_view.tabSelected = True
    book.active = book.worksheets.index(first)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)


def write_error_workbook(path: Path, outcome: Outcome, out: Path) -> int:
    """A copy of `path` with every problem marked: cells filled and commented, a 错误说明 column, a summary sheet.

    Returns the number of rows with an error. Raises CannotAnnotate when the
    list could not be read or the file is a CSV file.
    """
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book, sheet, error_col = _open_copy(path, outcome)
    header = outcome.header_line
    if error_col is None:
        used = [cell.column for cell in sheet[header] if not _blank(cell.value)]
        error_col = max(used, default=0) + 1
    for (cell,) in sheet.iter_rows(min_row=header + 1, min_col=error_col, max_col=error_col):
        cell.value = None
    head = sheet.cell(header, error_col, ERROR_COLUMN)
    head.font = Font(bold=True, color="FFC00000")
    sheet.column_dimensions[get_column_letter(error_col)].width = 60
    wrap = Alignment(wrap_text=True, vertical="top")
    problems = sorted_problems(outcome.problems)
    by_row: dict[int, list[str]] = {}
    by_cell: dict[tuple[int, int], list[Problem]] = {}
    for problem in problems:
        label = column_label(problem.field) if problem.field else ""
        if problem.line and problem.line > header:
            text = f"{problem.level}：{label + '：' if label else ''}{problem.message} [{problem.code}]"
            by_row.setdefault(problem.line, []).append(text)
        at = _problem_column(problem, outcome)
        if problem.line and at:
            by_cell.setdefault((problem.line, at), []).append(problem)
    for line, texts in by_row.items():
        cell = sheet.cell(line, error_col, "\n".join(texts))
        cell.alignment = wrap
        cell.number_format = "@"
    for (line, col), found in by_cell.items():
        cell = sheet.cell(line, col)
        worst = ERROR_FILL if any(p.level == ERROR for p in found) else NOTICE_FILL
        cell.fill = PatternFill(fill_type="solid", fgColor=worst, bgColor=worst)
        if cell.comment is None:
            text = "\n".join(f"{p.level}：{p.message} [{p.code}]\n改正方法：{fix_text(p)}" for p in found)
            cell.comment = Comment(text, ANNOTATOR, height=160, width=360)
    summary = book.create_sheet(SUMMARY_SHEET, 0)
    summary.append(["行", "列", "列名", "级别", "代码", "说明", "改正方法"])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    for problem in problems:
        at = _problem_column(problem, outcome)
        summary.append([problem.line, get_column_letter(at) if at else None,
                        column_label(problem.field) if problem.field else None, problem.level, problem.code,
                        problem.message, fix_text(problem)])
    for letter, width in zip("ABCDEFG", (6, 5, 16, 6, 8, 60, 60)):
        summary.column_dimensions[letter].width = width
    for row in summary.iter_rows(min_row=2, min_col=6, max_col=7):
        for cell in row:
            cell.alignment = wrap
    summary.freeze_panes = "A2"
    _save(book, out, summary)
    return len({p.line for p in problems if p.level == ERROR and p.line and p.line > header})


def _problem_column(problem: Problem, outcome: Outcome) -> int | None:
    """The column a problem is about: its field's column (a missing value too), else where it was found."""
    key = problem.field.split("[", 1)[0] if problem.field else None
    return outcome.columns.get(key, problem.col) if key and problem.line else problem.col


def write_back(path: Path, outcome: Outcome, out: Path) -> int:
    """A copy of `path` with the 编号 this import assigned filled in (marks of an error workbook removed).

    Importing the copy again updates these people instead of adding them a
    second time. Returns how many numbers were written. Raises CannotAnnotate
    as `write_error_workbook` does.
    """
    book, sheet, error_col = _open_copy(path, outcome)
    if error_col is not None:
        for (cell,) in sheet.iter_rows(min_row=outcome.header_line, min_col=error_col, max_col=error_col):
            cell.value = None
    col = outcome.columns[RECORD_ID]
    for line, record_id in outcome.numbered.items():
        cell = sheet.cell(line, col, record_id)
        cell.number_format = "@"
    _save(book, out, sheet)
    return len(outcome.numbered)
