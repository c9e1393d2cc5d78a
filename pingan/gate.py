"""The pull-request gate: which problems a change is answerable for, and who may change what.

A change answers for the problems that involve a file it touches (settings and
code changes concern every record they govern); the others were there before
and are shown as 提示. Records belong to their unit's maintainers; settings
only to the office's administrators.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from . import catalogue, settings
from .catalogue import Verbatim
from .problems import Problem
from .reader import Change, Settings


def _unit_of(rel: str) -> str | None:
    parts = rel.split("/")
    return parts[2] if len(parts) > 3 and rel.startswith(settings.VOLUNTEERS_DIR + "/") else None


def concerns(changed: frozenset[str]) -> Callable[[Problem], bool]:
    """A test: does a problem concern the changed files? Settings and tool changes concern their records."""
    everything = settings.PROVINCE_FILE in changed or any(p.startswith("pingan/") for p in changed)
    units = {p.rsplit("/", 1)[-1].removesuffix(".yaml") for p in changed
             if p.startswith(settings.UNITS_DIR + "/")}

    def counts(problem: Problem) -> bool:
        files = problem.files
        if not files.isdisjoint(changed):
            return True
        return any((everything and f.startswith(settings.VOLUNTEERS_DIR + "/")) or _unit_of(f) in units
                   for f in files)
    return counts


def login_key(name: str) -> str:
    """A host login as compared: without @, outer spaces and case."""
    return name.strip().removeprefix("@").casefold()


def authorship(changes: Iterable[Change], author: str, found: Settings) -> list[Problem]:
    """Each changed record belongs to a unit the author maintains; settings only by an administrator."""
    admins = {login_key(a) for a in (found.province.admins if found.province else [])}
    who = login_key(author)
    if who in admins:
        return []
    problems = []
    for path in sorted({path for change in changes for path in change.paths}):
        unit_code = _unit_of(path)
        if unit_code is not None:
            unit = found.units.get(unit_code)
            if unit is None or who not in {login_key(m) for m in unit.maintainers}:
                problems.append(catalogue.make("AUT001", path, None, author=author, unit=unit_code, path=Verbatim(path),
                                               unit_name=unit.name if unit else unit_code))
        elif path == settings.PROVINCE_FILE or path.startswith(settings.UNITS_DIR + "/"):
            problems.append(catalogue.make("AUT002", path, None, author=author, path=Verbatim(path)))
    return problems
