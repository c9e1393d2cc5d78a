"""Problems are values: rules yield them, reporters render them, nothing raises them."""
from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field, replace

ERROR = "错误"
WARNING = "警告"
NOTICE = "提示"
LEVELS = (ERROR, WARNING, NOTICE)


@dataclass(frozen=True, order=True)
class Problem:
    """One finding: where it is (file, 1-based line and column), which field, and what is wrong."""

    file: str
    line: int | None
    col: int | None
    code: str
    level: str
    field: str | None
    message: str
    #: Every file the problem is about (repository rules name several); empty means just `file`.
    # dataclasses.field: in this class body the name `field` is the attribute above (for type checkers).
    involves: frozenset[str] = dataclasses.field(default=frozenset(), compare=False, repr=False)

    @property
    def key(self) -> str:
        """The record key the problem is about ("服务时间" for "服务时间[2]"); "" for a whole file."""
        return (self.field or "").split("[")[0].split(".")[0]

    @property
    def files(self) -> frozenset[str]:
        return self.involves or frozenset((self.file,))

    def at(self, line: int | None, col: int | None) -> Problem:
        return replace(self, line=line, col=col)


@dataclass
class Report:
    """The problems of one run over `files` files; valid when none is an error."""

    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: How many records count (计入), wait for the office (待核实) or have errors (有错误); None when not judged.
    tally: dict[str, int] | None = None

    @property
    def valid(self) -> bool:
        return not any(p.level == ERROR for p in self.problems)

    @property
    def counts(self) -> dict[str, int]:
        tally = Counter(p.level for p in self.problems)
        return {"files": self.files, **{level: tally.get(level, 0) for level in LEVELS}}

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.file, p.line or 0, p.col or 0, p.code))
