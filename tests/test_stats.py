"""Statistics: exact unit totals, "<10" for small counts, and no hidden count an attacker can work out.

The attacker here is written independently of pingan.stats: it reads only what
the page publishes (the shown strings and the exact totals), turns it into
linear constraints over whole numbers and enumerates every table consistent
with them (backtracking with bound pruning). A hidden count is recovered when
only one value remains possible.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_repo, record_file, valid_record
from pingan import codelists as cl
from pingan import stats
from pingan.reader import Repository, load_settings, name_digest

PROJECT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(PROJECT)
UNITS, PROVINCE = SETTINGS.units, SETTINGS.province
AS_OF = date(2026, 11, 29)


# ---------------------------------------------------------------------------------------------
# The attacker

def _domain(text: str, cap: int) -> range:
    if text == "<10":
        return range(1, min(9, cap) + 1)
    if text == "≥10":
        return range(10, cap + 1)
    if text == "—":
        return range(0, cap + 1)
    return range(int(text), int(text) + 1)


Constraint = tuple[dict[object, int], int, int]  # Σ coefficient × variable between low and high


def constraints(table: stats.Table) -> tuple[dict[object, range], list[Constraint]]:
    """Variables (every count, with what the reader knows of it) and the table's sum constraints."""
    n = table.total
    variables: dict[object, range] = {}
    sums: list[Constraint] = []
    width = len(table.columns)
    # Counts of a unit with nobody registered are 0 whatever is shown; they tell nothing about anyone.
    live = [i for i in range(len(table.rows)) if table.multi or table.row_totals[i] > 0]
    for i in live:
        row = [("c", i, j) for j in range(width)]
        for cell in row:
            variables[cell] = _domain(table.shown[cell], n if table.multi else table.row_totals[i])
        low, high = ((n if table.at_least_one else 0), width * n) if table.multi else (table.row_totals[i],) * 2
        sums.append((dict.fromkeys(row, 1), low, high))
    if table.two_way:
        for j in range(width):
            variables[("col", j)] = _domain(table.shown[("col", j)], n)
            column = dict.fromkeys([("c", i, j) for i in live], 1)
            sums.append(({**column, ("col", j): -1}, 0, 0))
        sums.append((dict.fromkeys([("col", j) for j in range(width)], 1), n, n))
    return variables, sums


def feasible(variables: dict[object, range], sums: list[Constraint], fixed: dict[object, int]) -> bool:
    """Is there a whole-number table with the `fixed` values that meets every constraint?"""
    order = [v for v in variables if v not in fixed]

    def possible(values: dict[object, int]) -> bool:
        for coef, low, high in sums:
            least = most = 0
            for m, c in coef.items():
                if m in values:
                    least += c * values[m]
                    most += c * values[m]
                else:
                    lo, hi = variables[m].start, variables[m].stop - 1
                    least += c * (lo if c > 0 else hi)
                    most += c * (hi if c > 0 else lo)
            if most < low or least > high:
                return False
        return True

    def search(k: int, values: dict[object, int]) -> bool:
        if not possible(values):
            return False
        if k == len(order):
            return True
        var = order[k]
        for value in variables[var]:
            values[var] = value
            if search(k + 1, values):
                return True
            del values[var]
        return False

    return search(0, dict(fixed))


def recovered(table: stats.Table) -> list[object]:
    """Hidden counts whose value the published numbers determine."""
    variables, sums = constraints(table)
    found = []
    for cell, dom in variables.items():
        if table.shown.get(cell) not in ("<10", "≥10", "—"):
            continue
        possible_values = 0
        for value in dom:
            if feasible(variables, sums, {cell: value}):
                possible_values += 1
                if possible_values > 1:
                    break
        if possible_values <= 1:
            found.append(cell)
    return found


# ---------------------------------------------------------------------------------------------
# Random small repositories

def people_strategy() -> st.SearchStrategy[list[stats.Person]]:
    codes = sorted(UNITS)[:3]
    small = lambda values, n: st.sampled_from(values[:n])  # noqa: E731 - few values make small counts likely
    one = st.builds(
        stats.Person,
        unit=st.sampled_from(codes), sex=st.sampled_from(cl.SEXES),
        age_band=st.sampled_from([b[0] for b in stats.AGE_BANDS]),
        education=small(cl.EDUCATION_LEVELS, 3), political=small(cl.POLITICAL_STATUSES, 3),
        ethnic_group=st.sampled_from(stats.ETHNIC_GROUPS), service_type=small(cl.SERVICE_TYPES, 3),
        items=st.lists(st.sampled_from(cl.SERVICE_ITEMS[:3]), min_size=1, max_size=2, unique=True).map(tuple),
        roles=st.lists(st.sampled_from(cl.ROLES[:3]), max_size=2, unique=True).map(tuple),
        city=st.sampled_from(stats.shanxi_cities()[:3]),
        month=st.sampled_from(["2014-11", "2014-12", "2015-01"]),
    )
    return st.lists(one, max_size=45)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people_strategy())
def test_no_hidden_count_can_be_recovered(people: list[stats.Person]) -> None:
    result = stats.compute(people, UNITS, PROVINCE, AS_OF)
    for table in result.tables:
        assert recovered(table) == [], (table.key, table.shown)
        for cell, value in table.cells():
            shown = table.shown[cell]
            if not table.multi and len(table.columns) == 1:  # one column: the exact total itself
                assert shown == str(table.total)
            elif 1 <= value <= 9:
                assert shown in ("<10", "—"), (table.key, cell, shown)
            elif shown not in ("≥10", "—"):
                assert shown == str(value)


@settings(max_examples=60, deadline=None)
@given(people_strategy())
def test_unit_totals_are_exact(people: list[stats.Person]) -> None:
    result = stats.compute(people, UNITS, PROVINCE, AS_OF)
    assert sum(u.registered for u in result.units) == len(people)
    for table in result.tables:
        assert table.total == len(people)


# ---------------------------------------------------------------------------------------------
# Worked examples

def table(counts: list[list[int]], totals: list[int] | None = None, **kw: object) -> stats.Table:
    rows = tuple(f"单位{i}" for i in range(len(counts)))
    columns = tuple(f"列{j}" for j in range(len(counts[0])))
    totals = totals or [sum(r) for r in counts]
    return stats.protect(stats.Table("t", "t", "t", columns, rows, counts, totals, **kw))


def test_a_single_small_count_gets_a_second_hidden_count() -> None:
    t = table([[40, 3, 25]])
    assert [t.shown[("c", 0, j)] for j in range(3)] == ["40", "<10", "≥10"]


def test_two_ones_that_sum_to_the_rest_are_protected() -> None:
    t = table([[50, 1, 1]])  # both "<10" would be 1 + 1 = 2: pinned
    assert recovered(t) == []
    assert t.shown[("c", 0, 0)] == "≥10"


def test_a_table_that_cannot_be_protected_is_withheld() -> None:
    t = table([[5, 0]])
    assert t.withheld and set(t.shown.values()) == {"—"}
    assert recovered(t) == []


def test_two_way_table_hides_a_rectangle() -> None:
    t = table([[30, 4], [20, 25], [18, 22]])
    hidden = sorted(c for c, s in t.shown.items() if s in ("<10", "≥10"))
    assert hidden == [("c", 0, 0), ("c", 0, 1), ("c", 2, 0), ("c", 2, 1)]
    assert recovered(t) == []


def test_multiple_choice_lower_bound_is_respected() -> None:
    # 18 people, everyone at least one item: x + y ≥ 18 with both "<10" pins both at 9.
    t = table([[9, 9, 0]], [18], multi=True, at_least_one=True)
    assert t.withheld and recovered(t) == []
    t = table([[9, 9, 12]], [18], multi=True, at_least_one=True)
    assert [t.shown[("c", 0, j)] for j in range(3)] == ["<10", "<10", "12"]
    assert recovered(t) == []


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


def test_published_rows_match_the_shown_strings() -> None:
    people = [stats.Person("taiyuan", "男", "18–25 岁", "大学本科", "共青团员", "汉族", "社区平安志愿者",
                           ("交通协管",), (), "太原市", "2014-11")] * 12
    result = stats.compute(people, UNITS, PROVINCE, AS_OF)
    rows = list(stats.published_rows(result))
    assert ("各单位登记进度", "太原市", "已登记", "12") in rows
    assert ("民族", "全省", "汉族", "12") in rows
    assert ("服务项目（可多选）", "全省", "法制宣传", "0") in rows
    values = {r[3] for r in rows}
    assert values <= {str(n) for n in range(0, 31000)} | {"<10", "≥10", "—"}
