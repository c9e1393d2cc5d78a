"""Calendar arithmetic the rules and every output share: whole years and ages (周岁)."""
from __future__ import annotations

from datetime import date


def anniversary(day: date, years: int) -> date:
    """`day` plus whole years; 29 February falls on 1 March in non-leap years."""
    if not date.min.year <= day.year + years <= date.max.year:
        return date.max if years > 0 else date.min
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def age_on(birth: date, day: date) -> int:
    """Completed years (周岁) on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
