"""A unit's own workbooks: registration forms (one, or many in one workbook) and the entry template, read through
the reader."""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import codelists, crypto, form, settings, xlsx_template
from . import fields as f
from .errors import KeysCannotOpen, NoSuchRecord, PinganError
from .loader import Loaded
from .model import Unit, Volunteer
from .problems import ERROR, Problem
from .reader import TO_VERIFY, WITHDRAWN, Repository

RECORD_ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*-[0-9]{5}")


class RecordWithdrawn(PinganError):
    """The volunteer has left (状态 已退出): no form is printed for them."""


def _record_rel(root: Path, record_id: str) -> str:
    if not RECORD_ID.fullmatch(record_id):
        raise NoSuchRecord(record_id, None)
    rel = f"{settings.VOLUNTEERS_DIR}/{record_id.rsplit('-', 1)[0]}/{record_id}.yaml"
    if not (root / rel).is_file():
        raise NoSuchRecord(record_id, rel)
    return rel


def build_form(root: Path, record_id: str, target: Path, password: str | None, today: date) -> list[Problem]:
    """Write the 登记表 of one record to `target` (encrypted with `password`); its errors instead, when it has any.

    Raises NoSuchRecord (a badly shaped 编号, or no such file), RecordWithdrawn, SettingsInvalid and KeysCannotOpen.
    """
    rel = _record_rel(root, record_id)
    repo = Repository(root, today)
    units, _ = repo.settings.required()
    problems, data = repo.check(_opened(repo, rel))
    errors = [p for p in problems if p.level == ERROR]
    if data is None or errors:
        return errors
    if data.get(f.STATUS) == codelists.WITHDRAWN:
        raise RecordWithdrawn(record_id)
    volunteer = Volunteer.model_construct(**data)
    with tempfile.TemporaryDirectory(prefix="pingan-form-") as tmp:
        written = Path(tmp) / "form.xlsx"
        form.write_form(volunteer, units[volunteer.unit], written)
        crypto.deliver(written, target, password)
    return []


@dataclass
class Forms:
    """What `build_forms` printed (编号 in order) and what it left out, with why."""

    printed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def build_forms(root: Path, record_ids: list[str], unit: str | None, since: date | None, target: Path,
                password: str | None, today: date) -> Forms:
    """Write the 登记表 of every selected record into one workbook, a sheet (an A4 page) each.

    Selected are the records `record_ids` names and, with `unit`, every record
    of that unit (registered on or after `since`, when given). Only records
    that count are printed; those with errors, duplicates waiting for the
    office and volunteers who left are skipped and named in `skipped`.
    Raises NoSuchRecord, UnknownUnit and SettingsInvalid.
    """
    repo = Repository(root, today)
    units, _ = repo.settings.required()
    if unit is not None:
        repo.settings.unit(unit)  # raises UnknownUnit
    named = {_record_rel(root, record_id): n for n, record_id in enumerate(dict.fromkeys(record_ids))}
    chosen: list[tuple[int, str, Volunteer | None, str]] = []
    with repo.verdicts() as verdicts:
        for verdict in verdicts:
            entry = verdict.entry
            if entry.locked and (verdict.rel in named or entry.unit == unit):
                raise KeysCannotOpen(1)
            in_unit = unit is not None and entry.unit == unit and (
                since is None or not entry.registered or entry.registered >= since.isoformat())
            if verdict.rel not in named and not in_unit:
                continue
            order = named.get(verdict.rel, len(named))
            record_id = verdict.rel.rsplit("/", 1)[-1].removesuffix(".yaml")
            if verdict.status == WITHDRAWN:
                chosen.append((order, record_id, None, "已退出"))
            elif verdict.status == TO_VERIFY:
                chosen.append((order, record_id, None, "待核实（身份证号码与其他记录相同）"))
            elif not verdict.counts:
                chosen.append((order, record_id, None, "有错误"))
            else:
                v = repo.volunteer(verdict)
                chosen.append((order, record_id, v, "" if v is not None else "有错误"))
    chosen.sort(key=lambda item: item[0])  # named records in the order given, then the unit's in 编号 order
    made = Forms()
    printed: list[tuple[Volunteer, Unit]] = []
    for _, record_id, v, why in chosen:
        if v is None:
            made.skipped.append((record_id, why))
        else:
            made.printed.append(record_id)
            printed.append((v, units[v.unit]))
    with tempfile.TemporaryDirectory(prefix="pingan-form-") as tmp:
        written = Path(tmp) / "forms.xlsx"
        form.write_forms(printed, written)
        target.parent.mkdir(parents=True, exist_ok=True)
        crypto.deliver(written, target, password)
    return made


@dataclass
class Template:
    """What `build_template` wrote: the unit's name, how many volunteers, and how many files it could not read."""

    unit_name: str
    count: int = 0
    unreadable: int = 0
    records: list[dict[str, Any]] = field(default_factory=list, repr=False)


def _opened(repo: Repository, rel: str) -> Loaded:
    """A record as loaded, refused (KeysCannotOpen) when it is encrypted for others: a form or template made from
    its clear fields alone would look complete and be wrong."""
    loaded = repo.load(rel)
    if loaded.locked:
        raise KeysCannotOpen(1)
    return loaded


def build_template(root: Path, unit: str, out: Path, with_records: bool, today: date,
                   password: str | None = None) -> Template:
    """The entry template of `unit`, with its current records filled in when `with_records` (encrypted with
    `password` when given).

    Raises UnknownUnit, SettingsInvalid, and KeysCannotOpen for a record of the unit no key here opens.
    """
    repo = Repository(root, today)
    repo.settings.required()
    made = Template(repo.settings.unit(unit).name)
    if with_records:
        prefix = f"{settings.VOLUNTEERS_DIR}/{unit}/"
        for rel in repo.paths:
            if rel.startswith(prefix):
                data = repo.check(_opened(repo, rel))[1]
                if data is None:
                    made.unreadable += 1
                else:
                    made.records.append(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pingan-template-") as tmp:
        written = Path(tmp) / "template.xlsx"
        made.count = xlsx_template.write_template(written, made.unit_name, made.records)
        crypto.deliver(written, out, password)
    return made
