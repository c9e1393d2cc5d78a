"""The insured list as it stood on a past day, read from the repository's git history.

Insurers ask for additions and removals since the last list. The repository
already knows: the records at the last commit before that day are the
baseline. That commit's data/ is extracted into a private temporary folder and
read by the same loader and rules as today's records, so the baseline is
judged exactly like a roster built on that day would have been.
"""
from __future__ import annotations

import subprocess
import tarfile
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from . import settings
from .records import SettingsInvalid, Tally, repository, valid_volunteers
from .roster import insurance_row


class NoHistory(Exception):
    """The repository is not a git working tree (or git is missing)."""


class ShallowHistory(Exception):
    """The clone is shallow: commits before the cut are not there (CI: fetch-depth: 0)."""


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise NoHistory(str(getattr(exc, "stderr", "") or exc).strip()) from exc
    return done.stdout.strip()


def baseline_commit(root: Path, since: date) -> str | None:
    """The last commit on the current branch's first-parent line before `since` 00:00 (Asia/Shanghai)."""
    if _git(root, "rev-parse", "--is-inside-work-tree") != "true":
        raise NoHistory(str(root))
    if _git(root, "rev-parse", "--is-shallow-repository") == "true":
        raise ShallowHistory(str(root))
    if not _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}"):
        return None
    cut = f"{since.isoformat()}T00:00:00+08:00"
    return _git(root, "rev-list", "-1", "--first-parent", f"--before={cut}", "HEAD") or None


def insured_at(root: Path, since: date) -> dict[str, tuple[Any, ...]]:
    """{编号: insurance row} of the valid records at the baseline commit (empty before the first commit)."""
    commit = baseline_commit(root, since)
    if commit is None:
        return {}
    prefix = _git(root, "rev-parse", "--show-prefix")
    with tempfile.TemporaryDirectory(prefix="pingan-history-") as tmp:
        archive = Path(tmp) / "data.tar"
        try:
            subprocess.run(["git", "-C", str(root), "archive", "--format=tar", "-o", str(archive), commit, "--",
                            f"{prefix}{settings.DATA_DIR}"], check=True, capture_output=True)
        except subprocess.CalledProcessError:
            return {}  # the commit has no data/ folder yet
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "tree", filter="data")
        base = Path(tmp) / "tree" / prefix
        if not (base / settings.UNITS_DIR).is_dir():
            return {}
        try:
            found, ctx = repository(base, today=since - timedelta(days=1))
        except SettingsInvalid:  # settings broken at that commit: no list could be built then
            return {}
        return {v.record_id: insurance_row(v, found.units[v.unit].name)
                for v in valid_volunteers(base, ctx, Tally(), registered_by=since - timedelta(days=1))}
