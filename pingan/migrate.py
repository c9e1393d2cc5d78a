"""`pingan encrypt-all --root OLD --out NEW`: a plaintext repository copied into a new, encrypted one.

Encrypting the records in place would not help: every commit of OLD keeps
them in clear text. So NEW is a new git repository with one commit: the
settings (data/province.yaml, data/units/, keys/) and every other file OLD
tracks as they are, every record encrypted by the one writer for its unit,
the office and CI, .sops.yaml for sops, and data/retired-numbers.txt with
every 编号 that OLD's history used and that is gone now, so that no number
is ever given twice although NEW's history does not remember them.

Nothing that may hold personal data is copied in clear text: OLD must have
no uncommitted change (new public keys under keys/ excepted), no pending
import workbooks and nothing under data/volunteers/ but records. When a
record cannot be written whole (broken YAML, a field the model does not
know), nothing is left of NEW. Records are encrypted by JOBS forked
processes (wrapping each data key for four or five keys costs most).
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import forked, gitio, settings
from .agekeys import KEYS_DIR, Keyring
from .errors import NoHistory, NotEncrypted, PinganError
from .keysync import write_sops_config
from .lifecycle import RECORD_ID, retire_all, retired_numbers
from .problems import Problem
from .reader import CACHE_DIR, JOBS, Repository, numbers_used
from .rewritable import blockers
from .settings import IMPORTS_DIR, IMPORTS_KEPT

#: Folders whose files may hold personal data: only records (encrypted) and IMPORTS_KEPT files leave them.
GUARDED = (f"{settings.VOLUNTEERS_DIR}/", f"{IMPORTS_DIR}/", f"{CACHE_DIR.split('/')[0]}/")


class UncommittedChanges(PinganError):
    """OLD has changes that are not committed: NEW would not be the copy of one commit."""

    def __init__(self, paths: list[str]):
        super().__init__(f"{len(paths)} paths")
        self.paths = paths


class TargetNotEmpty(PinganError):
    """NEW exists and is not an empty folder, or lies inside OLD."""


class PlaintextOutsideRecords(PinganError):
    """OLD tracks files that may hold personal data and are not records (pending imports, stray files)."""

    def __init__(self, paths: list[str]):
        super().__init__(f"{len(paths)} paths")
        self.paths = paths


class RecordsNotRewritable(PinganError):
    """Some records cannot be written whole (their problems): nothing of NEW is left."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True)
class Migration:
    """What `encrypt_all` made: NEW's one commit, from which commit of OLD, and what it holds."""

    old_commit: str
    new_commit: str
    records: int
    copied: int  #: other files copied as they are
    retired: int  #: numbers added to data/retired-numbers.txt from OLD's history


def _git_lines(root: Path, *args: str) -> list[str]:
    return [item for item in gitio.text(root, *args, failure=NoHistory).split("\0") if item]


def _check_old(old: Path) -> str:
    """OLD's commit, when OLD is the top of a git work tree without uncommitted changes (new key files allowed).

    Raises NoHistory and UncommittedChanges.
    """
    top = gitio.text(old, "rev-parse", "--show-toplevel", failure=NoHistory).strip()
    if Path(top).resolve() != old:
        raise NoHistory(str(old))
    commit = gitio.text(old, "rev-parse", "--verify", "HEAD^{commit}", failure=NoHistory).strip()
    changed = []
    for entry in _git_lines(old, "-c", "core.quotepath=off", "status", "--porcelain=v1", "-z", "--untracked-files=all",
                           "--no-renames"):
        state, path = entry[:2], entry[3:]
        if not (state == "??" and path.startswith(f"{KEYS_DIR}/")):
            changed.append(path)
    if changed:
        raise UncommittedChanges(sorted(changed))
    return commit


def _check_new(old: Path, new: Path) -> None:
    if new.is_relative_to(old) or (new.exists() and (not new.is_dir() or any(new.iterdir()))):
        raise TargetNotEmpty(str(new))


def _encrypt_records(old: Repository, new: Repository, jobs: int) -> list[Problem]:
    """Encrypt every record of OLD into NEW (forked workers share the batches); the problems of those that cannot
    be written whole."""
    def encrypt(rels: list[str]) -> list[Problem]:
        problems: list[Problem] = []
        for rel in rels:
            loaded = old.load(rel)
            stopped = blockers(loaded)
            if stopped:
                problems += stopped
            elif loaded.seal is not None:  # already encrypted: kept as it is (keys sync fixes its recipients)
                (new.root / rel).parent.mkdir(parents=True, exist_ok=True)
                (new.root / rel).write_bytes(loaded.raw or b"")
            elif loaded.data is not None:
                new.write_record(rel, loaded.data)
        return problems

    return list(forked.in_batches(encrypt, old.paths, jobs))


def _copy(old: Path, new: Path, rel: str) -> None:
    source, target = old / rel, new / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
    elif source.is_file():
        shutil.copy2(source, target)


def _empty(new: Path, existed: bool) -> None:
    """Remove what was written to NEW (the folder too, unless it was there, empty, before)."""
    if not existed:
        shutil.rmtree(new, ignore_errors=True)
        return
    for child in new.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink()


def encrypt_all(old: Path, new: Path, jobs: int = JOBS) -> Migration:
    """Make NEW the encrypted copy of OLD's current commit (see the module docstring).

    Raises NotARepository, NotEncrypted (OLD has no keys/ci.txt), SettingsInvalid,
    NoHistory (OLD is not the top of a git work tree with a commit),
    UncommittedChanges, TargetNotEmpty, PlaintextOutsideRecords,
    RecordsNotRewritable and GitUnavailable (git failed in NEW); on any of the
    last two, nothing of NEW is left.
    """
    old, new = old.resolve(), Path(os.path.abspath(new))
    source = Repository(old, keyring=Keyring())  # plaintext needs no key; encrypted records are kept as they are
    if source.settings.keys is None:
        raise NotEncrypted(str(old))
    source.settings.required()
    old_commit = _check_old(old)
    _check_new(old, new)
    records = set(source.paths)
    tracked = _git_lines(old, "ls-files", "-z")
    guarded = sorted(rel for rel in tracked if rel not in records and rel.startswith(GUARDED)
                     and rel.rsplit("/", 1)[-1] not in IMPORTS_KEPT)
    if guarded:
        raise PlaintextOutsideRecords(guarded)
    others = [rel for rel in tracked if rel not in records]
    others += [rel for rel in _git_lines(old, "ls-files", "-z", "--others", "--exclude-standard", "--", KEYS_DIR)
               if rel not in others]
    existed = new.exists()
    new.mkdir(parents=True, exist_ok=True)
    try:
        for rel in others:
            _copy(old, new, rel)
        target = Repository(new, keyring=Keyring())
        problems = _encrypt_records(source, target, jobs)
        if problems:
            raise RecordsNotRewritable(sorted(problems, key=lambda p: (p.file, p.line or 0)))
        write_sops_config(new, target.settings)
        present = {rel.rsplit("/", 1)[-1].removesuffix(".yaml") for rel in records}
        gone = {n for n in numbers_used(old, old_commit) if RECORD_ID.fullmatch(n)} - present - retired_numbers(new)
        if gone:
            retire_all(new, gone)
        gitio.git(new, "init", "-q", "-b", "main")
        gitio.git(new, "add", "-A")
        gitio.git(new, "-c", "gc.auto=0", "commit", "-q", "-m",
                  f"Encrypted copy of the data repository at {old_commit[:12]} (pingan encrypt-all)")
        new_commit = gitio.text(new, "rev-parse", "HEAD").strip()
    except BaseException:
        _empty(new, existed)
        raise
    return Migration(old_commit, new_commit, len(records), len(others), len(gone))


__all__ = ["Migration", "PlaintextOutsideRecords", "RecordsNotRewritable", "TargetNotEmpty", "UncommittedChanges",
           "encrypt_all"]
