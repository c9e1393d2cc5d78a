"""The insured list as it stood on a past day, read from the repository's git history.

Insurers ask for additions and removals since the last list. The repository
already knows: the records at the last commit before that day are the
baseline. That commit's data/ is read by the same repository reader as
today's records, so the baseline is judged exactly as a roster built on that
day would have been, and counts the same records.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .errors import SettingsInvalid
from .model import Volunteer
from .reader import Repository, last_commit_before, repository_at

INSURANCE_COLUMNS = ("编号", "姓名", "性别", "出生日期", "身份证号", "单位", "手机")


def insurance_row(v: Volunteer, unit_name: str) -> tuple[Any, ...]:
    """One volunteer as the insurer needs them (单位 = the recruiting unit, which arranges the cover)."""
    return (v.record_id, v.name, v.sex, v.birth_date, v.id_number, unit_name, v.mobile)


def insured(repo: Repository, as_of: date) -> dict[str, tuple[Any, ...]]:
    """{编号: insurance row} of every record that counts and was registered by `as_of`."""
    rows = {}
    with repo.verdicts(use_cache=False) as verdicts:
        verdicts.require_open()
        for verdict in verdicts:
            if verdict.counts and verdict.registered_by(as_of):
                v = repo.volunteer(verdict)
                if v is not None:
                    rows[v.record_id] = insurance_row(v, repo.settings.units[v.unit].name)
    return rows


def insured_at(root: Path, since: date) -> dict[str, tuple[Any, ...]]:
    """{编号: insurance row} of the counted records at the baseline commit (empty before the first commit)."""
    commit = last_commit_before(root, since)
    if commit is None:
        return {}
    eve = since - timedelta(days=1)
    with repository_at(root, commit, eve) as repo:
        if repo is None:
            return {}
        try:
            repo.settings.required()
        except SettingsInvalid:  # settings broken at that commit: no list could be built then
            return {}
        return insured(repo, eve)
