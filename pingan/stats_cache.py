"""The statistics cache: each record's counted facts, reused only while its bytes are unchanged.

Parsing 30,000 YAML files is most of a site build, and between two builds few
records change. Like the validation cache (pingan/cache.py, whose run key this
reuses), entries are keyed by a hash of the record's bytes; a matching file
signature only spares hashing them again (cache.unchanged). The whole cache
is dropped when the tool's source, its libraries or the settings files change.
The file holds only what the statistics count (unit, sex, age band, …) and a
hash of each name for the story check — no name, ID number, phone or address.
It lives in the gitignored .cache/pingan/ and is JSON, never pickle.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from . import cache
from .cache import write_atomically

CACHE_FILE = "site-stats.json"
FORMAT = "site-stats-1"
#: The validation run key includes today; the statistics do not depend on it.
_FIXED_DAY = date(2000, 1, 1)

Entry = list[Any]  # [bytes digest, facts or None, name digest or None, file signature]


def name_digest(name: str) -> str:
    return hashlib.blake2b(name.encode("utf-8"), digest_size=8, person=b"pingan-name").hexdigest()


def key(root: Path) -> str:
    return FORMAT + ":" + cache.run_key(root, _FIXED_DAY)


def load(root: Path, run_key: str) -> dict[str, Entry]:
    path = cache.cache_file(root, CACHE_FILE)
    if path is None or not path.is_file():
        return {}
    try:
        stored = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("key") != run_key or not isinstance(stored.get("records"), dict):
        return {}
    return stored["records"]


def save(root: Path, run_key: str, records: dict[str, Entry]) -> None:
    """Replace the cache atomically; silently skipped when the folder is unsafe or read-only."""
    path = cache.cache_file(root, CACHE_FILE)
    if path is None:
        return
    write_atomically(root, path, json.dumps({"key": run_key, "records": records}, ensure_ascii=False,
                                            separators=(",", ":")))
