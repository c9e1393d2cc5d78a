"""What consumers need of a record besides where it stands, computed once when it is checked.

The statistics count these attributes; the story check compares name
digests. Nothing here names, reaches or locates anyone: no name (only a
keyed digest of it), no ID number, phone or address.
"""
from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, NamedTuple

from .. import fields as f


class Facts(NamedTuple):
    """A record's counted attributes, as plain strings (cheap to store in the index and compare)."""

    sex: str
    birth_date: str
    ethnicity: str
    political_status: str
    education: str
    service_type: str
    service_items: tuple[str, ...]
    roles: tuple[str, ...]
    region: str
    name_digest: str


def name_digest(name: str) -> str:
    """A short digest of a name: enough to tell whether a story names a volunteer, not to recover the name."""
    return hashlib.blake2b(name.encode("utf-8"), digest_size=8, person=b"pingan-name").hexdigest()


def _text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, str) else ""


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def facts_of(data: dict[str, Any]) -> Facts:
    """The facts of a record's normalised data; values of an unexpected shape read as empty."""
    name = data.get(f.NAME)
    return Facts(_text(data.get(f.SEX)), _text(data.get(f.BIRTH_DATE)), _text(data.get(f.ETHNICITY)),
                 _text(data.get(f.POLITICAL_STATUS)), _text(data.get(f.EDUCATION)), _text(data.get(f.SERVICE_TYPE)),
                 _texts(data.get(f.SERVICE_ITEMS)), _texts(data.get(f.ROLES)), _text(data.get(f.REGION)),
                 name_digest(name) if isinstance(name, str) else "")


NO_FACTS = Facts("", "", "", "", "", "", (), (), "", "")
