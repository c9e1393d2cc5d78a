"""A unit's 100-row Excel journey: template, typical mistakes, the error workbook fixed in place, write-back.

The people are synthetic (valid check digits, made-up names and phones). The
workbook is made by `pingan template` and filled with openpyxl as a person
would type into Excel; the fixes are edits of the flagged cells of the error
workbook, which is then imported as it is.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import valid_record
from excel_support import run_cli, write_record
from pingan import idcard, importer, xlsx_template
from test_template_import import existing_repo, person, snapshot

COLUMNS = list(xlsx_template.COLUMNS)
SHEET = "名单（2026）"


def outsider(n: int) -> dict[str, Any]:
    """A volunteer from outside Shanxi (Beijing ID number) living in Shanxi since 2013."""
    birth = date(1991, 1, 1) + timedelta(days=n)
    body = f"110101{birth:%Y%m%d}1{n % 10}1"
    return person(n, 出生日期=birth, 身份证号码=body + idcard.check_char(body), 在晋居住起始日期=date(2013, 3, 1))


def col(key: str) -> int:
    return COLUMNS.index(key) + 1


def column_of(sheet: Any, header: str) -> int:
    return next(c.column for c in sheet[1] if str(c.value).rstrip("*") == header)


def build(root: Path, path: Path, people: list[dict[str, Any]]) -> None:
    """The template with the people from row 3 on (the example row stays), then the mistakes."""
    code = run_cli_quiet(["template", "--root", str(root), "--unit", "taiyuan", "--out", str(path)])
    assert code == 0
    book = openpyxl.load_workbook(path)
    sheet = book[xlsx_template.DATA_SHEET]
    for offset, record in enumerate(people):
        for key in COLUMNS:
            sheet.cell(3 + offset, col(key)).value = xlsx_template.cell_value(key, record.get(key))
    sheet.title = SHEET  # renamed by the unit; a very hidden sheet takes the old name
    hidden = book.create_sheet(xlsx_template.DATA_SHEET)
    hidden.append(["姓名", "身份证号码"])
    hidden.append(["王旧表", "123"])
    hidden.sheet_state = "veryHidden"
    extra = sheet.max_column + 1
    sheet.cell(1, extra).value = "学院"
    sheet.cell(3, extra).value = "法学院"
    for (row, key), value in MISTAKES.items():
        sheet.cell(row, col(key)).value = value
    book.save(path)


def run_cli_quiet(args: list[str]) -> int:
    from pingan import cli

    return cli.main(args)


#: (row, column) -> what the person typed; rows are 3.. (row 2 is the template's example).
MISTAKES: dict[tuple[int, str], Any] = {}
#: row -> the codes expected there (problems at other rows are none).
EXPECTED: dict[int, set[str]] = {}


def mistakes(people: list[dict[str, Any]], other: dict[str, Any]) -> None:
    MISTAKES.clear()
    EXPECTED.clear()

    def at(index: int, key: str, value: Any, *codes: str) -> None:
        MISTAKES[(index + 3, key)] = value
        EXPECTED.setdefault(index + 3, set()).update(codes)

    good = people[10]["身份证号码"]
    at(10, "身份证号码", good[:-1] + ("0" if good[-1] != "0" else "1"), "ID003")   # wrong check digit
    at(11, "身份证号码", float(people[11]["身份证号码"]), "XLS001")                   # ID stored as a number
    at(12, "无犯罪记录", "否", "CON001")                                                 # 否: not verified
    at(13, "身份证号码", other["身份证号码"], "DUP001")                              # another unit's volunteer
    at(13, "出生日期", other["出生日期"])
    at(13, "在晋居住起始日期", other["在晋居住起始日期"])
    at(14, "服务项目", "巡逻", "CL001")                                               # not in the code list
    at(15, "服务时间", "周六，周日")                                                  # accepted: two items
    at(16, "工作单位", people[16]["工作单位"] + "  ", "XLS014")                       # trailing spaces
    at(17, "出生日期", None, "XLS015")                                                # taken from the ID number
    at(17, "性别", None, "XLS015")
    at(18, "手机", float(people[18]["手机"]))                                         # exact: recovered
    at(19, "固定电话", 3514182850, "XLS002")                                          # 0 and dash lost
    at(20, "登记日期", "2024/5/1")                                                    # a date typed as text
    at(21, "服务项目", "交通协管 / 其它: 周六，周日的夜间巡逻")                          # other text not split
    at(22, "岗位", "宣传员；信息员")


FIXES: dict[tuple[int, str], Any] = {}


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_unit_imports_100_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    other = valid_record(编号="datong-00001", 招募单位="datong", 身份证号码=outsider(500)["身份证号码"],
                         出生日期=outsider(500)["出生日期"], 手机="13900000500", 在晋居住起始日期=date(2013, 3, 1))
    write_record(root, other)
    people = [outsider(n) if n % 7 == 0 else person(n) for n in range(100, 200)]
    people = [{**p, "手机": f"137{n:08d}"} for n, p in enumerate(people)]
    people[30]["固定电话"], people[31]["QQ"], people[32]["备注"] = "0351-4182851", "123456789", "=来自社区\n第二行"
    mistakes(people, other)
    path = tmp_path / "名单.xlsx"
    build(root, path, people)
    before = snapshot(root)

    code, out, err = run_cli(capsys, "import", str(path), "--unit", "taiyuan", "--root", str(root))
    assert code == 1, out
    assert snapshot(root) == before
    outcome = importer.import_file(root, path, "taiyuan", dry_run=True)
    found: dict[int, set[str]] = {}
    for problem in outcome.problems:
        if problem.line and problem.line > 1:
            found.setdefault(problem.line, set()).add(problem.code)
    assert found == {row: codes for row, codes in EXPECTED.items() if codes}
    header = [(p.code, p.level, p.line) for p in outcome.problems if p.line == 1]
    assert header == [("XLS003", "警告", 1)] and "学院" in next(p.message for p in outcome.problems if p.line == 1)
    assert outcome.rows == 100
    lines = out.splitlines()
    check = next(line for line in lines if "[ID003]" in line)
    assert check.startswith("名单.xlsx 错误：第 13 行 身份证号码：") and "改正方法：" in check
    assert any(line.startswith("名单.xlsx 提示：第 20 行 出生日期：“出生日期”没有填写，已按身份证号码填为 ") for line in lines)

    marked = tmp_path / "名单-错误标注.xlsx"
    assert marked.is_file() and f"已写出错误标注工作簿 {marked}" in out
    book = openpyxl.load_workbook(marked)
    assert book.sheetnames[0] == importer.SUMMARY_SHEET and book.active.title == importer.SUMMARY_SHEET
    assert book[xlsx_template.DATA_SHEET].sheet_state == "veryHidden"
    summary = [[c.value for c in row] for row in book[importer.SUMMARY_SHEET].iter_rows()]
    assert summary[0] == ["行", "列", "列名", "级别", "代码", "说明", "改正方法"]
    assert [13, openpyxl.utils.get_column_letter(col("身份证号码")), "身份证号码", "错误", "ID003"] in \
        [row[:5] for row in summary]
    sheet = book[SHEET]
    errors_col = column_of(sheet, importer.ERROR_COLUMN)
    bad = sheet.cell(13, col("身份证号码"))
    assert bad.fill.fgColor.rgb == importer.ERROR_FILL and "改正方法：" in bad.comment.text
    assert "ID003" in sheet.cell(13, errors_col).value and sheet.cell(18, errors_col).value is None
    assert sheet.cell(19, col("工作单位")).fill.fgColor.rgb == importer.NOTICE_FILL

    # The person fixes the flagged cells in the error workbook itself and imports it again.
    fixed = {
        (13, "身份证号码"): people[10]["身份证号码"],
        (14, "身份证号码"): people[11]["身份证号码"],
        (15, "无犯罪记录"): "是",
        (16, "身份证号码"): outsider(600)["身份证号码"],
        (16, "出生日期"): outsider(600)["出生日期"],  # a different person after all
        (17, "服务项目"): "法制宣传",
        (22, "固定电话"): "0351-4182850",
    }
    for (row, key), value in fixed.items():
        sheet.cell(row, col(key)).value = value
    sheet.cell(14, col("身份证号码")).number_format = "@"
    book.save(marked)
    code, out, err = run_cli(capsys, "import", str(marked), "--unit", "taiyuan", "--root", str(root), "--write-back")
    assert code == 0, out
    assert out.splitlines()[-2].endswith("已新增 100 条、已更新 0 条，0 条没有变化。")
    numbered = tmp_path / "名单-已编号.xlsx"
    assert numbered.is_file()
    copy = openpyxl.load_workbook(numbered)
    assert importer.SUMMARY_SHEET not in copy.sheetnames
    ids = [copy[SHEET].cell(row, 1).value for row in range(3, 103)]
    assert ids == [f"taiyuan-{n:05d}" for n in range(4, 104)]
    assert copy[SHEET].cell(2, 1).value == xlsx_template.EXAMPLE_MARKER
    assert all(c.comment is None or c.comment.author != importer.ANNOTATOR for row in copy[SHEET].iter_rows() for c in row)
    after = snapshot(root)
    code, out, err = run_cli(capsys, "validate", "--root", str(root))
    assert code == 0, out

    # Importing the written-back copy changes nothing: the people are updated, not added again.
    code, out, err = run_cli(capsys, "import", str(numbered), "--unit", "taiyuan", "--root", str(root))
    assert code == 0, out
    assert out.splitlines()[-1].endswith("已新增 0 条、已更新 0 条，100 条没有变化。")
    assert snapshot(root) == after
