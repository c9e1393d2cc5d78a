"""Statistics: exact unit totals, the people counted, and attribute tables that add up.

The protection of the attribute tables (noisy, frozen releases) is tested in
tests/test_releases.py; the old "<10" suppression is gone.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import make_repo, record_file, valid_record
from pingan import stats
from pingan.reader import Repository, load_settings, name_digest

PROJECT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(PROJECT)
UNITS, PROVINCE = SETTINGS.units, SETTINGS.province
AS_OF = date(2026, 11, 29)


def test_unit_totals_are_exact() -> None:
    assert PROVINCE is not None
    people = [stats.Person("taiyuan", "男", "18–25 岁", "大学本科", "共青团员", "汉族", "社区平安志愿者",
                           ("交通协管",), (), "太原市", "2014-11", "2014-11-02")] * 3
    result = stats.compute(people, UNITS, PROVINCE, AS_OF)
    assert sum(u.registered for u in result.units) == 3 == result.registered and result.tables == []


def test_a_table_adds_up() -> None:
    t = stats.Table("sex", "性别", "性别", ("男", "女"), ("太原市", "大同市"), [[3, 0], [5, 7]])
    assert (t.row_totals, t.column_total(1), t.total, t.two_way) == ([3, 12], 7, 15, True)
    assert t.shown[("col", 0)] == "8"
    rows = list(stats.table_rows([t]))
    assert ("性别", "全省", "合计", "15") in rows and ("性别", "大同市", "合计", "12") in rows


def test_multiple_choice_counts_at_most_max_choices() -> None:
    spec = next(s for s in stats.table_specs() if s.key == "service-items")
    person = stats.Person("taiyuan", "男", "18–25 岁", "大学本科", "共青团员", "汉族", "社区平安志愿者",
                          tuple(spec.columns), (), "太原市", "2014-11", "2014-11-02")
    assert sum(spec.counts([person], ("全省",), spec.columns)[0]) == stats.MAX_CHOICES == spec.sensitivity


def people_of(root: Path) -> stats.People:
    """The statistics' people of a repository, as `pingan site` counts them (from the reader's verdicts)."""
    repo = Repository(root)
    with repo.verdicts(use_cache=False) as verdicts:
        return stats.count_people(verdicts)


def test_age_band_on_registration_day(tmp_path: Path) -> None:
    rel, text = record_file(valid_record(出生日期=date(1996, 5, 2), 身份证号码="140121199605020012",
                                         登记日期=date(2022, 5, 1), 个人信息同意日期=date(2022, 5, 1)))  # 26 tomorrow
    found = people_of(make_repo(tmp_path / "repo", {rel: text}))
    assert [(p.age_band, p.city) for p in found.people] == [("18–25 岁", "太原市")]


@pytest.mark.parametrize("key", ["招募单位", "性别", "出生日期", "民族", "政治面貌", "所在地区", "文化程度", "服务类型",
                                 "服务项目", "岗位", "登记日期"])
@pytest.mark.parametrize("value", [["太原市"], {"a": 1}, [["交通协管"]], 7])
def test_a_value_of_any_shape_is_not_counted_and_never_crashes(tmp_path: Path, key: str, value: object) -> None:
    _, text = record_file(valid_record(**{key: value}))
    found = people_of(make_repo(tmp_path / "repo", {"data/volunteers/taiyuan/taiyuan-00001.yaml": text}))
    assert found.people == [] and found.not_counted == {"有错误": 1}


def test_count_people_from_a_repository(tmp_path: Path) -> None:
    files = dict(record_file(valid_record(编号=f"taiyuan-{n:05d}", 身份证号码=number))
                 for n, number in ((1, "140121199001011019"), (2, "140121199001011035")))
    rel, text = record_file(valid_record(编号="datong-00001", 招募单位="datong", 所在地区="大同市平城区",
                                         身份证号码="140121199001011051"))
    files[rel] = text
    files["data/volunteers/taiyuan/taiyuan-00009.yaml"] = "姓名: [\n"
    found = people_of(make_repo(tmp_path / "repo", files))
    assert sorted(p.unit for p in found.people) == ["datong", "taiyuan", "taiyuan"]
    assert found.not_counted == {"有错误": 1}
    assert found.names == {name_digest("张伟")}


def test_published_rows_are_whole_numbers() -> None:
    assert PROVINCE is not None
    people = [stats.Person("taiyuan", "男", "18–25 岁", "大学本科", "共青团员", "汉族", "社区平安志愿者",
                           ("交通协管",), (), "太原市", "2014-11", "2014-11-02")] * 12
    table = stats.Table("ethnicity", "民族", "民族", stats.ETHNIC_GROUPS, ("全省",), [[11, 2]])
    result = stats.compute(people, UNITS, PROVINCE, AS_OF, tables=[table])
    rows = list(stats.published_rows(result))
    assert ("各单位登记进度", "太原市", "已登记", "12") in rows
    assert ("民族", "全省", "汉族", "11") in rows and ("民族", "全省", "合计", "13") in rows
    assert all(r[3].isdigit() for r in rows)
