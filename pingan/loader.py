"""The one place that reads repository files: safe YAML loading with positions.

Records are parsed from libyaml events (the C parser where available) so that
anchors, tags, merge keys and duplicate keys are seen and refused, and so that
every value keeps its line and column for messages. A record laid out exactly
as pingan writes it is read without the parser, with the same result
(_written). Encrypted values are opened right after (sealed.py), in the same
places.
"""
from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

import yaml

from . import catalogue
from .fields import CLEAR_KEYS, SEALED_KEYS
from .problems import Problem
from .settings import MAX_RECORD_BYTES, SCHEMA_PRAGMA, TIMEZONE
from .sopsfile import ENVELOPE_KEY, QUOTED_CHAR, TOKEN_UP_TO_TYPE, Seal, written_envelope

try:
    from yaml._yaml import CParser  # what yaml.cyaml re-exports (its stubs' __all__ leaves it out)

    _Parser: type[CParser] | type[yaml.SafeLoader] = CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = yaml.SafeLoader

Path_ = tuple[str | int, ...]

_RESOLVER = yaml.resolver.Resolver()
#: First characters for which YAML 1.1 may resolve a plain scalar to something other than a string.
_IMPLICIT_FIRST = frozenset(key for key in _RESOLVER.yaml_implicit_resolvers if key)

_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_PLAIN_DECIMAL = re.compile(r"[1-9][0-9]*|0")
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp"))
_TRUE_FALSE = {"true", "True", "TRUE", "false", "False", "FALSE"}

_TOO_DEEP = "括号或缩进嵌套的层数过多"
_SYNTAX_HINTS = (
    ("could not find expected ':'", "找不到应有的冒号（字段名后写“: ”，冒号后留一个空格）"),
    ("mapping values are not allowed", "这里不能出现“字段: 值”（值中含英文冒号时请给整个值加引号）"),
    ("tab character", "缩进中不能使用制表符（Tab），请用空格"),
    ("found character that cannot start any token", "出现了不能作为值开头的字符（如 Tab、@ 或 `），请给值加引号"),
    ("did not find expected key", "缩进不一致：同一层的字段要左对齐"),
    ("did not find expected '-' indicator", "列表项缩进不一致：每项以“- ”开头并左对齐"),
    ("block sequence entries are not allowed", "这里不能出现列表项“- ”（检查上一行的缩进）"),
    ("found unexpected end of stream", "文件意外结束（引号或括号没有闭合）"),
    ("found unknown escape character", "双引号中的“\\”不是有效的转义，请改用单引号"),
    ("did not find expected node content", "缺少值（检查逗号、括号和“- ”）"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("control characters are not allowed", "含有不可见的控制字符"),
    ("did not find expected", "格式不完整（检查括号、引号和缩进）"),
    ("nesting depth", _TOO_DEEP),
)


@dataclass
class Loaded:
    """A parsed file: its mapping (None when unusable), value and key positions, and problems."""

    rel: str
    data: dict[str, Any] | None = None
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: What the file system said before the file was read, and the bytes read (None when not read).
    info: os.stat_result | None = None
    raw: bytes | None = None
    #: How the file was encrypted (None: a plaintext file); see sealed.py.
    seal: Seal | None = None

    @property
    def locked(self) -> bool:
        """Encrypted, and no key held here opened it: only its clear fields are in `data`."""
        return self.seal is not None and not self.seal.opened

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """Line and column of the value at `path`, else of its nearest parent, else of the mapping."""
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (None, None))


class _Mark(Protocol):
    """A parser position (libyaml's and pure-Python PyYAML's marks alike); 0-based."""

    line: int
    column: int


def _line_col(mark: _Mark | None) -> tuple[int | None, int | None]:
    """1-based line and column of a parser position; (None, None) without one."""
    return (mark.line + 1, mark.column + 1) if mark else (None, None)


class _Refused(Exception):
    """Internal: stop building after a problem that makes the rest meaningless."""


def _decode(raw: bytes) -> tuple[str | None, str | None]:
    """(text, None) for UTF-8 (BOM tolerated), else (None, the encoding it looks like)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (len(raw) > 1 and b"\x00" in raw[:64]):
        return None, "UTF-16"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            raw.decode("gb18030")
            return None, "GBK/GB18030"
        except UnicodeDecodeError:
            return None, "未知编码"
    return text.removeprefix("\ufeff"), None


def _syntax_detail(exc: yaml.YAMLError) -> str:
    text = f"{getattr(exc, 'problem', '')} {getattr(exc, 'context', '')}"
    for needle, chinese in _SYNTAX_HINTS:
        if needle in text:
            return chinese
    return "无法解析这一行，请对照示例检查格式"


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


_ALIAS, _SCALAR, _SEQ_START, _SEQ_END, _MAP_END = (
    yaml.AliasEvent, yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.SequenceEndEvent, yaml.MappingEndEvent)
#: The one plain form of a date that records use; YAML 1.1 reads it as date(year, month, day).
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _Builder:
    """Turns a libyaml event stream into plain Python values, recording positions.

    This runs for each of the fifty-odd events of every record, so it calls the
    parser's `get_event` directly, compares event classes by identity, and leaves
    only the unusual (anchors, tags, odd keys, plain scalars YAML may retype) to
    other methods.
    """

    def __init__(self, loaded: Loaded, text_keys: frozenset[str], get_event: Any):
        self.loaded = loaded
        self.text_keys = text_keys
        self.get = get_event
        self.marks = loaded.marks
        self.key_marks = loaded.key_marks

    def problem(self, code: str, mark: Any, field_: str | None = None, **params: object) -> None:
        self.loaded.problems.append(
            catalogue.make(code, self.loaded.rel, field_, mark.line + 1, mark.column + 1, **params))

    def check_node(self, event: Any) -> None:
        """Refuse an alias or anchor (an alias event's `anchor` is the name it refers to) and any tag but "!"."""
        if event.anchor:
            self.problem("YML008", event.start_mark)
            raise _Refused
        tag = event.tag
        if tag and tag != "!":
            self.problem("YML010", event.start_mark, tag=_short_tag(tag))
            raise _Refused

    def build(self, event: Any, path: Path_) -> Any:
        """The value that starts with `event`; its position is recorded at `path`."""
        cls = type(event)
        if cls is _ALIAS or event.anchor or event.tag:
            self.check_node(event)
        mark = event.start_mark
        self.marks[path] = (mark.line + 1, mark.column + 1)
        if cls is _SCALAR:
            text = event.value
            if event.style != "" or not event.implicit[0] or (text and text[0] not in _IMPLICIT_FIRST):
                return text
            return self.plain(text, mark, path)
        get = self.get
        if cls is _SEQ_START:
            items: list[Any] = []
            while True:
                event = get()
                if type(event) is _SEQ_END:
                    return items
                items.append(self.build(event, (*path, len(items))))
        mapping: dict[str, Any] = {}
        key_marks = self.key_marks
        while True:
            event = get()
            if type(event) is _MAP_END:
                return mapping
            if type(event) is _SCALAR and not (event.anchor or event.tag) and event.value != "<<":
                key = event.value
            else:
                key = self.unusual_key(event)
            mark = event.start_mark
            child = (*path, key)
            if key in mapping:
                self.problem("YML007", mark, key, key=key, first_line=key_marks[child][0])
                raise _Refused
            key_marks[child] = (mark.line + 1, mark.column + 1)
            mapping[key] = self.build(get(), child)

    def unusual_key(self, event: Any) -> str:
        """A mapping key with an anchor, tag or the text "<<": allowed only as a quoted or "!"-tagged text."""
        if type(event) is not _SCALAR:
            self.check_node(event)
            self.problem("YML003", event.start_mark, detail="字段名必须是文字")
            raise _Refused
        self.check_node(event)
        if event.value == "<<" and event.style == "":
            self.problem("YML009", event.start_mark)
            raise _Refused
        return event.value

    def plain(self, text: str, mark: Any, path: Path_) -> Any:
        """A plain scalar that YAML 1.1 may resolve to another type: kept, converted, or refused (YML012, YML014)."""
        field_ = path[0] if path and isinstance(path[0], str) else None
        is_date = _PLAIN_DATE.fullmatch(text) is not None
        tag = _TIMESTAMP if is_date else _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
        if tag == _NULL:
            return None
        node = yaml.ScalarNode(tag, text)
        if tag == _BOOL:
            if text in _TRUE_FALSE:
                return _CONSTRUCTOR.construct_yaml_bool(node)
            became = "布尔值 true" if _CONSTRUCTOR.construct_yaml_bool(node) else "布尔值 false"
            advice = "表示是或否请写 true 或 false，表示文字请加引号"
        elif tag == _INT:
            try:
                value = _CONSTRUCTOR.construct_yaml_int(node)
            except ValueError:  # a prefix without digits ("0x_"): no number at all, so the text as written
                return text
            if _PLAIN_DECIMAL.fullmatch(text):
                return text if len(path) == 1 and path[0] in self.text_keys else value
            became, advice = f"数字 {value}", f'请加引号写成 "{text}"'
        elif tag == _FLOAT:
            became, advice = f"小数 {_CONSTRUCTOR.construct_yaml_float(node)!r}", f'请加引号写成 "{text}"'
        elif tag == _TIMESTAMP:
            try:
                when = date(int(text[:4]), int(text[5:7]), int(text[8:])) if is_date \
                    else _CONSTRUCTOR.construct_yaml_timestamp(node)
            except ValueError:  # the form of a date, but no such day (2015-02-30)
                self.problem("YML014", mark, field_, text=text)
                return text
            if isinstance(when, datetime):
                if when.tzinfo is not None:
                    when = when.astimezone(TIMEZONE)
                return when.date()
            return when
        else:  # text, or "<<" and "=", which YAML 1.1 names but gives no value: the text as written
            return text
        self.problem("YML012", mark, field_, text=text, became=became, advice=advice)
        return text


def _has_pragma(text: str) -> bool:
    """The editor schema comment stands in the file's leading comment block."""
    if text.startswith(_PRAGMA_LINE):  # where every writer puts it
        return True
    for line in text.splitlines():
        if line.strip() == SCHEMA_PRAGMA:
            return True
        if line.strip() and not line.lstrip().startswith("#"):
            return False
    return False


#: No value: _parse refused the file (the problem is in `loaded`), or _written found another layout.
_UNREAD = object()


def _parse(loaded: Loaded, text: str, text_keys: frozenset[str]) -> Any:
    """The one document in `text`, its positions and problems recorded in `loaded`."""
    parser = _Parser(text)
    get = parser.get_event
    builder = _Builder(loaded, text_keys, get)
    try:
        get()  # StreamStart
        start = get()
        if isinstance(start, yaml.StreamEndEvent):
            loaded.problems.append(catalogue.make("YML004", loaded.rel, None, 1, 1))
            return _UNREAD
        value = builder.build(get(), ())
        get()  # DocumentEnd
        after = get()
        if isinstance(after, yaml.DocumentStartEvent):
            loaded.problems.append(catalogue.make("YML005", loaded.rel, None, *_line_col(after.start_mark)))
            return _UNREAD
    except _Refused:
        return _UNREAD
    except RecursionError:  # nested deeper than Python's stack, though within libyaml's limit
        loaded.problems.append(catalogue.make("YML003", loaded.rel, None, detail=_TOO_DEEP))
        return _UNREAD
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        loaded.problems.append(catalogue.make("YML003", loaded.rel, None, *_line_col(mark), detail=_syntax_detail(exc)))
        return _UNREAD
    finally:
        parser.dispose()
    return value


_SEALED_CUT = f"\n{ENVELOPE_KEY}:\n"
_PRAGMA_LINE = f"{SCHEMA_PRAGMA}\n"


#: What a record file holds (above its `sops:` block when encrypted), line by line, exactly as yamlio writes it:
#: a key of the model, then a quoted value, a token, a plain value, "" or [], or nothing and a list below.
_QUOTED = f'"{QUOTED_CHAR}*"'
_TOKEN = rf"{TOKEN_UP_TO_TYPE}[a-z]+\]"
#: A plain value of letters, digits, Chinese and a few marks that mean nothing to YAML, with single spaces
#: between words: YAML reads it as its text, unless it starts as a number, date, boolean or null may
#: (see _plain_value).
_SAFE = "A-Za-z0-9\u00a1-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff"
_PLAIN = f"[{_SAFE}][{_SAFE}._/()-]*(?: [{_SAFE}._/()-]+)*"
#: A key as yamlio writes the model's (each is checked against them): a plain scalar YAML reads as that text.
_KEY = r"[^\x00-\x7f]+|QQ"
_WRITTEN_LINE = re.compile(
    rf'((?:({_KEY}):(?: ({_QUOTED}|{_TOKEN}|{_PLAIN}|\[\])|)|  - ({_TOKEN}|{_QUOTED}|{_PLAIN}))\n)')
_RECORD_KEYS = frozenset((*CLEAR_KEYS, *SEALED_KEYS))
_BOOLEANS = {"true": True, "false": False}


def _plain_value(written: str) -> Any:
    """A value of the layout as YAML reads it: quoted text without its quotes, a token, or a plain value; _UNREAD
    for a plain value the parser reads otherwise or refuses (a number, "yes", null, a day that does not exist)."""
    first = written[0]
    if first == '"':
        return written[1:-1]
    if first not in _IMPLICIT_FIRST:
        return written
    if _PLAIN_DATE.fullmatch(written):
        try:
            return date(int(written[:4]), int(written[5:7]), int(written[8:]))
        except ValueError:
            return _UNREAD
    if written in _BOOLEANS:
        return _BOOLEANS[written]
    return written if _RESOLVER.resolve(yaml.ScalarNode, written, (True, False)) == _STR else _UNREAD


def _written(loaded: Loaded, text: str) -> Any:
    """A record exactly as pingan writes it (yamlio), plaintext or encrypted, read without the YAML parser;
    _UNREAD for any other text, which the parser then reads.

    Every record pingan writes (import, demo data, fixes, encryption) takes this
    path, which costs about a third of the parser's. The layout it accepts is so
    narrow that YAML reads it one way only: keys of the model at column 1; values
    that are quoted text without escapes, tokens, plain values of letters,
    digits, Chinese and single spaces, or []; list items of the same; no comment
    but the schema line; an encrypted record's `sops:` block as
    sopsfile.envelope_lines writes it. The tests hold its result (values,
    positions, problems) to the parser's on written files and on thousands of
    altered ones.
    """
    if not text.startswith(_PRAGMA_LINE):
        return _UNREAD
    cut = text.rfind(_SEALED_CUT)
    head = text if cut < 0 else text[:cut + 1]
    block = None if cut < 0 else written_envelope(text[cut + 1:], head.count("\n") + 1)
    if cut >= 0 and block is None:
        return _UNREAD
    lines = _WRITTEN_LINE.findall(head, len(_PRAGMA_LINE))
    if sum(len(line[0]) for line in lines) != len(head) - len(_PRAGMA_LINE):  # a line that is not of the layout
        return _UNREAD
    value: dict[str, Any] = {}
    marks, key_marks = loaded.marks, loaded.key_marks
    row, key = 1, ""
    items: list[Any] | None = None  # the list being read (after "key:" alone on its line)
    for _, name, written, item in lines:
        row += 1
        if item:
            if items is None:
                return _UNREAD
            read = _plain_value(item)
            if read is _UNREAD:
                return _UNREAD
            marks[(key, len(items))] = (row, 5)
            if not items:
                marks[(key,)] = (row, 3)
            items.append(read)
            continue
        if items == []:  # "key:" with nothing under it: YAML reads null, which yamlio never writes
            return _UNREAD
        key = name
        if key in value or key not in _RECORD_KEYS:
            return _UNREAD
        key_marks[(key,)] = (row, 1)
        if not written:
            value[key] = items = []
            continue
        items = None
        read = [] if written == "[]" else _plain_value(written)
        if read is _UNREAD:
            return _UNREAD
        marks[(key,)] = (row, len(key) + 3)
        value[key] = read
    if not value or items == []:
        return _UNREAD
    marks[()] = (2, 1)
    if block is not None:
        value[ENVELOPE_KEY], values, keys = block
        marks.update(values)
        key_marks.update(keys)
    return value


def load_yaml(path: str | Path, rel: str, text_keys: frozenset[str] = frozenset(), *,
              pragma: bool = False) -> Loaded:
    """Read one YAML file that must hold exactly one mapping.

    `text_keys` are top-level keys whose unquoted plain integers are read back as
    the digits written (only when lossless). With `pragma`, a missing editor
    schema comment on line 1 is a warning.
    """
    loaded = Loaded(rel)

    def refuse(code: str, line: int | None = None, col: int | None = None, **params: object) -> Loaded:
        loaded.problems.append(catalogue.make(code, rel, None, line, col, **params))
        return loaded

    try:
        info = os.lstat(path)
    except OSError:
        return refuse("YML011", kind="无法读取的文件")
    if stat.S_ISLNK(info.st_mode):
        return refuse("YML011", kind="符号链接")
    if not stat.S_ISREG(info.st_mode):
        return refuse("YML011", kind="特殊文件")
    if info.st_size > MAX_RECORD_BYTES:
        return refuse("YML002", size=info.st_size, limit=MAX_RECORD_BYTES)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_RECORD_BYTES + 1)
    except OSError:  # removed or made unreadable since it was looked at
        return refuse("YML011", kind="无法读取的文件")
    loaded.info, loaded.raw = info, raw
    text, encoding = _decode(raw)
    if text is None:
        return refuse("YML001", 1, 1, encoding=encoding)
    value = _written(loaded, text)
    if value is _UNREAD:
        loaded.marks.clear()
        loaded.key_marks.clear()
        value = _parse(loaded, text, text_keys)
    if value is _UNREAD:
        return loaded
    if value is None:
        return refuse("YML004", 1, 1)
    if not isinstance(value, dict):
        line, col = loaded.marks[()]
        return refuse("YML006", line, col, kind="列表" if isinstance(value, list) else "单个值")
    loaded.data = value
    if pragma and not _has_pragma(text):
        loaded.problems.append(catalogue.make("YML013", rel, None, 1, 1, pragma=SCHEMA_PRAGMA))
    return loaded
