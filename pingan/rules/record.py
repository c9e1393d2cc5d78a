"""Record rules: one small function per rule, run in the order of RECORD_RULES.

Each yields problems for one record. A rule reads only fields that are present
and have no problem yet (`rec.ok`), so one mistake is reported once.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from .. import codelists, idcard
from .. import fields as f
from ..dates import age_on, anniversary
from ..model import DATE_KEYS, Volunteer, iso_date
from ..phones import is_mobile
from ..problems import Problem
from .context import Context, RecordView
from .schema import code_list_problem, model_problems

ID = f.ID_NUMBER
_RECORD_ID = re.compile(r"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)-([0-9]{5})")
_LOOKALIKE_DOTS = "・•．"  # katakana middle dot, bullet, full-width full stop
_NAME_DOT = "·"
_QQ = re.compile(r"[1-9][0-9]{4,10}")
_LANDLINE = re.compile(r"0[0-9]{2,3}-[0-9]{7,8}")
_FIXED_TYPES = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


#: CJK Unified Ideographs and their extensions A–I, and the compatibility ideographs (all planes).
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF), (0x2A700, 0x2EE5F),
               (0x2F800, 0x2FA1F), (0x30000, 0x323AF))


def _is_han(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _HAN_RANGES)


# --- normalising rules: they run before the schema and may replace a value -------------------

def id_number_form(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """Fold full-width digits, lower-case x and outer spaces (warning); reject any other shape."""
    raw = rec.data.get(ID)
    if not isinstance(raw, str):
        return
    number = idcard.normalise(raw)
    if number != raw:
        what = "、".join(label for label, changed in (
            ("首尾空格", raw != raw.strip()),
            ("全角字符", any(ch in "０１２３４５６７８９Ｘｘ" for ch in raw)),
            ("小写 x", "x" in raw or "ｘ" in raw)) if changed) or "非规范字符"
        rec.data[ID] = number
        yield rec.problem("ID001", ID, what=what, masked=idcard.mask(number))
    if not idcard.shape_ok(number):
        if len(number) != 18:
            detail = f"这里有 {len(number)} 位"
        else:
            bad = next((i for i, ch in enumerate(number) if not ch.isdigit() and not (i == 17 and ch == "X")), 0)
            detail = f"第 {bad + 1} 位不允许"
        yield rec.problem("ID002", ID, detail=detail)


def name_form(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """Han characters and the middle dot only, 2–30 characters; look-alike dots become "·" (warning)."""
    name = rec.data.get(f.NAME)
    if not isinstance(name, str):
        return
    for dot in _LOOKALIKE_DOTS:
        if dot in name:
            name = name.replace(dot, _NAME_DOT)
            yield rec.problem("NAM003", f.NAME, char=dot)
    rec.data[f.NAME] = name
    for pos, ch in enumerate(name, start=1):
        if not (_is_han(ch) or ch == _NAME_DOT):
            shown = ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}（空白或不可见字符）"
            yield rec.problem("NAM001", f.NAME, pos=pos, char=shown)
            return
    if not 2 <= len(name) <= 30:
        yield rec.problem("NAM002", f.NAME, length=len(name))


def structure(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """Keys, types, lengths and single-choice code lists, as the pydantic model defines them."""
    for key in DATE_KEYS:
        rec.data[key] = iso_date(rec.data.get(key))
    yield from model_problems(Volunteer, rec)


# --- where the record belongs ---------------------------------------------------------------

def record_id_matches_file(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """编号 is <unit>-<5 digits>, equals the file name, and its unit part equals 招募单位."""
    if not rec.ok(f.RECORD_ID):
        return
    value = rec.data[f.RECORD_ID]
    match = _RECORD_ID.fullmatch(value)
    if not match:
        yield rec.problem("REC006", f.RECORD_ID, value=value, unit=rec.folder or "taiyuan")
    elif value != rec.stem:
        yield rec.problem("REC007", f.RECORD_ID, value=value, stem=rec.stem)
    elif rec.ok(f.UNIT) and match.group(1) != rec.data[f.UNIT]:
        yield rec.problem("REC008", f.RECORD_ID, value=value, prefix=match.group(1), unit=rec.data[f.UNIT])


def unit_matches_folder(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """招募单位 is a known unit code and the folder the file sits in."""
    if not rec.ok(f.UNIT):
        return
    value = rec.data[f.UNIT]
    if value not in ctx.units:
        by_name = {unit.name: code for code, unit in ctx.units.items()}
        suggestion = by_name.get(value) or codelists.suggest(value, list(ctx.units))
        yield rec.problem("REC009", f.UNIT, value=value, suggestion=suggestion)
    elif value != rec.folder:
        yield rec.problem("REC010", f.UNIT, value=value, folder=rec.folder)


# --- the ID number --------------------------------------------------------------------------

def id_check_char(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """The 18th character is the ISO 7064 MOD 11-2 check of the first 17."""
    if rec.ok(ID) and (expected := idcard.check_char(rec.data[ID])) != rec.data[ID][17]:
        yield rec.problem("ID003", ID, expected=expected)


def id_birth_date(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """Digits 7–14 are a real date."""
    if rec.ok(ID) and idcard.birth_date(rec.data[ID]) is None:
        yield rec.problem("ID004", ID, digits=rec.data[ID][6:14])


def id_region(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """Digits 1–6 are a county-level code, current or historical."""
    if rec.ok(ID) and idcard.region_name(number := rec.data[ID]) is None:
        code = number[:6]
        detail = "是省级代码，不是县级行政区划代码" if code.endswith("0000") else "不是有效的县级行政区划代码"
        yield rec.problem("ID005", ID, code=code, detail=detail)


def sex_matches_id(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """性别 agrees with the 17th digit."""
    if rec.ok(ID, f.SEX) and (expected := idcard.sex(rec.data[ID])) != rec.data[f.SEX]:
        yield rec.problem("ID006", f.SEX, value=rec.data[f.SEX], expected=expected)


def birth_date_matches_id(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """出生日期 equals the date in the ID number."""
    if rec.ok(ID, f.BIRTH_DATE) and (expected := idcard.birth_date(rec.data[ID])) != rec.data[f.BIRTH_DATE]:
        yield rec.problem("ID007", f.BIRTH_DATE, value=rec.data[f.BIRTH_DATE], expected=expected)


# --- recruitment conditions (plan 三（一）) -------------------------------------------------

def age_in_range(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """18th birthday ≤ 登记日期 < the birthday after the maximum age (周岁)."""
    if not rec.ok(f.BIRTH_DATE, f.REGISTERED):
        return
    rules, birth, registered = ctx.province.rules, rec.data[f.BIRTH_DATE], rec.data[f.REGISTERED]
    if not anniversary(birth, rules.min_age) <= registered < anniversary(birth, rules.max_age + 1):
        yield rec.problem("AGE001", f.BIRTH_DATE, registered=registered, age=age_on(birth, registered),
                          minimum=rules.min_age, maximum=rules.max_age)


def residency(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """Shanxi 户籍 (14xxxx), or at least the required years of residence before 登记日期."""
    if not rec.ok(ID) or f.RESIDENCE_SINCE in rec.reported:
        return
    since = rec.data.get(f.RESIDENCE_SINCE)
    if idcard.is_shanxi(rec.data[ID]):
        if since is not None:
            yield rec.problem("RES003", f.RESIDENCE_SINCE)
    elif since is None:
        yield rec.problem("RES001", ID, region=idcard.region_name(rec.data[ID]))
    elif rec.ok(f.REGISTERED):
        years, registered = ctx.province.rules.residence_years, rec.data[f.REGISTERED]
        if anniversary(since, years) > registered:
            yield rec.problem("RES002", f.RESIDENCE_SINCE, start=since, registered=registered, years=years)


def industry_given(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """行业 is given exactly when 服务类型 is 行业平安志愿者."""
    if not rec.ok(f.SERVICE_TYPE) or f.INDUSTRY in rec.reported:
        return
    industry_type = rec.data[f.SERVICE_TYPE] == codelists.INDUSTRY_SERVICE_TYPE
    if industry_type and rec.data.get(f.INDUSTRY) is None:
        yield rec.problem("IND001", f.SERVICE_TYPE)
    elif not industry_type and rec.data.get(f.INDUSTRY) is not None:
        yield rec.problem("IND002", f.INDUSTRY, service_type=rec.data[f.SERVICE_TYPE])


def list_codes(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """服务时间 and 服务项目 items come from their lists or are "其它: <text>"; several values in one item are CL003."""
    for key in (f.SERVICE_TIMES, f.SERVICE_ITEMS):
        if not rec.ok(key):
            continue
        choices = codelists.CODE_LISTS[key][0]
        for index, item in enumerate(rec.data[key]):
            if item in choices:
                continue
            if item.startswith(("其它", "其他")):
                rest = item[2:].lstrip(":： ")
                if item.startswith(codelists.OTHER_PREFIX) and rest:
                    continue
                if not rest:
                    yield rec.problem("CL002", (key, index), field=key)
                    break
            yield code_list_problem(rec, (key, index), key, item, other=True)
            break


# --- contacts -------------------------------------------------------------------------------

def mobile_valid(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """手机 is written as 11 digits and is a mainland mobile number."""
    if not rec.ok(f.MOBILE):
        return
    value = rec.data[f.MOBILE]
    if not (len(value) == 11 and value.isascii() and value.isdigit()):
        digits = re.sub(r"[\s\-()（）]", "", value).removeprefix("+86")
        yield rec.problem("PHN001", f.MOBILE, suggestion=digits if len(digits) == 11 and digits.isdigit() else None)
        return
    if not is_mobile(value):
        yield rec.problem("PHN002", f.MOBILE, value=value)


def landline_valid(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """固定电话 is area code-number and a valid fixed line."""
    if not rec.ok(f.LANDLINE):
        return
    value = rec.data[f.LANDLINE]
    valid = bool(_LANDLINE.fullmatch(value))
    if valid:
        valid = phonenumbers.number_type(phonenumbers.parse(value, "CN")) in _FIXED_TYPES
    if not valid:
        yield rec.problem("PHN003", f.LANDLINE, value=value)


def qq_valid(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """QQ is 5–11 digits without a leading zero."""
    if rec.ok(f.QQ) and not _QQ.fullmatch(rec.data[f.QQ]):
        yield rec.problem("QQ001", f.QQ)


def region_known(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """所在地区 is a Shanxi county-level division written with its city; a retired name is a warning."""
    if not rec.ok(f.REGION):
        return
    value = rec.data[f.REGION]
    region = codelists.shanxi_regions().get(value)
    if region is None:
        current = [name for name, r in codelists.shanxi_regions().items() if r.current]
        suggestion = next((name for name in current if value and name.endswith(value)), None) or \
            codelists.suggest(value, current)
        yield rec.problem("ARE001", f.REGION, value=value, suggestion=suggestion)
    elif not region.current:
        yield rec.problem("ARE002", f.REGION, value=value)


# --- dates and consent ----------------------------------------------------------------------

def registered_not_future(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """登记日期 is not after today."""
    if rec.ok(f.REGISTERED) and rec.data[f.REGISTERED] > ctx.today:
        yield rec.problem("DAT001", f.REGISTERED, value=rec.data[f.REGISTERED], today=ctx.today)


def registered_after_start(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """登记日期 is not before the programme started (项目开始日期): no backdating past the plan itself."""
    if rec.ok(f.REGISTERED) and rec.data[f.REGISTERED] < ctx.province.start_date:
        yield rec.problem("DAT002", f.REGISTERED, value=rec.data[f.REGISTERED], start=ctx.province.start_date)


def criminal_record_checked(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """无犯罪记录 is true: the unit has checked it (plan 三（一）2)."""
    if f.NO_CRIMINAL_RECORD not in rec.reported and rec.data.get(f.NO_CRIMINAL_RECORD) is False:
        yield rec.problem("CON001", f.NO_CRIMINAL_RECORD)


def consent_before_registration(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """个人信息同意日期 is not after 登记日期 (PIPL arts. 14, 29: consent first)."""
    if rec.ok(f.CONSENT_DATE, f.REGISTERED) and rec.data[f.CONSENT_DATE] > rec.data[f.REGISTERED]:
        yield rec.problem("CON002", f.CONSENT_DATE, consent=rec.data[f.CONSENT_DATE],
                          registered=rec.data[f.REGISTERED])


RECORD_RULES = (
    id_number_form, name_form, structure,
    unit_matches_folder, record_id_matches_file,
    id_check_char, id_birth_date, id_region, sex_matches_id, birth_date_matches_id,
    age_in_range, residency, industry_given, list_codes,
    mobile_valid, landline_valid, qq_valid, region_known,
    registered_not_future, registered_after_start, criminal_record_checked, consent_before_registration,
)
