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
