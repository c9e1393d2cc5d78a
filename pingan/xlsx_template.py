"""The entry template: one row per volunteer, the record's fields as columns, drop-downs from the code lists.

Units that keep their lists in Excel fill this workbook and hand it to
`pingan import` (or upload it to imports/<unit>/). The columns are the
record's keys in the model's order (招募单位 is implied by the unit), so the
importer maps a header straight to a key. Code lists come from codelists.py
through a hidden sheet, ID/phone/QQ columns are text, date columns are dates.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from . import codelists as cl
from . import fields as f
from .cellsafe import DATE_FORMAT, TEXT_FORMAT, workbook_options, write_text
from .model import DATE_KEYS, Volunteer
from .yamlio import RECORD_KEYS

DATA_SHEET = "志愿者名单"
HELP_SHEET = "填写说明"
LISTS_SHEET = "代码表"
#: The unit is given by --unit (and by the imports/<unit>/ folder), not by a column.
UNIT_KEY = f.UNIT
COLUMNS = tuple(key for key in RECORD_KEYS if key != UNIT_KEY)
LIST_KEYS = (f.SKILLS, f.SERVICE_TIMES, f.SERVICE_ITEMS, f.ROLES)
BOOL_KEYS = (f.NO_CRIMINAL_RECORD,)
YES, NO = "是", "否"
JOIN = "、"
#: Rows that get drop-downs and formats beyond the filled ones.
SPARE_ROWS = 2000
_WIDTHS = {"编号": 15, "姓名": 10, "性别": 6, "出生日期": 11, "民族": 9, "政治面貌": 12, "身份证号码": 21,
           f.REGION: 18, f.EMPLOYER: 26, "职业": 12, f.EDUCATION: 10, f.ADDRESS: 30, f.MOBILE: 13, f.LANDLINE: 14,
           f.QQ: 12, f.SKILLS: 16, f.HEALTH: 9, f.SERVICE_TIMES: 20, f.SERVICE_TYPE: 22, f.INDUSTRY: 9, f.SERVICE_ITEMS: 24,
           f.ROLES: 16, f.RESIDENCE_SINCE: 14, f.NO_CRIMINAL_RECORD: 10, f.CONSENT_DATE: 14, f.REGISTERED: 11, f.REMARKS: 30}


def required_keys() -> frozenset[str]:
    return frozenset(f.alias for f in Volunteer.model_fields.values() if f.alias and f.is_required())


def single_choice_lists() -> dict[str, tuple[str, ...]]:
    """Drop-down values per column: the single-choice code lists, current 所在地区 names, and 是/否."""
    lists = {key: cl.CODE_LISTS[key][0] for key in (f.SEX, f.ETHNICITY, f.POLITICAL_STATUS, f.EDUCATION, f.HEALTH, f.SERVICE_TYPE, f.INDUSTRY)}
    lists[f.REGION] = tuple(name for name, region in cl.shanxi_regions().items() if region.current)
    lists[f.NO_CRIMINAL_RECORD] = (YES, NO)
    return lists


def cell_value(key: str, value: Any) -> Any:
    """A record value as the template shows it: lists joined with "、", booleans as 是/否."""
    if value is None:
        return None
    if key in LIST_KEYS:
        return JOIN.join(str(item) for item in value)
    if key in BOOL_KEYS:
        return YES if value is True else NO if value is False else str(value)
    return value


def _help_lines(unit_name: str) -> list[tuple[str, str]]:
    required = required_keys()
    lines = [
        ("用途", f"{unit_name}青年平安志愿者批量填报模板。每行一名志愿者；填好后上传到代码仓库的 imports/单位代码/ 文件夹，"
                 "或由办公室用 pingan import 导入。"),
        (f.RECORD_ID, "新志愿者的编号留空，导入时自动编号（编号不会重复使用）；已有志愿者保留编号，修改该行即更新其记录。"),
        ("不要改动", "不要修改、删除或调换第一行的列名，不要改工作表名称；可以增删数据行。"),
        ("必填", "带 * 说明的列必须填写：" + "、".join(k for k in COLUMNS if k in required) + "。"),
        ("下拉列表", "性别、民族、政治面貌、文化程度、健康状况、服务类型、行业、所在地区、无犯罪记录 请从下拉列表中选择。"),
        ("多项", "个人特长、服务时间、服务项目、岗位 可填多项，用顿号“、”分隔，如“周六、周日”；"
                 "服务时间和服务项目的其它情况写成“其它: 具体内容”。可选的值见“代码表”中的说明。"),
        ("号码", "身份证号码、手机、固定电话、QQ 列已设为文本格式，请勿改为数字格式，否则身份证号码后几位会丢失。"
                 "固定电话写成“区号-号码”，如 0351-4182850。"),
        ("日期", "出生日期、在晋居住起始日期、个人信息同意日期、登记日期 写成 2024-05-01 这样的日期。"),
        (f.INDUSTRY, "服务类型为“行业平安志愿者”时必须选择行业，否则不填。"),
        (f.RESIDENCE_SINCE, "只有身份证不是山西户籍的志愿者填写（须在登记日期一年以前）。"),
        (f.NO_CRIMINAL_RECORD, "招募单位核实本人无违法犯罪记录后选择“是”。"),
        ("检查", "导入时按与 pingan validate 相同的规则逐行检查，并检查名额和重复的身份证号码；"
                 "任何一行有错误时不会写入任何记录，错误以“第 12 行 身份证号码: …”的形式列出。"),
        ("个人信息", "本表含身份证号码等个人信息，请妥善保管，不要通过公开渠道传送。"),
    ]
    return lines


def write_template(path: Path, unit_name: str, records: Iterable[dict[str, Any]] = ()) -> int:
    """Write the template for one unit, filled with `records` (normalised record data); returns the row count."""
    book = xlsxwriter.Workbook(str(path), workbook_options())
    book.set_properties({"title": f"{unit_name}青年平安志愿者批量填报模板", "comments": "由 pingan template 生成。"})
    sheet = book.add_worksheet(DATA_SHEET)
    help_sheet = book.add_worksheet(HELP_SHEET)
    lists_sheet = book.add_worksheet(LISTS_SHEET)
    base = {"font_name": "宋体", "font_size": 10}
    header = book.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center",
                              "valign": "vcenter", "text_wrap": True})
    header_required = book.add_format({**base, "bold": True, "bg_color": "#F8CBAD", "border": 1,
                                       "align": "center", "valign": "vcenter", "text_wrap": True})
    text = book.add_format({**base, "num_format": TEXT_FORMAT})
    text_quoted = book.add_format({**base, "num_format": TEXT_FORMAT, "quote_prefix": True})
    day = book.add_format({**base, "num_format": DATE_FORMAT})

    required = required_keys()
    for col, key in enumerate(COLUMNS):
        is_date = key in DATE_KEYS
        sheet.set_column(col, col, _WIDTHS.get(key, 12), day if is_date else text)
        sheet.write_string(0, col, key, header_required if key in required else header)
        description = Volunteer.model_fields[_attribute(key)].description
        note = ("必填。" if key in required else "选填。") + (description or "")
        sheet.write_comment(0, col, note, {"x_scale": 2, "y_scale": 1.2})
    sheet.freeze_panes(1, 1)
    sheet.set_row(0, 24)

    count = 0
    for row, record in enumerate(records, start=1):
        count += 1
        for col, key in enumerate(COLUMNS):
            value = cell_value(key, record.get(key))
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(row, col, value, day)
            else:
                write_text(sheet, row, col, str(value), text, text_quoted)
    last_row = count + SPARE_ROWS

    lists = single_choice_lists()
    lists_sheet.write_string(0, 0, "以下为下拉列表的取值（来自 pingan 的代码表，请勿修改本表）", text)
    for col, (key, values) in enumerate(lists.items()):
        lists_sheet.write_string(1, col, key, header)
        for offset, value in enumerate(values):
            lists_sheet.write_string(2 + offset, col, value, text)
        letter = xl_col_to_name(col)
        source = f"='{LISTS_SHEET}'!${letter}$3:${letter}${2 + len(values)}"
        target = COLUMNS.index(key)
        sheet.data_validation(1, target, last_row, target, {
            "validate": "list", "source": source, "error_type": "warning",
            "error_title": "不在代码表中", "error_message": f"“{key}”请从下拉列表中选择。",
        })
    lists_sheet.hide()

    help_sheet.set_column(0, 0, 16)
    help_sheet.set_column(1, 1, 100)
    wrap = book.add_format({**base, "text_wrap": True, "valign": "top", "num_format": TEXT_FORMAT})
    bold = book.add_format({**base, "bold": True, "valign": "top"})
    help_sheet.write_string(0, 0, f"{unit_name}青年平安志愿者批量填报模板：填写说明",
                            book.add_format({**base, "bold": True, "font_size": 14}))
    row = 2
    for label, line in _help_lines(unit_name):
        help_sheet.write_string(row, 0, label, bold)
        help_sheet.write_string(row, 1, line, wrap)
        row += 1
    row += 1
    help_sheet.write_string(row, 0, "多项的取值", bold)
    row += 1
    for key in (f.SERVICE_TIMES, f.SERVICE_ITEMS, f.ROLES):
        values, standard = cl.CODE_LISTS[key]
        help_sheet.write_string(row, 0, key, bold)
        help_sheet.write_string(row, 1, "、".join(values) + f"（{standard}）", wrap)
        row += 1
    sheet.activate()
    book.close()
    return count


def _attribute(alias: str) -> str:
    for name, field in Volunteer.model_fields.items():
        if field.alias == alias:
            return name
    raise KeyError(alias)
