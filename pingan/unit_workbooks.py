"""A unit's own workbooks: a volunteer's registration form and the entry template, read through the reader."""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import crypto, form, settings, xlsx_template
from .errors import NoSuchRecord
from .model import Volunteer
from .problems import ERROR, Problem
from .reader import Repository

RECORD_ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*-[0-9]{5}")


def build_form(root: Path, record_id: str, target: Path, password: str | None, today: date) -> list[Problem]:
    """Write the 登记表 of one record to `target` (encrypted with `password`); its errors instead, when it has any.

    Raises NoSuchRecord (a badly shaped 编号, or no such file) and SettingsInvalid.
    """
    if not RECORD_ID.fullmatch(record_id):
        raise NoSuchRecord(record_id, None)
    rel = f"{settings.VOLUNTEERS_DIR}/{record_id.rsplit('-', 1)[0]}/{record_id}.yaml"
    if not (root / rel).is_file():
        raise NoSuchRecord(record_id, rel)
    repo = Repository(root, today)
    units, _ = repo.settings.required()
    problems, data = repo.normalised(rel)
    errors = [p for p in problems if p.level == ERROR]
    if data is None or errors:
        return errors
    volunteer = Volunteer.model_construct(**data)
    with tempfile.TemporaryDirectory(prefix="pingan-form-") as tmp:
        written = Path(tmp) / "form.xlsx"
        form.write_form(volunteer, units[volunteer.unit], written)
        crypto.deliver(written, target, password)
    return []


@dataclass
class Template:
    """What `build_template` wrote: the unit's name, how many volunteers, and how many files it could not read."""

    unit_name: str
    count: int = 0
    unreadable: int = 0
    records: list[dict[str, Any]] = field(default_factory=list, repr=False)


def build_template(root: Path, unit: str, out: Path, with_records: bool, today: date) -> Template:
    """The entry template of `unit`, with its current records filled in when `with_records`.

    Raises UnknownUnit and SettingsInvalid.
    """
    repo = Repository(root, today)
    repo.settings.required()
    made = Template(repo.settings.unit(unit).name)
    if with_records:
        prefix = f"{settings.VOLUNTEERS_DIR}/{unit}/"
        for rel in repo.paths:
            if rel.startswith(prefix):
                data = repo.normalised(rel)[1]
                if data is None:
                    made.unreadable += 1
                else:
                    made.records.append(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    made.count = xlsx_template.write_template(out, made.unit_name, made.records)
    return made
