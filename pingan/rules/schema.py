"""Structure check by the pydantic model, its errors turned into catalogue problems."""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from .. import codelists
from ..catalogue import Verbatim
from ..problems import Problem
from .context import RecordView

_EXPECTED = {
    "string": "文字", "date": "日期（如 2024-05-01）", "bool": "true 或 false", "list": "列表（每项一行，以“- ”开头）",
    "int": "整数", "model": "字段映射", "dict": "字段映射", "literal": "代码表中的值",
}


#: What people put between values written into one list item: commas, 、, semicolons, slashes, bars, spaces.
_SEPARATORS = re.compile(r"[，,、;；/／|｜\s\u3000]+")


def joined_values(item: object, choices: Sequence[str]) -> list[str] | None:
    """The allowed values that one list item holds side by side ("周六，周日" → [周六, 周日]), else None."""
    if not isinstance(item, str):
        return None
    parts = [part for part in _SEPARATORS.split(item) if part]
    return parts if len(parts) > 1 and all(part in choices for part in parts) else None


def code_list_problem(rec: RecordView, loc: tuple, key: str, value: object, other: bool = False) -> Problem:
    """CL003 for several allowed values in one list item, else CL001 naming the allowed values."""
    choices, standard = codelists.CODE_LISTS.get(key, ((), "代码表"))
    parts = joined_values(value, choices) if len(loc) > 1 else None
    if parts:
        return rec.problem("CL003", loc, field=key, value=value, count=len(parts), items=Verbatim("、".join(parts)))
    suggestion = codelists.suggest(value, choices) if isinstance(value, str) else None
    if suggestion is None and other and isinstance(value, str) and value.startswith(("其它", "其他")):
        suggestion = codelists.OTHER_PREFIX + " " + value[2:].lstrip(":： ")
    return rec.problem("CL001", loc, field=key, value=value, standard=standard, choices=choices, other=other,
                       suggestion=suggestion)


def _actual(value: Any) -> str:
    if value is None:
        return "空值"
    for kind, label in ((bool, "布尔值"), (int, "数字"), (float, "数字"), (date, "日期"), (list, "列表"),
                        (dict, "字段映射")):
        if isinstance(value, kind):
            return label
    return f"文字“{value}”"


def _expected(error_type: str) -> str:
    for key, label in _EXPECTED.items():
        if error_type.startswith(key):
            return label
    return "规定的格式"


def model_problems(model: type[BaseModel], rec: RecordView) -> Iterator[Problem]:
    """Validate `rec.data` against `model`, skipping fields that already have a problem."""
    try:
        model.model_validate(rec.data)
        return
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=True)
    aliases = [f.alias or name for name, f in model.model_fields.items()]
    for error in errors:
        loc = tuple(error["loc"])
        if not loc or loc[0] in rec.reported:
            continue
        key, kind, value = str(loc[0]), error["type"], error.get("input")
        rec.reported.add(key)
        if kind == "extra_forbidden":
            yield rec.problem("REC002", loc, at_key=True, key=key, suggestion=codelists.suggest(key, aliases))
        elif kind == "missing" or (value is None and len(loc) == 1) or (value == "" and len(loc) == 1):
            yield rec.problem("REC001", loc, field=key)
        elif kind == "literal_error":
            yield code_list_problem(rec, loc, key, value)
        elif kind == "string_too_long":
            yield rec.problem("REC004", loc, field=key, limit=error["ctx"]["max_length"], length=len(value))
        elif kind == "too_short" and isinstance(value, list):
            yield rec.problem("REC005", loc, field=key)
        else:
            yield rec.problem("REC003", loc, field=key, expected=_expected(kind), actual=_actual(value))
