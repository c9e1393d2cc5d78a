"""Messages a non-programmer acts on (issue 13, point 4): each leads to the fix, in words that fit Excel and YAML."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import make_repo, record_file, valid_record
from pingan.problems import Problem
from pingan.validate import validate

NUMBER = "140121199001011019"


def problems_of(tmp_path: Path, *records: dict[str, Any]) -> list[Problem]:
    root = make_repo(tmp_path, dict(record_file(record) for record in records))
    return validate(root, use_cache=False).sorted()


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


def test_wrong_check_digit_asks_to_compare_all_18_digits_and_names_the_last_one(tmp_path: Path) -> None:
    message = only(problems_of(tmp_path, valid_record(身份证号码=NUMBER[:17] + "8")), "ID003").message
    assert message == "身份证号码校验不通过：请逐位核对全部 18 位与身份证是否一致；如果前 17 位无误，最后一位应为 9"
    assert NUMBER[:17] not in message


def test_criminal_record_not_checked_speaks_of_yes_as_excel_offers_it(tmp_path: Path) -> None:
    message = only(problems_of(tmp_path, valid_record(无犯罪记录=False)), "CON001").message
    assert "“是”" in message and "true" in message and "核实" in message
    assert "不能登记" in message


def test_a_value_outside_a_short_code_list_lists_the_allowed_values(tmp_path: Path) -> None:
    message = only(problems_of(tmp_path, valid_record(服务项目=["交通协调"])), "CL001").message
    assert "可选：交通协管、法制宣传、特殊人群服务、法律援助、旅游景区秩序维护，或“其它: 具体内容”" in message
    assert message.endswith("是不是“交通协管”？")
    message = only(problems_of(tmp_path / "roles", valid_record(岗位=["巡逻员"])), "CL001").message
    assert "（可选：宣传员、信息员、调解员、帮教员、治安员、处突员）" in message and "其它" not in message


def test_a_long_code_list_keeps_the_suggestion_instead_of_listing_every_value(tmp_path: Path) -> None:
    message = only(problems_of(tmp_path, valid_record(民族="汉")), "CL001").message
    assert message == "“民族”的值“汉”不在代码表（GB/T 3304）中，是不是“汉族”？"


def test_several_values_in_one_list_item_ask_for_one_value_per_item(tmp_path: Path) -> None:
    for n, (key, item, parts) in enumerate([("服务时间", "周六，周日", "周六、周日"), ("服务时间", "周六, 周日", "周六、周日"),
                                            ("服务项目", "交通协管；法制宣传", "交通协管、法制宣传"),
                                            ("岗位", "宣传员/信息员", "宣传员、信息员"),
                                            ("服务时间", "周一 周三　周五", "周一、周三、周五")]):
        problems = problems_of(tmp_path / str(n), valid_record(**{key: [item]}))
        message = only(problems, "CL003").message
        assert [p.code for p in problems] == ["CL003"]
        assert f"“{key}”的一项“{item}”里写了 {parts.count('、') + 1} 个值（{parts}）" in message
        assert "顿号“、”" in message and "每项单独一行" in message and "是不是" not in message


def test_a_separator_between_values_that_are_not_all_allowed_is_an_ordinary_code_list_problem(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, valid_record(服务时间=["周六，星期八"]))
    assert [p.code for p in problems] == ["CL001"]


def test_a_duplicate_in_another_unit_names_that_unit_and_the_office_never_its_files(tmp_path: Path) -> None:
    ours = valid_record(编号="datong-00001", 招募单位="datong")
    theirs = valid_record(编号="taiyuan-00002", 姓名="李娜", 性别="女", 身份证号码="140121199001011027",
                          手机="13912345678")
    theirs["身份证号码"] = ours["身份证号码"]
    problems = [p for p in problems_of(tmp_path, ours, theirs) if p.code == "DUP001"]
    by_file = {p.file: p for p in problems}
    mine = by_file["data/volunteers/datong/datong-00001.yaml"]
    assert "已由太原市登记" in mine.message and "团省委志愿者工作部" in mine.message
    assert "taiyuan" not in mine.message and "00002" not in mine.message and "data/" not in mine.message
    assert "140121********1019" in mine.message and NUMBER not in mine.message
    assert mine.files == {"data/volunteers/datong/datong-00001.yaml", "data/volunteers/taiyuan/taiyuan-00002.yaml"}
    assert "已由大同市登记" in by_file["data/volunteers/taiyuan/taiyuan-00002.yaml"].message


def test_a_duplicate_within_the_unit_names_the_unit_own_file(tmp_path: Path) -> None:
    first, second = valid_record(), valid_record(编号="taiyuan-00002", 姓名="李娜", 手机="13912345678")
    problems = [p for p in problems_of(tmp_path, first, second) if p.code == "DUP001"]
    assert [p.message for p in problems] == [
        "身份证号码 140121********1019 与本单位的 data/volunteers/taiyuan/taiyuan-00002.yaml 相同，一人只能登记一次："
        "请先对照身份证核对号码，号码无误的删除多余的一条",
        "身份证号码 140121********1019 与本单位的 data/volunteers/taiyuan/taiyuan-00001.yaml 相同，一人只能登记一次："
        "请先对照身份证核对号码，号码无误的删除多余的一条"]


def test_a_duplicate_in_the_unit_and_elsewhere_names_the_own_file_and_the_other_unit(tmp_path: Path) -> None:
    records = [valid_record(), valid_record(编号="taiyuan-00002", 姓名="李娜", 手机="13912345678"),
               valid_record(编号="sxu-00001", 招募单位="sxu", 姓名="王芳", 手机="13712345678")]
    problems = {p.file: p for p in problems_of(tmp_path, *records) if p.code == "DUP001"}
    message = problems["data/volunteers/taiyuan/taiyuan-00001.yaml"].message
    assert "本单位的 data/volunteers/taiyuan/taiyuan-00002.yaml 相同，又已由山西大学登记" in message
    assert "sxu" not in message and "团省委志愿者工作部" in message
    assert "已由大同市" not in problems["data/volunteers/sxu/sxu-00001.yaml"].message
    assert "已由太原市登记" in problems["data/volunteers/sxu/sxu-00001.yaml"].message


def test_the_same_person_in_another_unit_is_named_by_the_unit_only(tmp_path: Path) -> None:
    ours = valid_record(编号="datong-00001", 招募单位="datong")
    theirs = valid_record(编号="taiyuan-00001", 身份证号码="140121199001011035")
    problems = {p.file: p for p in problems_of(tmp_path, ours, theirs) if p.code == "DUP002"}
    message = problems["data/volunteers/datong/datong-00001.yaml"].message
    assert "与太原市登记的志愿者相同" in message and "团省委志愿者工作部" in message
    assert "taiyuan" not in message and "data/" not in message
