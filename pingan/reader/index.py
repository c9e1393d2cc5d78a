"""The index: one line of facts per record file, in path order, read from a file in passes.

The repository rules need a few facts of every record: its unit, 编号,
登记日期, ID number and where it stands, and a digest of 姓名/出生日期/手机.
Held as Python objects for 300,000 records they would take several times the
memory the whole run may use, so a run writes them as one line per record to a
file, and each rule reads that file in passes, keeping only what it needs. The
same lines carry each record's hash, file signature and problems: kept, the
file is the validation cache of the next run (see cache.py).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple, TextIO

from ..problems import Problem
from ..rules.repository import Entry
from .facts import Facts

SEP = "\x1f"
#: Joins the items of a list-valued fact (服务项目, 岗位).
ITEMS = "\x1e"
#: A line: the path, the hash of the bytes, the file signature, the Entry's other fields, the Facts, the
#: problems (JSON). The first three never need escaping (lower-case ASCII paths, hex, digits), so they can
#: be read by splitting at the first separators; the separator sorts below every path character, so lines
#: sort as their paths do.
FIELDS = ("rel", "digest", "signature", *Entry._fields[1:], *Facts._fields, "problems")
_ENTRY_END = 3 + len(Entry._fields) - 1
_ESCAPES = (("\\", "\\\\"), ("\n", "\\n"), ("\r", "\\r"), (SEP, "\\u001f"))


def _escape(text: str) -> str:
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        for raw, escaped in _ESCAPES:
            if text.startswith(escaped, i):
                out.append(raw)
                i += len(escaped)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _fact_text(value: str | tuple[str, ...]) -> str:
    """A fact as one field; a list's items joined (an item's own joiner, never in a valid value, is dropped)."""
    return value if isinstance(value, str) else ITEMS.join(item.replace(ITEMS, " ") for item in value)


def encode(entry: Entry, facts: Facts, digest: str, signature: str, problems: list[Problem]) -> str:
    """One record's line (ending in a newline); field values are escaped only when they need it."""
    rows = json.dumps([[p.file, p.line, p.col, p.code, p.level, p.field, p.message] for p in problems],
                      ensure_ascii=False, separators=(",", ":")) if problems else ""
    parts = (entry.rel, digest, signature, *map(str, entry[1:]), *(_fact_text(fact) for fact in facts), rows)
    line = SEP.join(parts)
    if "\\" in line or "\n" in line or "\r" in line or line.count(SEP) != len(parts) - 1:
        line = SEP.join(map(_escape, parts))
    return line + "\n"


def split(line: str) -> list[str]:
    """The fields of a line, as FIELDS names them."""
    parts = line.rstrip("\n").split(SEP)
    return [_unescape(part) for part in parts] if "\\" in line else parts


def with_signature(line: str, signature: str) -> str:
    """The same line with a new file signature (the bytes were found unchanged)."""
    rel, digest, _, rest = line.split(SEP, 3)
    return SEP.join((rel, digest, signature, rest))


def entry_of(parts: list[str]) -> Entry:
    rel, _, _, unit, record_id, registered, number, id_line, id_col, person, status, locked = parts[:_ENTRY_END]
    return Entry(rel, unit, record_id, registered, number, int(id_line), int(id_col), person, status, locked)


def facts_of(parts: list[str]) -> Facts:
    values = parts[_ENTRY_END:-1]
    items, roles = (tuple(v.split(ITEMS)) if v else () for v in values[6:8])
    sex, birth, ethnicity, political, education, service_type, region, name = (*values[:6], *values[8:])
    return Facts(sex, birth, ethnicity, political, education, service_type, items, roles, region, name)


#: Up to this many records the entries read on the first pass are kept for the next ones (about 15 MB
#: at 30,000); above it every pass reads the file again, so memory stays flat at any size.
KEPT_UP_TO = 50_000


class Index:
    """The `count` records' lines in path order, in an open file that a pass reads again from `start`.

    Passes are made one after the other (a pass that starts while another is
    under way would move the other's position).
    """

    def __init__(self, handle: TextIO, start: int, count: int, *, key: str = "", kept: bool = False) -> None:
        #: The run key the lines were made under, and whether they are the kept index as it stood (nothing checked).
        self.key, self.unchanged = key, kept
        self._handle = handle
        self._start = start
        self._kept: list[Entry] | None = None if count > KEPT_UP_TO else []
        #: Lines that carry problems, noted while the entries are kept (None: read the file for them).
        self._with_problems: list[str] | None = None

    def lines(self) -> Iterator[str]:
        self._handle.seek(self._start)
        yield from self._handle

    def _read(self) -> Iterator[Entry]:
        cut, clean_end = _ENTRY_END, SEP + "\n"  # a line without problems ends with an empty last field
        noted = self._with_problems
        for line in self.lines():
            if noted is not None and not line.endswith(clean_end):
                noted.append(line)  # kept for problems(): the one pass that reads every line serves both
            # Only the entry's fields are split off; the facts and problems stay one string (a warm run's
            # repository rules read every line, and most of a line is facts).
            yield entry_of(split(line) if "\\" in line else line.split(SEP, cut))

    def __iter__(self) -> Iterator[Entry]:
        if self._kept is None:
            return self._read()
        if not self._kept:
            self._with_problems = []
            self._kept = list(self._read())
        return iter(self._kept)

    def problems(self) -> Iterator[Problem]:
        """The records' own problems, in path order."""
        if self._kept is not None:
            iter(self)  # fills the kept entries and notes the lines that carry problems
        lines = self._with_problems if self._with_problems is not None else self.lines()
        for line in lines:
            if not line.endswith(SEP + "\n"):
                rows: list[list[Any]] = json.loads(split(line)[-1])
                yield from (Problem(*row) for row in rows)

    def records(self) -> Iterator[Stored]:
        """Every record's stored facts, in path order."""
        for line in self.lines():
            parts = split(line)
            yield Stored(entry_of(parts), facts_of(parts), parts[1], parts[-1] == "")


class Stored(NamedTuple):
    """One record as its index line holds it: where it stands, what it counts, its bytes' hash, and
    whether it had no problem at all (then its file reads exactly as the rules left it)."""

    entry: Entry
    facts: Facts
    digest: str
    clean: bool
