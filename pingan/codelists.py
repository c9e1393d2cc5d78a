"""Code lists, each naming the standard or plan section it comes from.

The model (enums), the JSON schemas, the site and the Excel template all read
these tuples; nothing else spells out a code list.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: GB 11643 does not list sexes; the 17th digit is odd for 男, even for 女.
SEXES = ("男", "女")

#: GB/T 3304-1991 中国各民族名称的罗马字母拼写法和代码, in code order, plus 其他.
ETHNICITIES = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "其他",
)
HAN = "汉族"

#: GB/T 4762-1984 政治面貌代码, short names as used on registration forms.
POLITICAL_STATUSES = (
    "中共党员", "中共预备党员", "共青团员", "民革党员", "民盟盟员", "民建会员", "民进会员",
    "农工党党员", "致公党党员", "九三学社社员", "台盟盟员", "无党派人士", "群众",
)

#: GB/T 4658-2006 学历代码, top-level categories.
EDUCATION_LEVELS = (
    "研究生", "大学本科", "大学专科", "中等专科", "技工学校", "高中", "初中", "小学", "其他",
)

#: Plan, Attachment 3 (健康状况).
HEALTH_STATES = ("健康", "良好", "一般")

#: Plan, Attachment 3 (服务时间（勾选）); 其它 carries its own text as "其它: <text>".
SERVICE_TIMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日", "随时都可以", "事先联系")

#: Plan, Attachment 3 (服务类型（勾选）).
SERVICE_TYPES = ("社区平安志愿者", "行业平安志愿者", "企事业单位内部平安志愿者", "应急平安志愿者")
INDUSTRY_SERVICE_TYPE = "行业平安志愿者"

#: Plan, Attachment 3: the five 行业平安志愿者 kinds (交通行业…教育行业).
INDUSTRIES = ("交通", "住建", "旅游", "团员青年", "教育")

#: Plan, section 四: the five service areas; 其它 as "其它: <text>".
SERVICE_ITEMS = ("交通协管", "法制宣传", "特殊人群服务", "法律援助", "旅游景区秩序维护")

#: Plan, section 四 (一)–(六): the six roles.
ROLES = ("宣传员", "信息员", "调解员", "帮教员", "治安员", "处突员")

#: Lifecycle (issue 13): a record is 在册 (the default when 状态 is absent) or 已退出.
RECORD_STATUSES = ("在册", "已退出")
ACTIVE, WITHDRAWN = RECORD_STATUSES

#: Why a volunteer left (退出原因). 撤回个人信息同意 is never written to a record: `pingan withdraw`
#: deletes the record instead (PIPL art. 47), so a record's 退出原因 is one of the others.
WITHDRAWAL_REASONS = ("本人申请", "不再符合条件", "联系不上", "撤回个人信息同意", "其他")
CONSENT_WITHDRAWN = "撤回个人信息同意"

#: Prefix of a free-text entry in 服务时间 / 服务项目 (plan: "其它").
OTHER_PREFIX = "其它:"

#: Plan, 附件2 unit categories.
UNIT_CATEGORIES = ("市", "高校", "省直单位", "国资委")

SHANXI_PROVINCE_CODE = "14"


def suggest(value: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The closest allowed value for a near miss ("did you mean"), or None."""
    found = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
    return found[0] if found else None


@dataclass(frozen=True)
class Region:
    """A Shanxi county-level division as written on the form: city + county."""

    code: str
    name: str
    current: bool


def _ranged_names(field: str) -> list[tuple[str, int | None, int | None]]:
    """Split stdnum's "[1983-1997]南城区,[1997-]小店区" into (name, start, end)."""
    names = []
    for part in field.split(","):
        start = end = None
        if part.startswith("["):
            span, part = part[1:].split("]", 1)
            first, last = span.split("-")
            start = int(first) if first else None
            end = int(last) if last else None
        names.append((part, start, end))
    return names


def _overlaps(a: tuple[str, int | None, int | None], b: tuple[str, int | None, int | None]) -> bool:
    a_start, a_end = a[1] or 0, a[2] or 9999
    b_start, b_end = b[1] or 0, b[2] or 9999
    return a_start <= b_end and b_start <= a_end


@cache
def gb_t_2260() -> dict[str, str]:
    """Every code in the GB/T 2260 history pinned in python-stdnum (cn/loc.dat) → its names field.

    Read straight from the package's data file: its generic prefix database takes a
    quarter of a second to load, which every pull-request check would pay.
    """
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    province = ""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line[:2]
            continue
        suffix, _, props = line.strip().partition(" ")
        if props.startswith('county="'):
            table[province + suffix] = props[len('county="'):-1]
    return table


@cache
def shanxi_regions() -> dict[str, Region]:
    """所在地区 names from the GB/T 2260 history pinned in python-stdnum (cn/loc).

    A county written with the city it belonged to at the time; names still in
    use are current, names retired later are kept so old records stay readable.
    """
    cities: dict[str, list] = {}
    counties: list[tuple[str, list]] = []
    for code, field in gb_t_2260().items():
        if not code.startswith(SHANXI_PROVINCE_CODE) or code.endswith("0000"):
            continue
        if code.endswith("00"):
            cities[code[:4]] = _ranged_names(field)
        else:
            counties.append((code, _ranged_names(field)))
    regions: dict[str, Region] = {}
    for code, names in counties:
        for county in names:
            if county[0] == "市辖区":
                continue
            for city in cities.get(code[:4], []):
                if _overlaps(city, county):
                    current = city[2] is None and county[2] is None
                    full = city[0] + county[0]
                    if full not in regions or current:
                        regions[full] = Region(code, full, current)
    return dict(sorted(regions.items(), key=lambda item: (item[1].code, item[0])))


#: Which code list (and standard) each single- or multiple-choice field draws from.
CODE_LISTS: dict[str, tuple[tuple[str, ...], str]] = {
    "性别": (SEXES, "GB 11643"),
    "民族": (ETHNICITIES, "GB/T 3304"),
    "政治面貌": (POLITICAL_STATUSES, "GB/T 4762"),
    "文化程度": (EDUCATION_LEVELS, "GB/T 4658"),
    "健康状况": (HEALTH_STATES, "工作方案附件3"),
    "服务时间": (SERVICE_TIMES, "工作方案附件3"),
    "服务类型": (SERVICE_TYPES, "工作方案附件3"),
    "行业": (INDUSTRIES, "工作方案附件3"),
    "服务项目": (SERVICE_ITEMS, "工作方案 四"),
    "岗位": (ROLES, "工作方案 四"),
    "类别": (UNIT_CATEGORIES, "工作方案附件2"),
    "状态": (RECORD_STATUSES, "退出与转移"),
    "退出原因": (WITHDRAWAL_REASONS, "退出与转移"),
}
