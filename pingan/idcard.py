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
# Digits in any width, and at most one separator (space, hyphen, full-width space or hyphen) between
# two of them: "510104 19730727 5344", "１４０１２１…", "187-1009-5656".
_DIGIT = "[0-9０-９]"
_SEP = "[ \t\u00a0\u3000\\-－‐–—]?"
_ID_IN_TEXT = re.compile(rf"(?<![0-9０-９]){_DIGIT}(?:{_SEP}{_DIGIT}){{16}}{_SEP}[0-9０-９XxＸｘ](?![0-9０-９])")
_MOBILE_IN_TEXT = re.compile(rf"(?<![0-9０-９])[1１]{_SEP}[3-9３-９](?:{_SEP}{_DIGIT}){{9}}(?![0-9０-９])")
_FOLD = str.maketrans("０１２３４５６７８９Ｘｘx", "0123456789XXX")


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


def _digits(found: re.Match[str]) -> str:
    return "".join(ch for ch in found.group(0).translate(_FOLD) if ch.isascii() and ch.isalnum())


def mask_in_text(text: str) -> str:
    """Mask every 18-character ID number inside free text, in any width or spacing: 140121********1019."""
    return _ID_IN_TEXT.sub(lambda found: mask(_digits(found)), text)


def mask_personal_numbers(text: str) -> str:
    """ID numbers as `mask_in_text`, and 11-digit mainland mobiles as 187****5656, in any width or spacing."""
    masked = mask_in_text(text)
    return _MOBILE_IN_TEXT.sub(lambda found: (digits := _digits(found))[:3] + "****" + digits[-4:], masked)
