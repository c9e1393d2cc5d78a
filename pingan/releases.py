"""Statistics releases (issue 14 point 1): attribute tables that survive differencing and averaging.

The site is rebuilt after every push, so comparing two builds' statistics must
not tell what one added or removed volunteer is like. Attribute statistics are
therefore published as releases, one per period (a month, 2015-03, or a
quarter, 2015Q1, as data/province.yaml's 统计发布周期 says):

* A release counts only the counted records whose 登记日期 lies in its period
  (parallel composition: every record is in exactly one release). It is made
  once the period has ended and the 补录期限天数 after it have passed, so the
  usual late entries are in it.
* Every table of a release gets fresh integer noise from OpenDP's discrete
  Laplace measurement (`make_laplace` on integers), ε = EPSILON_PER_TABLE for
  one person more or less (the table's L1 sensitivity: 1, or MAX_CHOICES for a
  multiple-choice table). A release spends the sum over its tables, and so
  does a person, who is in one release only.
* The release file data/releases/<period>.json holds only the noisy numbers
  (possibly negative: they are not rounded or clipped, so sums stay unbiased)
  and is never rewritten: `make_due` creates missing files and nothing else, so
  rebuilding the site over and over publishes the same numbers and there is
  nothing to average. The noise itself is never stored anywhere.
* The page's tables are sums of the stored releases (`cumulative`), made whole
  and non-negative afterwards (post-processing costs no privacy); their totals
  are the sums of the cells shown.
* Removals: a frozen release keeps counting whoever it counted. Cumulative
  tables only ever add; they describe everyone who registered, and only the
  exact unit table says how many are registered now. A record that arrives (or
  is corrected) after its period was released is not added to the attribute
  tables afterwards, which would change a frozen release.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from . import stats
from .cellsafe import workbook_options, write_text
from .errors import PinganError
from .model import Province, Unit
from .reader import JOBS, Repository

RELEASES_DIR = "data/releases"
FORMAT = 1
#: ε of one table of one release, for one person more or less (see the module docstring).
EPSILON_PER_TABLE = 0.1
MECHANISM = "OpenDP 0.16 make_laplace（离散拉普拉斯分布）"
CADENCES = ("月", "季")


class ReleaseInvalid(PinganError):
    """A file under data/releases/ is not a release as `pingan release` writes it: (path, reason in Chinese)."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Periods

@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    label: str

    def months(self) -> tuple[str, ...]:
        """The registration months of the period, YYYY-MM (the columns of its month table)."""
        found, day = [], self.start
        while day <= self.end:
            found.append(f"{day.year:04d}-{day.month:02d}")
            day = _first_of_next_month(day)
        return tuple(found)

    def holds(self, day: str) -> bool:
        return self.start.isoformat() <= day <= self.end.isoformat()


def _first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def period_of(day: date, cadence: str) -> Period:
    """The month (2015-03) or quarter (2015Q1) that holds `day`."""
    if cadence == "月":
        start = date(day.year, day.month, 1)
        label = f"{day.year:04d}-{day.month:02d}"
        months = 1
    elif cadence == "季":
        quarter = (day.month - 1) // 3
        start = date(day.year, 3 * quarter + 1, 1)
        label = f"{day.year:04d}Q{quarter + 1}"
        months = 3
    else:
        raise ValueError(cadence)
    end = start
    for _ in range(months):
        end = _first_of_next_month(end)
    return Period(start, end - timedelta(days=1), label)


def parse_period(label: str) -> Period | None:
    """The period a file name like 2015-03 or 2015Q1 names (None if it names none)."""
    try:
        if len(label) == 7 and label[4] == "-":
            found = period_of(date(int(label[:4]), int(label[5:]), 1), "月")
        elif len(label) == 6 and label[4] == "Q" and label[5] in "1234":
            found = period_of(date(int(label[:4]), 3 * int(label[5]) - 2, 1), "季")
        else:
            return None
    except ValueError:
        return None
    return found if found.label == label else None


def ready_on(period: Period, province: Province) -> date:
    """The first day the release of `period` may be made: after the period and its 补录期限天数."""
    return period.end + timedelta(days=province.backfill_days + 1)


def due(province: Province, today: date, stored: Iterable[Period] = ()) -> list[Period]:
    """The periods whose release is due on `today` and that no stored release already covers (wholly or in part)."""
    taken = sorted(stored)
    found = []
    period = period_of(province.start_date, province.release_cadence)
    while ready_on(period, province) <= today:
        if not any(p.start <= period.end and period.start <= p.end for p in taken):
            found.append(period)
        period = period_of(period.end + timedelta(days=1), province.release_cadence)
    return found


def next_due(province: Province, today: date) -> tuple[Period, date]:
    """The first period not yet due on `today`, and the day it will be."""
    period = period_of(province.start_date, province.release_cadence)
    while ready_on(period, province) <= today:
        period = period_of(period.end + timedelta(days=1), province.release_cadence)
    return period, ready_on(period, province)


# ---------------------------------------------------------------------------------------------
# Noise (OpenDP) and one release

def noisy_counts(values: Sequence[int], sensitivity: int, epsilon: float) -> tuple[list[int], float]:
    """`values` with discrete Laplace noise from OpenDP: (noisy values, scale); the privacy map is checked.

    OpenDP draws from its own cryptographically secure generator: the noise
    cannot be seeded, repeated or recovered from anything stored.
    """
    scale = sensitivity / epsilon
    measurement = _measurement(sensitivity, epsilon)
    return [int(v) for v in measurement(list(values))], scale


@cache
def _measurement(sensitivity: int, epsilon: float) -> Any:
    """OpenDP's discrete Laplace on integer vectors with the scale for ε at `sensitivity`, its privacy map checked."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    measurement = dp.m.make_laplace(*space, scale=sensitivity / epsilon)
    spent = measurement.map(sensitivity)
    if spent > epsilon * (1 + 1e-9):
        raise AssertionError(f"OpenDP spends ε = {spent}, more than {epsilon}")
    return measurement


@dataclass(frozen=True)
class ReleasedTable:
    """One table of a release: noisy counts (whole, possibly negative), rows × columns."""

    key: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    epsilon: float
    sensitivity: int
    scale: float


@dataclass(frozen=True)
class Release:
    period: Period
    cadence: str
    made: date
    tables: tuple[ReleasedTable, ...]

    @property
    def epsilon(self) -> float:
        return round(sum(t.epsilon for t in self.tables), 10)

    @property
    def note(self) -> stats.ReleaseNote:
        return stats.ReleaseNote(self.period.label, self.period.start, self.period.end, self.made, self.epsilon)


def noisy_release(people: Iterable[stats.Person], unit_codes: Sequence[str], period: Period, cadence: str,
                  made: date, epsilon: float = EPSILON_PER_TABLE) -> Release:
    """The release of `period`: every attribute table of the people registered in it, with fresh noise.

    The true counts live only inside this function; what it returns is noisy.
    """
    inside = [p for p in people if period.holds(p.day)]
    units = tuple(sorted(unit_codes))
    tables = []
    for spec in stats.table_specs():
        columns = period.months() if spec.key == stats.MONTHS else spec.columns
        rows = units if spec.per_unit else (stats.PROVINCE_ROW,)
        flat = [v for row in spec.counts(inside, rows, columns) for v in row]
        noisy, scale = noisy_counts(flat, spec.sensitivity, epsilon)
        width = len(columns)
        counts = tuple(tuple(noisy[i * width:(i + 1) * width]) for i in range(len(rows)))
        tables.append(ReleasedTable(spec.key, rows, columns, counts, epsilon, spec.sensitivity, scale))
    return Release(period, cadence, made, tuple(tables))


# ---------------------------------------------------------------------------------------------
# Release files: written once, read and checked on every build

def folder(root: Path) -> Path:
    return root / RELEASES_DIR


def to_json(release: Release) -> str:
    body: dict[str, Any] = {
        "format": FORMAT,
        "period": release.period.label,
        "cadence": release.cadence,
        "start": release.period.start.isoformat(),
        "end": release.period.end.isoformat(),
        "made": release.made.isoformat(),
        "mechanism": MECHANISM,
        "epsilon": release.epsilon,
        "note": "只有加噪后的人数（可能为负，未取整处理）；发布后不再改动。",
        "tables": [{"key": t.key, "epsilon": t.epsilon, "sensitivity": t.sensitivity, "scale": t.scale,
                    "rows": list(t.rows), "columns": list(t.columns), "counts": [list(r) for r in t.counts]}
                   for t in release.tables],
    }
    # One line per key and per table: small, and a reviewer sees which table a change touches.
    lines = [f" {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}" for k, v in body.items()
             if k != "tables"]
    tables = [f"  {json.dumps(t, ensure_ascii=False)}" for t in body["tables"]]
    return "{\n" + ",\n".join([*lines, ' "tables": [\n' + ",\n".join(tables) + "\n ]"]) + "\n}\n"


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def from_json(text: str, path: Path) -> Release:
    """A release file read back; ReleaseInvalid when it is not one that `pingan release` wrote."""
    def bad(reason: str) -> ReleaseInvalid:
        return ReleaseInvalid(path, reason)

    try:
        body = json.loads(text)
    except ValueError as exc:
        raise bad("不是有效的 JSON 文件") from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise bad("不是本工具写出的统计发布文件（format 不对）")
    period = parse_period(str(body.get("period")))
    if period is None or period.label != path.stem:
        raise bad("统计期与文件名不一致")
    if (body.get("start"), body.get("end")) != (period.start.isoformat(), period.end.isoformat()):
        raise bad("起止日期与统计期不一致")
    if body.get("cadence") not in CADENCES:
        raise bad("统计发布周期应为“月”或“季”")
    try:
        made = date.fromisoformat(str(body.get("made")))
    except ValueError as exc:
        raise bad("发布日期不是 YYYY-MM-DD 格式的日期") from exc
    tables = []
    specs = {s.key: s for s in stats.table_specs()}
    raw_tables = body.get("tables")
    if not isinstance(raw_tables, list) or [t.get("key") if isinstance(t, dict) else None
                                            for t in raw_tables] != list(specs):
        raise bad("表格不全或顺序不对")
    for raw in raw_tables:
        rows, columns, counts = raw.get("rows"), raw.get("columns"), raw.get("counts")
        numbers = (raw.get("epsilon"), raw.get("scale"))
        if not (_strings(rows) and _strings(columns) and isinstance(counts, list) and len(counts) == len(rows)
                and all(isinstance(r, list) and len(r) == len(columns)
                        and all(type(v) is int for v in r) for r in counts)
                and all(isinstance(n, (int, float)) and not isinstance(n, bool) and n > 0 for n in numbers)
                and type(raw.get("sensitivity")) is int):
            raise bad(f"表“{raw['key']}”的行、列或人数不完整")
        tables.append(ReleasedTable(raw["key"], tuple(rows), tuple(columns), tuple(tuple(r) for r in counts),
                                    float(raw["epsilon"]), raw["sensitivity"], float(raw["scale"])))
    return Release(period, body["cadence"], made, tuple(tables))


def load_all(root: Path) -> list[Release]:
    """Every stored release, oldest period first (ReleaseInvalid when a file is not a release)."""
    found = [from_json(path.read_text(encoding="utf-8"), path) for path in sorted(folder(root).glob("*.json"))]
    found.sort(key=lambda r: r.period)
    for earlier, later in zip(found, found[1:]):
        if later.period.start <= earlier.period.end:
            raise ReleaseInvalid(folder(root) / f"{later.period.label}.json",
                                 f"统计期与 {earlier.period.label} 重叠，同一批人会被统计两次")
    return found


def write_new(root: Path, release: Release) -> Path:
    """Create the release's file; an existing file is never replaced (FileExistsError)."""
    path = folder(root) / f"{release.period.label}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as out:
        out.write(to_json(release))
    return path


def make_due(root: Path, people: Sequence[stats.Person], units: dict[str, Unit], province: Province,
             today: date) -> list[Release]:
    """Make and store every release that is due on `today` and not stored yet; return them.

    Nothing is made while no record counts at all (the exact total already says
    so): a repository before its first registration publishes no noise.
    """
    if not people:
        return []
    stored = [r.period for r in load_all(root)]
    made = []
    for period in due(province, today, stored):
        release = noisy_release(people, list(units), period, province.release_cadence, today)
        write_new(root, release)
        made.append(release)
    return made


# ---------------------------------------------------------------------------------------------
# What the page shows: sums of releases, whole and non-negative

def cumulative(releases: Sequence[Release], units: dict[str, Unit]) -> list[stats.Table]:
    """The attribute tables: each the sum of `releases`' noisy tables, made non-negative (none without releases).

    Rows follow the unit order of the page; a unit that released counts and
    has since gone keeps its row under its code. Month columns are the months of
    every release.
    """
    if not releases:
        return []
    ordered = [u.code for u in stats.ordered_units(units)]
    names = {u.code: u.name for u in units.values()}
    tables = []
    for spec in stats.table_specs():
        sums: dict[tuple[str, str], int] = {}
        seen_rows: dict[str, None] = {}
        seen_columns: dict[str, None] = {}
        for release in releases:
            table = next(t for t in release.tables if t.key == spec.key)
            for row, values in zip(table.rows, table.counts):
                seen_rows[row] = None
                for column, value in zip(table.columns, values):
                    seen_columns[column] = None
                    sums[row, column] = sums.get((row, column), 0) + value
        if spec.per_unit:
            rows = ordered + sorted(r for r in seen_rows if r not in names)
        else:
            rows = [stats.PROVINCE_ROW]
        columns = tuple(sorted(seen_columns)) if spec.key == stats.MONTHS else spec.columns
        counts = [[max(0, sums.get((r, c), 0)) for c in columns] for r in rows]
        tables.append(stats.Table(spec.key, spec.title, spec.attribute, columns,
                                  tuple(names.get(r, r) for r in rows), counts, spec.multi))
    return tables


# ---------------------------------------------------------------------------------------------
# Downloads of one release: CSV and an xlsx for the office

HEADER = ("表", "行", "列", "人数")


def description(release: Release) -> list[tuple[str, str]]:
    """The 说明 of a release's downloads: which period, when made, how protected."""
    p = release.period
    return [
        ("统计期", p.label),
        ("登记日期范围", f"{p.start.isoformat()} 至 {p.end.isoformat()}"),
        ("发布日期", release.made.isoformat()),
        ("统计对象", "登记日期在本统计期内、校验计入的志愿者记录"),
        ("保护方法", f"{MECHANISM}；每张表 ε = {EPSILON_PER_TABLE:g}，本期合计 ε = {release.epsilon:g}"),
        ("说明", "人数已加入随机噪声，负数记为 0；合计是所列人数之和，与准确登记人数略有出入。"),
    ]


def release_rows(release: Release, units: dict[str, Unit]) -> list[tuple[str, str, str, str]]:
    return list(stats.table_rows(cumulative([release], units)))


def release_csv(release: Release, units: dict[str, Unit]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(release_rows(release, units))
    return "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 CSV correctly


def release_xlsx(release: Release, units: dict[str, Unit], path: Path) -> None:
    """The release as a workbook: sheet 统计 (表/行/列/人数, counts as numbers) and sheet 说明."""
    import xlsxwriter

    made = datetime(release.made.year, release.made.month, release.made.day)
    book = xlsxwriter.Workbook(str(path), workbook_options())
    book.set_properties({"title": f"山西青年平安志愿者分项统计 {release.period.label}", "created": made})
    plain = book.add_format({"num_format": "@"})
    quoted = book.add_format({"num_format": "@", "quote_prefix": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("统计")
    for col, title in enumerate(HEADER):
        sheet.write_string(0, col, title, bold)
    for r, (table, row, column, value) in enumerate(release_rows(release, units), start=1):
        for col, text in enumerate((table, row, column)):
            write_text(sheet, r, col, text, plain, quoted)
        sheet.write_number(r, 3, int(value))
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 2, 16)
    notes = book.add_worksheet("说明")
    for r, (key, value) in enumerate(description(release)):
        notes.write_string(r, 0, key, bold)
        write_text(notes, r, 1, value, plain, quoted)
    notes.set_column(0, 0, 14)
    notes.set_column(1, 1, 80)
    book.close()


def stored_or_made(root: Path, people: Sequence[stats.Person], units: dict[str, Unit], province: Province,
                   today: date, make: bool = True) -> tuple[list[Release], list[Release]]:
    """(every stored release after making the due ones, the ones made now)."""
    made = make_due(root, people, units, province, today) if make else []
    return load_all(root), made


def pending(root: Path, province: Province, today: date) -> Iterator[Period]:
    """The due periods without a stored release (what `pingan release` would make, if any record counts)."""
    yield from due(province, today, [r.period for r in load_all(root)])


def release(root: Path, today: date, jobs: int | None = None) -> tuple[list[Release], list[Release]]:
    """`pingan release`: judge the records of `root`, make every due release; (stored, made now)."""
    repo = Repository(root, today)
    units, province = repo.settings.required()
    with repo.verdicts(jobs=JOBS if jobs is None else jobs) as verdicts:
        verdicts.require_open()
        people = stats.count_people(verdicts).people
    return stored_or_made(root, people, units, province, repo.today)
