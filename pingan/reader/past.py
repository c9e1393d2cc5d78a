"""The repository's past, read from git: the tree at a revision, what changed between two, and every record path."""
from __future__ import annotations

import re
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from .. import gitio, settings
from ..errors import ChangesUnavailable, GitUnavailable, NoHistory, NotARepository, ShallowHistory
from .changes import Change, parse_name_status
from .repository import Repository
from .settings_files import Settings, load_settings


def _text(root: Path, *args: str) -> str:
    return gitio.text(root, *args, failure=NoHistory).strip()


def last_commit_before(root: Path, day: date) -> str | None:
    """The last commit on the current branch's first-parent line before `day` 00:00 (Asia/Shanghai)."""
    if _text(root, "rev-parse", "--is-inside-work-tree") != "true":
        raise NoHistory(str(root))
    if _text(root, "rev-parse", "--is-shallow-repository") == "true":
        raise ShallowHistory(str(root))
    try:
        _text(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except NoHistory:
        return None  # no commit yet
    cut = f"{day.isoformat()}T00:00:00+08:00"
    return _text(root, "rev-list", "-1", "--first-parent", f"--before={cut}", "HEAD") or None


@contextmanager
def data_at(root: Path, commit: str) -> Iterator[Path | None]:
    """A private temporary copy of the repository's data/ at `commit` (None when it had no data/units/)."""
    prefix = _text(root, "rev-parse", "--show-prefix")
    with tempfile.TemporaryDirectory(prefix="pingan-history-") as tmp:
        archive = Path(tmp) / "data.tar"
        try:
            gitio.git(root, "archive", "--format=tar", "-o", str(archive), commit, "--", f"{prefix}{settings.DATA_DIR}")
        except GitUnavailable:
            yield None  # the commit has no data/ folder yet
            return
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "tree", filter="data")
        base = Path(tmp) / "tree" / prefix
        yield base if (base / settings.UNITS_DIR).is_dir() else None


def names_ever_in(root: Path, folder: str, revision: str) -> set[str]:
    """File names that `folder` held in any commit reachable from `revision` (deleted ones too)."""
    out = gitio.text(root, "log", revision, "--format=", "--name-only", "--", f"{folder}/")
    return {line.rsplit("/", 1)[-1] for line in out.splitlines() if line}


def target_branch(root: Path) -> str | None:
    """The branch changes are merged into: origin/main when there is a remote, else main (None: neither)."""
    for ref in ("refs/remotes/origin/main", "refs/heads/main"):
        try:
            gitio.git(root, "rev-parse", "--verify", "--quiet", ref)
            return ref
        except GitUnavailable:
            continue
    return None


def changed_between(root: Path, old: str, new: str) -> list[Change]:
    """The files that differ between two revisions (renames paired), as `changes.changed_files` names them."""
    if old.startswith("-") or new.startswith("-"):
        raise ChangesUnavailable(f"不是有效的 git 引用：{old if old.startswith('-') else new}")
    out = gitio.text(root, "-c", "core.quotepath=off", "diff", "--name-status", "-M", "-z", "--no-ext-diff",
                     old, new, "--", failure=ChangesUnavailable)
    return sorted(parse_name_status(out), key=lambda c: c.path)


def record_paths_ever(root: Path, revision: str) -> set[str]:
    """Every record path that any commit reachable from `revision` held (deleted and renamed ones too)."""
    out = gitio.text(root, "log", revision, "--format=", "--name-only", "--no-renames", "--",
                     f"{settings.VOLUNTEERS_DIR}/")
    return {line for line in out.splitlines() if line}


@contextmanager
def repository_at(root: Path, revision: str, today: date) -> Iterator[Repository | None]:
    """The repository as it stood at `revision` (settings and records), judged as of `today`; None before data/."""
    with data_at(root, revision) as base:
        yield None if base is None else Repository(base, today)


def settings_at(root: Path, revision: str) -> Settings:
    """data/province.yaml, data/units/ and keys/ as `revision` holds them, read with git (never from the work tree).

    The gate judges a change by its target branch's settings, so that a change
    cannot promote its own author, raise its own quota or relax the rules.
    Raises NotARepository when the revision has no data/units/.
    """
    if revision.startswith("-"):
        raise ChangesUnavailable(f"不是有效的 git 引用：{revision}")
    prefix = _text(root, "rev-parse", "--show-prefix")
    with tempfile.TemporaryDirectory(prefix="pingan-settings-") as tmp:
        archive = Path(tmp) / "settings.tar"
        try:
            keys = [f"{prefix}{settings.KEYS_DIR}"] if gitio.text(
                root, "ls-tree", "--name-only", revision, "--", f"{prefix}{settings.KEYS_DIR}",
                failure=ChangesUnavailable).strip() else []
            gitio.git(root, "archive", "--format=tar", "-o", str(archive), revision, "--",
                      f"{prefix}{settings.PROVINCE_FILE}", f"{prefix}{settings.UNITS_DIR}", *keys,
                      failure=ChangesUnavailable)
        except ChangesUnavailable:
            if not _exists(root, revision):
                raise
            raise NotARepository(f"{revision}:{settings.UNITS_DIR}") from None
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "tree", filter="data")
        return load_settings(Path(tmp) / "tree" / prefix)


def _exists(root: Path, revision: str) -> bool:
    try:
        gitio.git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except GitUnavailable:
        return False
    return True




_RETIRED_LINE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[0-9]{5}")


def parse_retired(text: str) -> list[str]:
    """The 编号 lines of data/retired-numbers.txt, in file order (comments and blank lines skipped)."""
    return [line.strip() for line in text.splitlines() if _RETIRED_LINE.fullmatch(line.strip())]


def retired_at(root: Path, revision: str) -> list[str]:
    """data/retired-numbers.txt as `revision` holds it (empty when it has none)."""
    try:
        return parse_retired(gitio.text(root, "show", f"{revision}:{settings.RETIRED_NUMBERS_FILE}"))
    except GitUnavailable:
        return []  # no file: nothing purged yet


def numbers_used(root: Path, revision: str) -> set[str]:
    """Every 编号 a record ever had on `revision`'s history, and the retired numbers whose history was purged."""
    used = {path.rsplit("/", 1)[-1].removesuffix(".yaml") for path in record_paths_ever(root, revision)}
    return used | set(retired_at(root, revision))
