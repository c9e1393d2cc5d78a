"""Code lists: sizes fixed by their standards, and the Shanxi region table."""
from __future__ import annotations

from pingan import codelists as cl


def test_gb_t_3304_has_56_ethnic_groups_plus_other() -> None:
    assert len(cl.ETHNICITIES) == 57 and cl.ETHNICITIES[0] == "汉族" and cl.ETHNICITIES[-1] == "其他"
    assert len(set(cl.ETHNICITIES)) == 57


def test_plan_lists() -> None:
    assert cl.SERVICE_ITEMS == ("交通协管", "法制宣传", "特殊人群服务", "法律援助", "旅游景区秩序维护")
    assert cl.ROLES == ("宣传员", "信息员", "调解员", "帮教员", "治安员", "处突员")
    assert len(cl.SERVICE_TYPES) == 4 and len(cl.INDUSTRIES) == 5


def test_shanxi_has_117_current_county_level_divisions() -> None:
    regions = cl.shanxi_regions()
    current = [r for r in regions.values() if r.current]
    assert len(current) == 117
    assert regions["太原市小店区"].current and regions["太原市小店区"].code == "140105"
    assert not regions["大同市南郊区"].current


def test_suggest_near_misses() -> None:
    assert cl.suggest("汉", cl.ETHNICITIES) == "汉族"
    assert cl.suggest("完全无关", cl.ROLES) is None
