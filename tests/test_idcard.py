"""ID number functions: check character, embedded dates and sex, regions, masking."""
from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from pingan import idcard
from pingan.dates import age_on, anniversary

digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)


def with_check(body: str) -> str:
    return body + idcard.check_char(body + "0")


@given(digits17)
def test_check_char_agrees_with_stdnum(body: str) -> None:
    assert idcard.check_char(body + "0") == ric.calc_check_digit(body + "0")


@given(digits17, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_error_is_caught(body: str, position: int, shift: int) -> None:
    number = with_check(body)
    wrong = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1:]
    assert idcard.check_char(wrong) != wrong[17]


@given(st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.sampled_from(["男", "女"]), st.integers(0, 99),
       st.integers(0, 4))
def test_birth_date_and_sex_round_trip(birth: date, sex: str, seq: int, digit: int) -> None:
    sex_digit = "13579"[digit] if sex == "男" else "02468"[digit]
    number = with_check(f"140105{birth:%Y%m%d}{seq:02d}{sex_digit}")
    assert idcard.shape_ok(number)
    assert idcard.birth_date(number) == birth
    assert idcard.sex(number) == sex


@given(st.dates(date(1950, 1, 1), date(2010, 12, 31)))
def test_age_boundary_is_the_birthday(birth: date) -> None:
    eighteenth = anniversary(birth, 18)
    assert age_on(birth, eighteenth) == 18
    assert age_on(birth, date.fromordinal(eighteenth.toordinal() - 1)) == 17


def test_29_february_birthday_falls_on_1_march() -> None:
    birth = date(2000, 2, 29)
    assert anniversary(birth, 18) == date(2018, 3, 1)
    assert age_on(birth, date(2018, 2, 28)) == 17
    assert age_on(birth, date(2018, 3, 1)) == 18
    assert anniversary(birth, 20) == date(2020, 2, 29)


def test_normalise_folds_only_safe_differences() -> None:
    assert idcard.normalise(" １４0121199001011019 ") == "140121199001011019"
    assert idcard.normalise("14012119900101106x") == "14012119900101106X"
    assert idcard.normalise("140121 199001011019") == "140121 199001011019"


def test_regions_include_historical_codes_but_not_province_level() -> None:
    assert idcard.region_name("140105") == "小店区"
    assert idcard.region_name("140102") == "南城区"  # retired in 1997, still on people's cards
    assert idcard.region_name("140000") is None
    assert idcard.region_name("810000") is None
    assert idcard.region_name("140199") is None
    assert idcard.region_name("990101") is None


def test_mask_keeps_region_and_last_four() -> None:
    assert idcard.mask("140121199001011019") == "140121********1019"
    assert idcard.mask_in_text("号码 14012119900101106X 重复") == "号码 140121********106X 重复"
