"""Paths, limits and defaults of the tool itself (programme rules live in data/province.yaml)."""
from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .errors import PinganError

PACKAGE_DIR = Path(__file__).resolve().parent
TIMEZONE = ZoneInfo("Asia/Shanghai")

DATA_DIR = "data"
UNITS_DIR = "data/units"
VOLUNTEERS_DIR = "data/volunteers"
PROVINCE_FILE = "data/province.yaml"
#: Numbers of records purged on request: never given again, and the file only ever grows.
RETIRED_NUMBERS_FILE = "data/retired-numbers.txt"
SCHEMAS_DIR = "schemas"
#: Public age keys of units, the office and CI (issue 15): the repository is encrypted when keys/ci.txt exists.
KEYS_DIR = "keys"
#: Workbooks units upload through the web interface, one folder per unit (imported after the merge).
IMPORTS_DIR = "imports"
#: Files that may stay in imports/ (instructions, empty-folder markers): never taken for an upload.
IMPORTS_KEPT = frozenset({"README.md", ".gitkeep"})

#: Records are small; anything larger is refused before it is parsed.
MAX_RECORD_BYTES = 64 * 1024
#: A bad value is never echoed longer than this in a message.
MAX_ECHO_CHARS = 40

SCHEMA_PRAGMA = "# yaml-language-server: $schema=../../../schemas/volunteer.schema.json"


class BadToday(PinganError, ValueError):
    """PINGAN_TODAY is set but is not a YYYY-MM-DD date."""


def today() -> date:
    """Today in Asia/Shanghai, or PINGAN_TODAY=YYYY-MM-DD when set (tests, re-runs)."""
    override = os.environ.get("PINGAN_TODAY", "").strip()
    if override:
        try:
            return date.fromisoformat(override)
        except ValueError as exc:
            raise BadToday(override) from exc
    return datetime.now(TIMEZONE).date()


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds data/units/."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / UNITS_DIR).is_dir():
            return folder
    return None
