"""What CI prints about an encrypted repository: nothing decrypted, and nothing that ties two units' records.

CI opens every record with its key, but its log is read by every unit. So,
there, a problem about an encrypted field keeps its code, file, line and
field and says only what kind of problem it is (the unit sees the details
by running `pingan validate` with its own key); and the records one ID
number or one person is registered under in several units are not listed
one by one, where a reader could pair them: one line counts them (a pull
request's own files are still named, alone), and the
office finds them on the roster's 待核实 sheet. Each keeps its level, so
the run passes or fails as it would have.
"""
from __future__ import annotations

from collections.abc import Iterable

from . import catalogue, settings
from .fields import keyless
from .problems import ERROR, Problem
from .reader import unit_of

_DUPLICATES = ("DUP001", "DUP002")


def _across_units(problem: Problem) -> bool:
    return problem.code in _DUPLICATES and len({unit_of(rel) for rel in problem.files}) > 1


def withheld(problems: Iterable[Problem], named: frozenset[str] = frozenset()) -> list[Problem]:
    """The problems as CI may print them in an encrypted repository (see the module docstring).

    A duplicate across units is still listed under its file when that file is `named` (a pull request's own
    files: its author needs to know which record to look at), never with the other unit's file.
    """
    kept: list[Problem] = []
    across: dict[tuple[str, str], int] = {}
    for problem in problems:
        if _across_units(problem) and problem.file not in named:
            across[problem.code, problem.level] = across.get((problem.code, problem.level), 0) + 1
        elif keyless(problem):
            kept.append(problem)
        else:
            kept.append(catalogue.make("ENC016", problem.file, problem.field, problem.line, problem.col, problem.level,
                                       code=problem.code, kind=catalogue.CATALOGUE[problem.code].title))
    for (code, level), count in sorted(across.items(), key=lambda item: item[0][1] != ERROR):
        kept.append(catalogue.make("ENC017", settings.VOLUNTEERS_DIR, None, None, None, level, code=code, count=count,
                                   kind=catalogue.CATALOGUE[code].title))
    return kept


__all__ = ["withheld"]
