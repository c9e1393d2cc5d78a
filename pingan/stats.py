"""Anonymised statistics: exact programme figures, and attribute tables summed from noisy releases.

The rules (issue 6, section 3, and issue 14 point 1), in one place:

* Unit totals, quotas and the grand total are published exactly: they are the
  programme's figures, not anybody's attributes.
* Every attribute table (性别, 年龄段, 政治面貌, 民族 ...) is the sum of the
  periodic releases under data/releases/ (see pingan.releases): each release
  counts only the records registered in its period, with fresh discrete
  Laplace noise from OpenDP, and is frozen once written. Nothing here sees a
  true attribute count of the published tables: `cumulative` only adds noisy
  numbers, then makes them whole, non-negative and consistent with their totals.
* No table is finer than unit × one attribute (here: unit × 性别 and unit × 年龄段);
  everything else is province-wide; 县区 is never published at all.

`TABLES` is the one list of the attribute tables: the releases count them, the
page shows them, in this order.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from . import codelists as cl
from . import fields as f
from .dates import age_on
from .model import Province, Unit
from .reader import WITHDRAWN, Verdict

AGE_BANDS = (("18–25 岁", 18, 25), ("26–35 岁", 26, 35), ("36–45 岁", 36, 45))
ETHNIC_GROUPS = ("汉族", "少数民族")
OTHER_ITEM = "其它"

Cell = tuple[Any, ...]  # ("c", row, column) an inner count, ("col", column) a column total
#: A person counts in at most this many columns of a multiple-choice table (the first ones, in table order).
MAX_CHOICES = 3


class Person(NamedTuple):
    """The few non-identifying facts the statistics count; nothing here names anyone.

    A named tuple: 30,000 of them are made, sent between processes and cached as
    JSON lists on every cold build, and a tuple is the cheapest of those to make.
    """

    unit: str
    sex: str
    age_band: str
    education: str
    political: str
    ethnic_group: str
    service_type: str
    items: tuple[str, ...]
    roles: tuple[str, ...]
    city: str
    month: str
    #: 登记日期 as YYYY-MM-DD: which release counts the person.
    day: str = ""


def _band(age: int) -> str | None:
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    return None


def city_of(region: str) -> str:
    """"长治市壶关县" → "长治市" (the plan's 所在地区 is written city + county)."""
    head, sep, _ = region.partition("市")
    return head + sep if sep else region


#: The code lists as sets, each asked once per record.
_SEXES, _EDUCATION, _POLITICAL, _ETHNICITIES, _SERVICE_TYPES, _ITEMS, _ROLES = map(frozenset, (
    cl.SEXES, cl.EDUCATION_LEVELS, cl.POLITICAL_STATUSES, cl.ETHNICITIES, cl.SERVICE_TYPES,
    (*cl.SERVICE_ITEMS, OTHER_ITEM), cl.ROLES))


def person(verdict: Verdict) -> Person:
    """The counted facts of a record that counts (its values passed every rule, so none is of an odd shape)."""
    entry, facts = verdict.entry, verdict.facts
    registered, born = date.fromisoformat(entry.registered), date.fromisoformat(facts.birth_date)
    return Person(
        unit=entry.unit, sex=facts.sex, age_band=_band(age_on(born, registered)) or "",
        education=facts.education, political=facts.political_status,
        ethnic_group="汉族" if facts.ethnicity == cl.HAN else "少数民族", service_type=facts.service_type,
        items=tuple(dict.fromkeys(OTHER_ITEM if i.startswith(cl.OTHER_PREFIX) else i for i in facts.service_items)),
        roles=tuple(dict.fromkeys(facts.roles)), city=city_of(facts.region),
        month=f"{registered.year:04d}-{registered.month:02d}", day=registered.isoformat())


@cache
def shanxi_cities() -> tuple[str, ...]:
    """The eleven prefecture-level cities, in GB/T 2260 order."""
    return tuple(dict.fromkeys(city_of(r.name) for r in cl.shanxi_regions().values() if r.current))


# ---------------------------------------------------------------------------------------------
# Who is counted: the records whose verdict counts (the same ones the rosters list)

@dataclass
class People:
    """Everyone counted, the name digests of every record (for the story check), and who is held back.

    `not_counted` counts records held back by errors or duplicates; withdrawn volunteers are not among them.
    """

    people: list[Person] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    not_counted: Counter[str] = field(default_factory=Counter)


def count_people(verdicts: Iterable[Verdict]) -> People:
    """The counted people of `verdicts`; every record's name digest, counted or not (stories may name anyone)."""
    found = People()
    for verdict in verdicts:
        if verdict.facts.name_digest:
            found.names.add(verdict.facts.name_digest)
        if verdict.counts:
            found.people.append(person(verdict))
        elif verdict.status != WITHDRAWN:  # a volunteer who left is no longer one: not a record held back
            found.not_counted[verdict.status] += 1
    return found


# ---------------------------------------------------------------------------------------------
# The attribute tables: what each counts (the releases count them, the page shows their sums)

@dataclass(frozen=True)
class TableSpec:
    """One attribute table: unit × attribute (`per_unit`) or province-wide; `multi`: a person may tick several."""

    key: str
    title: str
    attribute: str
    columns: tuple[str, ...]
    pick: Callable[[Person], Any]
    per_unit: bool = False
    multi: bool = False

    @property
    def sensitivity(self) -> int:
        """How far one person more or less moves the table's counts (L1): one cell, or up to MAX_CHOICES."""
        return MAX_CHOICES if self.multi else 1

    def choices(self, p: Person, columns: tuple[str, ...]) -> tuple[str, ...]:
        """The columns `p` counts in: one (or none) for a partition, the first MAX_CHOICES ticked for `multi`."""
        if self.multi:
            ticked = set(self.pick(p))
            return tuple(c for c in columns if c in ticked)[:MAX_CHOICES]
        value = self.pick(p)
        return (value,) if value in columns else ()

    def counts(self, people: Iterable[Person], rows: tuple[str, ...], columns: tuple[str, ...]) -> list[list[int]]:
        """The true counts, rows × columns (rows: unit codes, or the single row 全省)."""
        found: Counter[tuple[str, str]] = Counter()
        for p in people:
            row = p.unit if self.per_unit else PROVINCE_ROW
            found.update((row, c) for c in self.choices(p, columns))
        return [[found[r, c] for c in columns] for r in rows]


PROVINCE_ROW = "全省"
MONTHS = "month"


def table_specs() -> tuple[TableSpec, ...]:
    """Every attribute table, in page order (the month table's columns are each release's months)."""
    return (
        TableSpec("sex", f.SEX, f.SEX, cl.SEXES, lambda p: p.sex, per_unit=True),
        TableSpec("age", "年龄段（登记时）", "年龄段", tuple(b[0] for b in AGE_BANDS), lambda p: p.age_band,
                  per_unit=True),
        TableSpec("education", f.EDUCATION, f.EDUCATION, cl.EDUCATION_LEVELS, lambda p: p.education),
        TableSpec("political", f.POLITICAL_STATUS, f.POLITICAL_STATUS, cl.POLITICAL_STATUSES, lambda p: p.political),
        TableSpec("ethnicity", f.ETHNICITY, f.ETHNICITY, ETHNIC_GROUPS, lambda p: p.ethnic_group),
        TableSpec("service-type", f.SERVICE_TYPE, f.SERVICE_TYPE, cl.SERVICE_TYPES, lambda p: p.service_type),
        TableSpec("service-items", f"服务项目（可多选，每人最多计 {MAX_CHOICES} 项）", f.SERVICE_ITEMS,
                  (*cl.SERVICE_ITEMS, OTHER_ITEM), lambda p: p.items, multi=True),
        TableSpec("roles", f"岗位（可多选，可不填，每人最多计 {MAX_CHOICES} 项）", f.ROLES, cl.ROLES, lambda p: p.roles,
                  multi=True),
        TableSpec("city", "所在地区（市）", f.REGION, shanxi_cities(), lambda p: p.city),
        TableSpec(MONTHS, "每月登记人数", "登记月份", (), lambda p: p.month),
    )


# ---------------------------------------------------------------------------------------------
# The statistics of a repository

@dataclass
class Table:
    """A published attribute table: whole, non-negative counts, per unit (rows = units) or province-wide.

    Every total is the sum of the counts shown (`row_totals`, `column_total`,
    `total`), so the table adds up; it is not the exact number of people, which
    only the unit table gives.
    """

    key: str
    title: str
    attribute: str
    columns: tuple[str, ...]
    rows: tuple[str, ...]
    counts: list[list[int]]
    multi: bool = False

    @property
    def two_way(self) -> bool:
        return len(self.rows) > 1

    @property
    def row_totals(self) -> list[int]:
        return [sum(row) for row in self.counts]

    @property
    def total(self) -> int:
        return sum(self.row_totals)

    def column_total(self, j: int) -> int:
        return sum(row[j] for row in self.counts)

    @property
    def shown(self) -> dict[Cell, str]:
        """Every count as the page shows it: ("c", row, column) and, in two-way tables, ("col", column)."""
        found: dict[Cell, str] = {("c", i, j): str(v) for i, row in enumerate(self.counts) for j, v in enumerate(row)}
        if self.two_way:
            found.update({("col", j): str(self.column_total(j)) for j in range(len(self.columns))})
        return found


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    category: str
    quota: int
    registered: int


@dataclass(frozen=True)
class ReleaseNote:
    """What the page says about one stored release: its period, its dates and its privacy loss."""

    period: str
    start: date
    end: date
    made: date
    epsilon: float


@dataclass
class Statistics:
    """Everything the statistics page publishes: exact unit rows, and tables summed from the releases."""

    as_of: date
    total_quota: int
    units: list[UnitRow]
    tables: list[Table]
    #: Records not counted, by status (待核实, 有错误).
    not_counted: dict[str, int] = field(default_factory=dict)
    #: The stored releases the tables add up, oldest first.
    releases: list[ReleaseNote] = field(default_factory=list)

    @property
    def registered(self) -> int:
        return sum(u.registered for u in self.units)


def ordered_units(units: dict[str, Unit]) -> list[Unit]:
    """Attachment 2 order: cities, universities, then 省直 and 国资委; larger quotas first."""
    return sorted(units.values(), key=lambda u: (cl.UNIT_CATEGORIES.index(u.category), -u.quota, u.code))


def compute(people: list[Person], units: dict[str, Unit], province: Province, as_of: date,
            not_counted: dict[str, int] | None = None, tables: list[Table] | None = None,
            releases: list[ReleaseNote] | None = None) -> Statistics:
    """The exact unit rows of `people`, with the attribute `tables` of the stored releases."""
    per_unit = Counter(p.unit for p in people)
    rows = [UnitRow(u.code, u.name, u.category, u.quota, per_unit[u.code]) for u in ordered_units(units)]
    return Statistics(as_of, province.total_quota, rows, list(tables or []), dict(not_counted or {}),
                      list(releases or []))


def unit_rows(stats: Statistics) -> Iterator[tuple[str, str, str, str]]:
    """(表, 行, 列, 人数) of the exact unit table."""
    for u in stats.units:
        yield "各单位登记进度", u.name, "名额", str(u.quota)
        yield "各单位登记进度", u.name, "已登记", str(u.registered)
    yield "各单位登记进度", "合计", "名额", str(stats.total_quota)
    yield "各单位登记进度", "合计", "已登记", str(stats.registered)


def table_rows(tables: Iterable[Table]) -> Iterator[tuple[str, str, str, str]]:
    """(表, 行, 列, 人数) of attribute tables, totals included, exactly as the page shows them."""
    for t in tables:
        for i, row in enumerate(t.rows):
            for j, column in enumerate(t.columns):
                yield t.title, row, column, str(t.counts[i][j])
            if t.two_way:
                yield t.title, row, "合计", str(t.row_totals[i])
        if t.two_way:
            for j, column in enumerate(t.columns):
                yield t.title, PROVINCE_ROW, column, str(t.column_total(j))
        yield t.title, PROVINCE_ROW, total_label(t), str(t.total)


def total_label(t: Table) -> str:
    return "合计（人次）" if t.multi else "合计"


def published_rows(stats: Statistics) -> Iterator[tuple[str, str, str, str]]:
    """(表, 行, 列, 人数) for every number the statistics page shows — the downloadable CSV."""
    yield from unit_rows(stats)
    yield from table_rows(stats.tables)
