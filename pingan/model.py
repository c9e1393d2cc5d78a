"""Pydantic models: the single source of truth for records, units and the province file.

Keys are the Chinese field names of the plan's forms (aliases); attributes are
English. `pingan schema` exports these models as JSON Schema for editors.
Checks that need several fields or external tables live in `rules/`.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema
from pydantic.json_schema import JsonDict

from . import codelists as cl


def iso_date(value: object) -> object:
    """Accept a quoted YYYY-MM-DD as a date; leave anything else for the strict check."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()) if len(value.strip()) == 10 else value
        except ValueError:
            return value
    return value


# Editors see what the validator accepts: a date, or a date-time read as its day in Asia/Shanghai.
CalendarDate = Annotated[date, BeforeValidator(iso_date), Strict(),
                         WithJsonSchema({"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]})]
# Digits may stand unquoted in YAML when they read back losslessly.
_DIGITS: JsonDict = {"type": ["string", "integer"]}
ShortText = Annotated[str, Strict(), Field(min_length=1, max_length=30)]


def _codes(choices: tuple[str, ...]) -> object:
    return Literal[choices]


_OTHER = f"^{cl.OTHER_PREFIX} ?\\S.*$"

_record_config = ConfigDict(
    extra="forbid", frozen=True, populate_by_name=False, strict=True, str_strip_whitespace=False,
    defer_build=True,  # build validators on first use: warm runs that validate no record skip the cost
)


class Volunteer(BaseModel):
    """一名青年平安志愿者的登记记录（依据工作方案附件3《山西省平安志愿者登记表》）。"""

    model_config = ConfigDict(**_record_config, title="青年平安志愿者登记记录")

    record_id: str = Field(alias="编号", description="招募单位代码-5位数字，与文件名相同，如 taiyuan-00001",
                           json_schema_extra={"pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*-[0-9]{5}$"})
    unit: str = Field(alias="招募单位", description="data/units/ 中的单位代码，与所在文件夹相同",
                      json_schema_extra={"pattern": "^[a-z][a-z0-9-]*$"})
    name: str = Field(alias="姓名", description="身份证上的姓名：汉字，少数民族姓名用间隔号“·”",
                      json_schema_extra={"minLength": 2, "maxLength": 30})
    sex: _codes(cl.SEXES) = Field(alias="性别", description="与身份证号码第 17 位一致")  # type: ignore[valid-type]
    birth_date: CalendarDate = Field(alias="出生日期", description="与身份证号码第 7–14 位一致")
    ethnicity: _codes(cl.ETHNICITIES) = Field(alias="民族", description="GB/T 3304")  # type: ignore[valid-type]
    political_status: _codes(cl.POLITICAL_STATUSES) = Field(  # type: ignore[valid-type]
        alias="政治面貌", description="GB/T 4762")
    id_number: str = Field(alias="身份证号码", description="18 位居民身份证号码（GB 11643），末位可为 X",
                           json_schema_extra={"pattern": "^[0-9]{17}[0-9X]$", **_DIGITS})
    region: str = Field(alias="所在地区", description="山西省县级行政区，写作“市名+县区名”，如 太原市小店区",
                        json_schema_extra={"pattern": "^\\S+[市区]\\S+[县区市]$"})
    employer: str = Field(alias="工作单位", min_length=1, max_length=100, description="工作单位；学生填写学校")
    occupation: str | None = Field(None, alias="职业", min_length=1, max_length=50)
    education: _codes(cl.EDUCATION_LEVELS) = Field(alias="文化程度", description="GB/T 4658")  # type: ignore[valid-type]
    address: str = Field(alias="通信地址", min_length=1, max_length=200)
    mobile: str = Field(alias="手机", description="中国大陆手机号码，11 位数字",
                        json_schema_extra={"pattern": "^1[0-9]{10}$", **_DIGITS})
    landline: str | None = Field(None, alias="固定电话", description="区号-号码，如 0351-4182850",
                                 json_schema_extra={"pattern": "^0[0-9]{2,3}-[0-9]{7,8}$"})
    qq: str | None = Field(None, alias="QQ", title="QQ", description="5–11 位数字",
                           json_schema_extra={"pattern": "^[1-9][0-9]{4,10}$", **_DIGITS})
    skills: list[ShortText] | None = Field(None, alias="个人特长", description="个人特长，每项一行")
    health: _codes(cl.HEALTH_STATES) = Field(alias="健康状况")  # type: ignore[valid-type]
    service_times: list[str] = Field(
        alias="服务时间", min_length=1, description="可服务的时间，每项一行；其它写作“其它: 具体时间”",
        json_schema_extra={"items": {"anyOf": [{"enum": list(cl.SERVICE_TIMES)}, {"pattern": _OTHER}]}})
    service_type: _codes(cl.SERVICE_TYPES) = Field(alias="服务类型")  # type: ignore[valid-type]
    industry: _codes(cl.INDUSTRIES) | None = Field(  # type: ignore[valid-type]
        None, alias="行业", description="服务类型为行业平安志愿者时必填，否则不填")
    service_items: list[str] = Field(
        alias="服务项目", min_length=1, description="参与的服务项目，每项一行；其它写作“其它: 具体内容”",
        json_schema_extra={"items": {"anyOf": [{"enum": list(cl.SERVICE_ITEMS)}, {"pattern": _OTHER}]}})
    roles: list[_codes(cl.ROLES)] | None = Field(None, alias="岗位", description="工作方案中的六类岗位")  # type: ignore[valid-type]
    residence_since: CalendarDate | None = Field(
        None, alias="在晋居住起始日期", description="省外户籍人员在山西实际居住的起始日期，须早于登记日期一年以上；山西户籍不填")
    no_criminal_record: Annotated[bool, Strict()] = Field(
        alias="无犯罪记录", description="招募单位核实无违法犯罪记录后填写 true", json_schema_extra={"const": True})
    consent_date: CalendarDate = Field(
        alias="个人信息同意日期", description="本人书面同意处理其个人信息（含敏感个人信息）的日期，不晚于登记日期")
    registered: CalendarDate = Field(alias="登记日期", description="登记日期，不晚于今天；年龄按此日计算")
    remarks: str | None = Field(None, alias="备注", min_length=1, max_length=500)
    status: _codes(cl.RECORD_STATUSES) | None = Field(  # type: ignore[valid-type]
        None, alias="状态", description="在册或已退出；不填即在册。已退出的记录不计入任何名单和统计，并让出名额")
    withdrawn_on: CalendarDate | None = Field(
        None, alias="退出日期", description="状态为已退出时必填，否则不填；不早于登记日期，不晚于今天")
    withdrawal_reason: _codes(cl.WITHDRAWAL_REASONS) | None = Field(  # type: ignore[valid-type]
        None, alias="退出原因", description="状态为已退出时必填，否则不填（撤回个人信息同意的，记录直接删除）")
    previous_id: str | None = Field(
        None, alias="原编号", description="转移到本单位之前在原单位的编号（由 pingan transfer 填写）",
        json_schema_extra={"pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*-[0-9]{5}$"})



class Contact(BaseModel):
    """A person the public or the office may contact about the programme."""

    model_config = ConfigDict(**_record_config, title="联系人")

    name: str = Field(alias="姓名", min_length=2, max_length=30)
    title: str | None = Field(None, alias="职务", max_length=50)
    phone: str | None = Field(None, alias="电话", max_length=30)
    email: str | None = Field(None, alias="电子邮箱", max_length=100)


class DemoSite(BaseModel):
    """A 示范点 (plan 六（三）): a place where the unit's volunteers serve as an example."""

    model_config = ConfigDict(**_record_config, title="示范点")

    name: str = Field(alias="名称", min_length=2, max_length=50)
    region: str | None = Field(None, alias="所在地区", max_length=30)
    summary: str | None = Field(None, alias="简介", max_length=300)


def login_key(name: str) -> str:
    """A host login as compared: without @, outer spaces and case."""
    return name.strip().removeprefix("@").casefold()


class Unit(BaseModel):
    """一个招募单位（工作方案附件2）：名称、类别、名额和负责维护其记录的账号。"""

    model_config = ConfigDict(**_record_config, title="招募单位")

    code: str = Field(alias="代码", description="小写英文代码，与文件名相同，如 taiyuan",
                      json_schema_extra={"pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"})
    name: str = Field(alias="名称", min_length=2, max_length=30, description="如 太原市、山西大学、省直")
    category: _codes(cl.UNIT_CATEGORIES) = Field(alias="类别")  # type: ignore[valid-type]
    quota: Annotated[int, Strict()] = Field(alias="名额", ge=0, description="附件2分配的志愿者名额")
    maintainers: list[str] = Field(alias="维护者", description="可修改本单位记录的代码托管平台账号，可为空")
    contact: Contact | None = Field(None, alias="联系人")
    demo_sites: list[DemoSite] | None = Field(None, alias="示范点", description="本单位的示范点（方案 六（三））")


class RecruitmentRules(BaseModel):
    """招募条件（方案 三（一））中可由程序检查的部分。"""

    model_config = ConfigDict(**_record_config, title="招募条件")

    min_age: Annotated[int, Strict()] = Field(alias="最小年龄", ge=0, description="周岁，按登记日期计算")
    max_age: Annotated[int, Strict()] = Field(alias="最大年龄", ge=0, description="周岁，按登记日期计算")
    residence_years: Annotated[int, Strict()] = Field(
        alias="省外户籍居住年限", ge=0, description="省外户籍人员在本省实际居住的最少年数")


class Province(BaseModel):
    """全省设置：总名额、招募条件、办公室账号和公开联系人。"""

    model_config = ConfigDict(**_record_config, title="全省设置")

    total_quota: Annotated[int, Strict()] = Field(alias="总名额", ge=0)
    start_date: CalendarDate = Field(
        alias="项目开始日期", description="工作方案启动的日期（2014 年方案为 2014-10-01）；登记日期不得早于这一天")
    backfill_days: Annotated[int, Strict()] = Field(
        90, alias="补录期限天数", ge=0,
        description="合并请求新增的记录，登记日期早于这么多天以前的（补录旧的纸质登记表），须由管理员提交")
    release_cadence: Literal["月", "季"] = Field(
        "季", alias="统计发布周期",
        description="网站上的分项统计（性别、年龄段、政治面貌、民族等）每月或每季度发布一期；每期在统计期结束、"
                    "补录期限过后发布，发布后不再改动")
    rules: RecruitmentRules = Field(alias="招募条件")
    admins: list[str] = Field(alias="管理员", description="团省委志愿者工作部的账号，可修改所有单位的记录")
    public_contacts: list[Contact] = Field(alias="公开联系人", description="工作方案公布的联系人，会显示在网站上")
    organiser: str | None = Field(
        None, alias="主办单位", max_length=50,
        description="网站页眉和页脚显示的主办单位，如 共青团山西省委；不填则不显示")
    icp_filing: str | None = Field(
        None, alias="ICP备案号", max_length=50, description="网站的 ICP 备案号，如 晋ICP备00000000号；不填则不显示")
    police_filing: str | None = Field(
        None, alias="公安备案号", max_length=50,
        description="公安机关互联网站备案号，如 晋公网安备 00000000000000号；不填则不显示")


#: Top-level record keys holding text: an unquoted plain integer there is read back as its digits.
TEXT_KEYS = frozenset(
    f.alias for f in Volunteer.model_fields.values() if f.alias and f.annotation in (str, str | None))

def _holds_date(annotation: object) -> bool:
    """A date field, optional or not: `date`, `date | None`, or either wrapped in Annotated."""
    return annotation is date or any(_holds_date(arg) for arg in get_args(annotation))


#: Record keys holding dates (在晋居住起始日期 too): a quoted YYYY-MM-DD there is read as the date.
DATE_KEYS = tuple(f.alias for f in Volunteer.model_fields.values() if f.alias and _holds_date(f.annotation))
