"""Repository rules: checks across files, run over the index of every record.

Each rule is `def rule(index, ctx) -> Iterator[Problem]`, listed in REPO_RULES.
The index may be a file of 300,000 lines (see index.py): a rule reads it in
passes, keeping only counts and sets of keys on the first pass, and whole
entries only for the few records a problem is about.
A problem's `involves` names every file it is about, so that a run over some
PATHs, or over the files a pull request changed, keeps exactly the problems
that concern those files.
"""
from __future__ import annotations

import hashlib
import heapq
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from .. import catalogue, codelists, idcard, settings
from .. import fields as f
from ..catalogue import Verbatim
from ..model import Province, Unit
from ..problems import Problem

ID = f.ID_NUMBER
#: How many files a quota message names before "等 N 个文件".
LISTED_FILES = 20
_RECORD_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\.yaml")
#: Files that may sit beside the unit folders or in them without being records.
_ALLOWED_EXTRA = {"README.md", ".gitkeep"}


class Entry(NamedTuple):
    """One record file as the repository rules see it (plain strings: cheap to cache and compare)."""

    rel: str
    unit: str
    record_id: str
    registered: str
    id_number: str
    id_line: int
    id_col: int
    person: str
    #: 状态 as written ("" when absent or unreadable): a withdrawn record (已退出) frees its unit's quota.
    status: str = ""
    #: "1" when the record is encrypted for others than this run's keys: only its clear fields were read.
    locked: str = ""

    @classmethod
    def of(cls, rel: str, data: dict[str, Any] | None, id_at: tuple[int | None, int | None],
           locked: bool = False) -> Entry:
        """The facts of a record from its normalised data (None when the file could not be read)."""
        folder, stem = rel.split("/")[-2], rel.rsplit("/", 1)[-1].removesuffix(".yaml")
        data = data or {}
        number = data.get(ID)
        number = number if isinstance(number, str) and idcard.shape_ok(number) else ""
        given = data.get(f.RECORD_ID)
        record_id = given if isinstance(given, str) else stem
        registered = data.get(f.REGISTERED)
        person = [data.get(key) for key in (f.NAME, f.BIRTH_DATE, f.MOBILE)]
        status = data.get(f.STATUS)
        return cls(rel, folder, record_id, str(registered) if registered is not None else "", number,
                   id_at[0] or 0, id_at[1] or 0, _person_key(person) if all(v is not None for v in person) else "",
                   status if isinstance(status, str) else "", "1" if locked else "")

    @property
    def withdrawn(self) -> bool:
        """状态 is 已退出: the record counts against no quota (its ID number still belongs to the person)."""
        return self.status == codelists.WITHDRAWN


def _person_key(values: list[Any]) -> str:
    """姓名, 出生日期 and 手机 as one short digest: what the same-person rule compares, no more."""
    joined = "\t".join(str(v) for v in values).encode("utf-8")
    return hashlib.blake2b(joined, digest_size=12, person=b"pingan-person").hexdigest()


@dataclass(frozen=True)
class RepoContext:
    """What repository rules read besides the index.

    `recent` holds the files that the change under check adds: when a quota is
    exceeded they count as the latest registrations, so the pull request that
    pushes a unit over its quota is the one that fails.
    """

    units: dict[str, Unit]
    province: Province | None
    recent: frozenset[str] = frozenset()
    #: False when some settings file could not be read: the units' quotas cannot be added up then.
    complete: bool = True


def _involving(problem: Problem, files: Iterable[str]) -> Problem:
    return replace(problem, involves=frozenset(files) | {problem.file})


def _file_list(rels: list[str], count: int | None = None) -> Verbatim:
    """The first files of a list and how many there are in all (`count`, when `rels` is already cut short)."""
    count = len(rels) if count is None else count
    shown = "、".join(rels[:LISTED_FILES])
    more = f" 等 {count} 个文件" if count > LISTED_FILES else ""
    return Verbatim(shown + more)


def _latest(entries: Iterable[Entry], count: int, ctx: RepoContext) -> list[str]:
    """The `count` most recently registered: the change's own additions, then by 登记日期, then by 编号."""
    return [e.rel for e in heapq.nlargest(count, entries,
                                          key=lambda e: (e.rel in ctx.recent, e.registered, e.record_id, e.rel))]


# --- the rules ------------------------------------------------------------------------------

def unit_quotas(index: Iterable[Entry], ctx: RepoContext) -> Iterator[Problem]:
    """Each unit has at most its 名额 records on the roll (a withdrawn record frees its place)."""
    counts = Counter(entry.unit for entry in index if not entry.withdrawn)
    for code, unit in sorted(ctx.units.items()):
        over = counts[code] - unit.quota
        if over > 0:
            beyond = _latest((e for e in index if e.unit == code and not e.withdrawn), over, ctx)
            unit_file = f"{settings.UNITS_DIR}/{code}.yaml"
            yield _involving(catalogue.make(
                "QUO001", unit_file, "名额", unit_name=unit.name, unit=code, quota=unit.quota,
                count=counts[code], over=over, files=_file_list(beyond)), beyond)


def province_quota(index: Iterable[Entry], ctx: RepoContext) -> Iterator[Problem]:
    """All records on the roll together stay within 总名额, and the units' quotas add up to it."""
    if ctx.province is None:
        return
    total = ctx.province.total_quota
    count = sum(1 for e in index if e.unit in ctx.units and not e.withdrawn)
    over = count - total
    if over > 0:
        beyond = _latest((e for e in index if e.unit in ctx.units and not e.withdrawn), over, ctx)
        yield _involving(catalogue.make("QUO002", settings.PROVINCE_FILE, "总名额", quota=total,
                                        count=count, over=over, files=_file_list(beyond)), beyond)
    quotas = sum(unit.quota for unit in ctx.units.values())
    if ctx.complete and ctx.units and quotas != total:
        unit_files = [f"{settings.UNITS_DIR}/{code}.yaml" for code in ctx.units]
        yield _involving(catalogue.make("QUO003", settings.PROVINCE_FILE, "总名额", total=quotas, quota=total),
                         unit_files)


def _groups(index: Iterable[Entry], key: str) -> Iterator[list[Entry]]:
    """Entries sharing a non-empty value of `key`, each group in path order.

    The first pass keeps only the values; a second pass, only when some value
    repeats, collects the entries that share one.
    """
    position = Entry._fields.index(key)
    seen: set[str] = set()
    repeated: set[str] = set()
    for entry in index:
        value = str(entry[position])
        if value:
            if value in seen:
                repeated.add(value)
            else:
                seen.add(value)
    del seen
    if not repeated:
        return
    groups: dict[str, list[Entry]] = {}
    for entry in index:
        value = str(entry[position])
        if value in repeated:
            groups.setdefault(value, []).append(entry)
    for group in groups.values():
        yield sorted(group, key=lambda e: e.rel)


class _Group:
    """One group of records sharing a value, arranged once so that naming each one's others stays linear."""

    def __init__(self, group: list[Entry], ctx: RepoContext):
        self.files = frozenset(e.rel for e in group)
        self.by_unit: dict[str, list[str]] = {}
        for e in group:
            self.by_unit.setdefault(e.unit, []).append(e.rel)
        self._names: dict[str, str] = {}
        self.ctx = ctx

    def others(self, entry: Entry, own: list[str] | None = None) -> dict[str, Any]:
        """How a copy names the others: the unit's own files, other units only by their Chinese names.

        A unit sees its own records, so their paths are named (the importer turns
        them into row numbers); of another unit's records it learns neither path
        nor 编号, only which unit holds one, and the office settles the matter.
        """
        if own is None:
            mine = self.by_unit[entry.unit]
            own = [rel for rel in mine[:LISTED_FILES + 1] if rel != entry.rel][:LISTED_FILES]
            count = len(mine) - 1
        else:
            count = len(own)
        if entry.unit not in self._names:
            codes = sorted(code for code in self.by_unit if code != entry.unit)
            self._names[entry.unit] = "、".join(self.ctx.units[c].name if c in self.ctx.units else c for c in codes)
        names = self._names[entry.unit]
        variant = ("both" if count else None) if names else "same_unit"
        return {"variant": variant, "files": _file_list(own, count), "units": Verbatim(names)}


def duplicate_ids(index: Iterable[Entry], ctx: RepoContext) -> Iterator[Problem]:
    """A normalised ID number is registered once across all units; each copy names the others.

    Every copy's problem involves the whole group (one shared set), so a
    sheet of thousands of rows with one ID number stays linear.

    Withdrawn records take part: the person stays unique, and a unit reinstates
    a returning volunteer (状态 back to 在册) instead of registering them again.
    """
    for group in _groups(index, "id_number"):
        arranged = _Group(group, ctx)
        for entry in group:
            yield replace(catalogue.make(
                "DUP001", entry.rel, ID, entry.id_line or None, entry.id_col or None,
                masked=idcard.mask(entry.id_number), **arranged.others(entry)), involves=arranged.files)


def same_person(index: Iterable[Entry], ctx: RepoContext) -> Iterator[Problem]:
    """Same 姓名, 出生日期 and 手机 under different ID numbers: probably one person twice (a warning).

    Counts by unit and ID number are taken once per group, so each copy finds
    its others in constant time however large the group.
    """
    for group in _groups(index, "person"):
        if len({e.id_number for e in group}) < 2:
            continue
        arranged = _Group(group, ctx)
        by_unit = Counter(e.unit for e in group)
        by_id = Counter(e.id_number for e in group)
        by_both = Counter((e.unit, e.id_number) for e in group)
        rels: dict[str, dict[str, list[str]]] = {}
        for e in group:
            rels.setdefault(e.unit, {}).setdefault(e.id_number, []).append(e.rel)
        for entry in group:
            same = by_both[entry.unit, entry.id_number]
            elsewhere = (len(group) - by_unit[entry.unit]) - (by_id[entry.id_number] - same)
            own: list[str] = []
            for number, files in rels[entry.unit].items():
                if number != entry.id_number:
                    own += files[:LISTED_FILES - len(own)]
                    if len(own) >= LISTED_FILES:
                        break
            if own or elsewhere:
                found = arranged.others(entry, own)
                found["files"] = _file_list(own, by_unit[entry.unit] - same)
                if not elsewhere:
                    found["units"], found["variant"] = Verbatim(""), "same_unit"
                yield replace(catalogue.make("DUP002", entry.rel, f.NAME, **found), involves=arranged.files)


REPO_RULES = (unit_quotas, province_quota, duplicate_ids, same_person)


def check_repository(index: Iterable[Entry], ctx: RepoContext) -> list[Problem]:
    """Every repository rule over the index (a list, or an index.Index read again for each pass)."""
    return [problem for rule in REPO_RULES for problem in rule(index, ctx)]


# --- placement: what may stand under data/ ----------------------------------------------------

def _walk(folder: Path, rel: str) -> Iterator[tuple[str, os.DirEntry]]:
    """Every entry below `folder` (never following symbolic links), with its root-relative path."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        child = f"{rel}/{entry.name}"
        yield child, entry
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), child)


def scan_records(root: Path, units: Iterable[str]) -> tuple[list[str], list[Problem]]:
    """The record files to read under data/volunteers/, and what stands where it should not.

    Records live only at data/volunteers/<unit>/<编号>.yaml with a lower-case
    ASCII name. Symbolic links to records are passed on (the loader refuses
    them with YML011); any other misplaced thing is a placement problem and is
    not read.
    """
    known = set(units)
    records: list[str] = []
    problems: list[Problem] = []
    base = settings.VOLUNTEERS_DIR
    top = root / base
    try:
        folders = list(os.scandir(top))
    except OSError:
        return records, problems
    for folder in folders:
        rel = f"{base}/{folder.name}"
        if folder.is_symlink():
            problems.append(catalogue.make("PLC005", rel, None, path=Verbatim(rel)))
        elif not folder.is_dir(follow_symlinks=False):
            if folder.name not in _ALLOWED_EXTRA:
                problems.append(catalogue.make("PLC003", rel, None, path=Verbatim(rel)))
        elif folder.name not in known:
            for child, entry in _walk(Path(folder.path), rel):
                if not entry.is_dir(follow_symlinks=False) or entry.is_symlink():
                    problems.append(catalogue.make("PLC001", child, None, folder=folder.name))
        else:
            prefix = rel + "/"
            for entry in os.scandir(folder.path):  # the common case, kept lean: tens of thousands of files
                name = entry.name
                if _RECORD_NAME.fullmatch(name) and (entry.is_file(follow_symlinks=False) or entry.is_symlink()):
                    records.append(prefix + name)
                else:
                    problems += _misplaced(prefix + name, entry)
    records.sort()
    problems.sort()
    return records, problems


def _misplaced(rel: str, entry: os.DirEntry) -> list[Problem]:
    """Placement problems of one entry in a unit folder that is not a plain record file."""
    name = entry.name
    if entry.is_symlink():
        return [catalogue.make("PLC005", rel, None, path=Verbatim(rel))]
    if entry.is_dir(follow_symlinks=False):
        return [catalogue.make("PLC002", child, None, path=Verbatim(child))
                for child, inner in _walk(Path(entry.path), rel) if not inner.is_dir(follow_symlinks=False)]
    if name in _ALLOWED_EXTRA:
        return []
    if not name.endswith(".yaml"):
        return [catalogue.make("PLC003", rel, None, path=Verbatim(rel))]
    return [catalogue.make("PLC004", rel, None, name=name)]


def scan_settings(root: Path) -> list[Problem]:
    """data/units/ holds only <code>.yaml files, and no links or folders."""
    problems: list[Problem] = []
    base = settings.UNITS_DIR
    for rel, entry in _walk(root / base, base):
        name = rel.rsplit("/", 1)[-1]
        if entry.is_symlink():
            problems.append(catalogue.make("PLC005", rel, None, path=Verbatim(rel)))
        elif entry.is_dir(follow_symlinks=False):
            continue
        elif rel.count("/") > 2:
            problems.append(catalogue.make("PLC002", rel, None, path=Verbatim(rel)))
        elif name in _ALLOWED_EXTRA:
            continue
        elif not name.endswith(".yaml"):
            problems.append(catalogue.make("PLC003", rel, None, path=Verbatim(rel)))
        elif not _RECORD_NAME.fullmatch(name):
            problems.append(catalogue.make("PLC004", rel, None, name=name))
    province = root / settings.PROVINCE_FILE
    if province.is_symlink() or (province.exists() and not stat.S_ISREG(province.lstat().st_mode)):
        problems.append(catalogue.make("PLC005", settings.PROVINCE_FILE, None, path=Verbatim(settings.PROVINCE_FILE)))
    return problems


__all__ = ["Entry", "RepoContext", "REPO_RULES", "check_repository", "scan_records", "scan_settings"]
