"""The one canonical YAML writer for records: import, fixes and demo data all use it.

Keys follow the model's order, absent values are left out, and a string is
quoted whenever YAML 1.1 would read it back as anything but the same string.
With a Sealer, the record is written encrypted (sopsfile.py): clear fields as
quoted strings (sops would retype an unquoted date), every other value as its
encrypted token, each on the line it would have in clear.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import yaml

from .fields import CLEAR_KEYS
from .model import Volunteer
from .settings import SCHEMA_PRAGMA
from .sopsfile import Scalar, Sealer, envelope_lines, mac_of

RECORD_KEYS = tuple(f.alias for f in Volunteer.model_fields.values() if f.alias)
#: Which keys sops leaves in clear in a record (its `unencrypted_regex`).
UNENCRYPTED_REGEX = "^(" + "|".join(CLEAR_KEYS) + ")$"

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


def unwritten_keys(data: dict[str, Any]) -> list[str]:
    """The keys of `data` that dump_record leaves out (not fields of the model): writing the record back would lose
    them, so whoever rewrites a record whole asks first."""
    known = frozenset(RECORD_KEYS)
    return [key for key in data if key not in known]


def dump_record(data: dict[str, Any], sealer: Sealer | None = None) -> str:
    """A record file's text: the editor schema comment, then the keys in model order (encrypted with `sealer`)."""
    if sealer is not None:
        return _dump_sealed(data, sealer)
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


def _plain(value: Any) -> Scalar:
    """A value as it is encrypted: booleans and numbers keep their type, dates are written as text."""
    if isinstance(value, (bool, int, float)):
        return value
    return value.isoformat() if isinstance(value, date) else str(value)


def _dump_sealed(data: dict[str, Any], sealer: Sealer) -> str:
    lines = [SCHEMA_PRAGMA]
    values: list[Scalar] = []  # in document order, for the MAC
    clear = frozenset(CLEAR_KEYS)
    for key in RECORD_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if key in clear:
            text = str(_plain(value))
            lines.append(f"{key}: {json.dumps(text, ensure_ascii=False)}")
            values.append(text)
            continue
        items = value if isinstance(value, list) else [value]
        plain = [_plain(item) for item in items]
        tokens = [sealer.token(item, f"{key}:") or '""' for item in plain]
        if not isinstance(value, list):
            lines.append(f"{key}: {tokens[0]}")
        elif value:
            lines += [f"{key}:", *(f"  - {token}" for token in tokens)]
        else:
            lines.append(f"{key}: []")
        values += plain
    lines += envelope_lines(sealer.envelope(mac_of(values), UNENCRYPTED_REGEX))
    return "\n".join(lines) + "\n"
