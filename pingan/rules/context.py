"""What record rules see: the repository settings and one record under check."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import catalogue
from ..agekeys import Keys
from ..loader import Loaded, Path_
from ..model import Province, Unit
from ..problems import Problem


@dataclass(frozen=True)
class Context:
    """Settings every rule may read: units by code, the province file, and the day of the check."""

    units: dict[str, Unit]
    province: Province
    today: date
    #: The public keys when the repository is encrypted (keys/ci.txt exists), else None.
    keys: Keys | None = None


def field_label(path: Path_) -> str:
    """"服务时间[2]" for the second item (1-based, as people count)."""
    head, *rest = path
    return str(head) + "".join(f"[{int(p) + 1}]" if isinstance(p, int) else f".{p}" for p in rest)


@dataclass
class RecordView:
    """One loaded record as the rules see it; normalising rules may replace values in `data`."""

    loaded: Loaded
    data: dict[str, Any]
    reported: set[str] = field(default_factory=set)

    @property
    def rel(self) -> str:
        return self.loaded.rel

    @property
    def folder(self) -> str:
        """The name of the folder the file sits in ("" at the top)."""
        parts = self.loaded.rel.rsplit("/", 2)
        return parts[-2] if len(parts) > 1 else ""

    @property
    def stem(self) -> str:
        """The file name without its last suffix."""
        name = self.loaded.rel.rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name

    def ok(self, *keys: str) -> bool:
        """Every key is present, not empty, and has no problem reported yet."""
        data, reported = self.data, self.reported
        for key in keys:  # a plain loop: asked about twenty times per record, a generator costs more than the test
            if data.get(key) is None or key in reported:
                return False
        return True

    def problem(self, code: str, path: Path_ | str, /, *, at_key: bool = False, **params: object) -> Problem:
        """A problem located at the value (or the key) of `path`."""
        path = (path,) if isinstance(path, str) else path
        marks = self.loaded.key_marks if at_key else None
        line, col = marks[path] if marks and path in marks else self.loaded.where(path)
        return catalogue.make(code, self.rel, field_label(path), line, col, **params)
