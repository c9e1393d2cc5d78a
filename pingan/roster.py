"""Excel rosters for the office: Attachment 4, quota progress (Attachment 2), insurance lists.

One pass over the records feeds every workbook at once (xlsxwriter's
constant_memory mode keeps one row per sheet in memory), so the province
roster with a sheet per unit and the insurance list are written together,
whatever the number of records. Only the 名额完成情况 sheet waits for the end
of the pass: it holds the counts.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter

from . import codelists
from .cellsafe import DATE_FORMAT, FORMULA_START, TEXT_FORMAT, workbook_options, write_text
from .dates import age_on
from .errors import UnknownUnit
from .insurance_changes import INSURANCE_COLUMNS, insurance_row, insured_at
from .model import Province, Unit, Volunteer
from .reader import TO_VERIFY, WITHDRAWN, Repository, Verdict

PROVINCE_ROSTER = "全省青年平安志愿者名单汇总表.xlsx"
INSURANCE_LIST = "保险名单.xlsx"
INSURANCE_CHANGES = "保险变动名单.xlsx"
ROSTER_TITLE = "全省青年平安志愿者名单汇总表"
SUMMARY_SHEET = "汇总"
PROGRESS_SHEET = "名额完成情况"
TO_VERIFY_SHEET = "待核实"
TO_VERIFY_COLUMNS = ("编号", "姓名", "性别", "身份证号", "单位", "手机", "说明")
TO_VERIFY_WIDTHS = (15, 10, 5, 21, 16, 13, 40)
TO_VERIFY_NOTE = "身份证号码与其他记录相同：核实后只保留一条，删除或改正其余记录"

#: Attachment 4's columns in its order, preceded by 编号.
ROSTER_COLUMNS = ("编号", "姓名", "性别", "年龄", "单位", "专业或特长", "身份证号", "健康状况", "服务时间", "服务项目", "联系方式")
ROSTER_WIDTHS = (15, 10, 5, 5, 30, 16, 21, 8, 22, 24, 26)
INSURANCE_WIDTHS = (15, 10, 5, 11, 21, 16, 13)
CHANGE_COLUMNS = ("变动", *INSURANCE_COLUMNS, "说明")
CHANGE_WIDTHS = (6, *INSURANCE_WIDTHS, 40)
PROGRESS_COLUMNS = ("单位", "类别", "名额", "已登记", "完成比例", "尚余名额", "超龄人数")
PROGRESS_WIDTHS = (22, 9, 9, 9, 10, 10, 10)

JOIN = "、"
HEADER_ROW = 2  # 0: title, 1: date and legend, 2: header
OVERAGE_FILL = "#FFE699"
_FORMULA_FIRST = frozenset(FORMULA_START)
_SHEET_NAME_BAD = str.maketrans({ch: "_" for ch in "[]:*?/\\"})


def unit_roster_name(unit: Unit) -> str:
    """The per-unit workbook's fixed file name."""
    return f"{safe_file_part(unit.name)}青年平安志愿者名单.xlsx"


def safe_file_part(text: str) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in text).strip(" .") or "单位"


def sheet_name(text: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts (≤ 31 characters, none of []:*?/\\), unique in the workbook."""
    base = text.translate(_SHEET_NAME_BAD).strip("'")[:31] or "单位"
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.casefold())
    return name


def roster_row(v: Volunteer, as_of: date) -> tuple[Any, ...]:
    """One volunteer as Attachment 4 lists them (单位 = 工作单位, 专业或特长 = 个人特长, 联系方式 = 手机；固定电话)."""
    contact = f"{v.mobile}；{v.landline}" if v.landline else v.mobile
    return (v.record_id, v.name, v.sex, age_on(v.birth_date, as_of), v.employer, JOIN.join(v.skills or ()),
            v.id_number, v.health, JOIN.join(v.service_times), JOIN.join(v.service_items), contact)


class _Styles:
    """The formats of one workbook, made once (xlsxwriter formats belong to their workbook)."""

    def __init__(self, book: Any):
        # Data cells carry no borders: the sheets print their gridlines instead, so an empty
        # cell needs no cell record at all (a third fewer cells to write on a large roster).
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.title = book.add_format({"font_name": "黑体", "font_size": 16, "bold": True, "align": "center",
                                      "valign": "vcenter"})
        self.note = book.add_format({"font_name": "宋体", "font_size": 10, "valign": "vcenter"})
        self.header = book.add_format({**base, "bold": True, "align": "center", "bg_color": "#D9E1F2",
                                       "text_wrap": True, "border": 1})
        self.cells: dict[tuple[str, bool], tuple[Any, Any]] = {}
        for kind, props in (("text", {"num_format": TEXT_FORMAT}), ("int", {"num_format": "0", "align": "center"}),
                            ("date", {"num_format": DATE_FORMAT, "align": "center"}),
                            ("pct", {"num_format": "0.0%"}), ("signed", {"num_format": "0;[Red]-0"})):
            for highlighted in (False, True):
                props_ = {**base, **props, **({"bg_color": OVERAGE_FILL} if highlighted else {})}
                quoted = {**props_, "quote_prefix": True} if kind == "text" else props_
                self.cells[(kind, highlighted)] = (book.add_format(props_), book.add_format(quoted))
        base = {**base, "border": 1}
        self.total = book.add_format({**base, "bold": True, "num_format": TEXT_FORMAT})
        self.total_int = book.add_format({**base, "bold": True, "num_format": "0"})
        self.total_pct = book.add_format({**base, "bold": True, "num_format": "0.0%"})


def write_cells(sheet: Any, styles: _Styles, row: int, values: Sequence[Any], highlighted: bool = False) -> None:
    """One row: numbers as numbers, dates as dates, everything else as inert text cells."""
    cells = styles.cells
    for col, value in enumerate(values):
        if value is None or value == "":
            if highlighted:
                sheet.write_blank(row, col, None, cells[("text", highlighted)][0])
        elif isinstance(value, str):
            plain, quoted = cells[("text", highlighted)]
            write_text(sheet, row, col, value, plain, quoted)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "是" if value else "否", cells[("text", highlighted)][0])
        elif isinstance(value, int):
            sheet.write_number(row, col, value, cells[("int", highlighted)][0])
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, cells[("date", highlighted)][0])
        else:
            sheet.write_number(row, col, value, cells[("pct", highlighted)][0])


def _write_roster_row(sheet: Any, row: int, values: tuple[Any, ...], text: Any, quoted: Any, number: Any,
                      highlighted: bool) -> None:
    """The hot path of a roster row: column 3 (年龄) is a number, the others are text (maybe empty)."""
    write_string = sheet.write_string
    for col, value in enumerate(values):
        if col == 3:
            sheet.write_number(row, col, value, number)
        elif value:
            write_string(row, col, value, quoted if value[0] in _FORMULA_FIRST else text)
        elif highlighted:
            sheet.write_blank(row, col, None, text)


class ListSheet:
    """A sheet listing people: title, date line, styled header, frozen header, filter, print set-up."""

    def __init__(self, book: Any, styles: _Styles, name: str, title: str, note: str,
                 columns: Sequence[str], widths: Sequence[int]):
        self.sheet = sheet = book.add_worksheet(name)
        self.styles, self.columns = styles, columns
        last = len(columns) - 1
        sheet.set_row(0, 28)
        sheet.merge_range(0, 0, 0, last, title, styles.title)
        sheet.merge_range(1, 0, 1, last, note, styles.note)
        for col, (header, width) in enumerate(zip(columns, widths)):
            sheet.set_column(col, col, width)
            sheet.write_string(HEADER_ROW, col, header, styles.header)
        sheet.freeze_panes(HEADER_ROW + 1, 0)
        sheet.hide_gridlines(0)  # gridlines on screen and on paper
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(HEADER_ROW)
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        sheet.set_footer("&C第 &P 页，共 &N 页")
        self.row = HEADER_ROW + 1

    def add(self, values: Sequence[Any], highlighted: bool = False) -> None:
        write_cells(self.sheet, self.styles, self.row, values, highlighted)
        self.row += 1

    def close(self) -> None:
        self.sheet.autofilter(HEADER_ROW, 0, max(self.row - 1, HEADER_ROW), len(self.columns) - 1)


@dataclass
class Progress:
    """Counts gathered during the pass, for the 名额完成情况 sheet and the command's message."""

    registered: Counter[str] = field(default_factory=Counter)
    overage: Counter[str] = field(default_factory=Counter)
    service_types: Counter[str] = field(default_factory=Counter)
    service_items: Counter[str] = field(default_factory=Counter)
    left_out: int = 0
    registered_later: int = 0
    to_verify: int = 0
    #: Volunteers who left (状态 已退出): listed nowhere, counted against no quota.
    withdrawn: int = 0
    max_age: int = 45

    @property
    def total(self) -> int:
        return sum(self.registered.values())

    def merge(self, other: Progress) -> None:
        """Add another workbook's counts (one unit's roster among several)."""
        for mine, theirs in ((self.registered, other.registered), (self.overage, other.overage),
                             (self.service_types, other.service_types), (self.service_items, other.service_items)):
            mine.update(theirs)
        self.left_out += other.left_out
        self.registered_later += other.registered_later
        self.to_verify += other.to_verify
        self.withdrawn += other.withdrawn

    def count(self, v: Volunteer, overage: bool) -> None:
        self.registered[v.unit] += 1
        self.overage[v.unit] += overage
        self.service_types[v.service_type] += 1
        for item in v.service_items:
            self.service_items["其它" if item.startswith(codelists.OTHER_PREFIX) else item] += 1


def write_progress(book: Any, sheet: Any, styles: _Styles, units: Sequence[Unit], progress: Progress,
                   as_of: date, max_age: int, total_quota: int | None, whose: str = "全省") -> None:
    """Attachment 2 with progress: per unit and in total, then counts by 服务类型 and 服务项目."""
    last = len(PROGRESS_COLUMNS) - 1
    sheet.set_row(0, 28)
    sheet.merge_range(0, 0, 0, last, f"{whose}青年平安志愿者名额完成情况", styles.title)
    sheet.merge_range(1, 0, 1, last, f"名单日期：{as_of.isoformat()}　　超龄人数：在名单日期已超过 {max_age} 周岁的人数"
                      "（年龄条件按登记日期判断，这些志愿者仍在名单中，以黄色标出）", styles.note)
    for col, (header, width) in enumerate(zip(PROGRESS_COLUMNS, PROGRESS_WIDTHS)):
        sheet.set_column(col, col, width)
        sheet.write_string(HEADER_ROW, col, header, styles.header)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    row = HEADER_ROW + 1
    cells = styles.cells
    for unit in units:
        done = progress.registered[unit.code]
        values = (unit.name, unit.category, unit.quota, done)
        write_cells(sheet, styles, row, values)
        if unit.quota:
            sheet.write_number(row, 4, done / unit.quota, cells[("pct", False)][0])
        else:
            sheet.write_blank(row, 4, None, cells[("pct", False)][0])
        sheet.write_number(row, 5, unit.quota - done, cells[("signed", False)][0])
        sheet.write_number(row, 6, progress.overage[unit.code], cells[("int", False)][0])
        row += 1
    quota = sum(unit.quota for unit in units)
    done = progress.total
    sheet.write_string(row, 0, "合计", styles.total)
    sheet.write_blank(row, 1, None, styles.total)
    sheet.write_number(row, 2, quota, styles.total_int)
    sheet.write_number(row, 3, done, styles.total_int)
    if quota:
        sheet.write_number(row, 4, done / quota, styles.total_pct)
    else:
        sheet.write_blank(row, 4, None, styles.total_pct)
    sheet.write_number(row, 5, quota - done, styles.total_int)
    sheet.write_number(row, 6, sum(progress.overage.values()), styles.total_int)
    row += 2
    notes = []
    if total_quota is not None and total_quota != quota:
        notes.append(f"全省总名额（data/province.yaml）为 {total_quota} 人，各单位名额合计 {quota} 人。")
    if progress.left_out:
        notes.append(f"有 {progress.left_out} 条记录因有错误未列入名单和统计；运行 pingan validate 可查看具体错误。")
    if progress.to_verify:
        notes.append(f"有 {progress.to_verify} 条记录的身份证号码与其他记录相同，列在“{TO_VERIFY_SHEET}”表中，"
                     "核实前不计入名额。")
    if progress.registered_later:
        notes.append(f"有 {progress.registered_later} 条记录的登记日期晚于名单日期，未列入。")
    if progress.withdrawn:
        notes.append(f"有 {progress.withdrawn} 名志愿者已退出，不列入名单，不占名额。")
    for note in notes:
        sheet.write_string(row, 0, note, styles.note)
        row += 1
    if notes:
        row += 1
    for heading, counter, order in (("服务类型", progress.service_types, codelists.SERVICE_TYPES),
                                    ("服务项目", progress.service_items, (*codelists.SERVICE_ITEMS, "其它"))):
        sheet.write_string(row, 0, heading, styles.header)
        sheet.write_string(row, 1, "人数", styles.header)
        sheet.write_string(row, 2, "占比", styles.header)
        row += 1
        for name in order:
            write_cells(sheet, styles, row, (name, counter[name]))
            sheet.write_number(row, 2, counter[name] / done if done else 0, cells[("pct", False)][0])
            row += 1
        if heading == "服务项目":
            sheet.write_string(row, 0, "一名志愿者可参与多个服务项目，人数之和可能大于总人数。", styles.note)
            row += 1
        row += 1


class RosterWorkbook:
    """The Attachment 4 workbook: a 汇总 sheet (optional), 名额完成情况, and one sheet per unit."""

    def __init__(self, path: Path, units: Sequence[Unit], province: Province, as_of: date, *,
                 summary: bool = True, title: str = ROSTER_TITLE):
        self.path = path
        self.book = xlsxwriter.Workbook(str(path), workbook_options(constant_memory=True))
        self.book.set_properties({"title": title, "comments": "由 pingan roster 生成；含个人信息，请妥善保管。"})
        self.styles = _Styles(self.book)
        self.units, self.province, self.as_of = list(units), province, as_of
        self.whose = "全省" if summary else title.removesuffix("青年平安志愿者名单")
        self.unit_names = {unit.code: unit.name for unit in self.units}
        self.left_out = self.registered_later = self.withdrawn = 0
        self.max_age = province.rules.max_age
        note = (f"名单日期：{as_of.isoformat()}　　年龄按名单日期计算；黄色底纹：已超过 {self.max_age} 周岁"
                "（年龄条件按登记日期判断，仍列入名单，由办公室决定）")
        taken = {SUMMARY_SHEET, PROGRESS_SHEET, TO_VERIFY_SHEET}
        self.all = ListSheet(self.book, self.styles, SUMMARY_SHEET, title, note, ROSTER_COLUMNS, ROSTER_WIDTHS) \
            if summary else None
        self.progress_sheet = self.book.add_worksheet(PROGRESS_SHEET)
        self.by_unit = {unit.code: ListSheet(self.book, self.styles, sheet_name(unit.name, taken),
                                             f"{unit.name}青年平安志愿者名单", note, ROSTER_COLUMNS, ROSTER_WIDTHS)
                        for unit in self.units}
        self.pending = ListSheet(self.book, self.styles, TO_VERIFY_SHEET, "身份证号码重复、待核实的记录",
                                 "以下记录不计入名额、名单和统计，由团省委志愿者工作部核实", TO_VERIFY_COLUMNS,
                                 TO_VERIFY_WIDTHS)
        self.progress = Progress(max_age=self.max_age)

    def add(self, v: Volunteer) -> None:
        row = roster_row(v, self.as_of)
        overage = row[3] > self.max_age
        self.progress.count(v, overage)
        text, quoted = self.styles.cells[("text", overage)]
        number = self.styles.cells[("int", overage)][0]
        for target in (self.all, self.by_unit[v.unit]):
            if target is not None:
                _write_roster_row(target.sheet, target.row, row, text, quoted, number, overage)
                target.row += 1

    def add_to_verify(self, v: Volunteer) -> None:
        """A record whose ID number another record holds too: listed for the office, counted nowhere."""
        self.pending.add((v.record_id, v.name, v.sex, v.id_number, self.unit_names[v.unit], v.mobile, TO_VERIFY_NOTE))
        self.progress.to_verify += 1

    def close(self) -> Progress:
        self.progress.left_out, self.progress.registered_later = self.left_out, self.registered_later
        self.progress.withdrawn = self.withdrawn
        for sheet in ([self.all] if self.all else []) + list(self.by_unit.values()) + [self.pending]:
            sheet.close()
        total = self.province.total_quota if self.all is not None else None
        write_progress(self.book, self.progress_sheet, self.styles, self.units, self.progress, self.as_of,
                       self.max_age, total, self.whose)
        self.book.close()
        return self.progress


class InsuranceWorkbook:
    """保险名单: everyone on the roster, with what the group accident insurance needs."""

    def __init__(self, path: Path, units: dict[str, Unit], as_of: date):
        self.book = xlsxwriter.Workbook(str(path), workbook_options(constant_memory=True))
        self.book.set_properties({"title": "青年平安志愿者保险名单", "comments": "由 pingan roster 生成；含个人信息，请妥善保管。"})
        self.styles = _Styles(self.book)
        self.units = units
        self.sheet = ListSheet(self.book, self.styles, "保险名单", "青年平安志愿者人身意外伤害保险名单",
                               f"名单日期：{as_of.isoformat()}　　单位为招募单位", INSURANCE_COLUMNS, INSURANCE_WIDTHS)

    def add(self, v: Volunteer) -> None:
        self.sheet.add(insurance_row(v, self.units[v.unit].name))

    def close(self) -> None:
        self.sheet.close()
        self.book.close()


@dataclass(frozen=True)
class InsuranceChange:
    """One line of 保险变动名单: 新增, 减少 or 变更 (the insured person's details changed)."""

    kind: str
    row: tuple[Any, ...]
    note: str = ""


def insurance_changes(before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]],
                      previous: dict[str, str] | None = None, left: dict[str, str] | None = None,
                      ) -> list[InsuranceChange]:
    """Compare two {编号: insurance_row} maps: additions, removals, and changed details, in 编号 order.

    `previous` maps a 编号 of `after` to its 原编号: a person transferred to
    another unit is one 变更 (原编号 and 原单位 in the note), not a removal and
    an addition. `left` maps a removed 编号 to why (a withdrawal), noted on its 减少 line.
    """
    moved = {new_id: old_id for new_id, old_id in (previous or {}).items()
             if old_id in before and old_id not in after and new_id in after and new_id not in before}
    moved_away = set(moved.values())
    changes = []
    for record_id in sorted(before.keys() | after.keys()):
        if record_id in moved_away:
            continue  # listed once, at the number the person has now
        old, new = before.get(moved.get(record_id, record_id)), after.get(record_id)
        if old == new:
            continue
        if old is None:
            changes.append(InsuranceChange("新增", new))  # type: ignore[arg-type]
        elif new is None:
            changes.append(InsuranceChange("减少", old, (left or {}).get(record_id, "")))
        else:
            changed = [f"原{column}：{_shown(old[i])}" for i, column in enumerate(INSURANCE_COLUMNS)
                       if old[i] != new[i]]
            changes.append(InsuranceChange("变更", new, "；".join(changed)))
    return changes


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def write_insurance_changes(path: Path, changes: Iterable[InsuranceChange], since: date, as_of: date) -> int:
    """保险变动名单.xlsx; returns the number of lines."""
    book = xlsxwriter.Workbook(str(path), workbook_options(constant_memory=True))
    book.set_properties({"title": "青年平安志愿者保险变动名单", "comments": "由 pingan roster 生成；含个人信息，请妥善保管。"})
    styles = _Styles(book)
    sheet = ListSheet(book, styles, "保险变动名单", "青年平安志愿者保险变动名单",
                      f"变动期间：{since.isoformat()} 至 {as_of.isoformat()}（以代码仓库的提交历史为准）　　单位为招募单位",
                      CHANGE_COLUMNS, CHANGE_WIDTHS)
    count = 0
    for change in changes:
        sheet.add((change.kind, *change.row, change.note))
        count += 1
    sheet.close()
    book.close()
    return count


@dataclass
class Built:
    """What `build_rosters` wrote and counted."""

    files: list[Path]
    progress: Progress
    changes: int | None = None


def build_rosters(root: Path, out: Path, *, as_of: date, units: Sequence[str] | None = None,
                  since: date | None = None, password: str | None = None) -> Built:
    """Write the rosters of the repository at `root` into `out` (encrypted when `password` is given).

    Without `units`: the province roster, the insurance list, and with `since`
    the insurance changes. With `units`: one roster workbook per unit, and with
    `since` that unit's insurance changes. Every list holds exactly the records
    whose verdict counts (see reader.repository); duplicates waiting for the
    office go to the 待核实 sheet. Files are first written to a private
    temporary folder; only finished (and, with a password, encrypted) files land in `out`.
    """
    import tempfile

    from . import crypto

    repo = Repository(root)
    all_units, province = repo.settings.required()
    chosen = [repo.settings.unit(code) for code in units or ()]  # raises UnknownUnit
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pingan-roster-") as tmp:
        work = Path(tmp)
        if chosen:
            books = {unit.code: RosterWorkbook(work / unit_roster_name(unit), [unit], province, as_of, summary=False,
                                               title=f"{unit.name}青年平安志愿者名单") for unit in chosen}
            insurance = None
        else:
            ordered = sorted(all_units.values(), key=lambda u: (codelists.UNIT_CATEGORIES.index(u.category), u.code))
            books = {"": RosterWorkbook(work / PROVINCE_ROSTER, ordered, province, as_of)}
            insurance = InsuranceWorkbook(work / INSURANCE_LIST, all_units, as_of)
        insured: dict[str, tuple[Any, ...]] = {}
        previous: dict[str, str] = {}
        left: dict[str, str] = {}
        with repo.verdicts() as verdicts:
            codes: list[str | None] = [unit.code for unit in chosen] or [None]
            for code in codes:  # a unit's own roster needs only its own key
                verdicts.require_open(code)
            for verdict in verdicts:
                book = books.get(verdict.entry.unit if chosen else "")
                if book is None:
                    continue
                if verdict.status == WITHDRAWN and since is not None:
                    gone = repo.volunteer(verdict)
                    if gone is not None:
                        left[gone.record_id] = f"已退出：{_shown(gone.withdrawn_on)}，{gone.withdrawal_reason}"
                v = _listed(repo, verdict, book, as_of)
                if v is None:
                    continue
                if insurance is not None:
                    insurance.add(v)
                if since is not None:
                    insured[v.record_id] = insurance_row(v, all_units[v.unit].name)
                    if v.previous_id:
                        previous[v.record_id] = v.previous_id
        progress = Progress(max_age=province.rules.max_age)
        written: list[Path] = []
        for book in books.values():
            progress.merge(book.close())
            written.append(book.path)
        if insurance is not None:
            insurance.close()
            written.append(work / INSURANCE_LIST)
        changes = None
        if since is not None:
            before = insured_at(root, since)
            if chosen:
                names = {unit.name for unit in chosen}
                before = {k: row for k, row in before.items() if row[5] in names}
            name = INSURANCE_CHANGES if not chosen else f"{safe_file_part('、'.join(u.name for u in chosen))}{INSURANCE_CHANGES}"
            changes = write_insurance_changes(work / name, insurance_changes(before, insured, previous, left), since, as_of)
            written.append(work / name)
        final = []
        for path in written:
            crypto.deliver(path, out / path.name, password)
            final.append(out / path.name)
    return Built(final, progress, changes)


def _listed(repo: Repository, verdict: Verdict, book: RosterWorkbook, as_of: date) -> Volunteer | None:
    """Put one record where the policy says (roster, 待核实, or only counted as left out or withdrawn); the listed
    Volunteer."""
    if verdict.status == WITHDRAWN:
        book.withdrawn += 1
        return None
    if verdict.status == TO_VERIFY:
        pending = repo.volunteer(verdict)
        if pending is None:
            book.left_out += 1
        else:
            book.add_to_verify(pending)
        return None
    if not verdict.counts:
        book.left_out += 1
        return None
    if not verdict.registered_by(as_of):
        book.registered_later += 1
        return None
    v = repo.volunteer(verdict)
    if v is None:  # the file changed after it was judged: never guessed at
        book.left_out += 1
        return None
    book.add(v)
    return v


__all__ = [
    "Built", "CHANGE_COLUMNS", "INSURANCE_CHANGES", "UnknownUnit", "build_rosters", "INSURANCE_COLUMNS", "INSURANCE_LIST", "PROGRESS_COLUMNS",
    "PROGRESS_SHEET", "PROVINCE_ROSTER", "ROSTER_COLUMNS", "SUMMARY_SHEET", "InsuranceChange", "InsuranceWorkbook",
    "Progress", "RosterWorkbook", "insurance_changes", "insurance_row", "roster_row", "unit_roster_name",
    "write_insurance_changes",
]
