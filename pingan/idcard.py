"""Pure functions on resident ID numbers (GB 11643-1999): normalising, checking, masking.

Region codes come from python-stdnum's GB/T 2260 history table, but not its
birth-year ranges: codes are never reissued, so a person keeps the number they
were given even after the county was renamed or merged.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

from . import codelists

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_ID_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])")


def normalise(raw: str) -> str:
    """Fold full-width digits and X, upper-case x, and strip outer spaces.

    Anything else (inner spaces, letters, punctuation) is left for `shape_ok`
    to reject: those are errors, not things to fix silently.
    """
    folded = "".join(
        unicodedata.normalize("NFKC", ch) if ch in "０１２３４５６７８９Ｘｘ" else ch for ch in raw
    )
    return folded.strip().upper()


def shape_ok(number: str) -> bool:
    """18 characters: 17 digits and a digit or X."""
    return bool(_SHAPE.fullmatch(number))


def check_char(number: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def birth_date(number: str) -> date | None:
    """The embedded birth date, or None when it is not a real date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def sex(number: str) -> str:
    """男 for an odd 17th digit, 女 for an even one."""
    return "男" if int(number[16]) % 2 else "女"


def region_name(number: str) -> str | None:
    """The county-level name of the first six digits, or None when not a county code.

    Province-level codes (xx0000) are not places of registration. Every name the
    code ever had is accepted, whatever the birth year.
    """
    return _county(number[:6])


@functools.lru_cache(maxsize=8192)
def _county(code: str) -> str | None:
    if code.endswith("0000"):
        return None
    names = codelists.gb_t_2260().get(code)
    return re.sub(r"\[[0-9-]*\]", "", names.split(",")[-1]) if names else None


def is_shanxi(number: str) -> bool:
    """户籍 in Shanxi: region code 14xxxx."""
    return number.startswith("14")


def mask(number: str) -> str:
    """Keep the region code and the last four characters: 140121********1019."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_in_text(text: str) -> str:
    """Mask every 18-character ID number that appears inside free text."""
    return _ID_IN_TEXT.sub(lambda m: m.group(1) + "********" + m.group(2)[-4:], text)
