"""A volunteer's lifecycle after registration: withdrawal, purge on consent withdrawal, and transfer.

* `withdraw` (a unit, in a pull request touching its own folder): the record
  stays, with 状态 已退出, 退出日期 and 退出原因; it counts nowhere from then
  on and frees its unit's quota (see reader.repository).
* `withdraw` with 退出原因 撤回个人信息同意 purges instead (PIPL art. 47): the
  record file is deleted and its 编号 is written to data/retired-numbers.txt,
  so the number is never given again even after the office has removed the
  record from the git history (`pingan history` finds the commits).
* `transfer` (the office): the person moves to another unit under the next
  free 编号 there, with 原编号 naming the old one; the old file is removed,
  every personal field stays as it was.

Records are rewritten by the repository's one writer (Repository.write_record),
keys in the model's order; nothing but the lifecycle fields changes. In an
encrypted repository the record must first be opened with a key held here
(KeysCannotOpen otherwise): a withdrawn record keeps its data key, so only the
changed lines differ; a transferred one is encrypted afresh for the
receiving unit, whose keys the sending unit's never were.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import codelists, settings
from . import fields as f
from .errors import KeysCannotOpen, NoSuchRecord, PinganError
from .importer import numbers_ever_used
from .loader import Loaded
from .problems import ERROR, Problem
from .reader import Repository, parse_retired, unit_of

RETIRED_FILE = settings.RETIRED_NUMBERS_FILE
RETIRED_HEADER = (
    "# 退役编号：因本人撤回个人信息同意而删除的志愿者记录的编号，一行一个，按顺序排列。\n"
    "# 这些编号永远不再分配给别人（即使办公室已把记录从提交历史中清除）；只可追加，不要删除或修改。\n"
    "# 由 pingan withdraw 编号 --reason 撤回个人信息同意 写入；迁移到加密仓库时，pingan encrypt-all 也把旧仓库历史中\n"
    "# 用过、迁移时已不在的编号写在这里（新仓库没有旧的提交历史）。\n"
)
RECORD_ID = re.compile(r"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)-([0-9]{5})")


class RecordHasErrors(PinganError):
    """The record (or what it would become) has errors: nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} errors")
        self.problems = problems


class AlreadyWithdrawn(PinganError):
    """The record is already 已退出: it cannot be withdrawn again or transferred."""


class SameUnit(PinganError):
    """A transfer to the unit the record is already in."""


class QuotaFull(PinganError):
    """The receiving unit has no free place: the office raises its quota first."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def record_rel(root: Path, record_id: str) -> str:
    """The record file of `record_id`. Raises NoSuchRecord (badly shaped 编号: rel None; no such file)."""
    match = RECORD_ID.fullmatch(record_id)
    if not match:
        raise NoSuchRecord(record_id, None)
    rel = f"{settings.VOLUNTEERS_DIR}/{match.group(1)}/{record_id}.yaml"
    if not (root / rel).is_file() or (root / rel).is_symlink():
        raise NoSuchRecord(record_id, rel)
    return rel


def retired_numbers(root: Path, unit: str | None = None) -> set[str]:
    """The 编号 in data/retired-numbers.txt (of `unit` only, when given)."""
    path = root / RETIRED_FILE
    numbers = parse_retired(path.read_text(encoding="utf-8")) if path.is_file() else []
    return {n for n in numbers if unit is None or n.rsplit("-", 1)[0] == unit}


def retire(root: Path, record_id: str) -> None:
    """Add `record_id` to data/retired-numbers.txt: header comment, then one 编号 a line, sorted."""
    retire_all(root, {record_id})


def retire_all(root: Path, record_ids: Iterable[str]) -> None:
    """Add every one of `record_ids` to data/retired-numbers.txt (one write, however many)."""
    numbers = sorted(retired_numbers(root) | set(record_ids))
    path = root / RETIRED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RETIRED_HEADER + "".join(f"{number}\n" for number in numbers), encoding="utf-8")


def _opened(repo: Repository, rel: str) -> Loaded:
    """The record file as loaded and, when encrypted, opened. Raises KeysCannotOpen when no key held here opens it."""
    loaded = repo.load(rel)
    if loaded.locked:
        raise KeysCannotOpen(1, rels=[rel], unit=unit_of(rel))
    return loaded


def _valid_data(repo: Repository, loaded: Loaded) -> dict[str, Any]:
    """The record's normalised data. Raises RecordHasErrors when it has any error."""
    problems, data = repo.check(loaded)
    errors = [p for p in problems if p.level == ERROR]
    if data is None or errors:
        raise RecordHasErrors(errors)
    return {key: value for key, value in data.items() if value is not None}


def _checked(repo: Repository, rel: str, data: dict[str, Any]) -> None:
    """Run every record rule on data about to be written. Raises RecordHasErrors."""
    problems, _ = repo.check(Loaded(rel, dict(data)))
    errors = [p for p in problems if p.level == ERROR]
    if errors:
        raise RecordHasErrors(errors)


@dataclass
class Withdrawal:
    """What `withdraw` did: the record rewritten as 已退出, or (consent withdrawn) deleted and its 编号 retired."""

    record_id: str
    rel: str
    purged: bool
    #: The deleted record's ID number, for `pingan history` (never printed unmasked).
    id_number: str | None = field(default=None, repr=False)


def withdraw(root: Path, record_id: str, reason: str, on: date | None, today: date) -> Withdrawal:
    """Mark the record 已退出 on `on` for `reason`; with 撤回个人信息同意, delete it and retire its 编号.

    Raises NoSuchRecord, SettingsInvalid, KeysCannotOpen, RecordHasErrors (the
    record, or the withdrawal, breaks a rule: nothing written),
    AlreadyWithdrawn, and ValueError for an unknown reason or a missing date.
    """
    if reason not in codelists.WITHDRAWAL_REASONS:
        raise ValueError(reason)
    rel = record_rel(root, record_id)
    repo = Repository(root, today)
    repo.settings.required()
    loaded = _opened(repo, rel)
    if reason == codelists.CONSENT_WITHDRAWN:
        number = (loaded.data or {}).get(f.ID_NUMBER)
        (root / rel).unlink()
        retire(root, record_id)
        return Withdrawal(record_id, rel, True, number if isinstance(number, str) else None)
    if on is None:
        raise ValueError("date")
    data = _valid_data(repo, loaded)
    if data.get(f.STATUS) == codelists.WITHDRAWN:
        raise AlreadyWithdrawn(record_id)
    data.update({f.STATUS: codelists.WITHDRAWN, f.WITHDRAWN_ON: on, f.WITHDRAWAL_REASON: reason})
    _checked(repo, rel, data)
    repo.write_record(rel, data, loaded)
    return Withdrawal(record_id, rel, False)


@dataclass
class Transfer:
    """What `transfer` did: the record now at `new_rel` as `new_id`; `old_rel` removed."""

    old_id: str
    new_id: str
    old_rel: str
    new_rel: str
    #: Encrypted afresh for the receiving unit: every line is new, so git shows a deletion and an addition.
    encrypted: bool = False


def next_record_id(root: Path, unit: str) -> str:
    """The next 编号 of `unit`: above every number it ever used (history included) and every retired one."""
    used = numbers_ever_used(root, unit) | {int(n.rsplit("-", 1)[1]) for n in retired_numbers(root, unit)}
    return f"{unit}-{max(used, default=0) + 1:05d}"


def transfer(root: Path, record_id: str, to_unit: str, today: date) -> Transfer:
    """Move the record to `to_unit` under its next free 编号, with 原编号; the person's fields stay as they are.

    Raises NoSuchRecord, UnknownUnit, SettingsInvalid, KeysCannotOpen, SameUnit,
    AlreadyWithdrawn, RecordHasErrors, and QuotaFull (the receiving unit has no
    free place).
    """
    rel = record_rel(root, record_id)
    repo = Repository(root, today)
    repo.settings.required()
    repo.settings.unit(to_unit)  # raises UnknownUnit
    loaded = _opened(repo, rel)
    data = _valid_data(repo, loaded)
    if data.get(f.UNIT) == to_unit:
        raise SameUnit(to_unit)
    if data.get(f.STATUS) == codelists.WITHDRAWN:
        raise AlreadyWithdrawn(record_id)
    new_id = next_record_id(root, to_unit)
    new_rel = f"{settings.VOLUNTEERS_DIR}/{to_unit}/{new_id}.yaml"
    data.update({f.RECORD_ID: new_id, f.UNIT: to_unit, f.PREVIOUS_ID: record_id})
    _checked(repo, new_rel, data)
    unit_file = f"{settings.UNITS_DIR}/{to_unit}.yaml"
    full = [p for p in repo.problems_with({new_rel: (data, (None, None))}, frozenset({new_rel}))
            if p.code == "QUO001" and p.file == unit_file]
    if full:
        raise QuotaFull(full)
    repo.write_record(new_rel, data, loaded)  # another unit: a new data key, for the receiving unit's readers
    (root / rel).unlink()
    return Transfer(record_id, new_id, rel, new_rel, repo.encrypted)


__all__ = ["RETIRED_FILE", "AlreadyWithdrawn", "QuotaFull", "RecordHasErrors", "SameUnit", "Transfer", "Withdrawal",
           "next_record_id", "record_rel", "retire", "retire_all", "retired_numbers", "transfer", "withdraw"]
