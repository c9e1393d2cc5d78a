"""`pingan validate`: the repository's verdicts, reported in one of three modes.

* full (no PATHs): every problem counts;
* PATHs (as pre-commit calls it): every problem that involves a PATH;
* changed since a git ref (pull requests): problems that involve a changed
  file count; the others were there before and are reported as 提示 (gate.py).

The verdicts themselves (which records count, and why not) come from the
repository reader, the same for every command.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

from . import fields, nogc, settings
from .crypto import in_ci
from .gate import (
    authorship,
    backfilled,
    concerns,
    is_admin,
    own_retirements,
    permanent_numbers,
    retired_only_grow,
    transfers,
)
from .problems import NOTICE, Report
from .reader import (
    JOBS,
    Change,
    Repository,
    added,
    changed_files,
    numbers_used,
    parse_retired,
    retired_at,
    settings_at,
    touched,
)
from .withhold import withheld


def _rel(root: Path, path: Path) -> str:
    path = path if path.is_absolute() else Path.cwd() / path
    return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()


def _has_previous_id(repo: Repository, rel: str) -> bool:
    """A record file that arrives carrying 原编号: the result of a transfer."""
    if not (rel.startswith(settings.VOLUNTEERS_DIR + "/") and rel.endswith(".yaml") and (repo.root / rel).is_file()):
        return False
    data = repo.load(rel).data
    return data is not None and data.get(fields.PREVIOUS_ID) is not None


def validate(root: Path, paths: list[Path] | None = None, today: date | None = None, *,
             changed_since: str | None = None, authors: Sequence[str] = (), use_cache: bool = True,
             jobs: int = JOBS, cache_dir: Path | None = None) -> Report:
    """Validate the repository at `root`; see the module docstring for the modes.

    With `changed_since` (a pull request), the settings that judge the change
    come from that ref's tip, read with git: the change under review is data.
    Only when every login in `authors` is an administrator there is the change
    judged as it stands, by its own settings.
    Raises NotARepository, and ChangesUnavailable when `changed_since`
    cannot be resolved by git.
    """
    today = today or settings.today()
    with nogc.paused():
        # git works out the changes in a thread while this one reads the tree (joined before any fork).
        with ThreadPoolExecutor(1) as git:
            asked = git.submit(changed_files, root, changed_since) if changed_since else None
            base = settings_at(root, changed_since) if changed_since else None
            judged_by = None if base is None or is_admin(authors, base) else base
            repo = Repository(root, today, judged_by=judged_by, cache_dir=cache_dir)
            changes: list[Change] | None = asked.result() if asked else None
        recent = added(changes) if changes is not None else frozenset()
        with repo.verdicts(use_cache=use_cache, jobs=jobs, recent=recent) as verdicts:
            problems = verdicts.problems
            tally = verdicts.tally()
            if changes is not None and base is not None and authors:
                problems += backfilled(changes, verdicts, today, base, authors)

    if paths is not None:
        wanted = frozenset(_rel(root, path) for path in paths)
        problems = [p for p in problems if not p.files.isdisjoint(wanted)]
        return _as_printed(repo, Report(files=len(wanted), problems=problems), wanted)
    if changes is not None and base is not None:
        changed = touched(changes)
        counts = concerns(changed)
        problems = [p if p.level == NOTICE or counts(p) else replace(p, level=NOTICE) for p in problems]
        ref = changed_since or ""
        retired = settings.RETIRED_NUMBERS_FILE
        allowed: frozenset[str] = frozenset()
        if retired in changed:
            before = retired_at(root, ref)
            after = parse_retired((root / retired).read_text(encoding="utf-8")) if (root / retired).is_file() else None
            problems += retired_only_grow(before, after)
            if after is not None and own_retirements(changes, before, after, base, authors):
                allowed = frozenset({retired})
        if authors:
            problems += authorship(changes, authors, base, allowed)
            problems += permanent_numbers(changes, lambda: numbers_used(root, ref), base, authors)
            problems += transfers([c.path for c in changes if c.status in ("A", "R") and _has_previous_id(repo, c.path)],
                                  base, authors)
        return _as_printed(repo, Report(files=len(changed), problems=problems, tally=tally), frozenset(changed))
    return _as_printed(repo, Report(files=len(repo.paths), problems=problems, tally=tally))


def _as_printed(repo: Repository, report: Report, named: frozenset[str] = frozenset()) -> Report:
    """In CI, an encrypted repository's problems are reported without what the key opened (withhold.py);
    `named`: the files under review, which may be named alone."""
    if repo.encrypted and in_ci():
        report.problems = withheld(report.problems, named)
    return report
