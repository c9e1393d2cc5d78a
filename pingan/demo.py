"""Synthetic repositories for demos, tests and benchmarks: realistic, valid, and made up.

Every person here is invented: ID numbers have valid check characters but are
drawn at random, phones come from a fixed pool of random numbers. The same seed
and version always give the same bytes.

With `encrypt`, the demo is an encrypted repository (issue 15): a secret key
for each unit (its one maintainer, the login `<unit>-demo`), two for the
office (one stands for the copy kept offline) and one for CI, kept in
`.demo-keys/` inside it (ignored by git), their public keys under keys/, and
every record written encrypted by the repository's one writer. The same seed
then gives the same people, but new keys and ciphertexts each time.
"""
from __future__ import annotations

import math
import os
import random
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from . import codelists as cl
from . import fields as f
from . import forked, gitio, idcard, settings
from .agekeys import CI, IDENTITY_SUFFIX, OFFICE, Keyring, new_identity
from .dates import anniversary
from .errors import PinganError
from .model import Unit
from .phones import is_mobile
from .reader import JOBS, Repository, load_settings

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
            "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
            "樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍韦申尤毕聂焦向柳邢路岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜詹关苗凌")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "令狐", "皇甫", "尉迟", "慕容")
GIVEN_CHARS = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国红玲飞鹏辉晶亮宇浩然欣怡子涵梓萱雨轩博文"
               "思远嘉怡佳琪晨阳一鸣志强文静海燕春梅晓东振华国庆丽君凯旋梦瑶佳慧俊杰晋鑫悦琳瑞婷婧雪冰璐瑶宁"
               "𠮷")
MINORITY_NAMES = (
    ("维吾尔族", "阿依古丽·买买提"), ("维吾尔族", "艾力·吐尔逊"), ("维吾尔族", "热依拉·艾山"),
    ("哈萨克族", "努尔兰·叶尔肯"), ("回族", "马晓燕"), ("蒙古族", "巴特尔"), ("蒙古族", "其木格"),
    ("藏族", "扎西·次仁"), ("藏族", "卓玛"), ("满族", "关雪峰"), ("朝鲜族", "金英哲"), ("壮族", "韦春花"),
)
STREETS = ("迎泽大街", "府西街", "坞城路", "长风街", "学府街", "并州路", "新建路", "解放路", "五一路", "建设路",
           "文化街", "人民路", "和平街", "南关街", "北大街", "滨河路", "体育路", "康宁街")
EMPLOYER_KINDS = ("街道办事处", "社区居民委员会", "人民医院", "中学", "小学", "供电公司", "交通运输局", "公安局",
                  "建设有限公司", "商贸有限公司", "煤业集团", "文化旅游局", "法律服务所", "银行支行")
OCCUPATIONS = ("公务员", "教师", "医生", "护士", "工程师", "学生", "职员", "律师", "社区工作者", "个体经营者", "司机")
SKILLS = ("摄影", "书法", "急救", "驾驶", "英语", "手语", "心理咨询", "法律知识", "计算机", "文艺表演", "写作", "游泳")
OTHER_PROVINCE_CODES = ("110101", "130102", "130602", "150102", "210102", "370102", "410102", "410105",
                        "610102", "620102", "320102", "510104")
# Historical Shanxi codes a person may still hold (the county was renamed or merged later).
HISTORICAL_CODES = ("140102", "140103", "140112", "140202", "140211", "140402", "142401", "142201", "142601")
START, END = date(2014, 10, 8), date(2016, 12, 31)


def allocate(total: int, quotas: dict[str, int]) -> dict[str, int]:
    """Share `total` over units in proportion to their quotas (largest remainder)."""
    whole = sum(quotas.values())
    exact = {code: total * q / whole for code, q in quotas.items()}
    counts = {code: math.floor(x) for code, x in exact.items()}
    left = total - sum(counts.values())
    for code in sorted(exact, key=lambda c: (-(exact[c] - counts[c]), c))[:left]:
        counts[code] += 1
    return counts


class _People:
    """Draws unique, consistent synthetic people."""

    def __init__(self, rng: random.Random, units: dict[str, Unit], until: date | None = None):
        self.rng = rng
        self.units = units
        #: With a last registration day: registrations spread evenly from START to it (2014–2026 and so on).
        self.until = until
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        regions = [r for r in cl.shanxi_regions().values() if r.current]
        self.regions_by_city: dict[str, list[cl.Region]] = {}
        for r in regions:
            self.regions_by_city.setdefault(r.name.split("市")[0] + "市", []).append(r)
        self.regions = regions

    def pick(self, choices: tuple[str, ...] | list[str], index: int, weights: list[float] | None = None) -> str:
        """Cycle through every value for the first records so each list is represented, then draw."""
        if index < len(choices):
            return choices[index]
        return self.rng.choices(choices, weights)[0] if weights else self.rng.choice(choices)

    def id_number(self, code: str, birth: date, sex: str) -> str:
        while True:
            seq = self.rng.randrange(0, 100)
            sex_digit = self.rng.choice("13579" if sex == "男" else "02468")
            body = f"{code}{birth:%Y%m%d}{seq:02d}{sex_digit}"
            number = body + idcard.check_char(body + "0")
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(("13", "15", "18", "17", "19")) + str(self.rng.randrange(1, 10)) + \
                f"{self.rng.randrange(0, 10**8):08d}"
            if number not in self.phones and is_mobile(number):
                self.phones.add(number)
                return number

    def name(self, index: int) -> tuple[str, str]:
        if index % 97 == 5:
            return self.rng.choice(MINORITY_NAMES)
        surname = self.rng.choice(COMPOUND_SURNAMES) if index % 211 == 7 else self.rng.choice(SURNAMES)
        given = "".join(self.rng.choice(GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2, 2))))
        ethnicity = self.pick(cl.ETHNICITIES, index, [92 if e == cl.HAN else 0.2 for e in cl.ETHNICITIES])
        return ethnicity, surname + given

    def registered(self) -> date:
        if self.until is not None:
            return START + timedelta(days=self.rng.randrange((self.until - START).days + 1))
        # Most registrations fall in the 组织实施 phase (2014-11/12), as the plan intends.
        if self.rng.random() < 0.6:
            return date(2014, 11, 1) + timedelta(days=self.rng.randrange(61))
        return START + timedelta(days=self.rng.randrange((END - START).days + 1))

    def record(self, unit: Unit, number: int, index: int) -> dict[str, Any]:
        rng = self.rng
        registered = self.registered()
        # Born between the 46th-birthday limit and the 18th birthday, skewed towards the young.
        latest = anniversary(registered, -18)
        while anniversary(latest, 18) > registered:  # registered on 29 February
            latest -= timedelta(days=1)
        earliest = anniversary(registered, -46) + timedelta(days=1)
        birth = latest - timedelta(days=int((latest - earliest).days * rng.random() ** 1.6))
        sex = rng.choice(cl.SEXES)
        ethnicity, name = self.name(index)
        city_regions = self.regions_by_city.get(unit.name) or self.regions
        region = rng.choice(city_regions)
        outside = index % 23 == 11
        if outside:
            code = rng.choice(OTHER_PROVINCE_CODES)
        elif index % 37 == 3 and birth.year < 1997:
            code = rng.choice(HISTORICAL_CODES)
        else:
            code = rng.choice(city_regions).code
        id_number = self.id_number(code, birth, sex)
        student = unit.category == "高校"
        city = region.name.split("市")[0] + "市"
        service_type = self.pick(cl.SERVICE_TYPES, index % 29, [5, 2, 2, 1])
        rec: dict[str, Any] = {
            f.RECORD_ID: f"{unit.code}-{number:05d}",
            f.UNIT: unit.code,
            f.NAME: name,
            f.SEX: sex,
            f.BIRTH_DATE: birth,
            f.ETHNICITY: ethnicity,
            f.POLITICAL_STATUS: self.pick(cl.POLITICAL_STATUSES, index % 41,
                              [20, 3, 45, 1, 1, 1, 1, 1, 1, 1, 0.5, 2, 25]),
            f.ID_NUMBER: id_number,
            f.REGION: region.name,
            f.EMPLOYER: unit.name if student else f"{city}{rng.choice(STREETS)[:2]}{rng.choice(EMPLOYER_KINDS)}",
            "职业": "学生" if student else (rng.choice(OCCUPATIONS) if rng.random() < 0.7 else None),
            f.EDUCATION: "大学本科" if student and rng.random() < 0.8 else
            self.pick(cl.EDUCATION_LEVELS, index % 31, [3, 30, 30, 10, 4, 15, 6, 1, 1]),
            f.ADDRESS: f"{region.name}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
            f.MOBILE: self.phone(),
            f.LANDLINE: f"0351-{rng.randint(2000000, 8999999)}" if rng.random() < 0.15 else None,
            f.QQ: str(rng.randint(10**7, 10**11 - 1)) if rng.random() < 0.6 else None,
            f.SKILLS: rng.sample(SKILLS, rng.randint(1, 2)) if rng.random() < 0.5 else None,
            f.HEALTH: self.pick(cl.HEALTH_STATES, index % 17, [70, 25, 5]),
            f.SERVICE_TIMES: sorted(rng.sample(cl.SERVICE_TIMES, rng.randint(1, 3)), key=cl.SERVICE_TIMES.index)
            if index % 53 != 9 else ["其它: 寒暑假"],
            f.SERVICE_TYPE: service_type,
            f.INDUSTRY: self.pick(cl.INDUSTRIES, index % 7) if service_type == cl.INDUSTRY_SERVICE_TYPE else None,
            f.SERVICE_ITEMS: sorted(rng.sample(cl.SERVICE_ITEMS, rng.randint(1, 2)), key=cl.SERVICE_ITEMS.index),
            f.ROLES: sorted(rng.sample(cl.ROLES, rng.randint(1, 2)), key=cl.ROLES.index)
            if rng.random() < 0.8 else None,
            f.RESIDENCE_SINCE: registered - timedelta(days=rng.randint(400, 3000)) if outside else None,
            f.NO_CRIMINAL_RECORD: True,
            f.CONSENT_DATE: registered - timedelta(days=rng.randrange(0, 8)),
            f.REGISTERED: registered,
        }
        return rec


def scale_for(count: int, total_quota: int) -> int:
    """Quotas are multiplied by this so that `count` records stay within them."""
    return max(1, math.ceil(count / total_quota)) if total_quota else 1


class OutputNotEmpty(PinganError):
    """demo-data writes only into a missing or empty folder."""


class BadDemoOption(PinganError, ValueError):
    """--unit-count names no unit, or --registered-until is before the demo's first registration day."""


def shares_for(count: int, units: dict[str, Unit], fixed: dict[str, int]) -> dict[str, int]:
    """Records per unit: `fixed` ones exactly, the rest of `count` shared by quota among the others."""
    unknown = sorted(set(fixed) - set(units))
    if unknown:
        raise BadDemoOption(", ".join(unknown))
    rest = max(0, count - sum(fixed.values()))
    others = {code: unit.quota for code, unit in units.items() if code not in fixed}
    shares = allocate(rest, others) if others and sum(others.values()) else {code: 0 for code in others}
    return {code: fixed.get(code, shares.get(code, 0)) for code in units}


def generate(source: Path, out: Path, count: int, seed: int, registered_until: date | None = None,
             unit_counts: dict[str, int] | None = None, encrypt: bool = False) -> Iterator[Path]:
    """Write a synthetic repository under `out` from the units of `source`; yield written record paths.

    `registered_until`: registrations spread evenly from 2014-10-08 to that day
    (default: mostly 2014-11/12, the rest until 2016); `unit_counts`: exactly
    this many records for these units (small and skewed demos); `encrypt`: an
    encrypted repository with its demo keys (see the module docstring).
    """
    if registered_until is not None and registered_until < START:
        raise BadDemoOption(registered_until.isoformat())
    if out.exists() and any(out.iterdir()):
        raise OutputNotEmpty(out)
    units, province = load_settings(source).required()
    shares = shares_for(count, units, dict(unit_counts or {}))
    factor = max([scale_for(sum(shares.values()), province.total_quota)] +
                 [math.ceil(n / units[code].quota) for code, n in shares.items() if units[code].quota])
    (out / settings.UNITS_DIR).mkdir(parents=True, exist_ok=True)
    province_text = (source / settings.PROVINCE_FILE).read_text(encoding="utf-8")
    (out / settings.PROVINCE_FILE).write_text(_scaled(province_text, "总名额", factor), encoding="utf-8")
    for code in units:
        text = _scaled((source / settings.UNITS_DIR / f"{code}.yaml").read_text(encoding="utf-8"), "名额", factor)
        (out / settings.UNITS_DIR / f"{code}.yaml").write_text(text, encoding="utf-8")
    if encrypt:
        add_keys(out)
    repo = Repository(out, keyring=Keyring())
    records = _drawn(random.Random(seed), units, shares, registered_until)
    if repo.encrypted:
        yield from _written_in_parallel(repo, records)
        return
    for rel, record in records:
        repo.write_record(rel, record)
        yield out / rel


def _drawn(rng: random.Random, units: dict[str, Unit], shares: dict[str, int],
           registered_until: date | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, record) of every synthetic record, unit by unit, in the order the seed draws them."""
    people = _People(rng, units, registered_until)
    index = 0
    for code, n in shares.items():
        folder = f"{settings.VOLUNTEERS_DIR}/{code}"
        for number in range(1, n + 1):
            record = people.record(units[code], number, index)
            index += 1
            yield f"{folder}/{record[f.RECORD_ID]}.yaml", record


# --- the encrypted demo ------------------------------------------------------------------------

#: Where the demo's secret keys are kept, inside the demo repository (a .gitignore there keeps them out of git).
KEYS_FOLDER = ".demo-keys"
#: The office's second key: the one a real office keeps offline, as a backup.
OFFICE_BACKUP = f"{OFFICE}-backup"


def _login(unit: str) -> str:
    """The made-up account of a unit's one maintainer in the encrypted demo."""
    return f"{unit}-demo"


def _maintained_by(unit_text: str, login: str) -> str:
    """A unit file's text with `login` as its only 维护者 (a unit key's login must be one: ENC011)."""
    listed = f"维护者:\n  - {login}"
    text, found = re.subn(r"^维护者:[^\n]*(?:\n[ \t]+-[^\n]*)*", listed, unit_text, flags=re.M)
    return text if found else unit_text.rstrip("\n") + "\n" + listed + "\n"


def add_keys(out: Path) -> None:
    """Make the repository at `out` an encrypted one's settings: each unit's demo maintainer made its 维护者, a secret
    key for each unit, the office (two) and CI in out/.demo-keys/, and their public keys under keys/. Its records
    are left as they are (the demo writes them encrypted; a benchmark migrates them with encrypt-all)."""
    units = sorted(path.stem for path in (out / settings.UNITS_DIR).glob("*.yaml"))
    for code in units:
        unit_file = out / settings.UNITS_DIR / f"{code}.yaml"
        unit_file.write_text(_maintained_by(unit_file.read_text(encoding="utf-8"), _login(code)), encoding="utf-8")
    secret = out / KEYS_FOLDER
    secret.mkdir()
    (secret / ".gitignore").write_text("# 演示用的私钥：绝不提交\n*\n", encoding="utf-8")
    public = out / settings.KEYS_DIR
    public.mkdir()

    def key(name: str, login: str) -> str:
        return f"{new_identity(secret / f'{name}{IDENTITY_SUFFIX}')} # {login}\n"

    for code in units:
        (public / f"{code}.txt").write_text(key(code, _login(code)), encoding="utf-8")
    (public / f"{OFFICE}.txt").write_text(key(OFFICE, "办公室") + key(OFFICE_BACKUP, "办公室（离线备份）"),
                                          encoding="utf-8")
    (public / f"{CI}.txt").write_text(key(CI, "CI"), encoding="utf-8")


def _written_in_parallel(repo: Repository, records: Iterator[tuple[str, dict[str, Any]]]) -> Iterator[Path]:
    """Write encrypted records in forked workers: a record costs about 1 ms (its data key wrapped for four
    readers), 30 s for 30,000 on one core. Records are drawn here, in order, so the seed still decides them."""
    def write(batch: list[tuple[str, dict[str, Any]]]) -> list[Path]:
        for rel, record in batch:
            repo.write_record(rel, record)
        return [repo.root / rel for rel, _ in batch]

    return forked.in_batches(write, records, JOBS)


def _scaled(text: str, key: str, factor: int) -> str:
    if factor == 1:
        return text
    return re.sub(rf"^{key}: (\d+)$", lambda m: f"{key}: {int(m.group(1)) * factor}", text, flags=re.M)


def commit(out: Path, message: str = "Add synthetic demo data") -> None:
    """Make `out` a git repository with one commit (fixed author and date, so hashes repeat)."""
    env = {"GIT_AUTHOR_NAME": "pingan demo", "GIT_AUTHOR_EMAIL": "demo@example.invalid",
           "GIT_COMMITTER_NAME": "pingan demo", "GIT_COMMITTER_EMAIL": "demo@example.invalid",
           "GIT_AUTHOR_DATE": "2016-12-31T12:00:00+08:00", "GIT_COMMITTER_DATE": "2016-12-31T12:00:00+08:00",
           "PATH": os.environ.get("PATH", "")}
    # No automatic repacking: with 300,000 new objects git would start one in the background, and it
    # would run on during whatever comes next (a benchmark, the demo's own steps).
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "gc.auto=0", "commit", "-q", "-m", message]):
        gitio.git(out, *args, env=env)
