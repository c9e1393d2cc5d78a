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
from . import idcard
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
#: Items of a list cell are written one per line; on import a line of code-list values may also be
#: separated by 、，,;；/ or spaces (see importer.split_items).
JOIN = "\n"
#: The 编号 cell of the template's example row: the importer skips the row.
EXAMPLE_MARKER = "示例（导入时忽略）"
#: Marks a required column's header (the importer strips it when reading headers).
REQUIRED_MARK = "*"
#: Rows that get drop-downs and formats beyond the filled ones.
SPARE_ROWS = 2000
_WIDTHS = {"编号": 15, "姓名": 10, "性别": 6, "出生日期": 11, "民族": 9, "政治面貌": 12, "身份证号码": 21,
           f.REGION: 18, f.EMPLOYER: 26, "职业": 12, f.EDUCATION: 10, f.ADDRESS: 30, f.MOBILE: 13, f.LANDLINE: 14,
           f.QQ: 12, f.SKILLS: 16, f.HEALTH: 9, f.SERVICE_TIMES: 20, f.SERVICE_TYPE: 22, f.INDUSTRY: 9, f.SERVICE_ITEMS: 24,
           f.ROLES: 16, f.RESIDENCE_SINCE: 14, f.NO_CRIMINAL_RECORD: 10, f.CONSENT_DATE: 14, f.REGISTERED: 11, f.REMARKS: 30}


def required_keys() -> frozenset[str]:
    """Columns a unit must fill: the record's required keys, except 编号 (blank for new people) and
    出生日期/性别 (taken from the ID number when blank)."""
    model = frozenset(f.alias for f in Volunteer.model_fields.values() if f.alias and f.is_required())
    return model - {f.RECORD_ID, f.BIRTH_DATE, f.SEX}


def header_text(key: str) -> str:
    """A column's header in the template: the key, with * when it must be filled."""
    return key + REQUIRED_MARK if key in required_keys() else key


_OCCUPATION = Volunteer.model_fields["occupation"].alias or "职业"
_LIST_NOTE = "可填多项，每项一行（在单元格中按 Alt+Enter 换行）"
_CODES_NOTE = _LIST_NOTE + "；也可以在一行中用顿号隔开，如“{example}”。可选：{values}"
#: The comment on each header cell: plain Chinese, agreeing with the 填写说明 sheet.
NOTES: dict[str, str] = {
    f.RECORD_ID: "新志愿者留空，导入时自动编号。已有志愿者保留原编号，不要改动；改动这一行的其他内容即更新其记录。",
    f.NAME: "身份证上的姓名；少数民族姓名中间用“·”。",
    f.SEX: "从下拉列表选择。留空时按身份证号码自动填写。",
    f.BIRTH_DATE: "写成 1990-01-01 这样的日期。留空时按身份证号码自动填写。",
    f.ETHNICITY: "从下拉列表选择，如“汉族”。",
    f.POLITICAL_STATUS: "从下拉列表选择，如“共青团员”。",
    f.ID_NUMBER: "18 位居民身份证号码，末位可以是 X。本列是文本格式，请不要改成数字格式，否则后几位会丢失。",
    f.REGION: "从下拉列表选择，写作“市名+县区名”，如“太原市小店区”。",
    f.EMPLOYER: "学生填写学校名称。",
    _OCCUPATION: "如“社区工作者”“教师”“学生”。",
    f.EDUCATION: "从下拉列表选择。",
    f.ADDRESS: "能收到信件的详细地址。",
    f.MOBILE: "11 位手机号码。",
    f.LANDLINE: "写成“区号-号码”，如 0351-4182850。",
    f.QQ: "5～11 位数字。",
    f.SKILLS: _LIST_NOTE + "。",
    f.HEALTH: "从下拉列表选择。",
    f.SERVICE_TIMES: _CODES_NOTE.format(example="周六、周日", values="、".join(cl.SERVICE_TIMES))
    + "；其它时间写成“其它: 具体时间”。",
    f.SERVICE_TYPE: "从下拉列表选择。",
    f.INDUSTRY: "服务类型为“行业平安志愿者”时从下拉列表选择；其他服务类型留空。",
    f.SERVICE_ITEMS: _CODES_NOTE.format(example="交通协管、法制宣传", values="、".join(cl.SERVICE_ITEMS))
    + "；其它项目写成“其它: 具体内容”。",
    f.ROLES: _CODES_NOTE.format(example="宣传员、信息员", values="、".join(cl.ROLES)) + "。",
    f.RESIDENCE_SINCE: "只有身份证不是山西户籍的志愿者填写在山西居住的起始日期，须在登记日期一年以前；山西户籍留空。",
    f.NO_CRIMINAL_RECORD: "招募单位核实本人无违法犯罪记录后选择“是”。",
    f.CONSENT_DATE: "本人书面同意处理其个人信息的日期，不晚于登记日期。",
    f.REGISTERED: "登记的日期，不晚于今天；年龄按这一天计算。",
    f.REMARKS: "需要说明的其他情况；可以换行。",
}


def note(key: str) -> str:
    """The header comment of a column: 必填/选填 (编号 neither) and how to fill it."""
    text = NOTES.get(key)
    if text is None:  # a field added to the model later: its description, when it names no standard
        description = Volunteer.model_fields[_attribute(key)].description or ""
        text = "" if "GB" in description else description
    if key == f.RECORD_ID:
        return text
    return ("必填。" if key in required_keys() else "选填。") + text


def example_row() -> dict[str, Any]:
    """The values of the template's example row (a made-up person; the row is skipped on import)."""
    body = "14010519950307001"
    return {
        f.RECORD_ID: EXAMPLE_MARKER, f.NAME: "张三", f.SEX: "男", f.BIRTH_DATE: date(1995, 3, 7),
        f.ETHNICITY: "汉族", f.POLITICAL_STATUS: "共青团员", f.ID_NUMBER: body + idcard.check_char(body),
        f.REGION: "太原市小店区", f.EMPLOYER: "太原市小店区坞城街道办事处", _OCCUPATION: "社区工作者",
        f.EDUCATION: "大学本科", f.ADDRESS: "太原市小店区坞城路 92 号", f.MOBILE: "13800000000",
        f.SKILLS: ["急救", "摄影"], f.HEALTH: "健康", f.SERVICE_TIMES: ["周六", "周日"],
        f.SERVICE_TYPE: "社区平安志愿者", f.SERVICE_ITEMS: ["法制宣传", "其它: 社区巡逻"], f.ROLES: ["宣传员"],
        f.NO_CRIMINAL_RECORD: True, f.CONSENT_DATE: date(2024, 5, 1), f.REGISTERED: date(2024, 5, 1),
        f.REMARKS: "这一行是示例，导入时忽略；请从下一行开始填写，也可以直接改写这一行（同时删去编号格中的“示例”字样）。",
    }


def single_choice_lists() -> dict[str, tuple[str, ...]]:
    """Drop-down values per column: the single-choice code lists, current 所在地区 names, and 是/否."""
    lists = {key: cl.CODE_LISTS[key][0] for key in (f.SEX, f.ETHNICITY, f.POLITICAL_STATUS, f.EDUCATION, f.HEALTH, f.SERVICE_TYPE, f.INDUSTRY)}
    lists[f.REGION] = tuple(name for name, region in cl.shanxi_regions().items() if region.current)
    lists[f.NO_CRIMINAL_RECORD] = (YES, NO)
    return lists


def cell_value(key: str, value: Any) -> Any:
    """A record value as the template shows it: lists one item per line, booleans as 是/否."""
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
        ("示例行", f"第 2 行是示例（编号格写着“{EXAMPLE_MARKER}”，灰色斜体），导入时忽略。请从下一行开始填写；"
                   "也可以直接改写示例行，但要同时清空它的编号格。"),
        (f.RECORD_ID, "新志愿者的编号留空，导入时自动编号（编号不会重复使用）；已有志愿者保留编号，修改该行即更新其记录。"),
        ("不要改动", "不要修改、删除或调换第一行的列名；可以增删数据行。多加的列（如“学院”）不会导入，也不会保存。"),
        ("必填", "列名带 * 的列必须填写：" + "、".join(k for k in COLUMNS if k in required) + "。"
                 "性别和出生日期留空时，导入时按身份证号码自动填写。"),
        ("下拉列表", "性别、民族、政治面貌、文化程度、健康状况、服务类型、行业、所在地区、无犯罪记录 请从下拉列表中选择。"),
        ("多项", "个人特长、服务时间、服务项目、岗位 可填多项，每项一行：在单元格中按 Alt+Enter 换行"
                 "（WPS 相同，Mac 上的 Excel 按 Control+Option+Enter）。服务时间、服务项目、岗位中代码表里的值也可以写在一行，"
                 "用顿号、逗号、分号、斜杠或空格隔开，如“周六、周日”；但一项里只要有一个不是代码表中的值，这一行就算作一项，不会拆开。"
                 "服务时间和服务项目的其它情况写成“其它: 具体内容”，冒号后面的文字原样保留，不会拆开。个人特长不拆分，每项一行。"
                 "可选的值见本页下方。"),
        ("是/否", "无犯罪记录 填“是”或“否”（从下拉列表选择）。"),
        ("号码", "身份证号码、手机、固定电话、QQ 列已设为文本格式，请勿改为数字格式，否则身份证号码后几位会丢失。"
                 "如果已经变成了 1.40121E+17 这样的数字，选中该列，右键“设置单元格格式”→“文本”，再重新输入号码。"
                 "固定电话写成“区号-号码”，如 0351-4182850。"),
        ("日期", "出生日期、在晋居住起始日期、个人信息同意日期、登记日期 写成 2024-05-01 这样的日期。"),
        ("空格", "文字前后多余的空格导入时自动去掉，并给出提示。"),
        (f.INDUSTRY, "服务类型为“行业平安志愿者”时必须选择行业，否则不填。"),
        (f.RESIDENCE_SINCE, "只有身份证不是山西户籍的志愿者填写（须在登记日期一年以前）。"),
        (f.NO_CRIMINAL_RECORD, "招募单位核实本人无违法犯罪记录后选择“是”。"),
        ("检查", "导入时按与 pingan validate 相同的规则逐行检查，并检查名额和重复的身份证号码；"
                 "任何一行有错误时不会写入任何记录，错误以“第 12 行 身份证号码：… [ID003] 改正方法：…”的形式列出。"),
        ("错误标注", "在本机用 pingan import 导入有错误时，会在原文件旁边生成“原文件名-错误标注.xlsx”：出错的单元格标成红色，"
                     "批注中写明错误和改正方法，每行最后一列“错误说明”汇总该行的错误，第一个工作表“错误汇总”列出全部错误。"
                     "直接在这个文件里改正后重新导入即可（“错误汇总”工作表和“错误说明”列导入时忽略）。"),
        ("写回编号", "导入成功后加 --write-back，会生成“原文件名-已编号.xlsx”，新志愿者的编号已经填好；"
                     "以后用这个文件修改，导入时会更新这些志愿者，而不是重复新增。"),
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
    wrapped = book.add_format({**base, "num_format": TEXT_FORMAT, "text_wrap": True, "valign": "top"})
    wrapped_quoted = book.add_format({**base, "num_format": TEXT_FORMAT, "text_wrap": True, "valign": "top",
                                      "quote_prefix": True})
    day = book.add_format({**base, "num_format": DATE_FORMAT})
    grey = {**base, "italic": True, "font_color": "#808080"}
    example_formats = (book.add_format({**grey, "num_format": TEXT_FORMAT}),
                       book.add_format({**grey, "num_format": TEXT_FORMAT, "quote_prefix": True}),
                       book.add_format({**grey, "num_format": DATE_FORMAT}))

    required = required_keys()
    multi_line = (*LIST_KEYS, f.REMARKS)
    for col, key in enumerate(COLUMNS):
        is_date = key in DATE_KEYS
        sheet.set_column(col, col, _WIDTHS.get(key, 12), day if is_date else wrapped if key in multi_line else text)
        sheet.write_string(0, col, header_text(key), header_required if key in required else header)
        sheet.write_comment(0, col, note(key), {"x_scale": 2, "y_scale": 1.2})
    sheet.freeze_panes(1, 1)
    sheet.set_row(0, 24)

    def write_row(row: int, record: dict[str, Any], formats: tuple[Any, Any, Any, Any, Any]) -> None:
        plain, quoted, wrap, wrap_quoted, dated = formats
        for col, key in enumerate(COLUMNS):
            value = cell_value(key, record.get(key))
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(row, col, value, dated)
            elif key in multi_line:
                write_text(sheet, row, col, str(value), wrap, wrap_quoted)
            else:
                write_text(sheet, row, col, str(value), plain, quoted)

    example_plain, example_quoted, example_day = example_formats
    write_row(1, example_row(), (example_plain, example_quoted, example_plain, example_quoted, example_day))
    count = 0
    for row, record in enumerate(records, start=2):
        count += 1
        write_row(row, record, (text, text_quoted, wrapped, wrapped_quoted, day))
    last_row = count + 1 + SPARE_ROWS

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
