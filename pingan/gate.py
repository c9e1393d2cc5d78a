"""The pull-request gate: which problems a change answers for, and who may change what.

Everything that decides who may do what comes from the target branch, never
from the change: the administrators, the units and their maintainers, the
quotas and the recruitment rules (see validate.py, which reads them with
`reader.settings_at`). A unit maintainer may change only their own unit's
record files and workbooks; every other path (settings, code, workflows,
docs, caches, keys, anything new) is the office's.

A change answers for the problems that involve a file it touches (settings
and code changes concern every record they govern); the others were there
before and are shown as 提示.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta

from . import catalogue, settings
from .catalogue import Verbatim
from .model import login_key
from .problems import Problem
from .reader import Change, Settings, Verdict, added
from .settings import IMPORTS_DIR


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


def is_admin(authors: Sequence[str], base: Settings) -> bool:
    """Every login behind the change is an administrator of the target branch (none given: no)."""
    admins = {login_key(a) for a in (base.province.admins if base.province else [])}
    return bool(authors) and all(login_key(a) in admins for a in authors)


def maintained_by(author: str, base: Settings) -> set[str]:
    """The codes of the units `author` maintains, by the target branch's settings."""
    who = login_key(author)
    return {code for code, unit in base.units.items() if who in {login_key(m) for m in unit.maintainers}}


def _own_path(path: str, units: set[str]) -> bool:
    """A record file of one of `units` (data/volunteers/<u>/<u>-NNNNN.yaml) or a workbook in imports/<u>/."""
    for unit in units:
        if re.fullmatch(rf"{re.escape(settings.VOLUNTEERS_DIR)}/{re.escape(unit)}/{re.escape(unit)}-[0-9]{{5}}\.yaml",
                        path):
            return True
        if path.startswith(f"{IMPORTS_DIR}/{unit}/") and "/" not in path.removeprefix(f"{IMPORTS_DIR}/{unit}/"):
            return True
    return False


def authorship(changes: Iterable[Change], authors: Sequence[str], base: Settings,
               allowed: frozenset[str] = frozenset()) -> list[Problem]:
    """Each login behind the change may change each path it touches, by the target branch's settings.

    A unit maintainer: only their own unit's record files and imports/<unit>/
    (and `allowed`: data/retired-numbers.txt when the change retires their own
    deleted records). Everything else (settings, other units, code, workflows,
    docs, caches, keys, anything new) only an administrator.
    """
    if is_admin(authors, base):
        return []
    problems = []
    paths = sorted({path for change in changes for path in change.paths})
    for author in authors:
        if is_admin([author], base):
            continue
        own = maintained_by(author, base)
        if not own:  # one error that says what to ask for, not one line per file
            problems.append(catalogue.make("AUT005", paths[0] if paths else settings.PROVINCE_FILE, None,
                                           author=author, count=len(paths)))
            continue
        for path in paths:
            if path in allowed or _own_path(path, own):
                continue
            unit_code = _unit_of(path) or (path.split("/")[1] if path.startswith(IMPORTS_DIR + "/")
                                           and path.count("/") >= 2 else None)
            unit = base.units.get(unit_code) if unit_code else None
            shown = Verbatim(path)
            if unit is not None and unit_code not in own:
                problems.append(catalogue.make("AUT001", path, None, author=author, unit=unit_code, path=shown,
                                               unit_name=unit.name))
            elif path == settings.PROVINCE_FILE or path.startswith(settings.UNITS_DIR + "/"):
                problems.append(catalogue.make("AUT002", path, None, author=author, path=shown))
            else:
                problems.append(catalogue.make("AUT003", path, None, author=author, path=shown))
    return problems


def _record_id(path: str) -> str | None:
    unit = _unit_of(path)
    return path.rsplit("/", 1)[-1].removesuffix(".yaml") if unit and path.endswith(".yaml") else None


def permanent_numbers(changes: Sequence[Change], used: Callable[[], set[str]], base: Settings,
                      authors: Sequence[str]) -> list[Problem]:
    """A record's 编号 never changes, and a number once used is never given to anyone else.

    Renaming a record file to another 编号 is the office's transfer; adding a
    record under a number that main's history (or data/retired-numbers.txt)
    already knows is the office's restoration. `used` is asked only when
    the change adds a record.
    """
    if is_admin(authors, base):
        return []
    problems = []
    for change in changes:
        new_id = _record_id(change.path)
        if change.old is not None and new_id is not None and _record_id(change.old) not in (None, new_id):
            problems.append(catalogue.make("NUM001", change.path, None, old=_record_id(change.old), new=new_id))
    added_ids = {change.path: _record_id(change.path) for change in changes if change.status == "A"}
    added_ids = {path: number for path, number in added_ids.items() if number}
    if added_ids:
        known = used()
        problems += [catalogue.make("NUM002", path, None, value=number)
                     for path, number in sorted(added_ids.items()) if number in known]
    return problems


def retired_only_grow(before: list[str], after: list[str] | None) -> list[Problem]:
    """data/retired-numbers.txt only ever grows: no number in it is removed or changed, by anyone."""
    kept = set(after or ())
    lost = [number for number in before if number not in kept]
    return [catalogue.make("NUM003", settings.RETIRED_NUMBERS_FILE, None, value=number) for number in lost]


def own_retirements(changes: Sequence[Change], before: list[str], after: list[str], base: Settings,
                    authors: Sequence[str]) -> bool:
    """A maintainer's purge: every number the change adds to data/retired-numbers.txt is one of their own
    units' records that the same change deletes (what `pingan withdraw … --reason 撤回个人信息同意` does)."""
    deleted = {_record_id(c.path) for c in changes if c.status == "D"}
    added = set(after) - set(before)
    for author in authors:
        own = maintained_by(author, base)
        if not all(number in deleted and number.rsplit("-", 1)[0] in own for number in added):
            return False
    return bool(added)


def transfers(added_with_previous: Sequence[str], base: Settings, authors: Sequence[str]) -> list[Problem]:
    """A record that arrives with 原编号 is a transfer between units: the office's operation."""
    if is_admin(authors, base):
        return []
    return [catalogue.make("AUT006", rel, "原编号") for rel in added_with_previous]


def backfilled(changes: Sequence[Change], verdicts: Iterable[Verdict], today: date, base: Settings,
               authors: Sequence[str]) -> list[Problem]:
    """New records registered longer ago than the backfill limit: only an administrator adds those."""
    if base.province is None or is_admin(authors, base):
        return []
    days = base.province.backfill_days
    cutoff = (today - timedelta(days=days)).isoformat()
    new = added(changes)
    return [catalogue.make("AUT004", v.rel, "登记日期", registered=v.entry.registered, days=days, cutoff=cutoff)
            for v in verdicts if v.rel in new and v.entry.registered and v.entry.registered < cutoff]
