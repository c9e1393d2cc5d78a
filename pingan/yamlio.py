"""The one canonical YAML writer for records: import, fixes and demo data all use it.

Keys follow the model's order, absent values are left out, and a string is
quoted whenever YAML 1.1 would read it back as anything but the same string.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import yaml

from .model import Volunteer
from .settings import SCHEMA_PRAGMA

RECORD_KEYS = tuple(f.alias for f in Volunteer.model_fields.values() if f.alias)

_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\x00-\x1f\x7f]*")


def scalar(value: Any) -> str:
    """One value in its canonical YAML spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, date)):
        return value.isoformat() if isinstance(value, date) else str(value)
    text = str(value)
    if not text.isprintable():
        return _escaped(text)
    plain = (_PLAIN.fullmatch(text) and ": " not in text and " #" not in text and not text.endswith((":", " "))
             and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG)
    return text if plain else json.dumps(text, ensure_ascii=False)


def _escaped(text: str) -> str:
    """Double-quoted with every non-printable character as a YAML escape (\\xNN, \\uNNNN, \\UNNNNNNNN)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\\\"":
            out.append("\\" + ch)
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def dump_record(data: dict[str, Any]) -> str:
    """A record file's text: the editor schema comment, then the keys in model order."""
    lines = [SCHEMA_PRAGMA]
    for key in RECORD_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if value == []:
            lines.append(f"{key}: []")
        elif isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  - {scalar(item)}" for item in value]
        else:
            lines.append(f"{key}: {scalar(value)}")
    return "\n".join(lines) + "\n"
