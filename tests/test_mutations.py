"""Mutation test: break one rule at a time in a generated valid record; exactly that code comes back."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo, record_file
from pingan import demo, settings
from pingan.idcard import check_char
from pingan.reader import Repository
from pingan.validate import validate
from pingan.yamlio import dump_record


def with_check(body: str) -> str:
    return body + check_char(body + "0")


def first_generated_record(tmp_path: Path) -> dict[str, Any]:
    """A record from the synthetic generator, read back as the validator sees it."""
    out = tmp_path / "gen"
    path = next(demo.generate(settings.find_root(Path(__file__)), out, 1, seed=7))
    problems, data = Repository(out, date(2026, 11, 29)).normalised(path.relative_to(out).as_posix())
    assert problems == []
    return data


def shift_birth(rec: dict[str, Any], birth: date) -> dict[str, Any]:
    """Change 出生日期 and the ID number together, so only the age rule can object."""
    body = rec["身份证号码"][:6] + f"{birth:%Y%m%d}" + rec["身份证号码"][14:17]
    return {"出生日期": birth, "身份证号码": with_check(body)}


def outside_shanxi(rec: dict[str, Any]) -> str:
    return with_check("110101" + rec["身份证号码"][6:17])


MUTATIONS = {
    "REC001": lambda r: {"手机": None},
    "REC003": lambda r: {"服务时间": "周六"},
    "REC004": lambda r: {"工作单位": "单" * 101},
    "REC005": lambda r: {"服务项目": []},
    "REC006": lambda r: {"编号": r["招募单位"] + "-1"},
    "REC007": lambda r: {"编号": r["招募单位"] + "-99999"},
    "REC009": lambda r: {"招募单位": "nowhere"},
    "CL001": lambda r: {"民族": "汉"},
    "CL003": lambda r: {"服务时间": ["周六，周日"]},
    "CL002": lambda r: {"服务时间": ["其它"]},
    "IND001": lambda r: {"服务类型": "行业平安志愿者", "行业": None},
    "IND002": lambda r: {"服务类型": "社区平安志愿者", "行业": "交通"},
    "NAM001": lambda r: {"姓名": "张三A"},
    "NAM002": lambda r: {"姓名": "张"},
    "NAM003": lambda r: {"姓名": "阿依古丽•买买提"},
    "ID001": lambda r: {"身份证号码": " " + r["身份证号码"]},
    "ID002": lambda r: {"身份证号码": r["身份证号码"][:17]},
    "ID003": lambda r: {"身份证号码": r["身份证号码"][:17] + ("0" if r["身份证号码"][17] != "0" else "1")},
    "ID004": lambda r: {"身份证号码": with_check(r["身份证号码"][:10] + "1332" + r["身份证号码"][14:17])},
    "ID005": lambda r: {"身份证号码": with_check("140000" + r["身份证号码"][6:17])},
    "ID006": lambda r: {"性别": "女" if r["性别"] == "男" else "男"},
    "ID007": lambda r: {"出生日期": date(r["出生日期"].year, r["出生日期"].month, 1)
                        if r["出生日期"].day != 1 else date(r["出生日期"].year, r["出生日期"].month, 2)},
    "AGE001": lambda r: shift_birth(r, date(r["登记日期"].year - 17, 1, 1)),
    "RES001": lambda r: {"身份证号码": outside_shanxi(r), "在晋居住起始日期": None},
    "RES002": lambda r: {"身份证号码": outside_shanxi(r), "在晋居住起始日期": r["登记日期"]},
    "RES003": lambda r: {"身份证号码": with_check("140105" + r["身份证号码"][6:17]),
                         "在晋居住起始日期": date(2000, 1, 1)},
    "PHN001": lambda r: {"手机": r["手机"][:3] + " " + r["手机"][3:]},
    "PHN002": lambda r: {"手机": "12345678901"},
    "PHN003": lambda r: {"固定电话": "12345"},
    "QQ001": lambda r: {"QQ": "0123"},
    "ARE001": lambda r: {"所在地区": "北京市东城区"},
    "ARE002": lambda r: {"所在地区": "大同市南郊区"},
    "DAT001": lambda r: {"登记日期": date(2030, 1, 1), "个人信息同意日期": date(2030, 1, 1)},
    "CON001": lambda r: {"无犯罪记录": False},
    "CON002": lambda r: {"个人信息同意日期": date.fromordinal(r["登记日期"].toordinal() + 1)},
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return first_generated_record(tmp_path_factory.mktemp("mutation"))


@pytest.mark.parametrize("code", sorted(MUTATIONS))
def test_one_broken_rule_gives_exactly_its_code(code: str, generated: dict[str, Any], tmp_path: Path) -> None:
    record = dict(generated)
    for key, value in MUTATIONS[code](generated).items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    rel, _ = record_file(generated)  # the file stays where the original record lives
    root = make_repo(tmp_path, {rel: dump_record(record)})
    report = validate(root, [root / rel])
    assert [p.code for p in report.problems] == [code]
