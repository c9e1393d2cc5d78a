"""Structure check by the pydantic model, its errors turned into catalogue problems."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from .. import codelists
from ..problems import Problem
from .context import RecordView

_EXPECTED = {
    "string": "文字", "date": "日期（如 2024-05-01）", "bool": "true 或 false", "list": "列表（每项一行，以“- ”开头）",
    "int": "整数", "model": "字段映射", "dict": "字段映射", "literal": "代码表中的值",
}


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
            choices, standard = codelists.CODE_LISTS.get(key, ((), "代码表"))
            suggestion = codelists.suggest(str(value), choices) if isinstance(value, str) else None
            yield rec.problem("CL001", loc, field=key, value=value, standard=standard, suggestion=suggestion)
        elif kind == "string_too_long":
            yield rec.problem("REC004", loc, field=key, limit=error["ctx"]["max_length"], length=len(value))
        elif kind == "too_short" and isinstance(value, list):
            yield rec.problem("REC005", loc, field=key)
        else:
            yield rec.problem("REC003", loc, field=key, expected=_expected(kind), actual=_actual(value))
