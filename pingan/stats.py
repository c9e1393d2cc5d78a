"""Anonymised statistics: only counts, with small counts hidden so nobody can be singled out.

The rules (issue 6, section 3), in one place:

* Unit totals, quotas and the grand total are published exactly.
* Every other count from 1 to 9 is shown as "<10" (primary suppression).
* Secondary suppression: where a hidden count could still be worked out from the
  published totals of its table, another count of 10 or more is hidden as "≥10";
  where even that cannot protect it, the whole table is withheld ("—").
* No table is finer than unit × one attribute (here: unit × 性别 and unit × 年龄段);
  everything else is province-wide; 县区 is never published at all.

"Worked out" means: an attacker who knows every published number of the table,
the rule above (so "<10" is 1–9, "≥10" is at least 10, "—" is any count) and
that counts are whole numbers, cannot pin the hidden count to one value.
`is_pinned` decides this exactly: a partition table is a network flow (units →
columns → total), and a hidden count can change value exactly when it lies on a
cycle of the residual graph (the difference of two feasible tables decomposes
into such cycles). Multiple-choice tables (服务项目, 岗位) have a single sum
inequality instead, whose exact ranges are interval arithmetic.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import chain
from typing import Any, NamedTuple

from . import codelists as cl
from . import fields as f
from .dates import age_on
from .model import Province, Unit
from .reader import WITHDRAWN, Verdict

LESS_THAN_TEN = "<10"
AT_LEAST_TEN = "≥10"
WITHHELD = "—"
#: What a reader (or attacker) knows about a hidden count: its smallest and largest possible value.
DOMAINS: dict[str, tuple[int, float]] = {LESS_THAN_TEN: (1, 9), AT_LEAST_TEN: (10, float("inf")),
                                         WITHHELD: (0, float("inf"))}
SMALL = 9

AGE_BANDS = (("18–25 岁", 18, 25), ("26–35 岁", 26, 35), ("36–45 岁", 36, 45))
ETHNIC_GROUPS = ("汉族", "少数民族")
OTHER_ITEM = "其它"

Cell = tuple[Any, ...]  # ("c", row, column) an inner count, ("col", column) a column total


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
        month=f"{registered.year:04d}-{registered.month:02d}")


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
# Tables and their protection

@dataclass
class Table:
    """Counts of people by one attribute, province-wide (one row) or per unit (rows = units).

    Row totals are exact (the unit totals, or everyone). In a partition table each
    person counts in exactly one column; in a multiple-choice table (`multi`) in any
    number of columns, at least one when `at_least_one`.
    """

    key: str
    title: str
    attribute: str
    columns: tuple[str, ...]
    rows: tuple[str, ...]
    counts: list[list[int]]
    row_totals: list[int]
    multi: bool = False
    at_least_one: bool = False
    shown: dict[Cell, str] = field(default_factory=dict)
    withheld: bool = False

    @property
    def total(self) -> int:
        return sum(self.row_totals)

    @property
    def two_way(self) -> bool:
        return len(self.rows) > 1

    def column_total(self, j: int) -> int:
        return sum(row[j] for row in self.counts)

    def cells(self) -> Iterator[tuple[Cell, int]]:
        """Every count that may be hidden, with its true value."""
        for i, row in enumerate(self.counts):
            for j, value in enumerate(row):
                yield ("c", i, j), value
        if self.two_way:
            for j in range(len(self.columns)):
                yield ("col", j), self.column_total(j)

    def value(self, cell: Cell) -> int:
        return self.counts[cell[1]][cell[2]] if cell[0] == "c" else self.column_total(cell[1])


def primary(value: int) -> str:
    return LESS_THAN_TEN if 1 <= value <= SMALL else str(value)


def _domain(shown: str, value: int) -> tuple[int, float]:
    return DOMAINS.get(shown, (value, value))


def _reachable(graph: dict[Any, list[tuple[Any, Cell]]], start: Any, goal: Any, skip: Cell) -> bool:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for nxt, cell in graph.get(node, ()):
            if cell != skip and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def _ends(table: Table, cell: Cell) -> tuple[Any, Any]:
    """Network arc of a count: unit row → column → total (one-way tables: row → total)."""
    if cell[0] == "col":
        return ("k", cell[1]), "T"
    if table.two_way:
        return ("r", cell[1]), ("k", cell[2])
    return ("r", cell[1]), "T"


def _pinned_flow(table: Table, shown: dict[Cell, str], only: Cell | None = None) -> set[Cell]:
    hidden = [(cell, table.value(cell)) for cell in shown if shown[cell] in DOMAINS]
    graph: dict[Any, list[tuple[Any, Cell]]] = {}
    for cell, value in hidden:
        low, high = _domain(shown[cell], value)
        tail, head = _ends(table, cell)
        if value + 1 <= high:
            graph.setdefault(tail, []).append((head, cell))
        if value - 1 >= low:
            graph.setdefault(head, []).append((tail, cell))
    pinned = set()
    for cell, value in hidden:
        if only is not None and cell != only:
            continue
        low, high = _domain(shown[cell], value)
        tail, head = _ends(table, cell)
        up = value + 1 <= high and _reachable(graph, head, tail, cell)
        down = value - 1 >= low and _reachable(graph, tail, head, cell)
        if not (up or down):
            pinned.add(cell)
    return pinned


def _pinned_multi(table: Table, shown: dict[Cell, str], only: Cell | None = None) -> set[Cell]:
    n, width = table.total, len(table.columns)
    low_sum = n if table.at_least_one else 0
    high_sum = width * n
    bounds = {}
    for cell, value in table.cells():
        low, high = _domain(shown[cell], value)
        bounds[cell] = (low, min(high, n))
    all_low = sum(b[0] for b in bounds.values())
    all_high = sum(b[1] for b in bounds.values())
    pinned = set()
    for cell, (low, high) in bounds.items():
        if shown[cell] not in DOMAINS or (only is not None and cell != only):
            continue
        least = max(low, low_sum - (all_high - high))
        most = min(high, high_sum - (all_low - low))
        if least >= most:
            pinned.add(cell)
    return pinned


def is_pinned(table: Table, shown: dict[Cell, str], only: Cell | None = None) -> set[Cell]:
    """The hidden counts of `table` (or just `only`) that its published numbers determine exactly."""
    return (_pinned_multi if table.multi else _pinned_flow)(table, shown, only)


def _options(table: Table, shown: dict[Cell, str], target: Cell) -> list[tuple[Cell, ...]]:
    """Sets of published counts whose hiding could free `target`, fewest and smallest first."""
    def free(c: Cell) -> bool:
        return shown[c] not in DOMAINS and table.value(c) > SMALL

    groups: list[tuple[Cell, ...]]
    if table.multi or not table.two_way:
        groups = [(c,) for c, _ in table.cells() if c != target]
    else:
        rows, cols = range(len(table.rows)), range(len(table.columns))
        if target[0] == "c":
            _, i, j = target
            singles: list[tuple[Cell, ...]] = [(("c", i, k),) for k in cols if k != j]
            groups = singles + [(("c", r, j),) for r in rows if r != i]
            groups += [(("c", i, k), ("c", r, k), ("c", r, j)) for r in rows if r != i for k in cols if k != j]
            groups += [(("c", i, k), ("col", j), ("col", k)) for k in cols if k != j]
        else:
            j = target[1]
            groups = [(("col", k),) for k in cols if k != j]
            groups += [(("c", r, j), ("c", r, k), ("col", k)) for r in rows for k in cols if k != j]
    options = []
    for group in groups:
        needed = tuple(c for c in group if shown[c] not in DOMAINS)
        if needed and all(free(c) for c in needed):
            options.append(needed)
    return sorted(set(options), key=lambda g: (len(g), sum(table.value(c) for c in g), g))


def protect(table: Table) -> Table:
    """Fill `table.shown`: primary suppression, then secondary until nothing is pinned.

    Hiding more never makes a hidden count easier to work out (it only adds
    freedom), so each pinned count is freed by the cheapest set of extra hidden
    counts that frees it; when none does, the whole table is withheld.
    """
    shown = {cell: primary(value) for cell, value in table.cells()}
    if not table.multi and len(table.columns) == 1:  # the only column is the exact total itself
        table.shown = {cell: str(value) for cell, value in table.cells()}
        return table
    while pinned := sorted(is_pinned(table, shown)):
        target = pinned[0]
        for option in _options(table, shown, target):
            trial = {**shown, **{c: AT_LEAST_TEN for c in option}}
            if not is_pinned(table, trial, target):
                shown = trial
                break
        else:
            shown = {cell: WITHHELD for cell in shown}
            table.withheld = True
            break
    table.shown = shown
    return table


# ---------------------------------------------------------------------------------------------
# The statistics of a repository

@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    category: str
    quota: int
    registered: int


@dataclass
class Statistics:
    """Everything the statistics page publishes: exact unit rows and protected tables."""

    as_of: date
    total_quota: int
    units: list[UnitRow]
    tables: list[Table]
    #: Records not counted, by status (待核实, 有错误).
    not_counted: dict[str, int] = field(default_factory=dict)

    @property
    def registered(self) -> int:
        return sum(u.registered for u in self.units)


def ordered_units(units: dict[str, Unit]) -> list[Unit]:
    """Attachment 2 order: cities, universities, then 省直 and 国资委; larger quotas first."""
    return sorted(units.values(), key=lambda u: (cl.UNIT_CATEGORIES.index(u.category), -u.quota, u.code))


def _months(people: Iterable[Person]) -> tuple[str, ...]:
    found = sorted({p.month for p in people})
    if not found:
        return ()
    (y, m), end = map(int, found[0].split("-")), found[-1]
    months = []
    while True:
        label = f"{y:04d}-{m:02d}"
        months.append(label)
        if label >= end:
            return tuple(months)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def one_way(key: str, title: str, attribute: str, columns: tuple[str, ...], people: list[Person],
            pick: Any, multi: bool = False, at_least_one: bool = False) -> Table:
    picked = map(pick, people)
    counts = Counter(chain.from_iterable(picked) if multi else picked)
    return protect(Table(key, title, attribute, columns, ("全省",), [[counts[c] for c in columns]],
                         [len(people)], multi, at_least_one))


def by_unit(key: str, title: str, attribute: str, columns: tuple[str, ...], people: list[Person],
            units: list[Unit], pick: Any) -> Table:
    counts = Counter(zip([p.unit for p in people], map(pick, people)))
    rows = [[counts[u.code, c] for c in columns] for u in units]
    return protect(Table(key, title, attribute, columns, tuple(u.name for u in units), rows,
                         [sum(r) for r in rows]))


def compute(people: list[Person], units: dict[str, Unit], province: Province, as_of: date,
            not_counted: dict[str, int] | None = None) -> Statistics:
    """Count `people` into the published, protected tables."""
    ordered = ordered_units(units)
    per_unit = Counter(p.unit for p in people)
    rows = [UnitRow(u.code, u.name, u.category, u.quota, per_unit[u.code]) for u in ordered]
    tables: list[Table] = []
    if people:
        tables = [
            by_unit("sex", f.SEX, f.SEX, cl.SEXES, people, ordered, lambda p: p.sex),
            by_unit("age", "年龄段（登记时）", "年龄段", tuple(b[0] for b in AGE_BANDS), people, ordered,
                    lambda p: p.age_band),
            one_way("education", f.EDUCATION, f.EDUCATION, cl.EDUCATION_LEVELS, people, lambda p: p.education),
            one_way("political", f.POLITICAL_STATUS, f.POLITICAL_STATUS, cl.POLITICAL_STATUSES, people, lambda p: p.political),
            one_way("ethnicity", f.ETHNICITY, f.ETHNICITY, ETHNIC_GROUPS, people, lambda p: p.ethnic_group),
            one_way("service-type", f.SERVICE_TYPE, f.SERVICE_TYPE, cl.SERVICE_TYPES, people, lambda p: p.service_type),
            one_way("service-items", "服务项目（可多选）", f.SERVICE_ITEMS, (*cl.SERVICE_ITEMS, OTHER_ITEM), people,
                    lambda p: p.items, multi=True, at_least_one=True),
            one_way("roles", "岗位（可多选，可不填）", f.ROLES, cl.ROLES, people, lambda p: p.roles, multi=True),
            one_way("city", "所在地区（市）", f.REGION, shanxi_cities(), people, lambda p: p.city),
            one_way("month", "每月登记人数", "登记月份", _months(people), people, lambda p: p.month),
        ]
    return Statistics(as_of, province.total_quota, rows, tables, dict(not_counted or {}))


def published_rows(stats: Statistics) -> Iterator[tuple[str, str, str, str]]:
    """(表, 行, 列, 人数) for every number the statistics page shows — the downloadable CSV."""
    for u in stats.units:
        yield "各单位登记进度", u.name, "名额", str(u.quota)
        yield "各单位登记进度", u.name, "已登记", str(u.registered)
    yield "各单位登记进度", "合计", "名额", str(stats.total_quota)
    yield "各单位登记进度", "合计", "已登记", str(stats.registered)
    for t in stats.tables:
        for i, row in enumerate(t.rows):
            for j, column in enumerate(t.columns):
                yield t.title, row, column, t.shown[("c", i, j)]
            if t.two_way:
                yield t.title, row, "合计", str(t.row_totals[i])
        if t.two_way:
            for j, column in enumerate(t.columns):
                yield t.title, "全省", column, t.shown[("col", j)]
        yield t.title, "全省", "登记人数", str(t.total)
