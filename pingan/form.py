"""Attachment 3, 山西省平安志愿者登记表: one A4 portrait page per volunteer, one sheet per form.

The layout follows the plan's form: the identity block with a photo box, the
contact block, 个人特长 and 健康状况, 服务时间 and 服务类型 as tick boxes,
then what the record adds (服务项目, 岗位, registration details), the consent
statement for personal information with signature and date lines, and the
主管单位审核意见 box for the stamp. Grid of nine columns (A–I), printed on one
A4 page. Several forms go into one workbook, a sheet each, printable in one go.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter

from . import codelists as cl
from .cellsafe import looks_like_formula, workbook_options
from .model import Unit, Volunteer

TITLE = "山西省平安志愿者登记表"
TICKED, EMPTY = "☑", "□"
COLUMN_WIDTHS = (13, 11, 9, 11, 9, 11, 9, 11, 13)
LAST_COL = len(COLUMN_WIDTHS) - 1

CONSENT = (
    "本人自愿申请成为山西青年平安志愿者，保证以上信息真实。本人同意招募单位和共青团山西省委为志愿者招募、登记、管理、培训、"
    "保险和表彰的目的，收集、保存和使用本表中的个人信息（其中身份证号码属于敏感个人信息），并向承保的保险公司提供办理人身"
    "意外伤害保险所需的信息。本人知悉可以查阅、更正、删除本人的个人信息，也可以撤回本同意。"
)


def _tick(chosen: bool) -> str:
    return TICKED if chosen else EMPTY


def _ticks(choices: tuple[str, ...], chosen: list[str], other: bool = False) -> str:
    parts = [f"{_tick(c in chosen)}{c}" for c in choices]
    if other:
        extra = [item[len(cl.OTHER_PREFIX):].strip() for item in chosen if item.startswith(cl.OTHER_PREFIX)]
        parts.append(f"{_tick(bool(extra))}其它" + (f"：{'、'.join(extra)}" if extra else ""))
    return "　".join(parts)


class _Grid:
    """Writes labels and values into merged ranges with borders; text is always an inert string."""

    def __init__(self, book: Any, sheet: Any):
        self.sheet = sheet
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1, "text_wrap": True,
                "num_format": "@"}
        self.label = book.add_format({**base, "align": "center", "bold": True})
        self.value = book.add_format({**base, "align": "left"})
        self.value_quoted = book.add_format({**base, "align": "left", "quote_prefix": True})
        self.centre = book.add_format({**base, "align": "center"})
        self.box = book.add_format({**base, "align": "center", "valign": "vcenter", "font_color": "#808080"})
        self.top = book.add_format({**base, "align": "left", "valign": "top"})
        self.title = book.add_format({"font_name": "黑体", "font_size": 18, "bold": True, "align": "center",
                                      "valign": "vcenter"})
        self.plain = book.add_format({"font_name": "宋体", "font_size": 10.5, "valign": "vcenter", "num_format": "@"})

    def put(self, first_row: int, first_col: int, last_row: int, last_col: int, text: str, fmt: Any) -> None:
        if fmt is self.value and looks_like_formula(text):
            fmt = self.value_quoted
        if (first_row, first_col) == (last_row, last_col):
            self.sheet.write_string(first_row, first_col, text, fmt)
        else:
            self.sheet.merge_range(first_row, first_col, last_row, last_col, "", fmt)
            self.sheet.write_string(first_row, first_col, text, fmt)

    def pair(self, row: int, label: tuple[int, int], value: tuple[int, int], name: str, text: str | None) -> None:
        self.put(row, label[0], row, label[1], name, self.label)
        self.put(row, value[0], row, value[1], text or "", self.value)


def write_form(v: Volunteer, unit: Unit, path: Path) -> None:
    """Write Attachment 3 for `v` to `path` (plain .xlsx, one sheet)."""
    book = xlsxwriter.Workbook(str(path), workbook_options())
    book.set_properties({"title": f"{TITLE}（{v.record_id}）", "comments": "由 pingan form 生成；含个人信息，请妥善保管。"})
    _form_sheet(_Grid(book, book.add_worksheet("登记表")), v, unit)
    book.close()


def sheet_title(record_id: str) -> str:
    """A form's sheet name: its 编号 (Excel allows 31 characters; the number at the end is kept)."""
    return record_id[-31:]


def write_forms(forms: Iterable[tuple[Volunteer, Unit]], path: Path) -> int:
    """Write one form per volunteer into one workbook at `path`, a sheet each named by 编号; returns how many."""
    book = xlsxwriter.Workbook(str(path), workbook_options())
    book.set_properties({"title": TITLE, "comments": "由 pingan form 生成；每张工作表一份登记表；含个人信息，请妥善保管。"})
    grid: _Grid | None = None
    count = 0
    for v, unit in forms:
        sheet = book.add_worksheet(sheet_title(v.record_id))
        if grid is None:
            grid = _Grid(book, sheet)
        grid.sheet = sheet
        _form_sheet(grid, v, unit)
        count += 1
    if not count:
        book.add_worksheet("登记表").write_string(0, 0, "没有可以打印的登记表。")
    book.close()
    return count


def _form_sheet(grid: _Grid, v: Volunteer, unit: Unit) -> None:
    """Lay out one volunteer's form on the grid's sheet, with its A4 print settings."""
    sheet = grid.sheet
    for col, width in enumerate(COLUMN_WIDTHS):
        sheet.set_column(col, col, width)

    sheet.set_row(0, 36)
    grid.put(0, 0, 0, LAST_COL, TITLE, grid.title)
    sheet.set_row(1, 22)
    grid.put(1, 0, 1, 4, f"志愿者编号：{v.record_id}", grid.plain)
    grid.put(1, 5, 1, LAST_COL, f"招募单位（盖章）：{unit.name}", grid.plain)

    for row in range(2, 5):
        sheet.set_row(row, 34)
    grid.pair(2, (0, 0), (1, 1), "姓名", v.name)
    grid.pair(2, (2, 2), (3, 3), "性别", v.sex)
    grid.pair(2, (4, 4), (5, 5), "出生年月", v.birth_date.isoformat())
    grid.pair(2, (6, 6), (7, 7), "民族", v.ethnicity)
    grid.put(2, 8, 4, 8, "近期\n1寸\n彩色\n照片", grid.box)
    grid.pair(3, (0, 0), (1, 1), "政治面貌", v.political_status)
    grid.pair(3, (2, 2), (3, 7), "身份证号码", v.id_number)
    grid.pair(4, (0, 0), (1, 2), "所在地区（县/区）", v.region)
    employer = f"{v.employer}／{v.occupation}" if v.occupation else v.employer
    grid.pair(4, (3, 3), (4, 5), "工作单位/职业", employer)
    grid.pair(4, (6, 6), (7, 7), "文化程度", v.education)

    sheet.set_row(5, 26)
    sheet.set_row(6, 26)
    grid.put(5, 0, 6, 0, "联系方式", grid.label)
    grid.pair(5, (1, 1), (2, LAST_COL), "通信地址", v.address)
    grid.pair(6, (1, 1), (2, 3), "手机", v.mobile)
    grid.pair(6, (4, 4), (5, 5), "固定电话", v.landline)
    grid.pair(6, (6, 6), (7, LAST_COL), "QQ号码", v.qq)

    sheet.set_row(7, 26)
    grid.pair(7, (0, 0), (1, 5), "个人特长", "、".join(v.skills or ()))
    grid.pair(7, (6, 6), (7, LAST_COL), "健康状况", v.health)

    sheet.set_row(8, 40)
    grid.pair(8, (0, 0), (1, LAST_COL), "服务时间（勾选）", _ticks(cl.SERVICE_TIMES, v.service_times, other=True))

    first = 9
    grid.put(first, 0, first + 5, 0, "服务类型（勾选）", grid.label)
    for row in range(first, first + 6):
        sheet.set_row(row, 22)
    community, industry, internal, emergency = cl.SERVICE_TYPES
    grid.put(first, 1, first, 7, community, grid.value)
    grid.put(first, 8, first, 8, _tick(v.service_type == community), grid.centre)
    grid.put(first + 1, 1, first + 3, 1, "行业\n平安\n志愿者", grid.label)
    slots = [(first + 1, 2), (first + 1, 5), (first + 2, 2), (first + 2, 5), (first + 3, 2)]
    for (row, col), kind in zip(slots, cl.INDUSTRIES):
        chosen = v.service_type == industry and v.industry == kind
        grid.put(row, col, row, col + 1, f"{kind}行业平安志愿者", grid.value)
        grid.put(row, col + 2, row, col + 2, _tick(chosen), grid.centre)
    grid.put(first + 3, 5, first + 3, 6, "", grid.value)
    grid.put(first + 1, 8, first + 3, 8, "", grid.value)
    grid.put(first + 4, 1, first + 4, 7, internal, grid.value)
    grid.put(first + 4, 8, first + 4, 8, _tick(v.service_type == internal), grid.centre)
    grid.put(first + 5, 1, first + 5, 7, emergency, grid.value)
    grid.put(first + 5, 8, first + 5, 8, _tick(v.service_type == emergency), grid.centre)

    row = first + 6
    sheet.set_row(row, 30)
    grid.pair(row, (0, 0), (1, LAST_COL), "服务项目", _ticks(cl.SERVICE_ITEMS, v.service_items, other=True))
    sheet.set_row(row + 1, 26)
    grid.pair(row + 1, (0, 0), (1, LAST_COL), "岗位", _ticks(cl.ROLES, v.roles or []))
    details = [f"登记日期：{v.registered.isoformat()}",
               f"个人信息同意日期：{v.consent_date.isoformat()}",
               "无违法犯罪记录：" + ("已由招募单位核实" if v.no_criminal_record else "未核实")]
    if v.residence_since:
        details.append(f"在晋居住起始日期：{v.residence_since.isoformat()}")
    sheet.set_row(row + 2, 30)
    grid.pair(row + 2, (0, 0), (1, LAST_COL), "登记信息", "　　".join(details))
    sheet.set_row(row + 3, 30)
    grid.pair(row + 3, (0, 0), (1, LAST_COL), "备注", v.remarks)

    row += 4
    sheet.set_row(row, 78)
    grid.put(row, 0, row, 0, "个人信息\n处理同意", grid.label)
    grid.put(row, 1, row, LAST_COL,
             CONSENT + "\n\n本人签名：＿＿＿＿＿＿＿＿　　　　　　　　日期：　　　　年　　月　　日", grid.top)
    row += 1
    sheet.set_row(row, 92)
    grid.put(row, 0, row, 0, "主管单位\n审核意见", grid.label)
    grid.put(row, 1, row, LAST_COL,
             "\n\n\n　　　　　　　　　　　　　　　　　　　　（盖章）：\n\n"
             "　　　　　　　　　　　　　　　　　　　　　　　　年　　月　　日", grid.top)

    sheet.set_portrait()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 1)
    sheet.center_horizontally()
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.print_area(0, 0, row, LAST_COL)
    sheet.hide_gridlines(2)
